"""A Google spreadsheet of several synced tabs (a workbook target), read and written in a bounded number of requests.

Requests per run, whatever the number of tabs and rows:

1. read: one `values:batchGet` of every tab (unformatted values, serial dates), as `GSheetTable.read` per tab;
2. re-check, only when the run writes: one `spreadsheets.get` of every tab's code column (the whole tab when it
   holds rows without a code, whose identity is their content) with the tabs' ids and grid sizes, through a
   field mask (`sheets(properties(...),data(...))`);
3. write, only when the run writes: one `spreadsheets:batchUpdate` carrying every tab's cells, code write-backs,
   status (`updateCells`), new rows (`appendCells`: after the last row with data, also one a user typed while
   the run went on, the grid grown as needed) and header notes. Google applies a batchUpdate all or nothing: the tabs are written together or not at all. A write
   over ~2 MB is split, one more request per ~2 MB (`ops.MAX_PAYLOAD`).

Rows moved between the read and the write (a user sorted or inserted rows) are remapped per tab by identity
as a single worksheet's are (`table.remap_rows`); a write for a row that cannot be found is dropped and the next
run redoes it.
"""
from ..formats.limits import Limits
from ..mapping.codecs import plain_text
from . import ops
from .table import _identities, app_client, remap_rows, to_cell

RECHECK_FIELDS = ('sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),'
                  'data(startRow,rowData(values(effectiveValue))))')


def _effective(cell):
    """Return a CellData's effectiveValue as values:get UNFORMATTED_VALUE gives it."""
    value = (cell or {}).get('effectiveValue')
    if not value:
        return ''
    if 'numberValue' in value:
        number = value['numberValue']
        return int(number) if isinstance(number, float) and number.is_integer() else number
    if 'boolValue' in value:
        return value['boolValue']
    if 'errorValue' in value:
        return value['errorValue'].get('type', '#ERROR!')
    return value.get('stringValue', '')


