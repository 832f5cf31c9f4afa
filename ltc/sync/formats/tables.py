"""The `Table` protocol: what the engine needs from any spreadsheet backend.

The engine (`engine/twoway.py`, `writes/importer.py`) only ever talks to a `Table`; it never asks which
backend it has. `xlsx.XlsxTable` and `csv.CsvTable` implement it; a Google Sheets backend
implements the same four members and plugs in through `targets.open_table()` without engine changes.

Coordinates
    Rows and columns are **1-based** and count every sheet row, blank ones included, so
    row 1 is the first row of the sheet and `grid[r - 1][c - 1]` is the cell at (r, c).
    A row's identity is its key cell (the record code, `Mapping.key`), never its number:
    numbers are only valid between one `read()` and the following `write()`.

Cells
    `read()` returns Python values: str, int, float, bool, datetime.date/datetime/time,
    `ErrorValue('#N/A')` for error cells, and None or '' for empty cells. Formula cells are
    their cached values. Dates are real dates when the backend knows the cell is a date
    (xlsx date formats, either date system); otherwise numbers or text, which the Date codec
    reads as Excel serials or date text.

Writes
    `write(batch)` applies one `WriteBatch` in as few requests as the backend allows, and
    atomically where it can (files are replaced by rename, so a kill leaves the old file or
    the new one, never half of one):
    - `batch.cells`  {(row, col): value} overwrites existing cells, including the header row
      (the engine writes the status column header this way the first time);
    - `batch.appends` [[value, ...]] adds rows after the last non-empty row, in order,
      each list starting at column 1;
    - `batch.status_col` names the 1-based status column (the engine already put its cells in
      `batch.cells`; backends may use it to style or size that column);
    - `batch.note` (row, col, text), when set, is the note (a comment in Excel) of that cell, written
      with the rest of the batch; a batch with only a note is empty and writes nothing.
    Text values arrive as cells from `codecs.escape`: control characters dropped, then text
    that looks like a formula escaped with a leading apostrophe; backends write every value
    as a literal (Sheets: valueInputOption RAW).

Limits
    A backend refuses (SyncError) a sheet wider than `limits.Limits.columns` or reaching more
    than `Limits.cells` cells from A1, before it allocates the grid where the format allows
    (xlsx: measured from the sheet XML; csv: line by line; Google Sheets: once fetched).

Re-reading keys before a write
    Between the engine's `read()` and its `write()` a person may insert, delete or sort rows
    of a live (remote) sheet. Before writing, the engine calls `reread_keys(key_col)`; a
    backend returns {row: key} of the sheet *as it is now* (a cheap one-column read for a
    remote sheet; xlsx re-reads the file only if its content changed since the read, csv
    re-reads it). The engine then moves every planned
    cell write to the row that now holds that key, and drops writes for keys that vanished
    (the next run picks them up). Rows written by key only need the key column to be read.

Optional attributes
    `date1904` (bool, default False): the workbook counts date serials from 1904, so bare
    numbers in date columns are read in that system. `prefer` (callable(grid) -> score, or
    None): a backend holding several worksheets sets `prefer = None` and, when the caller
    (the reader) fills it in, picks the worksheet whose grid scores best; `sheet` then names
    the worksheet it read. Backends with one table per file need neither.

Identity for locks and messages
    `label` is a short human description ("leads.xlsx › 线索"); `kind` is the backend name
    stored on a sync target ('xlsx', 'csv', 'gsheet').
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..errors import SyncError


@dataclass
class WriteBatch:
    cells: dict = field(default_factory=dict)     # {(row, col): value}, 1-based
    appends: list = field(default_factory=list)   # rows added after the last row
    status_col: int = None
    note: tuple = None   # (row, col, text): the header's note (who the sheet runs as, its slice, last run)

    def __bool__(self):
        return bool(self.cells or self.appends)


class Table(Protocol):
    kind: str
    label: str

    def read(self) -> list:
        """Return the sheet as a list of rows (lists of cells), row 1 first."""

    def write(self, batch: WriteBatch) -> None:
        """Apply BATCH: overwrite cells, append rows; all or nothing where the backend allows."""

    def reread_keys(self, key_col: int) -> dict:
        """Return {row: key text} of the key column as the sheet is now."""


def kind_for_path(path):
    """Return the backend kind for a file name, refusing unknown extensions."""
    suffix = Path(path).suffix.lower()
    if suffix in ('.xlsx', '.xlsm', '.xls'):
        return 'xlsx'
    if suffix in ('.csv', '.txt', '.tsv'):
        return 'csv'
    raise SyncError(f'{Path(path).name} is not a spreadsheet file; use .xlsx, .xls or .csv.',
                    zh=f'{Path(path).name} 不是表格文件；请使用 .xlsx、.xls 或 .csv 文件。')


def open_path(path, sheet=None, max_rows=None):
    """Return the Table for a local file by its extension."""
    if kind_for_path(path) == 'xlsx':
        from .xlsx import XlsxTable
        return XlsxTable(str(path), sheet=sheet, max_rows=max_rows)
    from .csv import CsvTable
    return CsvTable(str(path), max_rows=max_rows)
