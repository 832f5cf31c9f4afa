import datetime
import re
import zipfile

import openpyxl
import pytest

from ltc.sync.errors import ErrorValue, SyncError
from ltc.sync.formats.tables import WriteBatch, open_path
from ltc.sync.formats.xlsx import XlsxTable

from ..helpers import DATA, read_xlsx, write_xlsx


def test_openpyxl_parses_xml_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_encrypted_workbook_is_refused_clearly():
    with pytest.raises(SyncError, match='password-protected; open it in Excel, remove the password'):
        XlsxTable(DATA / 'dimastbk_python-calamine__password.xlsx').read()


def test_non_spreadsheet_renamed_xlsx_is_refused(tmp_path):
    path = tmp_path / 'notes.xlsx'
    path.write_text('just some text, not a workbook')
    with pytest.raises(SyncError, match='is not an Excel workbook'):
        XlsxTable(path).read()


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / 'archive.xlsx'
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('readme.txt', 'hello')
    with pytest.raises(SyncError, match='zip file but not an Excel workbook'):
        XlsxTable(path).read()


def test_truncated_zip_is_refused(tmp_path):
    good = write_xlsx(tmp_path / 'good.xlsx', [['公司名称'], ['A']])
    path = tmp_path / 'cut.xlsx'
    path.write_bytes(good.read_bytes()[:1500])
    with pytest.raises(SyncError, match='damaged or truncated'):
        XlsxTable(path).read()


def test_decompression_bomb_is_refused_before_parsing(tmp_path):
    path = tmp_path / 'bomb.xlsx'
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('xl/workbook.xml', '<workbook/>')
        archive.writestr('xl/worksheets/sheet1.xml', b'<a>' + b' ' * (60 * 1024 * 1024) + b'</a>')
    with pytest.raises(SyncError, match='decompression bomb'):
        XlsxTable(path).read()


def test_xml_entities_are_refused(tmp_path):
    good = write_xlsx(tmp_path / 'good.xlsx', [['公司名称'], ['A']])
    path = tmp_path / 'entities.xlsx'
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, 'w') as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == 'xl/workbook.xml':
                data = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                        b'<!ENTITY b "&a;&a;&a;&a;&a;">]>' + data.split(b'?>', 1)[-1])
            dst.writestr(item, data)
    with pytest.raises(SyncError, match='XML entity declarations'):
        XlsxTable(path).read()


def test_stale_dimension_still_reads_every_row(tmp_path):
    good = write_xlsx(tmp_path / 'good.xlsx', [['公司名称']] + [[f'公司{i}'] for i in range(50)])
    path = tmp_path / 'stale.xlsx'
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, 'w') as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == 'xl/worksheets/sheet1.xml':
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:A2"', data)
            dst.writestr(item, data)
    grid = XlsxTable(path).read()
    assert len(grid) == 51 and grid[-1] == ['公司49']


def test_row_cap_refuses_early(tmp_path):
    path = write_xlsx(tmp_path / 'big.xlsx', [['公司名称']] + [[f'公司{i}'] for i in range(300)])
    with pytest.raises(SyncError, match='at most 100 rows are imported at once'):
        XlsxTable(path, max_rows=100).read()


def test_error_cells_are_read_as_errors():
    grid = XlsxTable(DATA / 'tafia_calamine__errors.xlsx').read()
    assert [row[0] for row in grid[:7]] == [ErrorValue(c) for c in
                                              ('#DIV/0!', '#NAME?', '#VALUE!', '#NULL!', '#REF!', '#NUM!', '#N/A')]


def test_visible_data_sheet_is_picked_and_named_sheet_is_honoured():
    table = XlsxTable(DATA / 'dimastbk_python-calamine__any_sheets.xlsx')
    assert table.read()[0] == [1.0, 2.0] and table.sheet == 'Visible'
    with pytest.raises(SyncError, match='no sheet named "Nope"; its sheets are: Visible, Hidden'):
        XlsxTable(DATA / 'dimastbk_python-calamine__any_sheets.xlsx', sheet='Nope').read()


