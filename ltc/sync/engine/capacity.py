"""Limits known before writing: a slice that would not fit its spreadsheet is refused before anything is read.

Google Sheets holds at most 10,000,000 cells per spreadsheet and 18,278 columns (ZZZ) per sheet;
Excel 1,048,576 rows and 16,384 columns per sheet. A target's rows are its slice, so the count of the
slice's records (one query) times the sheet's columns says whether the sheet can hold them. The
refusal is one sentence naming the target, its slice and the counts, and says how to get under.
"""
from ..errors import SyncError
from . import slices

GOOGLE_CELLS, GOOGLE_COLUMNS = 10_000_000, 18_278
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


def width(mapping):
    """Return the columns a synced sheet of MAPPING has: its columns and the status column."""
    return len(mapping.columns) + 1


def check(target, mapping, count):
    """Refuse TARGET when COUNT records of its slice (plus the header row) would not fit its backend."""
    columns, rows = width(mapping), count + 1
    what_en = f'sync target {target.name} ({slices.describe(target.terms, "en")})'
    what_zh = f'同步目标 {target.name}（{slices.describe(target.terms, "zh")}）'
    fix_en = (f'narrow its slice (`flask ltc sync set {target.name} --where …`) or split it into several '
              f'targets')
    fix_zh = f'请缩小筛选范围（`flask ltc sync set {target.name} --where …`）或拆分为多个同步目标'
    if target.backend == 'gsheet':
        if columns > GOOGLE_COLUMNS:
            raise SyncError(f'The sheet of {what_en} would have {columns:,} columns, over Google Sheets\' '
                            f'{GOOGLE_COLUMNS:,}; nothing was read or written.',
                            zh=f'{what_zh}的表格将有 {columns:,} 列，超过谷歌表格的 {GOOGLE_COLUMNS:,} 列上限；'
                               f'未读取或写入任何内容。')
        if rows * columns > GOOGLE_CELLS:
            raise SyncError(f'The slice of {what_en} holds {count:,} {mapping.entity}, {rows * columns:,} cells '
                            f'with {columns} columns, over Google Sheets\' {GOOGLE_CELLS:,} cells per spreadsheet; '
                            f'nothing was read or written: {fix_en}.',
                            zh=f'{what_zh}的筛选范围有 {count:,} 条记录，{columns} 列共 {rows * columns:,} 个单元格，'
                               f'超过谷歌表格每个文件 {GOOGLE_CELLS:,} 个单元格的上限；未读取或写入任何内容：{fix_zh}。')
    elif target.backend == 'xlsx':
        if rows > EXCEL_ROWS:
            raise SyncError(f'The slice of {what_en} holds {count:,} {mapping.entity}, {rows:,} rows with the '
                            f'header, over Excel\'s {EXCEL_ROWS:,} rows per sheet; nothing was read or written: '
                            f'{fix_en}.',
                            zh=f'{what_zh}的筛选范围有 {count:,} 条记录，连表头共 {rows:,} 行，超过 Excel 每个工作表 '
                               f'{EXCEL_ROWS:,} 行的上限；未读取或写入任何内容：{fix_zh}。')


def check_workbook(workbook, counts):
    """Refuse WORKBOOK when its tabs together would not fit one Google spreadsheet; COUNTS: [(tab, mapping, count)].
    Each tab is also checked on its own (an Excel sheet's rows, a Google sheet's columns) when it is planned."""
    if workbook.backend != 'gsheet':
        return
    cells = sum((count + 1) * width(mapping) for _, mapping, count in counts)
    if cells > GOOGLE_CELLS:
        shown = ', '.join(f'{tab.entity} {count:,}' for tab, _, count in counts)
        raise SyncError(f'The tabs of workbook {workbook.name} hold {cells:,} cells together ({shown} rows), over '
                        f'Google Sheets\' {GOOGLE_CELLS:,} cells per spreadsheet; nothing was read or written: narrow '
                        f'the slices (`flask ltc sync set {workbook.name} --where …`) or split the workbook.',
                        zh=f'工作簿 {workbook.name} 的工作表合计 {cells:,} 个单元格（{shown} 行），超过谷歌表格每个文件 '
                           f'{GOOGLE_CELLS:,} 个单元格的上限；未读取或写入任何内容：请缩小筛选范围'
                           f'（`flask ltc sync set {workbook.name} --where …`）或拆分工作簿。')
