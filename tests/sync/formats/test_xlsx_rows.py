"""Reading an .xlsx grid: positions as in the sheet, and repeated values held once."""
import openpyxl
import python_calamine

from ltc.sync.formats.xlsx import SAMPLE_ROWS, XlsxTable


def test_grid_matches_the_sheet_and_shares_repeated_values(tmp_path):
    path = tmp_path / 'offset.xlsx'
    book = openpyxl.Workbook()
    sheet = book.active
    sheet['C2'] = '公司名称'
    sheet['D2'] = '来源'
    rows = SAMPLE_ROWS + 300
    for i in range(rows):
        sheet.cell(3 + i, 3, f'公司{i}')
        sheet.cell(3 + i, 4, ('官网', '展会', '转介绍')[i % 3])
    book.save(path)
    grid = XlsxTable(path).read()
    expected = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(
        skip_empty_area=False)
    assert grid == expected   # empty rows above and columns to the left kept: positions match the sheet
    assert grid[1][2] == '公司名称' and grid[2][2:] == ['公司0', '官网']
    sources = {id(row[3]) for row in grid[2:]}
    assert len(sources) == 3            # three labels, each one str object however many rows
    assert len({id(row[2]) for row in grid[2:]}) == rows   # unique names are not memoised
