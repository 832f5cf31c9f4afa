"""Team sheets on Google Sheets (gspread against the emulator) and from the CLI: each rep's sheet holds
their slice; a reassignment moves the row from one rep's sheet to the other's."""
from ltc.models import AuditLog, Lead
from ltc.models.sync import SyncTarget
from ltc.services import assignment, audit
from tests.conftest_sheets import sheets_emulator  # noqa: F401
from tests.factories import make_lead, make_two_reps


def _team():
    east, admin, a, b = make_two_reps()
    with audit.acting_as(admin, 'cli'):
        leads = [make_lead(company=f'甲{i}', owner=a, department=east) for i in range(3)]
        leads += [make_lead(company=f'乙{i}', owner=b, department=east) for i in range(2)]
    return admin, a, b, leads


def _codes(emulator, title):
    return sorted(r[0] for r in emulator.rendered('1TeamKey', title)[1:] if r and r[0])


def test_rep_sheets_on_google_follow_a_reassignment(app, runner, db, sheets_emulator):
    app.config.update(GOOGLE_API_BASE=sheets_emulator.base_url, GOOGLE_REQUESTS_PER_MINUTE='600000',
                      GOOGLE_REQUEST_BURST='10000')   # no client-side rate-limit waits in a test
    sheets_emulator.create_spreadsheet('1TeamKey', 'Team')
    admin, a, b, leads = _team()
    for name, user in (('A', 'rep_a'), ('B', 'rep_b')):
        result = runner.invoke(args=['ltc', 'sync', 'add', name, '--entity', 'leads', '--gsheet', '1TeamKey',
                                     '--worksheet', name, '--as', user, '--where', 'owner=me',
                                     '--where', 'stage=open'])
        assert result.exit_code == 0, result.output
        assert f'runs as {user}, holds owner=me, stage=open' in result.output
        assert runner.invoke(args=['ltc', 'sync', 'run', name]).exit_code == 0
    assert _codes(sheets_emulator, 'A') == sorted(lead.code for lead in leads[:3])
    assert _codes(sheets_emulator, 'B') == sorted(lead.code for lead in leads[3:])
    moved = leads[0]
    assignment.assign_lead(Lead.get_by_id(moved.id), by=admin, to=b)
    for name in ('A', 'B'):
        assert runner.invoke(args=['ltc', 'sync', 'run', name]).exit_code == 0
    assert moved.code not in _codes(sheets_emulator, 'A') and moved.code in _codes(sheets_emulator, 'B')
    assert Lead.get_by_id(moved.id).owner_id == b.id
    assert not AuditLog.select().where(AuditLog.entity == 'Lead', AuditLog.action == 'delete').exists()
    # Rep a types rep b's code into their sheet: refused, rep b's lead unchanged.
    sheets_emulator.type_values('1TeamKey', 'A', [[leads[3].code, '被改名']], row=10)
    result = runner.invoke(args=['ltc', 'sync', 'run', 'A'])
    assert result.exit_code == 1, result.output
    assert Lead.get_by_id(leads[3].id).company == '乙0'
    assert '在您可修改的记录中找不到' in sheets_emulator.rendered('1TeamKey', 'A')[9][-1]


def test_slice_shown_changed_and_refused_from_the_cli(app, runner, db, tmp_path):
    _team()
    from ltc.sync.writes.export import export_entity
    path = tmp_path / 'a.xlsx'
    export_entity('leads', path, template=True)
    result = runner.invoke(args=['ltc', 'sync', 'add', 'a', '--entity', 'leads', '--file', str(path),
                                 '--as', 'rep_a', '--where', 'owner=me', '--where', 'colour=red'])
    assert result.exit_code == 2 and "cannot filter on 'colour'" in result.output
    assert 'Traceback' not in result.output and not SyncTarget.select().exists()
    result = runner.invoke(args=['ltc', 'sync', 'add', 'a', '--entity', 'leads', '--file', str(path),
                                 '--as', 'rep_a', '--where', 'owner=me'])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=['ltc', 'sync', 'set', 'a', '--where', 'owner=me', '--where', 'grade=high',
                                 '--new-rows', 'rules'])
    assert result.exit_code == 0, result.output
    assert 'holds owner=me, grade=high, new rows owned by the assignment rules' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'list'])
    assert 'as rep_a  holds owner=me, grade=high' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'set', 'a', '--where', 'grade=lukewarm'])
    assert result.exit_code == 2 and "'lukewarm' is not a grade" in result.output
    result = runner.invoke(args=['ltc', 'sync', 'set', 'a', '--all-rows'])
    assert result.exit_code == 0 and 'holds all rows' in result.output