class GSheetBook:
    """The tabs (worksheet titles) of one spreadsheet, read together and written together."""

    def __init__(self, key, titles, client=None, max_rows=None, max_payload=ops.MAX_PAYLOAD, limits=None):
        self.key, self.titles = ops.extract_key(key), list(titles)
        self.client, self.max_rows, self.max_payload = client, max_rows, max_payload
        self.limits = limits or Limits.current()
        self.grids = None        # {title: rows} as read
        self.keys = {}           # {title: 1-based key column}, told by the engine once it located each tab
        self.checked = None      # {title: (properties, rows now)} from the re-check
        self.batches = {}        # {title: WriteBatch} queued by the tabs
        self.requests = 0        # requests sent by the last flush
        self.counted = {'reads': 0, 'writes': 0}   # requests of this run
        self.before_write = None   # callable() run between the read and the re-check (tests, demos)

    def _client(self):
        if self.client is None:
            self.client = app_client()
        return self.client

    def tab(self, title):
        return GSheetTab(self, title)

    def read(self):
        """Read every tab in one values:batchGet; return {title: rows}."""
        client = self._client()
        ranges = [ops.sheet_range(t) for t in self.titles]
        with ops._api(self.key, 'read the workbook', '读取工作簿'):
            try:
                data = client.http_client.values_batch_get(self.key, ranges, params=ops.READ_PARAMS)
            except ops.APIError as err:
                if err.response.status_code == 400 and 'parse range' in err.error.get('message', ''):
                    raise ops.SheetNotFound(
                        f'Spreadsheet {self.key} lacks one of the worksheets {", ".join(self.titles)}; a tab was '
                        f'renamed or deleted. Restore its name, or add the workbook again.',
                        zh=f'表格 {self.key} 缺少工作表 {"、".join(self.titles)} 中的某一个；有工作表被改名或删除。'
                           f'请恢复其名称，或重新添加工作簿。', key=self.key) from err
                raise
        self.counted['reads'] += 1
        grids = {}
        for title, found in zip(self.titles, data.get('valueRanges', [])):
            grid = ops.padded(found.get('values', []))
            label = f'Google Sheet {self.key} › {title}'
            if self.max_rows and len(grid) > self.max_rows + 100:
                from ..formats.xlsx import too_many_rows
                raise too_many_rows(label, len(grid), self.max_rows)
            grids[title] = grid
        # Google caps a spreadsheet (all its tabs together) at 10 million cells.
        self.limits.check(f'Google Sheet {self.key}', sum(len(g) for g in grids.values()),
                          max((max(map(len, g), default=0) for g in grids.values()), default=0))
        self.grids, self.checked, self.batches = grids, None, {}
        return grids

    def recheck(self):
        """Re-read every tab's identities, ids and grid sizes in one spreadsheets.get (once per run)."""
        if self.checked is not None:
            return self.checked
        if self.before_write:
            self.before_write()
        ranges, whole = [], {}
        for title in self.titles:
            key_col = self.keys.get(title, 1)
            before = _identities(self.grids.get(title, []), key_col)
            whole[title] = any(i[0] == 'c' and i[1] for i in before)
            letter = ops.rowcol_to_a1(1, key_col)[:-1]
            ranges.append(ops.sheet_range(title) if whole[title] else ops.sheet_range(title, f'{letter}:{letter}'))
        with ops._api(self.key, 'check the workbook before writing', '写入前检查工作簿'):
            meta = self._client().http_client.fetch_sheet_metadata(
                self.key, params={'ranges': ranges, 'fields': RECHECK_FIELDS})
        self.counted['reads'] += 1
        by_title = {s['properties']['title']: s for s in meta.get('sheets', [])}
        checked = {}
        for title in self.titles:
            sheet = by_title.get(title)
            if sheet is None:
                raise ops.SheetNotFound(f'Spreadsheet {self.key} has no worksheet {title!r} any more; nothing was '
                                        f'written. Restore the tab, then run the sync again.',
                                        zh=f'表格 {self.key} 中已没有工作表 {title!r}；未写入任何数据。请恢复该工作表后重新同步。',
                                        key=self.key, worksheet=title)
            data = (sheet.get('data') or [{}])[0]
            rows = [[] for _ in range(data.get('startRow', 0))]
            for row in data.get('rowData', []):
                rows.append([_effective(c) for c in row.get('values', [])])
            while rows and not any(v not in ('', None) for v in rows[-1]):
                rows.pop()
            if not whole[title]:   # the key column alone: one cell per row
                key_col = self.keys.get(title, 1)
                rows = [[''] * (key_col - 1) + (r[:1] or ['']) for r in rows]
            checked[title] = (sheet['properties'], rows)
        self.checked = checked
        return checked

    def flush(self):
        """Send every queued tab's writes in one spreadsheets:batchUpdate (split only past MAX_PAYLOAD)."""
        self.requests = 0
        queued = {t: b for t, b in self.batches.items() if b}
        if not queued:
            return 0
        checked = self.recheck()
        grow, writes = [], []
        for title in self.titles:
            batch = queued.get(title)
            if batch is None:
                continue
            props, now = checked[title]
            sheet_id = props['sheetId']
            grid = props.get('gridProperties', {})
            remap = self._remap(title, now)
            cells = {}
            for (row, col), value in batch.cells.items():
                if remap is not None:
                    row = remap.get(row)
                    if row is None:
                        continue   # the row vanished or cannot be told apart: the next run redoes it
                cells[(row, col)] = to_cell(value)
            appends = [[to_cell(v) for v in values] for values in batch.appends]
            width = max([c for _, c in cells] + [len(r) for r in appends] + [0])
            if width > grid.get('columnCount', 0):
                grow.append({'appendDimension': {'sheetId': sheet_id, 'dimension': 'COLUMNS',
                                                 'length': width - grid.get('columnCount', 0)}})
            last = max((r for r, _ in cells), default=0)
            if last > grid.get('rowCount', 0):
                grow.append({'appendDimension': {'sheetId': sheet_id, 'dimension': 'ROWS',
                                                 'length': last - grid.get('rowCount', 0)}})
            writes.extend(ops.cell_requests(sheet_id, cells))
            if appends:   # after the cells: a code written back into a new last row is data it goes below
                writes.append({'appendCells': {
                    'sheetId': sheet_id, 'fields': 'userEnteredValue',
                    'rows': [{'values': [ops._extended(v, i + 1, j + 1) for j, v in enumerate(values)]}
                             for i, values in enumerate(appends)]}})
            if batch.note:
                writes.append(ops.note_request(sheet_id, *batch.note))
        for requests in ops.in_pieces(writes, self.max_payload, head=grow):
            self._send(requests)
        self.batches = {}
        return self.requests

    def _send(self, requests):
        with ops._api(self.key, 'write the workbook', '写入工作簿'):
            self._client().http_client.batch_update(self.key, {'requests': requests})
        self.requests += 1
        self.counted['writes'] += 1

    def _remap(self, title, now):
        """Return {row as read: row now} when rows of TITLE moved since the read, else None."""
        key_col = self.keys.get(title, 1)
        before, after = _identities(self.grids.get(title, []), key_col), _identities(now, key_col)
        present = set(after)
        kept = all(r <= len(after) and (after[r - 1] == i or (
            i[0] == 'c' and after[r - 1][0] == 'c' and i not in present))
            for r, i in enumerate(before, 1) if i != ('c', ()))
        return None if kept else remap_rows(before, after)


class GSheetTab:
    """One tab of a GSheetBook as the engine's `Table`: reads what the book read, queues its writes in the book."""
    kind = 'gsheet'
    date1904 = False

    def __init__(self, book, title):
        self.book, self.title = book, title
        self.label = f'Google Sheet {book.key} › {title}'

    def read(self):
        if self.book.grids is None:
            self.book.read()
        return self.book.grids[self.title]

    def reread_keys(self, key_col):
        """Return {row: key} in the rows as read, once the book re-checked every tab (one request for all)."""
        self.book.keys[self.title] = key_col
        self.book.recheck()
        grid = self.book.grids[self.title]
        return {r: plain_text(row[key_col - 1]).strip() for r, row in enumerate(grid, 1)
                if len(row) >= key_col and row[key_col - 1] not in (None, '')
                and plain_text(row[key_col - 1]).strip()}

    def write(self, batch):
        """Queue BATCH; the book sends every tab's writes together (`GSheetBook.flush`)."""
        if batch:
            self.book.batches[self.title] = batch
