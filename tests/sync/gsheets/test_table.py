"""Google Sheets sync through unmodified gspread against the emulator."""
import pytest

from ltc.models import Lead
from ltc.models.sync import SyncRun
from ltc.services import audit
from ltc.sync.engine import twoway as engine
from ltc.sync.engine.targets import add_gsheet_target
from ltc.sync.errors import SyncError
from ltc.sync.gsheets.http import RetryPolicy, SheetsUnavailable
from ltc.sync.gsheets.table import GSheetTable, remap_rows
from tests.conftest_sheets import make_client, sheets_emulator  # noqa: F401
from tests.factories import make_lead

KEY, WS = 'book', '线索'


class Sheet:
    """A team's Google Sheet on the emulator, its sync target, and a way to run the sync."""

    def __init__(self, emulator, target, client):
        self.emulator, self.target, self.client = emulator, target, client

    def table(self, **kw):
        return GSheetTable(KEY, WS, client=kw.pop('client', self.client), **kw)

    def run(self, table=None):
        return engine.run_sync(self.target, table=table or self.table())

    def rows(self):
        return self.emulator.rendered(KEY, WS)

    def col(self, title):
        return self.rows()[0].index(title) + 1

    def by_code(self):
        return {r[0]: r for r in self.rows()[1:] if r and r[0]}

    def type(self, row, title, value):
        self.emulator.type_values(KEY, WS, [[value]], row=row, col=self.col(title))

    def row_of(self, code):
        return next(i for i, r in enumerate(self.rows(), 1) if r and r[0] == code)


@pytest.fixture
def gs(db, sheets_emulator):
    sheets_emulator.create_spreadsheet(KEY, 'Team leads')
    client = make_client(sheets_emulator)
    target, created = add_gsheet_target('team', 'leads', KEY, worksheet=WS, client=client)
    assert created
    return Sheet(sheets_emulator, target, client)


@pytest.fixture
def synced(gs):
    for i in range(10):
        make_lead(company=f'公司{i}', phone=f'1380000000{i}')
    gs.run()
    return gs


def db_edit(code, **values):
    lead = Lead.get(Lead.code == code)
    for k, v in values.items():
        setattr(lead, k, v)
    audit.save(lead)


def test_new_worksheet_has_header_frozen_row_protection_and_dropdowns(gs):
    sheet = gs.emulator.sheet(KEY, WS)
    header = gs.rows()[0]
    assert header[:3] == ['线索编号', '公司名称', '联系人'] and header[-1] == '同步状态'
    assert sheet.frozen_rows == 1
    assert sheet.protected and sheet.protected[0]['range']['endColumnIndex'] == 1
    rule = sheet.validation_at(5, header.index('来源'))
    assert rule['condition']['type'] == 'ONE_OF_LIST'


def test_first_sync_of_1000_leads_into_an_empty_worksheet(gs):
    for i in range(1000):
        make_lead(company=f'公司{i}', phone=f'0{i:04d}')
    gs.emulator.clear_log()
    result = gs.run()
    assert result.exit_code == 0
    kinds = gs.emulator.kinds()
    # open, read, re-check, append (the append grows the 1000-row grid itself)
    assert kinds == ['spreadsheets.get', 'values.get', 'values.get', 'values.append'], kinds
    rows = gs.by_code()
    assert len(rows) == 1000 and rows['L000001'][4] == '00000'
    gs.emulator.clear_log()
    assert gs.run().totals()['unchanged'] == 1000
    assert gs.emulator.kinds() == ['spreadsheets.get', 'values.get']   # nothing to write


def test_edits_flow_both_ways_in_four_requests(synced):
    gs = synced
    gs.type(gs.row_of('L000001'), '公司名称', 'sheet edit')
    db_edit('L000002', company='db edit')
    gs.emulator.clear_log()
    result = gs.run()
    assert result.exit_code == 0 and result.totals()['updated'] == 2
    assert Lead.get(Lead.code == 'L000001').company == 'sheet edit'
    assert gs.by_code()['L000002'][1] == 'db edit'
    # The write carries the header's note: one spreadsheets:batchUpdate of literal (RAW-like) cell values.
    assert gs.emulator.kinds() == ['spreadsheets.get', 'values.get', 'values.get', 'spreadsheets.batchUpdate']
    writes = [r['updateCells'] for r in gs.emulator.requests[-1].body['requests']]
    assert writes[0]['fields'] == 'note' and writes[0]['rows'][0]['values'][0]['note'].startswith('LTC')
    assert {w['fields'] for w in writes[1:]} == {'userEnteredValue'}
    assert {'stringValue': 'db edit'} in [v.get('userEnteredValue') for w in writes for v in w['rows'][0]['values']]
    assert gs.run().totals()['unchanged'] == 10


def test_new_rows_from_the_sheet_get_codes(synced):
    gs = synced
    gs.emulator.type_values(KEY, WS, [['', '新公司', '王五']], row=12)
    result = gs.run()
    assert result.exit_code == 0
    lead = Lead.get(Lead.company == '新公司')
    assert gs.rows()[11][:3] == [lead.code, '新公司', '王五']
    assert gs.run().totals()['unchanged'] == 11


