"""Google Sheets `Table` backend: one read, one key re-check, one RAW write, one append per run.

Requests per sync run: open (spreadsheets.get), read (values.get, unformatted values with
serial dates), re-check (values.get of the key column, or of the whole sheet when it holds
rows without a code, whose identity is their content), write (one values:batchUpdate RAW,
split only past ~2 MB; a spreadsheets:batchUpdate of updateCells instead, carrying the header's
note, when the run gives one: a run that only appends leaves the note as it is), plus one values.append for new rows (and one appendDimension when the grid
must grow first).

Concurrent edits: Google has no compare-and-swap. Just before writing, the backend re-reads
and compares each row's identity (its code, or its content for a row without one) with what
it read. When rows moved (a user sorted, inserted or deleted rows meanwhile) it re-plans the
positions: every planned cell goes to the row that now holds the same identity, and writes
for rows it cannot find are dropped (the next run redoes them). A value is never written into
a row whose key is not the planned one.
"""
import datetime
from collections import defaultdict
from decimal import Decimal

from flask import current_app, has_app_context

from ..formats.limits import Limits
from ..mapping.codecs import plain_text
from . import ops
from .http import open_client

CLIENT_KEY = 'ltc_gsheets_client'


def app_client(config=None):
    """Return the app's gspread client, built once so its rate limit covers every target.

    Outside an app context (the job consumer) the settings come from the LTC_* environment.
    """
    if config is not None:
        return open_client(config)
    if has_app_context():
        holder, config = current_app.extensions, current_app.config
    else:
        from ...config import load
        holder, config = _clients, load()
    if CLIENT_KEY not in holder:
        holder[CLIENT_KEY] = open_client(config)
    return holder[CLIENT_KEY]


_clients = {}


def to_cell(value):
    """Return VALUE as a JSON cell for a RAW write: dates as ISO text, exact money as numbers."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Decimal):
        number = float(value)
        return number if Decimal(repr(number)) == value else str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return plain_text(value)


def _text(value):
    return plain_text(value).strip() if value not in (None, '') else ''


def _identities(grid, key_col):
    """Return each row's identity: ('k', code) when it has one, else ('c', its cells as text)."""
    out = []
    for row in grid:
        key = _text(row[key_col - 1]) if len(row) >= key_col else ''
        if key:
            out.append(('k', key))
        else:
            cells = [_text(c) for c in row]
            while cells and not cells[-1]:
                cells.pop()
            out.append(('c', tuple(cells)))
    return out


def remap_rows(before, after):
    """Return {old row: new row} (1-based) matching identities uniquely; unmatched rows are left out.

    A row without a code that was edited in place (same position, still no code, every coded
    row where it was) keeps its position, so typing into a new row during a run is no move.
    """
    where = defaultdict(list)
    for row, ident in enumerate(after, 1):
        where[ident].append(row)
    counts = defaultdict(int)
    for ident in before:
        counts[ident] += 1
    coded_stay = all(after[r - 1] == ident for r, ident in enumerate(before, 1)
                     if ident[0] == 'k' and r <= len(after))
    mapping = {}
    for row, ident in enumerate(before, 1):
        if ident == ('c', ()):
            continue   # blank rows carry nothing the engine writes
        if counts[ident] == 1 and len(where.get(ident, ())) == 1:
            mapping[row] = where[ident][0]
        elif (ident[0] == 'c' and coded_stay and ident not in where and row <= len(after)
              and after[row - 1][0] == 'c'):
            mapping[row] = row
    return mapping


