"""Limits known before writing: a slice that would not fit Google Sheets (cells, columns) or Excel (rows)
is refused in one sentence naming the target, its slice and the count, before anything is read."""
import pytest

from ltc.models.sync import SyncRun
from ltc.services import audit
from ltc.services.messages import text as message_text
from ltc.sync.engine import capacity
from ltc.sync.engine.targets import add_gsheet_target, add_target
from ltc.sync.engine.twoway import run_sync
from ltc.sync.errors import SyncError
from ltc.sync.mapping.entities import get
from ltc.sync.writes.export import export_entity
from tests.conftest_sheets import sheets_emulator  # noqa: F401
from tests.factories import make_lead, make_user


@pytest.fixture
def reps(db):
    admin, a = make_user('admin', username='boss'), make_user('sales', username='rep_a')
    with audit.acting_as(admin, 'cli'):
        for i in range(4):
            make_lead(company=f'甲{i}', owner=a)
        make_lead(company='别人的', owner=admin)
    return admin, a


def test_the_real_limits():
    assert (capacity.GOOGLE_CELLS, capacity.GOOGLE_COLUMNS, capacity.EXCEL_ROWS) == (10_000_000, 18_278, 1_048_576)
    assert capacity.width(get('leads')) == len(get('leads').columns) + 1


def test_a_google_slice_over_the_cell_limit_is_refused_before_any_request(app, reps, sheets_emulator, monkeypatch):
    app.config.update(GOOGLE_API_BASE=sheets_emulator.base_url)
    sheets_emulator.create_spreadsheet('1Key', 'T')
    columns = capacity.width(get('leads'))
    with app.app_context():
        target, _ = add_gsheet_target('a', 'leads', '1Key', worksheet='A', run_as='rep_a', where=['owner=me'])
        monkeypatch.setattr(capacity, 'GOOGLE_CELLS', 4 * columns)   # the header and 3 rows fit, not 4
        sheets_emulator.clear_log()
        with pytest.raises(SyncError) as refused:
            run_sync(target)
        assert sheets_emulator.kinds() == []   # refused before the sheet is read
        text = str(refused.value)
        assert text.count('. ') == 0 and 'sync target a (owner=me) holds 4 leads' in text
        assert f'{5 * columns:,} cells' in text and 'over Google Sheets' in text
        assert '同步目标 a（负责人=me）的筛选范围有 4 条记录' in message_text(refused.value, 'zh')
        assert not SyncRun.select().exists()
        monkeypatch.setattr(capacity, 'GOOGLE_CELLS', 5 * columns)   # exactly full: it runs
        run_sync(target)
        assert len(sheets_emulator.rendered('1Key', 'A')) == 5


def test_an_excel_slice_over_the_row_limit_is_refused(reps, tmp_path, monkeypatch):
    path = tmp_path / 'a.xlsx'
    export_entity('leads', path, template=True)
    target = add_target('a', 'leads', path, run_as='rep_a', where=['owner=me'])
    monkeypatch.setattr(capacity, 'EXCEL_ROWS', 4)
    with pytest.raises(SyncError, match=r"holds 4 leads, 5 rows with the header, over Excel's 4 rows per sheet"):
        run_sync(target)
    monkeypatch.setattr(capacity, 'EXCEL_ROWS', 5)
    assert run_sync(target).totals()['updated'] == 4   # the admin's lead is outside the slice


def test_a_google_workbook_whose_tabs_together_pass_the_cell_limit_is_refused(app, reps, sheets_emulator,
                                                                               monkeypatch):
    from ltc.sync.engine.runner import run_sync
    from ltc.sync.engine.workbook import add_workbook
    app.config.update(GOOGLE_API_BASE=sheets_emulator.base_url)
    sheets_emulator.create_spreadsheet('1Key', 'T')
    leads, followups = capacity.width(get('leads')), capacity.width(get('followups'))
    with app.app_context():
        book, _, _ = add_workbook('a', 'leads,followups', gsheet='1Key', run_as='rep_a', where=['owner=me'])
        # Each tab fits on its own (5 lead rows with the header); both together do not.
        monkeypatch.setattr(capacity, 'GOOGLE_CELLS', 5 * leads + followups - 1)
        sheets_emulator.clear_log()
        with pytest.raises(SyncError) as refused:
            run_sync(book)
        assert sheets_emulator.kinds() == []
        assert 'The tabs of workbook a hold' in str(refused.value) and 'leads 4, followups 0 rows' in str(refused.value)
        monkeypatch.setattr(capacity, 'GOOGLE_CELLS', 5 * leads + followups)
        run_sync(book)
        assert len(sheets_emulator.rendered('1Key', '线索')) == 5