def test_user_sorts_between_read_and_write_nothing_misplaced(synced):
    gs = synced
    gs.type(gs.row_of('L000003'), '公司名称', 'from sheet')
    gs.emulator.type_values(KEY, WS, [['', '新行公司']], row=12)
    db_edit('L000005', company='db five')
    table = gs.table()
    # The user sorts the data rows by company descending, and inserts a row at the top.
    table.before_write = lambda: gs.emulator.user_rows(KEY, WS, lambda rows: rows.__setitem__(
        slice(1, None), [[]] + sorted(rows[1:], key=lambda r: str(r[1][1] if len(r) > 1 and r[1]
                                                                   else ''), reverse=True)))
    result = gs.run(table)
    assert result.exit_code == 0 and table.remap is not None   # the write was re-planned
    rows = gs.by_code()
    assert rows['L000005'][1] == 'db five' and rows['L000003'][1] == 'from sheet'
    new = Lead.get(Lead.company == '新行公司')
    assert rows[new.code][1] == '新行公司'
    for code, row in rows.items():
        if code.startswith('L'):
            assert row[1] == Lead.get(Lead.code == code).company, code
    assert gs.run().totals()['unchanged'] == 11


def test_remap_keeps_codeless_rows_edited_in_place_and_drops_ambiguous_ones():
    before = [('k', 'H'), ('k', 'A'), ('c', ('', 'x')), ('c', ('', 'dup')), ('c', ('', 'dup'))]
    assert remap_rows(before, [('k', 'H'), ('k', 'A'), ('c', ('', 'y')), ('c', ()), ('c', ())]) == {
        1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
    moved = remap_rows(before, [('k', 'H'), ('c', ('', 'x')), ('k', 'A')])
    assert moved == {1: 1, 2: 3, 3: 2}
    swapped = remap_rows([('k', 'H'), ('c', ('', 'x')), ('c', ('', 'y'))],
                         [('k', 'H'), ('c', ('', 'y')), ('c', ('', 'x'))])
    assert swapped == {1: 1, 2: 3, 3: 2}


def test_two_new_rows_swapped_during_the_run_get_their_own_codes(synced):
    gs = synced
    gs.emulator.type_values(KEY, WS, [['', '新甲'], ['', '新乙']], row=12)
    table = gs.table()
    table.before_write = lambda: gs.emulator.user_rows(KEY, WS, lambda rows: rows.__setitem__(
        slice(11, 13), [rows[12], rows[11]]))
    gs.run(table)
    assert table.remap is not None
    rows = gs.by_code()
    for name in ('新甲', '新乙'):
        assert rows[Lead.get(Lead.company == name).code][1] == name


def test_user_deletes_rows(synced):
    gs = synced
    gs.emulator.user_rows(KEY, WS, lambda rows: rows.__delitem__(slice(2, 4)))
    result = gs.run()
    assert Lead.select().count() == 10
    assert result.totals()['skipped'] == 2
    assert 'L000002' not in gs.by_code()   # kept in the database, not re-appended
    assert gs.run().exit_code == 0


def test_duplicate_codes_are_marked(synced):
    gs = synced
    gs.emulator.type_values(KEY, WS, [['L000001', '复制的行']], row=12)
    result = gs.run()
    assert result.exit_code == 1
    assert '出现两次' in gs.rows()[11][gs.col('同步状态') - 1]
    assert Lead.get(Lead.code == 'L000001').company == '公司0'


def test_changed_header_is_refused(synced):
    gs = synced
    gs.emulator.type_values(KEY, WS, [['电话X']], row=1, col=gs.col('电话'))
    before = gs.rows()
    with pytest.raises(SyncError, match='header'):
        gs.run()
    assert gs.rows() == before


def test_formula_typed_in_a_cell_stays_text(synced):
    gs = synced
    row = gs.row_of('L000001')
    gs.emulator.type_values(KEY, WS, [["'=HYPERLINK(\"http://x\",\"y\")"]], row=row, col=gs.col('公司名称'))
    db_edit('L000002', company='=HYPERLINK("http://evil","z")')
    gs.run()
    assert Lead.get(Lead.code == 'L000001').company == '=HYPERLINK("http://x","y")'
    assert gs.by_code()['L000002'][1] == '\'=HYPERLINK("http://evil","z")'
    cell = gs.emulator.sheet(KEY, WS).data[gs.row_of('L000002') - 1][1]
    assert not getattr(cell, 'formula', None)
    assert gs.run().totals()['unchanged'] == 10


def test_leading_zero_phone_and_dates(synced):
    gs = synced
    row = gs.row_of('L000001')
    gs.emulator.type_values(KEY, WS, [["'0012"]], row=row, col=gs.col('电话'))
    gs.run()
    assert Lead.get(Lead.code == 'L000001').phone == '0012'
    db_edit('L000002', phone='0099')
    gs.run()
    assert gs.by_code()['L000002'][gs.col('电话') - 1] == '0099'
    assert gs.run().totals()['unchanged'] == 10


def test_429_twice_then_success(synced):
    gs = synced
    db_edit('L000002', company='db edit')
    gs.emulator.fail_next(2, status=429)
    assert gs.run().exit_code == 0
    assert gs.by_code()['L000002'][1] == 'db edit'


def test_500_forever_fails_clearly_database_unchanged_next_run_converges(synced):
    gs = synced
    gs.type(gs.row_of('L000001'), '公司名称', 'sheet edit')
    policy = RetryPolicy(max_tries=50, deadline=0.3, base=0.01, cap=0.05, timeout=1.0)
    gs.emulator.fail_next(10_000, status=500)
    with pytest.raises(SheetsUnavailable, match='did not answer'):
        gs.run(gs.table(client=make_client(gs.emulator, policy=policy)))
    gs.emulator._faults.clear()
    assert Lead.get(Lead.code == 'L000001').company == '公司0'
    assert gs.run().exit_code == 0
    assert Lead.get(Lead.code == 'L000001').company == 'sheet edit'


def test_killed_between_database_commit_and_sheet_write_converges(synced, monkeypatch):
    gs = synced
    gs.emulator.type_values(KEY, WS, [['', '来自表格']], row=12)
    db_edit('L000002', company='db edit')
    monkeypatch.setattr(GSheetTable, 'write', lambda self, batch: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        gs.run()
    monkeypatch.undo()
    assert Lead.select().where(Lead.company == '来自表格').count() == 1
    assert gs.run().exit_code == 0
    assert Lead.select().where(Lead.company == '来自表格').count() == 1   # not doubled
    rows = gs.by_code()
    assert rows['L000002'][1] == 'db edit' and Lead.get(Lead.company == '来自表格').code in rows
    assert gs.run().totals()['unchanged'] == 11


def test_large_writes_split_past_the_payload_limit(synced):
    gs = synced
    for i in range(1, 11):
        db_edit(f'L{i:06d}', requirement='x' * 3000)
    gs.emulator.clear_log()
    table = gs.table(max_payload=10_000)
    gs.run(table)
    assert gs.emulator.count('spreadsheets.batchUpdate') == table.requests >= 3
    assert all(r[gs.col('需求') - 1] == 'x' * 3000 for r in gs.by_code().values())


def test_500_forever_at_the_write_records_the_run_and_next_run_converges(synced):
    gs = synced
    gs.type(gs.row_of('L000001'), '公司名称', 'sheet edit')
    db_edit('L000002', company='db edit')
    policy = RetryPolicy(max_tries=3, deadline=0.3, base=0.01, cap=0.01, timeout=1.0)
    table = gs.table(client=make_client(gs.emulator, policy=policy))
    table.before_write = lambda: gs.emulator.fail_next(10_000, status=500)
    with pytest.raises(SheetsUnavailable, match='after 3 tries'):
        gs.run(table)
    gs.emulator._faults.clear()
    run = SyncRun.select().order_by(SyncRun.id.desc()).first()
    assert run.status == 'failed' and 'did not answer' in run.message
    assert gs.by_code()['L000002'][1] == '公司1'       # nothing half-written in the sheet
    result = gs.run()
    assert result.exit_code == 0
    assert gs.by_code()['L000002'][1] == 'db edit' and gs.by_code()['L000001'][1] == 'sheet edit'
    assert Lead.get(Lead.code == 'L000001').company == 'sheet edit'
    assert gs.run().totals()['unchanged'] == 10


def test_sort_with_only_coded_rows_rechecks_the_key_column_and_follows_codes(synced):
    gs = synced
    db_edit('L000004', company='db four')
    table = gs.table()
    table.before_write = lambda: gs.emulator.user_rows(KEY, WS, lambda rows: rows.__setitem__(
        slice(1, None), list(reversed(rows[1:]))))
    gs.emulator.clear_log()
    gs.run(table)
    assert table.remap is not None and gs.emulator.kinds()[2] == 'values.get'
    assert gs.emulator.requests[2].path.endswith("%21A%3AA")   # the key column only
    assert gs.by_code()['L000004'][1] == 'db four' and gs.row_of('L000004') == 8
    assert [r[1] for r in gs.rows()[1:]] == [Lead.get(Lead.code == r[0]).company for r in gs.rows()[1:]]


def test_row_deleted_between_read_and_write_is_not_written_elsewhere(synced):
    gs = synced
    db_edit('L000004', company='db four')
    table = gs.table()
    table.before_write = lambda: gs.emulator.user_rows(KEY, WS, lambda rows: rows.__delitem__(4))
    gs.run(table)
    assert 'L000004' not in gs.by_code() and 'db four' not in str(gs.rows())
    assert all(r[1] == Lead.get(Lead.code == r[0]).company for r in gs.rows()[1:])


def test_requests_per_run_with_appends(synced):
    gs = synced
    db_edit('L000002', company='db edit')
    make_lead(company='新记录')
    gs.emulator.clear_log()
    gs.run()
    assert gs.emulator.kinds() == ['spreadsheets.get', 'values.get', 'values.get', 'spreadsheets.batchUpdate',
                                   'values.append']
    assert gs.rows()[11][1] == '新记录'
