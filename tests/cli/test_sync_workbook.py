"""Workbooks from the CLI: `sync add --tabs` makes the .xlsx with a tab per entity, `sync list` and `sync show`
list the tabs with their slices and header notes, `sync set` changes every tab's slice, `sync run` runs them all,
and `sync team` gives each member of a department a workbook of their own from a workbook template."""
import openpyxl

from ltc.models import FollowUp, Lead
from ltc.models.sync import SyncTarget
from ltc.services import audit
from tests.factories import make_contract, make_customer, make_lead, make_two_reps


def _team():
    east, admin, a, b = make_two_reps()
    with audit.acting_as(admin, 'cli'):
        make_lead(company='Alpha', owner=a, department=east)
        make_lead(company='Beta', owner=b, department=east)
        make_contract(title='Beta deal', owner=b, department=east, customer=make_customer(owner=b))
    return a, b


def test_workbook_from_the_cli(runner, db, tmp_path):
    a, b = _team()
    path = tmp_path / 'book.xlsx'
    result = runner.invoke(args=['ltc', 'sync', 'add', 'book', '--tabs', 'followups,leads', '--file', str(path),
                                 '--as', 'rep_a', '--where', 'owner=me', '--lang', 'en'])
    assert result.exit_code == 0, result.output
    assert 'added workbook book (xlsx' in result.output and '2 tabs, runs as rep_a' in result.output
    assert 'book/leads' in result.output and 'Leads (created)' in result.output
    assert openpyxl.load_workbook(path).sheetnames[:2] == ['Leads', 'Follow-ups']
    result = runner.invoke(args=['ltc', 'sync', 'run', 'book'])
    assert result.exit_code == 0, result.output
    assert 'book/leads:' in result.output and 'book/followups:' in result.output
    assert '1 reads, 1 writes' in result.output
    assert [r[1].value for r in openpyxl.load_workbook(path)['Leads'].iter_rows(min_row=2)] == ['Alpha']
    import datetime
    from ltc.health import stale_sync_targets
    later = datetime.datetime.utcnow() + datetime.timedelta(days=3)
    assert [s['target'] for s in stale_sync_targets()[1]] == []   # its tabs' runs are the workbook's
    assert [s['target'] for s in stale_sync_targets(now=later)[1]] == ['book']

    listed = runner.invoke(args=['ltc', 'sync', 'list'])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].startswith('book') and 'workbook' in lines[0]
    assert any(line.strip().startswith('book/followups') and 'holds owner=me' in line for line in lines[1:])
    shown = runner.invoke(args=['ltc', 'sync', 'show', 'book/leads'])
    assert shown.exit_code == 0, shown.output
    assert 'workbook of 2 tabs' in shown.output and 'header note: LTC two-way sync: book/leads' in shown.output

    result = runner.invoke(args=['ltc', 'sync', 'set', 'book', '--where', 'owner=me', '--where',
                                 'leads:status=new'])
    assert result.exit_code == 0, result.output
    terms = {t.entity: t.terms for t in SyncTarget.select().where(SyncTarget.workbook.is_null(False))}
    assert terms == {'leads': [('owner', 'me'), ('status', 'new')], 'followups': [('owner', 'me')]}
    refused = runner.invoke(args=['ltc', 'sync', 'set', 'book', '--where', 'quotes:owner=me'])
    assert refused.exit_code != 0 and 'quotes' in refused.output

    # A follow-up typed on its tab naming the lead by its code; the run goes through every tab.
    book = openpyxl.load_workbook(path)
    header = [c.value for c in book['Follow-ups'][1]]
    row = [None] * len(header)
    row[header.index('Lead')], row[header.index('Happened at')] = Lead.get(Lead.company == 'Alpha').code, '2026-11-02'
    book['Follow-ups'].append(row)
    book.save(path)
    result = runner.invoke(args=['ltc', 'sync', 'run', '--all'])
    assert result.exit_code == 0, result.output
    assert FollowUp.select().count() == 1 and 'book/followups' in result.output
    status = runner.invoke(args=['ltc', 'sync', 'status', 'book'])
    assert status.exit_code == 0 and status.output.count(' sync ') == 4, status.output   # two runs of two tabs
    assert runner.invoke(args=['ltc', 'sync', 'conflicts', 'book']).output.strip() == '0 open conflicts'


def test_team_workbooks_from_a_workbook_template(runner, db, tmp_path):
    a, b = _team()
    path = tmp_path / 'team.xlsx'
    result = runner.invoke(args=['ltc', 'sync', 'add', 'team', '--tabs', 'leads,contracts', '--file', str(path),
                                 '--as', 'boss', '--lang', 'en'])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=['ltc', 'sync', 'team', 'team', '--department', 'D-EAST', '--spreadsheets'])
    assert result.exit_code == 0, result.output
    assert '2 made' in result.output
    mine = SyncTarget.get(SyncTarget.name == 'team-rep_b')
    assert mine.is_workbook and mine.run_as_id == b.id
    assert sorted(t.name for t in mine.tabs) == ['team-rep_b/contracts', 'team-rep_b/leads']
    assert all(('owner', 'me') in t.terms for t in mine.tabs)
    result = runner.invoke(args=['ltc', 'sync', 'run', 'team-rep_b'])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / 'team-rep_b.xlsx')
    assert [r[1].value for r in book['Leads'].iter_rows(min_row=2)] == ['Beta']
    assert [r[1].value for r in book['Contracts'].iter_rows(min_row=2)] == ['Beta deal']
