"""Google Sheets operations for the sync, each one request where it matters (through gspread)."""
import json
import random
import re
from contextlib import contextmanager
from json.decoder import WHITESPACE

import gspread
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_VALUES_URL
from gspread.utils import a1_range_to_grid_range, quote, rowcol_to_a1

from ...services.messages import invalid
from .http import SheetsError

MAX_PAYLOAD = 2_000_000          # bytes of JSON per values:batchUpdate before splitting
READ_PARAMS = {'valueRenderOption': 'UNFORMATTED_VALUE', 'dateTimeRenderOption': 'SERIAL_NUMBER',
               'majorDimension': 'ROWS'}
CELL_TYPES = (str, int, float, bool)
_URL_KEY = re.compile(r'/spreadsheets/d/([A-Za-z0-9_-]+)|[?&#]key=([A-Za-z0-9_-]+)')
_BARE_KEY = re.compile(r'[A-Za-z0-9_-]+')


class SheetNotFound(SheetsError):
    """The spreadsheet or worksheet does not exist."""


class SheetAccessDenied(SheetsError):
    """The credentials may not open the spreadsheet."""


class RowsMoved(SheetsError):
    """Rows changed places between the read and the write; the caller must re-plan."""

    def __init__(self, message, *, moved, **details):
        super().__init__(message, moved=moved, **details)
        self.moved = moved


def extract_key(url_or_key):
    """Return the spreadsheet key of a pasted Google Sheets URL or key."""
    text = (url_or_key or '').strip()
    m = _URL_KEY.search(text)
    if m:
        return m.group(1) or m.group(2)
    if _BARE_KEY.fullmatch(text):
        return text
    raise invalid('{text!r} is neither a Google Sheets address nor a spreadsheet key; paste '
                  'the address from the browser (https://docs.google.com/spreadsheets/d/…).',
                  '{text!r} 既不是 Google 表格地址，也不是表格密钥；请粘贴浏览器中的地址'
                  '（https://docs.google.com/spreadsheets/d/…）。', text=text)


def sheet_range(title, cells=''):
    """Return an absolute A1 range with the title quoted as the API expects."""
    quoted = "'" + title.replace("'", "''") + "'"
    return f'{quoted}!{cells}' if cells else quoted


@contextmanager
def _api(key, what, what_zh):
    """Turn a Google API error while doing WHAT (WHAT_ZH in Chinese) into an LTC error saying what to do."""
    try:
        yield
    except APIError as err:
        status, message = err.response.status_code, err.error.get('message', '')
        if status == 404:
            raise SheetNotFound(f'Spreadsheet {key} does not exist; check the key or URL of the '
                                'target.', zh=f'表格 {key} 不存在；请检查同步目标的密钥或地址。', key=key) from err
        if status == 403:
            raise SheetAccessDenied(f'No access to spreadsheet {key}; share it (Editor) with the '
                                    'service account of LTC_GOOGLE_CREDENTIALS.',
                                    zh=f'无权访问表格 {key}；请把它共享给 LTC_GOOGLE_CREDENTIALS 的服务账号'
                                       '（编辑者权限）。', key=key) from err
        raise SheetsError(f'Google Sheets refused to {what} ({status}: {message}); fix the sheet '
                          'or the target and run the sync again.',
                          zh=f'Google 表格拒绝了{what_zh}的请求（{status}：{message}）；请修正表格或同步目标后重新同步。',
                          key=key, status=status) from err


def _worksheet(client, key, properties):
    # gspread's Worksheet needs only the key and the HTTP client; no second metadata request.
    return gspread.Worksheet(None, properties, key, client.http_client)


def list_worksheets(client, key):
    """Return [(title, row count, column count)] of the spreadsheet's worksheets (one request)."""
    with _api(key, 'open the spreadsheet', '打开表格'):
        meta = client.http_client.fetch_sheet_metadata(key)
    return [(s['properties']['title'], s['properties']['gridProperties']['rowCount'],
             s['properties']['gridProperties']['columnCount']) for s in meta.get('sheets', [])]


def find_worksheet(client, key, title):
    """Return the worksheet titled title, or None when the spreadsheet has none (one request)."""
    with _api(key, 'open the spreadsheet', '打开表格'):
        meta = client.http_client.fetch_sheet_metadata(key)
    for sheet in meta.get('sheets', []):
        if sheet['properties']['title'] == title:
            return _worksheet(client, key, sheet['properties'])
    return None


