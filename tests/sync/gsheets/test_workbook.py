"""A workbook on Google Sheets (unmodified gspread against the emulator): a rep's leads, follow-ups, contracts
and payment plans in one spreadsheet, synced in one run of at most two reads and two writes, a new lead and its
follow-up in the same run, a refused row on one tab not blocking the others, no other owner's row on any tab."""
import datetime

import pytest

from ltc.models import Contract, FollowUp, Lead, PaymentPlan
from ltc.services import audit
from ltc.sync.engine.runner import run_sync
from ltc.sync.engine.workbook import add_workbook
from tests.conftest_sheets import sheets_emulator  # noqa: F401
from tests.factories import make_contract, make_lead, make_workbook_deals

KEY = '1WorkbookKey'
READS = ('values.batchGet', 'values.get', 'spreadsheets.get', 'drive.get')
WRITES = ('spreadsheets.batchUpdate', 'values.batchUpdate', 'values.append', 'values.update')


@pytest.fixture
def google(app, sheets_emulator):
    """The app on the emulator, in an app context (its gspread client), without client-side rate-limit waits."""
    app.config.update(GOOGLE_API_BASE=sheets_emulator.base_url, GOOGLE_REQUESTS_PER_MINUTE='600000',
                      GOOGLE_REQUEST_BURST='10000')
    with app.app_context():
        yield app


def _rows(emulator, title):
    return emulator.rendered(KEY, title)


def _row(header, **cells):
    out = [''] * len(header)
    for name, value in cells.items():
        out[header.index(name.replace('_', ' '))] = value
    return out


def _counted(emulator):
    kinds = emulator.kinds()
    return sum(k in READS for k in kinds), sum(k in WRITES for k in kinds), kinds