def test_instruction_sheet_is_skipped():
    table = XlsxTable(DATA / 'huzhiyuhuzhiyu_api-doc-lookup__线索导入模板.xlsx')
    assert table.read()[0][1] == '线索名称(必填)' and table.sheet == '线索导入模版'


def test_1904_dates_and_cell_types():
    grid = XlsxTable(DATA / 'tafia_calamine__date_1904.xlsx').read()
    assert grid[0][0] == datetime.date(2021, 1, 1)
    row = XlsxTable(DATA / 'dimastbk_python-calamine__base.xlsx').read()[1]
    assert row[:6] == ['String', 1.0, 1.1, True, False, datetime.date(2010, 10, 10)]


def test_write_cells_and_appends_replaces_the_file(tmp_path):
    path = write_xlsx(tmp_path / 'w.xlsx', [['线索编号', '公司名称'], ['L1', 'A'], [None, None]])
    table = open_path(path)
    table.read()
    table.write(WriteBatch(cells={(2, 2): 'B', (1, 3): '同步状态'}, appends=[['L2', 'C', None]]))
    assert read_xlsx(path) == [['线索编号', '公司名称', '同步状态'], ['L1', 'B', None], ['L2', 'C', None]]
    assert table.reread_keys(1) == {1: '线索编号', 2: 'L1', 3: 'L2'}


def test_patch_keeps_the_rest_of_the_workbook_and_falls_back_for_formulas(tmp_path):
    from ltc.sync.formats.xlsxpatch import patch
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = '线索'
    sheet.append(['线索编号', '公司名称', '预算'])
    sheet.append(['L1', 'A', 5])
    sheet.append(['L2', 'B', '=C2*2'])
    sheet['C2'].number_format = '#,##0.00'
    book.create_sheet('notes')['A1'] = 'keep me'
    path = tmp_path / 'p.xlsx'
    book.save(path)
    assert patch(path, '线索', {(2, 2): 'A & <b>', (2, 3): 7, (1, 4): '同步状态'}, [['L3', 'C', 9]])
    again = openpyxl.load_workbook(path)
    rows = [list(r) for r in again['线索'].iter_rows(values_only=True)]
    assert rows == [['线索编号', '公司名称', '预算', '同步状态'], ['L1', 'A & <b>', 7, None],
                    ['L2', 'B', '=C2*2', None], ['L3', 'C', 9, None]]
    assert again['线索']['C2'].number_format == '#,##0.00' and again['notes']['A1'].value == 'keep me'
    assert XlsxTable(path).read()[3] == ['L3', 'C', 9.0, '']
    assert patch(path, '线索', {(3, 3): 1}, []) is False   # a formula cell: openpyxl writes it instead
    table = XlsxTable(path, sheet='线索')
    table.read()
    table.write(WriteBatch(cells={(3, 3): 1}))
    assert openpyxl.load_workbook(path)['线索']['C3'].value == 1


def _rewrite_member(path, member, change):
    """Rewrite one zip member of PATH through CHANGE(bytes) -> bytes, keeping the others."""
    with zipfile.ZipFile(path) as src:
        items = [(i, src.read(i.filename)) for i in src.infolist()]
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as dst:
        for item, data in items:
            dst.writestr(item, change(data) if item.filename == member else data)


