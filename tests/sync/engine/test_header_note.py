"""The header's note: a synced sheet says who it runs as, which rows it holds and when it last ran — on
Google Sheets as the note of the header's first cell, in the write the run makes anyway (no extra request),
in Excel as that cell's comment — updated by each run that writes, never by one with nothing to write."""
import openpyxl
import pytest

from ltc.models import Lead
from ltc.services import audit, gate
from ltc.sync.engine.targets import add_gsheet_target, add_target, get_target
from ltc.sync.engine.twoway import run_sync
from ltc.sync.formats import xlsxpatch
from ltc.sync.writes.export import export_entity
from tests.conftest_sheets import sheets_emulator  # noqa: F401
from tests.factories import make_department, make_lead, make_user


def _rep():
    east = make_department(name='华东', code='D-EAST')
    admin = make_user('admin', username='boss')
    rep = make_user('sales', username='wang', display_name='王五', department=east)
    with audit.acting_as(admin, 'cli'):
        lead = make_lead(company='王的客户', owner=rep, department=east)
    return admin, rep, lead


@pytest.fixture
def google(app, sheets_emulator):
    app.config.update(GOOGLE_API_BASE=sheets_emulator.base_url, GOOGLE_REQUESTS_PER_MINUTE=60000,
                      GOOGLE_REQUEST_BURST=1000)
    with app.app_context():
        yield sheets_emulator


def test_google_header_note_rides_in_the_write(db, google):
    admin, rep, lead = _rep()
    google.create_spreadsheet('1NoteKey', 'Team')
    with audit.acting_as(admin, 'cli'):
        add_gsheet_target('wang-leads', 'leads', '1NoteKey', worksheet='线索', run_as='wang',
                          where=['owner=me', 'stage=open'])
    # The worksheet LTC created carries the note from the start, set in the request that created it.
    assert google.sheet('1NoteKey', '线索').notes[(0, 0)] == \
        'LTC 双向同步：wang-leads\n执行用户：王五 (wang)\n范围：负责人=me，阶段=open\n上次同步：尚未同步'
    google.clear_log()
    run_sync(get_target('wang-leads'))
    # A run that only appends rows costs what it did (the note waits for a run that writes cells).
    assert google.kinds() == ['spreadsheets.get', 'values.get', 'values.get', 'values.append']
    assert google.rendered('1NoteKey', '线索')[1][:2] == [lead.code, '王的客户']
    # Nothing to write: the sheet is not touched, the note stays as it was (an idle sheet stays idle).
    google.clear_log()
    run_sync(get_target('wang-leads'))
    assert 'spreadsheets.batchUpdate' not in google.kinds() and 'values.batchUpdate' not in google.kinds()
    # A change to write: the note is written again with the cells, numbers and text as RAW writes them.
    with audit.acting_as(admin, 'admin'):
        gate.update_fields(gate.Actor(admin), Lead.get_by_id(lead.id), {'company': '=改名', 'budget': 1234.5})
    google.clear_log()
    run_sync(get_target('wang-leads'))
    # The same four requests a write of cells always cost: open, read, re-check, one write (with the note).
    assert google.kinds() == ['spreadsheets.get', 'values.get', 'values.get', 'spreadsheets.batchUpdate']
    note = google.sheet('1NoteKey', '线索').notes[(0, 0)]
    assert note.startswith('LTC 双向同步：wang-leads\n执行用户：王五 (wang)\n范围：负责人=me，阶段=open\n上次同步：20')
    assert note.endswith('(Asia/Shanghai)')
    row = google.rendered('1NoteKey', '线索')[1]
    assert row[1] == "'=改名" and 1234.5 in row


def test_excel_header_comment_is_added_then_patched(db, tmp_path, monkeypatch):
    admin, rep, lead = _rep()
    path = tmp_path / 'wang.xlsx'
    export_entity('leads', path, template=True, lang='en')
    with audit.acting_as(admin, 'cli'):
        add_target('wang-leads', 'leads', path, lang='en', run_as='wang', where=['owner=me'])
    patched = []
    real = xlsxpatch.patch
    monkeypatch.setattr(xlsxpatch, 'patch', lambda *a, **k: patched.append(real(*a, **k)) or patched[-1])
    run_sync(get_target('wang-leads'))
    comment = openpyxl.load_workbook(path).worksheets[0]['A1'].comment
    assert comment.text.startswith('LTC two-way sync: wang-leads\nRuns as: 王五 (wang)\nHolds: owner=me\n')
    assert patched == [False]   # the first note: openpyxl adds the comment
    first = comment.text
    with audit.acting_as(admin, 'admin'):
        gate.update_fields(gate.Actor(admin), Lead.get_by_id(lead.id), {'company': '改名'})
    monkeypatch.setattr('ltc.sync.engine.header.settings', lambda: (__import__('zoneinfo').ZoneInfo('UTC'), None))
    run_sync(get_target('wang-leads'))
    book = openpyxl.load_workbook(path)
    assert patched == [False, True]   # later notes are patched in place with the cells
    assert book.worksheets[0]['A1'].comment.text != first and '(UTC)' in book.worksheets[0]['A1'].comment.text
    assert [c.value for c in book.worksheets[0][2]][:2] == [lead.code, '改名']
