"""Derived columns (a lead's grade and score, a plan's status and paid amount) are written to the sheet,
protected with a warning on Google Sheets, and an edit to them is ignored with a note in the status column."""
from ltc.models import Lead
from ltc.services import audit
from ltc.sync.engine.targets import add_gsheet_target, add_target
from ltc.sync.engine.twoway import run_sync
from ltc.sync.mapping.entities import STATUS_TITLE
from ltc.sync.writes.export import export_entity
from tests.conftest_sheets import sheets_emulator  # noqa: F401
from tests.factories import make_lead, make_user

from ..helpers import edit_sheet, read_xlsx


def test_an_edited_grade_is_put_back_with_a_note_in_excel(db, tmp_path):
    rep = make_user('sales', username='rep_a')
    with audit.acting_as(rep, 'cli'):
        lead = make_lead(company='甲', owner=rep)
    path = tmp_path / 'a.xlsx'
    export_entity('leads', path, template=True)
    target = add_target('a', 'leads', path, run_as='rep_a', where=['owner=me'], lang='en')
    run_sync(target)
    header = read_xlsx(path)[0]
    grade, score, company = header.index('等级') + 1, header.index('评分') + 1, header.index('公司名称') + 1
    stored = Lead.get_by_id(lead.id)

    def edit(ws):
        ws.cell(row=2, column=grade).value = '高价值'
        ws.cell(row=2, column=score).value = 99
        ws.cell(row=2, column=company).value = '甲改'
    edit_sheet(target, edit)
    result = run_sync(target)
    row = next(r for r in result.rows if r.code == lead.code)
    assert '等级, 评分: set by the rules; your edit was ignored' in row.message('en')
    after = Lead.get_by_id(lead.id)
    assert (after.grade, after.score, after.company) == (stored.grade, stored.score, '甲改')   # the rest is written
    line = read_xlsx(path)[1]
    assert line[score - 1] == stored.score and 'edit was ignored' in line[-1]
    again = run_sync(target)   # put back: the next run is quiet and clears the note
    assert not [r for r in again.rows if r.notes]
    assert read_xlsx(path)[1][-1] in (None, '')


def test_a_grade_the_rules_changed_is_shown_without_a_note(db, tmp_path):
    """The database's derived value moved (the rules re-scored the lead), the sheet still shows the last one:
    the sheet gets the new value and the row no note, as nobody typed anything."""
    rep = make_user('sales', username='rep_a')
    with audit.acting_as(rep, 'cli'):
        lead = make_lead(company='乙', owner=rep)
    path = tmp_path / 'b.xlsx'
    export_entity('leads', path, template=True)
    target = add_target('b', 'leads', path, run_as='rep_a', where=['owner=me'], lang='en')
    run_sync(target)
    score = read_xlsx(path)[0].index('评分') + 1
    Lead.update(score=Lead.score + 7, version=Lead.version + 1).where(Lead.id == lead.id).execute()
    result = run_sync(target)
    row = next(r for r in result.rows if r.code == lead.code)
    assert row.message('en') == '' and not row.notes
    header, line = read_xlsx(path)[:2]
    assert line[score - 1] == Lead.get_by_id(lead.id).score == 7
    assert not set(STATUS_TITLE.values()) & set(header)   # no status column was added: nothing to say


def test_google_sheet_protects_derived_columns_with_a_warning(app, db, sheets_emulator):
    app.config['GOOGLE_API_BASE'] = sheets_emulator.base_url
    sheets_emulator.create_spreadsheet('1Key', 'T')
    make_user('sales', username='rep_a')
    with app.app_context():
        add_gsheet_target('a', 'leads', '1Key', worksheet='A', run_as='rep_a', lang='en')
    sheet = sheets_emulator.sheet('1Key', 'A')
    header = sheets_emulator.rendered('1Key', 'A')[0]
    protected = {(p['range']['startColumnIndex'], p['warningOnly']) for p in sheet.protected}
    assert protected == {(0, True), (header.index('Grade'), True), (header.index('Score'), True)}