def test_the_stream_survey_matches_the_full_scan_and_odd_layouts_are_scanned(tmp_path):
    from ltc.sync.formats import xlsxpatch
    rows = [['线索编号', '公司名称']] + [[f'L{n}', f'公司{n}'] for n in range(1, 40)] + [[None, None]]
    path = write_xlsx(tmp_path / 'rows.xlsx', rows)
    member = 'xl/worksheets/sheet1.xml'
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(member)
        surveyed = xlsxpatch._survey(archive, member)
    for wanted in ({}, {2: {}, 17: {}, 40: {}}, {1: {}, 41: {}}):
        found = xlsxpatch._scanned_rows(xml, wanted)
        assert found is not None and surveyed[1:] == (True, found[2], found[3]), wanted
        assert [row for row, _ in found[1]] == sorted(wanted) and found[2] == 40
    assert xlsxpatch._scanned_rows(xml, {99: {}}) is None
    # A row whose number is not its first attribute: the stream cannot trust `<row r="N"`; the scan patches.
    odd = re.sub(rb'<row r="(\d+)"', rb'<row customHeight="0" r="\1"', xml)
    _rewrite_member(path, member, lambda data: odd)
    with zipfile.ZipFile(path) as archive:
        assert xlsxpatch._survey(archive, member) is None
    assert xlsxpatch.patch(path, None, {(3, 2): '改', (40, 2): '末'}, [['L40', '新']])
    assert read_xlsx(path)[2] == ['L2', '改'] and read_xlsx(path)[39:] == [['L39', '末'], ['L40', '新']]


@pytest.mark.parametrize('chunk', [1 << 20, 97, 13])
def test_a_streamed_patch_writes_what_the_whole_sheet_patch_writes(tmp_path, monkeypatch, chunk):
    import shutil
    from ltc.sync.formats import xlsxpatch
    rows = [['线索编号', '公司名称', '预算']] + [[f'L{n}', f'公司{n}', n] for n in range(1, 60)]
    cases = [(rows, {(2, 2): '改', (30, 3): 5, (60, 2): '末', (1, 4): '同步状态'}, [['L60', '新', 1]]),
             (rows, {}, [['L61', 'x', 2]]), (rows, {(5, 2): 'only'}, []), ([], {}, [['L1', '空表', 3]])]
    for number, (grid, cells, appends) in enumerate(cases):
        streamed, whole = tmp_path / f's{number}.xlsx', tmp_path / f'w{number}.xlsx'
        write_xlsx(streamed, grid)
        shutil.copy(streamed, whole)
        with monkeypatch.context() as patched:
            patched.setattr(xlsxpatch, 'CHUNK', chunk)   # rows and tags cut by the pieces at every place
            patched.setattr(xlsxpatch, '_read_member', lambda *a: pytest.fail('the sheet was read whole'))
            assert xlsxpatch.patch(streamed, None, cells, appends)
        with monkeypatch.context() as patched:
            patched.setattr(xlsxpatch, '_stream_member', lambda *a: None)
            assert xlsxpatch.patch(whole, None, cells, appends)
        with zipfile.ZipFile(streamed) as a, zipfile.ZipFile(whole) as b:
            assert a.read('xl/worksheets/sheet1.xml') == b.read('xl/worksheets/sheet1.xml'), number
    assert read_xlsx(tmp_path / 's0.xlsx')[-2:] == [['L59', '末', 59, None], ['L60', '新', 1, None]]
    assert read_xlsx(tmp_path / 's3.xlsx') == [['L1', '空表', 3]]


def test_rows_out_of_order_are_patched_from_the_whole_sheet(tmp_path):
    from ltc.sync.formats import xlsxpatch
    path = write_xlsx(tmp_path / 'order.xlsx', [['线索编号', '公司名称'], ['L1', 'A'], ['L2', 'B']])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read('xl/worksheets/sheet1.xml')
    two, three = re.search(rb'<row r="2">.*?</row>', xml).group(0), re.search(rb'<row r="3">.*?</row>', xml).group(0)
    _rewrite_member(path, 'xl/worksheets/sheet1.xml', lambda data: data.replace(two + three, three + two))
    assert xlsxpatch.patch(path, None, {(2, 2): '甲', (3, 2): '乙'}, [])   # the stream meets row 3 first: read whole
    with zipfile.ZipFile(path) as archive:
        patched = archive.read('xl/worksheets/sheet1.xml')
    assert patched.index(b'<row r="3"') < patched.index(b'<row r="2"') and '>甲<'.encode() in patched and '>乙<'.encode() in patched