def open_worksheet(client, key, title):
    """Return the worksheet titled title (one request); raise SheetNotFound when it is missing."""
    worksheet = find_worksheet(client, key, title)
    if worksheet is None:
        raise SheetNotFound(f'Spreadsheet {key} has no worksheet {title!r}; create it or fix the '
                            'worksheet name of the target.',
                            zh=f'表格 {key} 中没有工作表 {title!r}；请创建该工作表，或修正同步目标的工作表名称。',
                            key=key, worksheet=title)
    return worksheet


def create_spreadsheet(client, title):
    """Create an empty spreadsheet titled TITLE through Drive (one request); return its key."""
    from gspread.urls import DRIVE_FILES_API_V3_URL
    with _api('(new)', f'create spreadsheet {title!r}', f'创建表格 {title!r}'):
        reply = client.http_client.request('post', DRIVE_FILES_API_V3_URL, params={'supportsAllDrives': True},
                                           json={'name': title, 'mimeType': 'application/vnd.google-apps.spreadsheet'})
    return reply.json()['id']


def share_spreadsheet(client, key, email, message=None):
    """Give EMAIL edit access to spreadsheet KEY (Drive permissions.create, one request; Google e-mails them the
    link with MESSAGE). Returns the permission's id, which `unshare_spreadsheet` takes back."""
    with _api(key, f'share the spreadsheet with {email}', f'把表格共享给 {email}'):
        reply = client.http_client.insert_permission(key, email, 'user', 'writer', notify=True,
                                                     email_message=message)
    return reply.json()['id']


def unshare_spreadsheet(client, key, permission):
    """Take back the access PERMISSION (an id from `share_spreadsheet`) gave to spreadsheet KEY (one request).
    A permission already removed by hand in Drive is not an error."""
    try:
        with _api(key, 'take back access to the spreadsheet', '收回表格的访问权限'):
            client.http_client.remove_permission(key, permission)
    except SheetNotFound:
        pass


def ensure_worksheet(client, key, title, header, key_column=0, choices=None, rows=1000, protected=(),
                     only=False, note=None):
    """Open the worksheet, or create it with header, frozen header, protected key column and dropdowns.

    :param header: column titles of row 1.
    :param key_column: 0-based index of the code column (protected with a warning).
    :param choices: {0-based column index: [choice labels]} shown as dropdowns (not strict).
    :param protected: 0-based indexes of columns set by the rules (grade, paid ...), protected with a warning.
    :param only: delete the spreadsheet's other worksheets when creating it (a new spreadsheet's `Sheet1`).
    :param note: the note of the header's first cell (who the sheet runs as, its slice), set when creating it.
    :returns: (worksheet, created) after one request, two when created.
    """
    choices = choices or {}
    if not header:
        raise invalid('A worksheet needs at least one column header.', '工作表至少需要一个列标题。')
    bad = [c for c in [key_column, *choices] if not 0 <= c < len(header)]
    if bad:
        raise invalid('Column index {index} is outside the {count} header columns.',
                      '列序号 {index} 超出了 {count} 个标题列的范围。', index=bad[0], count=len(header))
    with _api(key, 'open the spreadsheet', '打开表格'):
        meta = client.http_client.fetch_sheet_metadata(key)
    ids = set()
    for sheet in meta.get('sheets', []):
        if sheet['properties']['title'] == title:
            return _worksheet(client, key, sheet['properties']), False
        ids.add(sheet['properties']['sheetId'])
    sheet_id = random.randrange(1, 2 ** 31 - 1)
    while sheet_id in ids:
        sheet_id = random.randrange(1, 2 ** 31 - 1)
    requests = [
        {'addSheet': {'properties': {'sheetId': sheet_id, 'title': title, 'gridProperties': {
            'rowCount': max(rows, 2), 'columnCount': len(header), 'frozenRowCount': 1}}}},
        {'updateCells': {'start': {'sheetId': sheet_id, 'rowIndex': 0, 'columnIndex': 0},
                         'fields': 'userEnteredValue',
                         'rows': [{'values': [{'userEnteredValue': {'stringValue': str(h)}}
                                              for h in header]}]}},
        # A warning, not a lock: users may still sort and filter rows that include the codes.
        {'addProtectedRange': {'protectedRange': {
            'range': {'sheetId': sheet_id, 'startColumnIndex': key_column,
                      'endColumnIndex': key_column + 1},
            'description': 'LTC codes: filled by the sync, do not edit', 'warningOnly': True}}},
    ]
    for column in sorted(set(protected) - {key_column}):
        requests.append({'addProtectedRange': {'protectedRange': {
            'range': {'sheetId': sheet_id, 'startColumnIndex': column, 'endColumnIndex': column + 1},
            'description': 'LTC: set by the rules, edits are ignored', 'warningOnly': True}}})
    if note:
        requests.append({'updateCells': {'range': {'sheetId': sheet_id, 'startRowIndex': 0, 'endRowIndex': 1,
                                                   'startColumnIndex': 0, 'endColumnIndex': 1},
                                         'fields': 'note', 'rows': [{'values': [{'note': note}]}]}})
    if only:
        requests.extend({'deleteSheet': {'sheetId': other}} for other in sorted(ids))
    for column, labels in sorted(choices.items()):
        requests.append({'setDataValidation': {
            'range': {'sheetId': sheet_id, 'startRowIndex': 1, 'startColumnIndex': column,
                      'endColumnIndex': column + 1},
            'rule': {'condition': {'type': 'ONE_OF_LIST',
                                   'values': [{'userEnteredValue': str(v)} for v in labels]},
                     'showCustomUi': True, 'strict': False}}})
    with _api(key, f'create worksheet {title!r}', f'创建工作表 {title!r}'):
        reply = client.http_client.batch_update(key, {'requests': requests})
    return _worksheet(client, key, reply['replies'][0]['addSheet']['properties']), True


