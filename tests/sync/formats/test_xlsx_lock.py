"""Locked cells in Excel targets: the code column and the columns set by the rules are locked and the sheet
protected without a password (read back with openpyxl), in the rows the sync appends too; other columns stay
editable; an edit that gets through (after unprotecting) is put back with a note in the status column."""
import openpyxl

from ltc.models import Lead
from ltc.services import audit
from ltc.sync.engine.targets import add_target, get_target
from ltc.sync.engine.twoway import run_sync
from ltc.sync.writes.export import export_entity
from tests.factories import make_department, make_lead, make_user


def _locked(sheet, row, header):
    """Return whether Excel locks the cell: its own protection, or its column's when the file has no such cell."""
    headers = [c.value for c in sheet[1]]
    cell = sheet._cells.get((row, headers.index(header) + 1))
    if cell is None:
        return sheet.column_dimensions[sheet.cell(row=1, column=headers.index(header) + 1).column_letter].protection.locked
    return cell.protection.locked


def test_rules_columns_are_locked_in_excel_and_edits_put_back(db, runner, tmp_path):
    east = make_department(name='华东', code='D-EAST')
    admin = make_user('admin', username='boss')
    rep = make_user('sales', username='wang', department=east)
    with audit.acting_as(admin, 'cli'):
        first = make_lead(company='第一家', owner=rep, department=east, grade='high')
    path = tmp_path / 'wang.xlsx'
    export_entity('leads', path, template=True, lang='en')
    with audit.acting_as(admin, 'cli'):
        add_target('wang-leads', 'leads', path, lang='en', run_as='wang', where=['owner=me'])
    sheet = openpyxl.load_workbook(path)['Leads']
    assert sheet.protection.sheet and not sheet.protection.password   # unprotect needs no password
    assert not sheet.protection.sort and not sheet.protection.autoFilter and not sheet.protection.insertRows
    assert [_locked(sheet, 1, h) for h in ('Lead code', 'Grade', 'Score', 'Company')] == [True, True, True, False]
    letter = {c.value: c.column_letter for c in sheet[1]}
    assert sheet.column_dimensions[letter['Grade']].protection.locked
    assert not sheet.column_dimensions[letter['Company']].protection.locked

    run_sync(get_target('wang-leads'))   # the first run appends through openpyxl (it adds the header's comment)
    with audit.acting_as(admin, 'cli'):
        second = make_lead(company='第二家', owner=rep, department=east)
    run_sync(get_target('wang-leads'))   # later runs patch the sheet XML in place
    sheet = openpyxl.load_workbook(path)['Leads']
    rows = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    for code in (first.code, second.code):
        assert [_locked(sheet, rows[code], h) for h in ('Lead code', 'Grade', 'Score', 'Company', 'Phone')] == \
            [True, True, True, False, False], code

    # Someone unprotects the sheet and types over a grade: the rules' value comes back, with a note.
    book = openpyxl.load_workbook(path)
    sheet = book['Leads']
    sheet.protection.sheet = False
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=rows[first.code], column=headers.index('Grade') + 1).value = 'Worthless'
    sheet.cell(row=rows[first.code], column=headers.index('Company') + 1).value = '第一家（改）'
    book.save(path)
    run_sync(get_target('wang-leads'))
    sheet = openpyxl.load_workbook(path)['Leads']
    headers = [c.value for c in sheet[1]]
    assert sheet.cell(row=rows[first.code], column=headers.index('Grade') + 1).value == 'High-value'
    assert Lead.get_by_id(first.id).company == '第一家（改）'
    status = sheet.cell(row=rows[first.code], column=headers.index('Sync status') + 1).value
    assert 'Grade: set by the rules; your edit was ignored' in status
    # Protect it again from the CLI.
    result = runner.invoke(args=['ltc', 'sync', 'lock', 'wang-leads'])
    assert result.exit_code == 0 and 'locked Lead code, Grade, Score' in result.output, result.output
    assert openpyxl.load_workbook(path)['Leads'].protection.sheet
