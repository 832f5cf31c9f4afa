"""Bounded readers: a sheet's range (rows x columns from A1) is measured before anything allocates it."""
import time
import tracemalloc
import zipfile

import pytest

from ltc import config
from ltc.errors import ConfigError
from ltc.models import Lead
from ltc.sync.errors import ErrorValue, SyncError
from ltc.sync.formats.csv import CsvTable, columns_of
from ltc.sync.formats.limits import Limits
from ltc.sync.formats.xlsx import XlsxTable

MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>公司名称</t></is></c></row>'


def write_sheet_xml(path, sheet_data, dimension='A1:A1', root='worksheet', prefix=''):
    """Write a minimal .xlsx whose only sheet holds SHEET_DATA as written (no library tidies it)."""
    tag = f'{prefix}:{root}' if prefix else root
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    dim = f'<{prefix + ":" if prefix else ""}dimension ref="{dimension}"/>' if dimension else ''
    data = f'<{prefix + ":" if prefix else ""}sheetData>'
    end = f'</{prefix + ":" if prefix else ""}sheetData>'
    parts = {
        '[Content_Types].xml':
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>',
        '_rels/.rels':
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        'xl/workbook.xml':
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.'
            'org/officeDocument/2006/relationships"><sheets><sheet name="线索" sheetId="1" r:id="rId1"/></sheets>'
            '</workbook>',
        'xl/_rels/workbook.xml.rels':
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        'xl/worksheets/sheet1.xml':
            f'<?xml version="1.0" encoding="UTF-8"?><{tag} {xmlns}>{dim}{data}{sheet_data}{end}</{tag}>',
    }
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def far_cell_bomb(path):
    """The 5 KB workbook that made calamine ask for 524 GB: A1:XFD1000000 declared, one far cell."""
    return write_sheet_xml(path, HEADER + '<row r="1000000"><c r="XFD1000000"><v>1</v></c></row>',
                           dimension='A1:XFD1000000')


