"""How much one spreadsheet may hold: columns and cells, checked before a reader allocates them.

A sheet's size in memory is its range, rows x columns from A1, not its file size: a 5 KB
workbook whose one cell sits in XFD1000000 asks a reader for 16 billion cells, and a 45 MB
line of commas is 45 million CSV columns. The readers (`xlsx.py`, `extent.py`, `csv.py`,
`gsheets/table.py`) measure the range first and refuse with one sentence when it is over these
limits. The defaults hold a 100,000-row sheet of 30 columns (an estimated 0.6-0.7 GB at peak
in an import: the 1.5 million cells of the benchmark workbook peak at 352 MB);
`LTC_IMPORT_MAX_COLUMNS` and `LTC_IMPORT_MAX_CELLS` change them.
"""
from dataclasses import dataclass
from pathlib import Path

from ..errors import SyncError

MAX_COLUMNS = 500         # mappings have at most 21 columns: room for a team's own; Excel allows 16,384
MAX_CELLS = 3_000_000     # rows x columns of every sheet read from one file


@dataclass(frozen=True)
class Limits:
    columns: int = MAX_COLUMNS
    cells: int = MAX_CELLS

    @classmethod
    def current(cls):
        """Return the limits configured on the running app, or the defaults outside one."""
        from flask import current_app, has_app_context
        if not has_app_context():
            return cls()
        config = current_app.config
        return cls(config.get('IMPORT_MAX_COLUMNS', MAX_COLUMNS), config.get('IMPORT_MAX_CELLS', MAX_CELLS))

    def check(self, label, rows, columns, counted=0):
        """Refuse a range of ROWS x COLUMNS (plus COUNTED cells of sheets already read) over the limits."""
        if columns > self.columns:
            raise too_many_columns(label, columns, self.columns)
        if rows * columns + counted > self.cells:
            raise too_many_cells(label, rows, columns, self.cells)


def _name(label):
    return Path(label).name if '/' in str(label) or '\\' in str(label) else str(label)


def too_many_columns(label, columns, limit, row=None):
    name = _name(label)
    where_en, where_zh = (f' (row {row:,})', f'（第 {row:,} 行）') if row else ('', '')
    return SyncError(f'{name} has {columns:,} columns{where_en}; at most {limit:,} columns are read '
                     f'(IMPORT_MAX_COLUMNS). Delete the unused columns or save only the table.',
                     zh=f'{name} 有 {columns:,} 列{where_zh}；最多读取 {limit:,} 列（IMPORT_MAX_COLUMNS）。'
                        f'请删除无用的列，或只保存数据表。')


def too_many_cells(label, rows, columns, limit):
    name = _name(label)
    return SyncError(f'{name} reaches row {rows:,} and column {columns:,} ({rows * columns:,} cells); at most '
                     f'{limit:,} cells are read from one file (IMPORT_MAX_CELLS). Delete stray cells far '
                     f'from the table or split the file.',
                     zh=f'{name} 延伸到第 {rows:,} 行、第 {columns:,} 列（{rows * columns:,} 个单元格）；'
                        f'一个文件最多读取 {limit:,} 个单元格（IMPORT_MAX_CELLS）。'
                        f'请删除远离数据表的零散单元格，或拆分文件。')