def test_workbook_new_lead_and_its_followup_in_one_bounded_run(google, db, sheets_emulator):
    sheets_emulator.create_spreadsheet(KEY, 'Rep A')
    admin, a, b, leads, theirs, mine_c, their_c = make_workbook_deals()
    with audit.acting_as(admin, 'cli'):
        book, tabs, created = add_workbook('A', 'plans,followups,leads,contracts', gsheet=KEY, lang='en',
                                           run_as='rep_a', where=['owner=me'])
    assert [t.entity for t in tabs] == ['leads', 'followups', 'contracts', 'payment_plans']
    assert created == ['Leads', 'Follow-ups', 'Contracts', 'Payment plans']
    sheets_emulator.clear_log()
    result = run_sync(book)
    reads, writes, kinds = _counted(sheets_emulator)
    assert (reads, writes) == (2, 1), kinds   # one batchGet, one re-check, one batchUpdate for four tabs
    assert not result.needs_attention, result.summary()
    assert sorted(r[0] for r in _rows(sheets_emulator, 'Leads')[1:]) == sorted(x.code for x in leads)
    assert [r[0] for r in _rows(sheets_emulator, 'Contracts')[1:]] == [mine_c.code]
    assert [r[1] for r in _rows(sheets_emulator, 'Payment plans')[1:]] == [mine_c.code]
    assert 'Runs as' in sheets_emulator.sheet(KEY, 'Contracts').notes[(0, 0)]

    # The rep types a new lead and its first call naming it by the company, edits a contract, and tries rep
    # b's contract and lead by their codes: those rows are refused, the others go through.
    lead_head = _rows(sheets_emulator, 'Leads')[0]
    sheets_emulator.type_values(KEY, 'Leads', [_row(lead_head, Company='Acme Robotics', Contact='Wile')], row=4)
    follow_head = _rows(sheets_emulator, 'Follow-ups')[0]
    sheets_emulator.type_values(KEY, 'Follow-ups', [
        _row(follow_head, Lead='Acme Robotics', Kind='call', Happened_at='2026-11-20 14:30', Summary='first call'),
        _row(follow_head, Lead=theirs.code, Kind='call', Happened_at='2026-11-21 10:00', Summary='not mine'),
    ], row=2)
    sheets_emulator.type_values(KEY, 'Leads', [[theirs.code, 'Taken over too']], row=5)
    their_plan = PaymentPlan.get(PaymentPlan.contract == their_c.id)
    plan_head = _rows(sheets_emulator, 'Payment plans')[0]
    sheets_emulator.type_values(KEY, 'Payment plans', [_row(plan_head, **{'Plan code': their_plan.code,
                                                                          'Amount': 1})], row=3)
    contract_head = _rows(sheets_emulator, 'Contracts')[0]
    sheets_emulator.type_values(KEY, 'Contracts', [[mine_c.code, 'Alpha deal v2']], row=2)
    sheets_emulator.type_values(KEY, 'Contracts', [_row(contract_head, **{'Contract number': their_c.code},
                                                        Contract_title='Taken over')], row=3)
    sheets_emulator.clear_log()
    result = run_sync(book)
    reads, writes, kinds = _counted(sheets_emulator)
    assert reads <= 2 and writes <= 2, kinds
    assert (reads, writes) == (2, 1), kinds

    new = Lead.get(Lead.company == 'Acme Robotics')
    assert new.owner_id == a.id
    call = FollowUp.get(FollowUp.summary == 'first call')
    assert call.lead_id == new.id and call.owner_id == a.id
    leads_now = _rows(sheets_emulator, 'Leads')
    assert leads_now[3][0] == new.code
    follow_now = _rows(sheets_emulator, 'Follow-ups')
    assert follow_now[1][0] == call.code and follow_now[1][1] == new.code   # the name became the code
    assert follow_now[2][0] == '' and 'Acme' not in follow_now[2][-1] and follow_now[2][-1]   # refused, said why
    assert not FollowUp.select().where(FollowUp.lead == theirs.id).exists()
    assert Contract.get_by_id(mine_c.id).title == 'Alpha deal v2'
    assert Contract.get_by_id(their_c.id).title == 'Beta deal'
    assert _rows(sheets_emulator, 'Contracts')[2][-1]   # the refusal in the status column
    assert Lead.get_by_id(theirs.id).company == 'Beta' and _rows(sheets_emulator, 'Leads')[4][-1]
    assert PaymentPlan.get_by_id(their_plan.id).amount == their_plan.amount
    assert _rows(sheets_emulator, 'Payment plans')[2][-1]   # refused on every tab, said in its status column
    by_tab = {t.entity: r for t, r, _ in result.tabs}
    assert [r.outcome for r in by_tab['leads'].rows if r.outcome != 'unchanged'] == ['created', 'error']
    assert sorted(r.outcome for r in by_tab['followups'].rows) == ['created', 'error']

    # Nothing moved: one read, no write; nothing doubled.
    sheets_emulator.clear_log()
    result = run_sync(tabs[1])   # a tab runs its whole workbook
    reads, writes, kinds = _counted(sheets_emulator)
    assert (reads, writes) == (1, 0), kinds
    assert Lead.select().where(Lead.company == 'Acme Robotics').count() == 1
    assert FollowUp.select().count() == 1 and PaymentPlan.select().count() == 2

    # The periodic job: a cycle that takes Drive's stamp and reads, then an idle one costs one Drive request.
    from ltc.sync.engine.scheduled import run_active_targets
    now = datetime.datetime.utcnow()
    counts = run_active_targets(now=now + datetime.timedelta(hours=1))
    assert counts['attention'] == 1 and counts['targets'] == 1, counts   # the refused rows still wait
    sheets_emulator.clear_log()
    counts = run_active_targets(now=now + datetime.timedelta(hours=2))
    assert counts['idle'] == 1 and counts['targets'] == 1, counts   # the workbook, not its tabs
    assert sheets_emulator.kinds() == ['drive.get']
    sheets_emulator.type_values(KEY, 'Contracts', [['', 'Gamma deal']], row=5)   # Drive's stamp moves: read again
    counts = run_active_targets(now=now + datetime.timedelta(hours=3))
    assert counts['idle'] == 0 and counts['attention'] + counts['done'] == 1, counts


def test_workbook_of_many_rows_stays_within_two_reads_and_two_writes(google, db, sheets_emulator):
    sheets_emulator.create_spreadsheet(KEY, 'Rep A')
    admin, a, b, leads, theirs, mine_c, their_c = make_workbook_deals()
    with audit.acting_as(admin, 'cli'):
        for i in range(120):
            make_lead(company=f'Gamma {i}', owner=a)
        book, tabs, _ = add_workbook('A', ['leads', 'followups', 'contracts', 'plans'], gsheet=KEY, lang='zh',
                                     run_as='rep_a', where=['owner=me'])
    run_sync(book)
    head = _rows(sheets_emulator, '跟进记录')[0]
    codes = [r[0] for r in _rows(sheets_emulator, '线索')[1:]]
    sheets_emulator.type_values(KEY, '跟进记录', [
        _row(head, **{'线索': code, '跟进方式': '电话', '跟进时间': f'2026-11-{1 + i % 28:02d} 09:00', '跟进内容': f'call {i}'})
        for i, code in enumerate(codes[:60])], row=2)
    sheets_emulator.type_values(KEY, '线索', [[c, f'Renamed {i}'] for i, c in enumerate(codes[:40])], row=2)
    sheets_emulator.clear_log()
    result = run_sync(book)
    reads, writes, kinds = _counted(sheets_emulator)
    assert reads <= 2 and writes <= 2, kinds
    assert FollowUp.select().count() == 60 and not result.needs_attention, result.summary()
    assert Lead.select().where(Lead.company.startswith('Renamed')).count() == 40
    assert all(r[0] for r in _rows(sheets_emulator, '跟进记录')[1:61])
    assert datetime.date.today()   # the run's header note carries the time of the run
    assert '上次同步' in sheets_emulator.sheet(KEY, '线索').notes[(0, 0)]