def read_all(worksheet):
    """Return every row of the worksheet (row 1 first) in one request: raw values, serial dates.

    The request is gspread's `values_get`; its answer is parsed a row at a time (`_value_rows`), each row's
    repeated texts shared as it comes, instead of parsed whole and then shared: a 50,000-row sheet's
    parse left 60 MB of scattered memory behind otherwise."""
    with _api(worksheet.spreadsheet_id, f'read worksheet {worksheet.title!r}', f'读取工作表 {worksheet.title!r}'):
        response = worksheet.client.request(
            'get', SPREADSHEET_VALUES_URL % (worksheet.spreadsheet_id, quote(sheet_range(worksheet.title))),
            params=READ_PARAMS)
        return padded(_value_rows(response.content.decode('utf-8')))   # JSON is UTF-8 (RFC 8259)


def _value_rows(text):
    """Yield the rows of a ValueRange (JSON TEXT: `{"range": …, "majorDimension": "ROWS", "values": [[…], …]}`)
    one at a time; none when it has no values."""
    decode, space = json.JSONDecoder().raw_decode, WHITESPACE.match
    at = space(text, space(text, 0).end() + 1).end()   # past '{'
    while text[at] != '}':
        key, at = decode(text, at)
        at = space(text, space(text, at).end() + 1).end()   # past ':'
        if key != 'values':
            _, at = decode(text, at)
        else:
            at = space(text, at + 1).end()   # past '['
            while text[at] != ']':
                row, at = decode(text, at)
                yield row
                at = space(text, at).end()
                if text[at] == ',':
                    at = space(text, at + 1).end()
            at += 1
        at = space(text, at).end()
        if text[at] == ',':
            at = space(text, at + 1).end()


SHARED_VALUES = 1000   # distinct texts a column may have for its cells to share them


def padded(rows):
    """Return ROWS (an iterable of lists of cell values as read) as a list padded in place to one width, a
    column's repeated texts shared: a column of a few hundred distinct values (statuses, owners, provinces)
    then holds each once instead of once per row; a column past SHARED_VALUES distinct texts (codes, names)
    is left as read."""
    out, seen = [], []
    for row in rows:
        if len(seen) < len(row):
            seen.extend({} for _ in range(len(row) - len(seen)))
        for col, value in enumerate(row):
            shared = seen[col]
            if shared is None or value.__class__ is not str:
                continue
            kept = shared.setdefault(value, value)
            if kept is not value:
                row[col] = kept
            elif len(shared) > SHARED_VALUES:
                seen[col] = None
        out.append(row)
    width = max((len(r) for r in out), default=0)
    for row in out:   # in place: a copy of every row would hold the sheet twice
        if len(row) < width:
            row.extend([''] * (width - len(row)))
    return out