class GSheetTable:
    """One worksheet of a Google spreadsheet, read and written through gspread."""
    kind = 'gsheet'
    date1904 = False

    def __init__(self, key, worksheet, client=None, max_rows=None, max_payload=ops.MAX_PAYLOAD, limits=None):
        self.key, self.title = ops.extract_key(key), worksheet
        self.client, self.max_rows, self.max_payload = client, max_rows, max_payload
        self.limits = limits or Limits.current()
        self.label = f'Google Sheet {self.key} › {worksheet}'
        self.worksheet = None
        self.grid = None           # as read by read()
        self.remap = None          # {read row: row now} when rows moved before the write
        self.last_row = 0          # last used row seen by the re-check (appends go below)
        self.before_write = None   # callable() run between the read and the re-check (tests, demos)
        self.requests = 0          # values:batchUpdate/append requests sent by the last write

    def _client(self):
        if self.client is None:
            self.client = app_client()
        return self.client

    def read(self):
        """Open the worksheet and return all its values (two requests)."""
        self.worksheet = ops.open_worksheet(self._client(), self.key, self.title)
        self.grid = ops.read_all(self.worksheet)
        if self.max_rows and len(self.grid) > self.max_rows + 100:
            from ..formats.xlsx import too_many_rows
            raise too_many_rows(self.label, len(self.grid), self.max_rows)
        # Google caps a spreadsheet at 10 million cells, so the values are measured once fetched.
        self.limits.check(self.label, len(self.grid), max(map(len, self.grid), default=0))
        self.remap, self.last_row = None, len(self.grid)
        return self.grid

    def reread_keys(self, key_col):
        """Re-read the sheet's identities (one request); return {row: key} in the rows as read."""
        if self.before_write:
            self.before_write()
        if self.worksheet is None:
            self.read()
        before = _identities(self.grid, key_col)
        if any(ident[0] == 'c' and ident[1] for ident in before):
            now = ops.read_all(self.worksheet)      # rows without code: identity is content
        else:
            now = [[k] for k in ops.read_keys(self.worksheet, key_col - 1)]
            key_col = 1
        after = _identities(now, key_col)
        self.last_row = len(now)
        present = set(after)
        # A codeless row edited in place is still there; one whose content now sits elsewhere moved.
        kept = all(r <= len(after) and (after[r - 1] == i or (
            i[0] == 'c' and after[r - 1][0] == 'c' and i not in present))
            for r, i in enumerate(before, 1) if i != ('c', ()))
        self.remap = None if kept else remap_rows(before, after)
        # Positions stay those of the read: the engine plans against them, write() moves them.
        return {r: i[1] for r, i in enumerate(before, 1) if i[0] == 'k'}

    def write(self, batch):
        """Write changed cells and status in one RAW batchUpdate, then append new rows in one request."""
        self.requests = 0
        if not batch:
            return
        if self.worksheet is None:
            self.read()
        cells = {}
        for (row, col), value in batch.cells.items():
            if self.remap is not None:
                row = self.remap.get(row)
                if row is None:
                    continue   # the row vanished or cannot be told apart: the next run redoes it
            cells[(row, col)] = to_cell(value)
        width = max([c for _, c in cells] + [len(r) for r in batch.appends] + [0])
        if width > self.worksheet.col_count:
            self._grow_columns(width)
        if batch.note and cells:   # the header's note rides in the cells' write: no extra request
            self.requests += ops.write_cells_noted(self.worksheet, cells, batch.note, self.max_payload)
        elif cells:
            self.requests += ops.write_cells(self.worksheet, cells, self.max_payload)
        if batch.appends:
            rows = [[to_cell(v) for v in values] for values in batch.appends]
            at = max(self.last_row, max((r for r, _ in cells), default=0)) + 1
            grow = at > self.worksheet.row_count
            ops.append_rows(self.worksheet, rows, at)
            self.requests += 2 if grow else 1

    def _grow_columns(self, width):
        ws = self.worksheet
        with ops._api(self.key, f'add columns to worksheet {self.title!r}', f'向工作表 {self.title!r} 添加列'):
            ws.client.batch_update(self.key, {'requests': [{'appendDimension': {
                'sheetId': ws.id, 'dimension': 'COLUMNS', 'length': width - ws.col_count}}]})
        ws._properties['gridProperties']['columnCount'] = width
        self.requests += 1