def refused_quickly(read, megabytes=8):
    """Return the refusal READ raises; it must come within a second and MEGABYTES of memory."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(SyncError) as caught:
            read()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 1 and peak < megabytes * 1024 * 1024, (time.perf_counter() - started, peak)
    return caught.value


def test_the_far_cell_bomb_is_refused_before_calamine_builds_it(tmp_path):
    path = far_cell_bomb(tmp_path / 'bomb.xlsx')
    assert path.stat().st_size < 5000
    error = refused_quickly(XlsxTable(path).read)
    assert 'bomb.xlsx has 16,384 columns; at most 500 columns are read (IMPORT_MAX_COLUMNS)' in str(error)
    assert '有 16,384 列' in error.details['zh']


@pytest.mark.parametrize('sheet_data, dimension', [
    # a far cell inside a near row, under a small declared dimension
    (HEADER.replace('</row>', '<c r="C2500000"><v>1</v></c></row>'), 'A1:C2'),
    # no dimension at all; the far cell in its own row
    (HEADER + '<row r="2500000"><c r="B2500000" t="inlineStr"><is><t>x</t></is></c></row>', None),
])
def test_the_actual_range_is_measured_whatever_the_dimension_says(tmp_path, sheet_data, dimension):
    path = write_sheet_xml(tmp_path / 'far.xlsx', sheet_data, dimension=dimension)
    error = refused_quickly(XlsxTable(path).read)
    assert 'far.xlsx reaches row 2,500,000' in str(error) and 'IMPORT_MAX_CELLS' in str(error)
    assert '个单元格' in error.details['zh']


@pytest.mark.parametrize('prefix, cells', [
    ('', '<c/>' * 600 + '<c><v>1</v></c>'),             # cells placed after the previous one, no `r`
    ('x', '<x:c r="SZ1"><x:v>1</x:v></x:c>'),            # a prefixed namespace
])
def test_unusual_layouts_are_measured_by_the_full_parse(tmp_path, prefix, cells):
    p = f'{prefix}:' if prefix else ''
    data = f'<{p}row r="1"><{p}c r="A1" t="inlineStr"><{p}is><{p}t>公司名称</{p}t></{p}is></{p}c>{cells}</{p}row>'
    path = write_sheet_xml(tmp_path / 'odd.xlsx', data, dimension=None, prefix=prefix)
    error = refused_quickly(XlsxTable(path).read)
    assert 'columns; at most 500 columns are read' in str(error)


def test_empty_formatted_cells_and_a_wide_declared_range_do_not_refuse_a_small_table(tmp_path):
    # LibreOffice writes A1:AMJ3 and empty styled cells to column 1024 for formatted rows.
    empties = ''.join(f'<c r="{c}2" s="1"/>' for c in ('ALW', 'AMI', 'AMJ'))
    data = HEADER + f'<row r="2"><c r="A2" t="inlineStr"><is><t>华为</t></is></c>{empties}</row>'
    path = write_sheet_xml(tmp_path / 'lo.xlsx', data, dimension='A1:AMJ1048576')
    assert XlsxTable(path).read() == [['公司名称'], ['华为']]


def test_limits_come_from_the_configuration(app, tmp_path, monkeypatch):
    data = HEADER + ''.join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c></row>' for r in range(2, 7))
    path = write_sheet_xml(tmp_path / 'six.xlsx', data, dimension='A1:B6')
    with app.app_context():
        app.config['IMPORT_MAX_CELLS'] = 11
        with pytest.raises(SyncError, match='six.xlsx reaches row 6 and column 2 \\(12 cells\\); at most 11 cells'):
            XlsxTable(path).read()
        app.config['IMPORT_MAX_CELLS'], app.config['IMPORT_MAX_COLUMNS'] = 12, 1
        with pytest.raises(SyncError, match='has 2 columns; at most 1 columns'):
            XlsxTable(path).read()
    monkeypatch.setenv('LTC_IMPORT_MAX_COLUMNS', '40')
    monkeypatch.setenv('LTC_IMPORT_MAX_CELLS', '1000')
    settings = config.load({'INSTANCE_PATH': str(tmp_path)})
    assert (settings['IMPORT_MAX_COLUMNS'], settings['IMPORT_MAX_CELLS']) == (40, 1000)
    monkeypatch.setenv('LTC_IMPORT_MAX_CELLS', '0')
    with pytest.raises(ConfigError, match='LTC_IMPORT_MAX_CELLS must be at least 1'):
        config.load({'INSTANCE_PATH': str(tmp_path)})


def test_a_csv_row_of_commas_is_refused_before_it_is_split(tmp_path):
    path = tmp_path / 'commas.csv'
    path.write_text('公司名称,' + ',' * 3_000_000 + '\n', encoding='utf-8')
    # The file and its decoded line are held; the split row alone would be a list of 3 million
    # strings (24 MB of pointers) and take seconds.
    error = refused_quickly(CsvTable(path).read, megabytes=16)
    assert 'commas.csv has 3,000,002 columns (row 1); at most 500 columns' in str(error)
    assert '（第 1 行）' in error.details['zh']


def test_csv_columns_count_outside_quotes_and_cells_are_capped(tmp_path):
    assert columns_of('"a,b,c",d\n', ',') == 2 and columns_of('x,y",z\n', ',', inside=True) == 2
    path = tmp_path / 'quoted.csv'
    path.write_text('公司名称,备注\n' + '华为,"' + ',' * 800 + '"\n', encoding='utf-8')
    assert len(CsvTable(path).read()[1]) == 2   # 800 commas inside quotes are text
    path.write_text('公司名称,备注\n' + '华为,"多行\n' + ',' * 800 + '"\n' + ',' * 501 + '\n', encoding='utf-8')
    with pytest.raises(SyncError, match=r'has 502 columns \(row 3\)'):
        CsvTable(path).read()
    path.write_text('公司名称,电话\n' + '华为,1\n' * 10, encoding='utf-8')
    with pytest.raises(SyncError, match=r'reaches row 10 and column 2 \(20 cells\); at most 19 cells'):
        CsvTable(path, limits=Limits(cells=19)).read()


def test_cli_import_refuses_the_bomb_with_exit_two(runner, db, tmp_path):
    path = far_cell_bomb(tmp_path / 'bomb.xlsx')
    started = time.perf_counter()
    result = runner.invoke(args=['ltc', 'import', 'leads', str(path), '--lang', 'en'])   # --lang governs refusals
    assert result.exit_code == 2, result.output
    assert 'Error: bomb.xlsx has 16,384 columns' in result.output and 'Traceback' not in result.output
    assert time.perf_counter() - started < 2 and Lead.select().count() == 0
    csv_path = tmp_path / 'wide.csv'
    csv_path.write_text('公司名称' + ',' * 600 + '\n华为\n', encoding='utf-8')
    result = runner.invoke(args=['ltc', 'import', 'leads', str(csv_path)])
    assert result.exit_code == 2 and '错误：wide.csv 有 601 列' in result.output


def test_cli_sync_run_refuses_a_target_grown_into_a_bomb(runner, db, tmp_path):
    path = write_sheet_xml(tmp_path / 'sync.xlsx', HEADER + '<row r="2"><c r="A2" t="inlineStr"><is><t>华为</t></is>'
                                                            '</c></row>', dimension='A1:A2')
    result = runner.invoke(args=['ltc', 'sync', 'add', 'team', '--entity', 'leads', '--file', str(path)])
    assert result.exit_code == 0, result.output
    far_cell_bomb(path)
    result = runner.invoke(args=['ltc', 'sync', 'run', 'team'])
    assert result.exit_code == 2 and 'team: refused: sync.xlsx has 16,384 columns' in result.output


def test_only_cells_right_of_the_widest_so_far_are_looked_at_and_none_is_missed():
    from ltc.sync.formats.extent import _cells_after, column_number
    from openpyxl.utils import get_column_letter
    for widest in (0, 1, 25, 26, 27, 51, 52, 675, 676, 677, 701, 702, 703, 16384, 18277):
        finder = _cells_after(widest)
        for column in sorted({1, 2, 25, 26, 27, 52, 53, 676, 677, 702, 703, 704, 16384, 18278} |
                             {min(18278, max(1, widest + d)) for d in (-1, 0, 1, 2)}):
            tag = f'<c r="{get_column_letter(column)}12"'.encode()
            assert bool(finder.findall(tag)) == (column > widest), (widest, column)
            assert column_number(get_column_letter(column)) == column
    assert _cells_after(18278) is None   # ZZZ: nothing lies right of it


def _many_rows(count, extra=''):
    rows = ''.join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>公司{n}</t></is></c><c r="B{n}"><v>{n}</v></c></row>'
                   for n in range(2, count + 2))
    return HEADER + rows + extra


def test_a_wide_cell_and_an_error_cell_past_the_first_megabyte_are_seen(tmp_path):
    count = 30_000   # rows 2 .. 30,001, about 2.5 MB of sheet XML: the pass reads it a megabyte at a time
    last = count + 2
    wide = f'<row r="{last}"><c r="A{last}" t="inlineStr"><is><t>x</t></is></c><c r="SZ{last}"><v>1</v></c></row>'
    with pytest.raises(SyncError) as error:
        XlsxTable(write_sheet_xml(tmp_path / 'wide.xlsx', _many_rows(count, wide), dimension=None)).read()
    assert 'has 520 columns; at most 500 columns are read' in str(error.value)
    broken = f'<row r="{last}"><c r="A{last}" t="inlineStr"><is><t>坏</t></is></c><c r="B{last}" t="e"><v>#N/A</v></c></row>'
    table = XlsxTable(write_sheet_xml(tmp_path / 'error.xlsx', _many_rows(count, broken), dimension=None))
    grid = table.read()
    assert table.error_sheets == {'线索': True} and repr(grid[-1][1]) == repr(ErrorValue('#N/A')) and grid[-2][1] == count + 1
    clean = XlsxTable(write_sheet_xml(tmp_path / 'clean.xlsx', _many_rows(count), dimension=None))
    clean.read()
    assert clean.error_sheets == {'线索': False}