def read_keys(worksheet, key_column=0):
    """Return the key column (row 1 first) in one request."""
    letter = rowcol_to_a1(1, key_column + 1)[:-1]
    with _api(worksheet.spreadsheet_id, f'read the key column of {worksheet.title!r}',
              f'读取工作表 {worksheet.title!r} 的编号列'):
        data = worksheet.client.values_get(worksheet.spreadsheet_id,
                                           sheet_range(worksheet.title, f'{letter}:{letter}'),
                                           params=READ_PARAMS)
    return [row[0] if row else '' for row in data.get('values', [])]


def _norm(value):
    if value is None:
        return ''
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def moved_rows(planned, keys):
    """Return {row: (planned key, key now in the sheet)} for rows whose key is not the planned one.

    :param planned: {1-based row number: key the plan expects there}.
    :param keys: the key column as read_keys returns it.
    """
    moved = {}
    for row, key in planned.items():
        actual = keys[row - 1] if 0 < row <= len(keys) else ''
        if _norm(actual) != _norm(key):
            moved[row] = (key, actual)
    return moved


def check_rows(worksheet, key_column, planned):
    """Re-read the key column (one request) and raise RowsMoved if any planned row changed key."""
    moved = moved_rows(planned, read_keys(worksheet, key_column))
    if moved:
        row, (want, got) = next(iter(sorted(moved.items())))
        raise RowsMoved(f'{len(moved)} row(s) of worksheet {worksheet.title!r} moved since the '
                        f'sync read them (row {row} holds {got!r}, expected {want!r}); someone '
                        'sorted, inserted or deleted rows. The sync reads the sheet again and '
                        're-plans; nothing was written.',
                        zh=f'工作表 {worksheet.title!r} 有 {len(moved)} 行在同步读取后移动了位置（第 {row} 行现在是 '
                           f'{got!r}，应为 {want!r}）；有人排序、插入或删除了行。同步会重新读取表格并重新计划；'
                           '未写入任何数据。', moved=moved)


def _runs(cells):
    """Group {(row, col): value} into runs of adjacent cells on one row."""
    run = None
    for (row, col), value in sorted(cells.items()):
        if run and row == run[0] and col == run[1] + len(run[2]):
            run[2].append(value)
            continue
        if run:
            yield run
        run = (row, col, [value])
    if run:
        yield run


def _cell(value, row, col):
    if value is None:
        return ''
    if not isinstance(value, CELL_TYPES):
        raise TypeError(f'Cell {rowcol_to_a1(row, col)} got {type(value).__name__}; render it to '
                        'text or a number first.')
    return value


def in_pieces(items, max_payload, head=None):
    """Yield ITEMS in lists whose JSON stays under MAX_PAYLOAD bytes (one request each); HEAD, when given,
    starts the first list and counts toward its size. An item larger than the limit goes alone."""
    piece = list(head or [])
    size = len(json.dumps(piece, ensure_ascii=False).encode()) if head is not None else 0
    for item in items:
        item_size = len(json.dumps(item, ensure_ascii=False).encode()) + 2
        if piece and size + item_size > max_payload:
            yield piece
            piece, size = [], 0
        piece.append(item)
        size += item_size
    if piece:
        yield piece


def write_cells(worksheet, cells, max_payload=MAX_PAYLOAD):
    """Write {(row, col): value} (1-based) RAW in one values:batchUpdate per ~2 MB; return requests sent."""
    def ranges():
        for row, col, values in _runs(cells):
            end = rowcol_to_a1(row, col + len(values) - 1)
            yield {'range': sheet_range(worksheet.title, f'{rowcol_to_a1(row, col)}:{end}'),
                   'values': [[_cell(v, row, col + i) for i, v in enumerate(values)]]}
    sent = 0
    for data in in_pieces(ranges(), max_payload):
        with _api(worksheet.spreadsheet_id, f'write to worksheet {worksheet.title!r}',
                  f'写入工作表 {worksheet.title!r}'):
            worksheet.client.values_batch_update(worksheet.spreadsheet_id,
                                                 {'valueInputOption': 'RAW', 'data': data})
        sent += 1
    return sent


def _extended(value, row, col):
    """Return VALUE as CellData for updateCells: literal text, numbers and booleans as RAW writes them."""
    value = _cell(value, row, col)
    if value == '':
        return {}
    if isinstance(value, bool):
        return {'userEnteredValue': {'boolValue': value}}
    if isinstance(value, (int, float)):
        return {'userEnteredValue': {'numberValue': value}}
    return {'userEnteredValue': {'stringValue': value}}