def test_team_workbooks_on_google_one_spreadsheet_each(google, db, sheets_emulator):
    from ltc.models.sync import SyncTarget
    from ltc.sync.engine.team import fan_out
    sheets_emulator.create_spreadsheet(KEY, 'East')
    admin, a, b, leads, theirs, mine_c, their_c = make_workbook_deals()
    a.email = 'rep_a@example.com'
    a.save()
    with audit.acting_as(admin, 'cli'):
        template, _, _ = add_workbook('east', 'leads,contracts', gsheet=KEY, lang='en', run_as='boss')
        result = fan_out(template, department='D-EAST', mode='spreadsheets')
    assert sorted(result.created) == ['east-rep_a', 'east-rep_b'] and result.unshared == ['east-rep_b']
    mine = SyncTarget.get(SyncTarget.name == 'east-rep_a')
    assert mine.is_workbook and mine.run_as_id == a.id and mine.options['key'] != KEY
    spreadsheet = sheets_emulator.spreadsheet(mine.options['key'])
    assert [s.title for s in spreadsheet.sheets] == ['Leads', 'Contracts']   # no Sheet1
    assert [p['emailAddress'] for p in spreadsheet.permissions] == ['rep_a@example.com']
    run_sync(mine)
    assert sorted(r[0] for r in sheets_emulator.rendered(mine.options['key'], 'Leads')[1:]) == sorted(
        x.code for x in leads)
    assert [r[0] for r in sheets_emulator.rendered(mine.options['key'], 'Contracts')[1:]] == [mine_c.code]


def test_rows_sorted_and_typed_while_a_workbook_runs_are_not_overwritten(google, db, sheets_emulator):
    from ltc.sync.engine.workbook import tabs_of
    from ltc.sync.engine.workbook_run import run_workbook
    from ltc.sync.gsheets.book import GSheetBook
    sheets_emulator.create_spreadsheet(KEY, 'Rep A')
    admin, a, b, leads, theirs, mine_c, their_c = make_workbook_deals()
    with audit.acting_as(admin, 'cli'):
        book, tabs, _ = add_workbook('A', 'leads,contracts', gsheet=KEY, lang='en', run_as='rep_a',
                                     where=['owner=me'])
    run_sync(book)
    first = leads[0]
    with audit.acting_as(a, 'admin'):   # a database change for the sheet, and a new contract to append
        lead = Lead.get_by_id(first.id)
        lead.contact_name = 'Changed in LTC'
        audit.save(lead)
        added = make_contract(title='Delta deal', owner=a, customer=Contract.get_by_id(mine_c.id).customer)
    reader = GSheetBook(KEY, ['Leads', 'Contracts'])

    def meanwhile():   # a user sorts the leads upside down and types a contract below the last row
        sheets_emulator.user_rows(KEY, 'Leads', lambda rows: rows.__setitem__(slice(1, None), rows[1:][::-1]))
        sheets_emulator.type_values(KEY, 'Contracts', [['', 'Typed meanwhile']], row=3)
    reader.before_write = meanwhile
    sheets_emulator.clear_log()
    run_workbook(book, book=reader)
    assert _counted(sheets_emulator)[:2] == (2, 1)
    head = _rows(sheets_emulator, 'Leads')[0]
    by_code = {r[0]: r for r in _rows(sheets_emulator, 'Leads')[1:]}
    assert by_code[first.code][head.index('Contact')] == 'Changed in LTC'
    assert by_code[leads[1].code][head.index('Contact')] != 'Changed in LTC'
    contracts = [r[:2] for r in _rows(sheets_emulator, 'Contracts')[1:]]
    assert contracts == [[mine_c.code, 'Alpha deal'], ['', 'Typed meanwhile'], [added.code, 'Delta deal']]
    assert [t.entity for t in tabs_of(book)] == ['leads', 'contracts']