def test_keys_are_reread_only_when_the_file_content_changed(tmp_path, monkeypatch):
    import os
    path = write_xlsx(tmp_path / 'k.xlsx', [['线索编号', '公司名称'], ['L1', 'A'], ['L2', 'B']])
    table = XlsxTable(path)
    reads = []
    real = XlsxTable._read
    monkeypatch.setattr(XlsxTable, '_read', lambda self: reads.append(1) or real(self))
    table.read()
    assert table.reread_keys(1) == {1: '线索编号', 2: 'L1', 3: 'L2'} and len(reads) == 1   # unchanged: not read again
    # Rows swapped by a save that keeps the size and the modification time (a save within the clock's tick).
    info = os.stat(path)
    _rewrite_member(path, 'xl/worksheets/sheet1.xml',
                    lambda data: data.replace(b'>L1<', b'>L#<').replace(b'>L2<', b'>L1<').replace(b'>L#<', b'>L2<'))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert os.stat(path).st_size == info.st_size and os.stat(path).st_mtime_ns == info.st_mtime_ns
    assert table.reread_keys(1) == {1: '线索编号', 2: 'L2', 3: 'L1'} and len(reads) == 2


def test_entity_declaration_after_padding_is_still_refused(tmp_path):
    good = write_xlsx(tmp_path / 'good.xlsx', [['公司名称'], ['A']])
    path = tmp_path / 'padded.xlsx'
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, 'w') as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == 'xl/styles.xml':
                data = (b'<?xml version="1.0"?>' + b'<!-- ' + b'x' * 10000 + b' -->'
                        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + data.split(b'?>', 1)[-1])
            dst.writestr(item, data)
    with pytest.raises(SyncError, match='XML entity declarations'):
        XlsxTable(path).read()


def test_bare_serials_follow_the_workbook_date_system(db, tmp_path):
    from ltc.sync.writes.importer import plan_import
    from tests.factories import make_customer
    make_customer(name='客户甲')
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = book.active
    sheet.append(['合同编号', '合同名称', '客户', '签约日期'])
    sheet.append(['HT1', '合同', '客户甲', 42735])   # a bare number, not a date-formatted cell
    path = tmp_path / 'mac.xlsx'
    book.save(path)
    table = XlsxTable(path)
    plan = plan_import('contracts', table)
    assert table.date1904 is True
    assert plan.rows[0].values['signed_on'] == datetime.date(2021, 1, 1)


def test_old_xls_files_are_read_and_never_written(db, tmp_path):
    import xlwt
    from ltc.sync.engine.targets import add_target
    from ltc.sync.writes.importer import run_import
    book = xlwt.Workbook()
    sheet = book.add_sheet('填写说明')
    sheet.write(0, 0, '请在第二个工作表填写')
    sheet = book.add_sheet('线索')
    for col, text in enumerate(['*公司名称', '手机号', '预算']):
        sheet.write(0, col, text)
    sheet.write(1, 0, '华为')
    sheet.write(1, 1, 13800138000)
    sheet.write(1, 2, 1234.5)
    path = tmp_path / 'old.xls'
    book.save(str(path))
    result = run_import('leads', XlsxTable(path))
    assert result.totals()['created'] == 1, [r.message('en') for r in result.rows]
    from ltc.models import Lead
    assert Lead.get().mobile == '13800138000'
    with pytest.raises(SyncError, match='cannot be written back; save it as .xlsx'):
        add_target('old', 'leads', path)
    renamed = tmp_path / 'old-renamed.xlsx'
    renamed.write_bytes(path.read_bytes())
    with pytest.raises(SyncError, match='old-format Excel .* rename it to .xls'):
        XlsxTable(renamed).read()