def cell_requests(sheet_id, cells):
    """Yield one updateCells request per run of adjacent cells of {(row, col): value} (1-based)."""
    for row, col, values in _runs(cells):
        yield {'updateCells': {'start': {'sheetId': sheet_id, 'rowIndex': row - 1, 'columnIndex': col - 1},
                               'fields': 'userEnteredValue',
                               'rows': [{'values': [_extended(v, row, col + i) for i, v in enumerate(values)]}]}}


def note_request(sheet_id, row, col, text):
    """Return the updateCells request setting TEXT as the note of one cell (1-based)."""
    return {'updateCells': {'range': {'sheetId': sheet_id, 'startRowIndex': row - 1, 'endRowIndex': row,
                                      'startColumnIndex': col - 1, 'endColumnIndex': col},
                            'fields': 'note', 'rows': [{'values': [{'note': text}]}]}}


def write_cells_noted(worksheet, cells, note, max_payload=MAX_PAYLOAD):
    """Write {(row, col): value} (1-based) like `write_cells` and set NOTE (row, col, text) on a cell, in one
    spreadsheets:batchUpdate per ~2 MB (values:batchUpdate cannot carry a note); return requests sent."""
    sent = 0
    for requests in in_pieces(cell_requests(worksheet.id, cells), max_payload,
                              head=[note_request(worksheet.id, *note)]):
        with _api(worksheet.spreadsheet_id, f'write to worksheet {worksheet.title!r}',
                  f'写入工作表 {worksheet.title!r}'):
            worksheet.client.batch_update(worksheet.spreadsheet_id, {'requests': requests})
        sent += 1
    return sent


def write_checked(worksheet, key_column, cells, planned, max_payload=MAX_PAYLOAD):
    """Check that planned rows still hold their keys, then write cells; raise RowsMoved instead."""
    check_rows(worksheet, key_column, planned)
    return write_cells(worksheet, cells, max_payload)


def append_rows(worksheet, rows, at_row):
    """Add rows starting at row at_row in one request; return (first row, last row) where they landed.

    The range is anchored at column A of at_row, so an empty first cell in the last row cannot
    shift the new rows right; if a user typed below at_row meanwhile, Google appends after that
    (never over it) and the returned rows say where. When at_row lies past the grid, one
    appendDimension request grows the grid first, since an append range must start inside it.
    """
    if not rows:
        return None
    width = max(len(r) for r in rows)
    body = {'majorDimension': 'ROWS',
            'values': [[_cell(v, at_row + i, j + 1) for j, v in enumerate(r)] for i, r in enumerate(rows)]}
    missing = at_row + len(rows) - 1 - worksheet.row_count
    if at_row > worksheet.row_count:
        with _api(worksheet.spreadsheet_id, f'add rows to worksheet {worksheet.title!r}',
                  f'向工作表 {worksheet.title!r} 添加行'):
            worksheet.client.batch_update(worksheet.spreadsheet_id, {'requests': [{'appendDimension': {
                'sheetId': worksheet.id, 'dimension': 'ROWS', 'length': missing}}]})
        worksheet._properties['gridProperties']['rowCount'] += missing
    last_col = rowcol_to_a1(1, width)[:-1]
    with _api(worksheet.spreadsheet_id, f'add rows to worksheet {worksheet.title!r}',
                  f'向工作表 {worksheet.title!r} 添加行'):
        reply = worksheet.client.values_append(
            worksheet.spreadsheet_id, sheet_range(worksheet.title, f'A{at_row}:{last_col}'),
            params={'valueInputOption': 'RAW', 'insertDataOption': 'OVERWRITE',
                    'includeValuesInResponse': False}, body=body)
    grid = a1_range_to_grid_range(reply['updates']['updatedRange'].split('!')[-1])
    first, last = grid['startRowIndex'] + 1, grid['endRowIndex']
    worksheet._properties['gridProperties']['rowCount'] = max(worksheet.row_count, last)
    return first, last


def modified_time(client, key):
    """Return the spreadsheet's Drive modifiedTime (one Drive request) to skip unchanged sheets."""
    with _api(key, 'read the spreadsheet modification time', '读取表格的修改时间'):
        return client.http_client.get_file_drive_metadata(key)['modifiedTime']
