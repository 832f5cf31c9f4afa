"""The Sheets API emulator speaks Google's shapes to unmodified gspread."""
import threading
import time

import gspread
import pytest
import requests
from gspread.exceptions import APIError

from tests.conftest_sheets import gsheets_client, sheets_emulator  # noqa: F401
from tests.sheets_emulator import a1, cells

SHEET = 'Leads'


@pytest.fixture
def ws(sheets_emulator, gsheets_client):
    sheets_emulator.create_spreadsheet('k', 'Book', sheets={SHEET: [['Code', 'Phone']]}, rows=10, cols=4)
    return gsheets_client.open_by_key('k').worksheet(SHEET)


def test_a1_parsing_quotes_and_open_ranges():
    assert a1.split_sheet("'It''s'!A1:B2") == ("It's", 'A1:B2')
    assert a1.parse_cells('A:C') == (1, 1, None, 3)
    assert a1.parse_cells('A2:2') == (2, 1, 2, None)
    assert a1.parse_cells('B3:A1') == (1, 1, 3, 2)
    assert a1.quote_title('Sheet1') == 'Sheet1'
    assert a1.quote_title('D3') == "'D3'"
    assert a1.quote_title('My sheet') == "'My sheet'"
    with pytest.raises(a1.RangeError):
        a1.parse_cells('A1:B2:C3')


def test_user_entered_parses_like_google_and_raw_keeps_text():
    assert cells.user_entered('0012') == ('n', 12)
    assert cells.user_entered("'0012") == ('s', '0012')
    assert cells.user_entered('2020-01-01') == ('d', 43831, '2020-01-01')
    assert cells.user_entered('=4/2')[2] == ('n', 2)
    assert cells.raw('0012') == ('s', '0012')
    assert cells.raw('=1+1') == ('s', '=1+1')
    assert cells.render(('d', 43831, '2020-01-01'), 'UNFORMATTED_VALUE', 'FORMATTED_STRING') == '2020-01-01'


def test_values_round_trip_trims_blanks_and_omits_empty_values(ws):
    ws.update([['L1', '0012', '', ''], ['', '', '', ''], ['L3']], 'A2', raw=True)
    got = ws.client.values_get('k', "'Leads'!A1:D5")
    assert got == {'range': 'Leads!A1:D5', 'majorDimension': 'ROWS',
                   'values': [['Code', 'Phone'], ['L1', '0012'], [], ['L3']]}
    empty = ws.client.values_get('k', "'Leads'!C6:D7")
    assert empty == {'range': 'Leads!C6:D7', 'majorDimension': 'ROWS'}
    columns = ws.client.values_get('k', "'Leads'!A:B", params={'majorDimension': 'COLUMNS'})
    assert columns['values'] == [['Code', 'L1', '', 'L3'], ['Phone', '0012']]
    assert columns['range'] == 'Leads!A1:B10'


def test_render_options_for_numbers_dates_and_formulas(ws):
    ws.update([[1234.5, '2021-02-03', '=2*3', True]], 'A2', raw=False)
    get = lambda **p: ws.client.values_get('k', "'Leads'!A2:D2", params=p)['values'][0]  # noqa: E731
    assert get() == ['1234.5', '2021-02-03', '6', 'TRUE']
    assert get(valueRenderOption='UNFORMATTED_VALUE') == [1234.5, 44230, 6, True]
    assert get(valueRenderOption='UNFORMATTED_VALUE', dateTimeRenderOption='FORMATTED_STRING')[1] == '2021-02-03'
    assert get(valueRenderOption='FORMULA')[2] == '=2*3'


def test_writes_beyond_the_grid_fail_and_append_grows_it(sheets_emulator, ws):
    with pytest.raises(APIError) as err:
        ws.update([['x']], 'A11')
    assert err.value.code == 400 and 'exceeds grid limits' in err.value.error['message']
    assert err.value.error['status'] == 'INVALID_ARGUMENT'
    ws.append_rows([[f'L{i}'] for i in range(15)], table_range='A1')
    assert sheets_emulator.sheet('k', SHEET).row_count == 16
    assert ws.client.values_get('k', "'Leads'!A16")['values'] == [['L14']]


def test_batch_update_requests_and_unimplemented_answers_501(sheets_emulator, gsheets_client):
    sheets_emulator.create_spreadsheet('k', 'Book')
    sh = gsheets_client.open_by_key('k')
    ws = sh.add_worksheet('New', rows=5, cols=3)
    ws.freeze(rows=1)
    ws.insert_rows([['a'], ['b']], row=1)
    ws.delete_rows(1)
    ws.add_protected_range('A1:A5', warning_only=True)
    stored = sheets_emulator.sheet('k', 'New')
    assert (stored.frozen_rows, stored.row_count, len(stored.protected)) == (1, 6, 1)
    with pytest.raises(APIError) as err:
        ws.merge_cells('A1:B2')
    assert err.value.code == 501 and 'mergeCells' in err.value.error['message']
    sh.del_worksheet(ws)
    assert sheets_emulator.spreadsheet('k').titles() == ['Sheet1']


def test_failed_batch_update_changes_nothing(sheets_emulator, gsheets_client):
    sheets_emulator.create_spreadsheet('k', 'Book')
    with pytest.raises(APIError):
        gsheets_client.http_client.batch_update('k', {'requests': [
            {'addSheet': {'properties': {'title': 'A'}}},
            {'deleteSheet': {'sheetId': 424242}}]})
    assert sheets_emulator.spreadsheet('k').titles() == ['Sheet1']


def test_unknown_spreadsheet_is_404_and_drive_create_works(sheets_emulator, gsheets_client):
    with pytest.raises(gspread.SpreadsheetNotFound):
        gsheets_client.open_by_key('nope')
    sh = gsheets_client.create('Made by gspread')
    assert sheets_emulator.spreadsheet(sh.id).title == 'Made by gspread'
    assert sh.sheet1.row_count == 1000


def test_drive_permissions_through_gspread(sheets_emulator, gsheets_client):
    """gspread's share, list_permissions and remove_permission, answered as Drive v3 documents them."""
    sh = gsheets_client.create('Shared')
    made = sh.share('wang@example.com', perm_type='user', role='writer', notify=False).json()
    assert made == {'kind': 'drive#permission', 'id': made['id'], 'type': 'user', 'role': 'writer'}
    assert [(p['emailAddress'], p['role']) for p in sh.list_permissions()] == [('wang@example.com', 'writer')]
    with pytest.raises(gspread.exceptions.APIError) as refused:
        sh.share('not an address', perm_type='user', role='writer')
    assert refused.value.response.status_code == 400
    with pytest.raises(gspread.exceptions.APIError):
        sh.share('zhao@example.com', perm_type='user', role='boss')
    sh.remove_permissions('wang@example.com')
    assert sh.list_permissions() == []
    with pytest.raises(gspread.exceptions.APIError) as gone:
        gsheets_client.remove_permission(sh.id, made['id'])
    assert gone.value.response.status_code == 404


def test_request_log_and_injected_faults(sheets_emulator):
    sheets_emulator.create_spreadsheet('k', 'Book')
    url = f'{sheets_emulator.base_url}/v4/spreadsheets/k'
    sheets_emulator.fail_next(2, status=429)
    statuses = [requests.get(url).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]
    assert requests.get(url).status_code == 200
    assert sheets_emulator.count('spreadsheets.get') == 4
    assert [r.status for r in sheets_emulator.requests] == [429, 429, 200, 200]
    body = requests.post(f'{sheets_emulator.base_url}/v4/spreadsheets/k:copyTo').json()
    assert body['error']['code'] == 501 and body['error']['status'] == 'UNIMPLEMENTED'


def test_slow_and_hanging_requests(sheets_emulator):
    sheets_emulator.create_spreadsheet('k', 'Book')
    url = f'{sheets_emulator.base_url}/v4/spreadsheets/k'
    sheets_emulator.slow_next(1, 0.2)
    start = time.monotonic()
    assert requests.get(url).ok and time.monotonic() - start >= 0.2
    sheets_emulator.hang_next(1)
    with pytest.raises(requests.Timeout):
        requests.get(url, timeout=0.2)
    sheets_emulator.release()


def test_quota_per_minute_answers_resource_exhausted(sheets_emulator):
    now = [0.0]
    sheets_emulator.clock = lambda: now[0]
    sheets_emulator.quota_per_minute = 3
    sheets_emulator.create_spreadsheet('k', 'Book')
    url = f'{sheets_emulator.base_url}/v4/spreadsheets/k'
    assert [requests.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert requests.get(url).json()['error']['status'] == 'RESOURCE_EXHAUSTED'
    now[0] = 61.0
    assert requests.get(url).status_code == 200


def test_concurrent_writes_are_all_kept(sheets_emulator, gsheets_client):
    sheets_emulator.create_spreadsheet('k', 'Book', rows=200)

    def write(i):
        gsheets_client.http_client.values_update(
            'k', f"'Sheet1'!A{i + 1}", params={'valueInputOption': 'RAW'}, body={'values': [[f'v{i}']]})

    threads = [threading.Thread(target=write, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sheets_emulator.rendered('k', 'Sheet1') == [[f'v{i}'] for i in range(40)]


def test_command_line_demo_serves(tmp_path):
    import subprocess
    import sys
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, '-m', 'tests.sheets_emulator', '--port', str(port)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert 'Sheets emulator on' in proc.stdout.readline()
        assert requests.get(f'http://127.0.0.1:{port}/v4/spreadsheets/demo').json()['properties']['title'] == 'LTC demo'
    finally:
        proc.terminate()
        proc.wait(5)


def test_quoted_sheet_titles_and_grid_data(sheets_emulator, gsheets_client):
    sheets_emulator.create_spreadsheet('k', 'Book', sheets={"Bob's leads": [['Code'], ['L1']]})
    ws = gsheets_client.open_by_key('k').worksheet("Bob's leads")
    ws.update([['=1+1']], 'B2', raw=False)
    assert ws.get_all_values() == [['Code', ''], ['L1', '2']]
    gsheets_client.http_client.batch_update('k', {'requests': [{'setDataValidation': {
        'range': {'sheetId': ws.id, 'startRowIndex': 1, 'startColumnIndex': 0, 'endColumnIndex': 1},
        'rule': {'condition': {'type': 'ONE_OF_LIST', 'values': [{'userEnteredValue': 'L1'}]}}}}]})
    meta = gsheets_client.http_client.fetch_sheet_metadata(
        'k', params={'includeGridData': 'true', 'ranges': "'Bob''s leads'!A2:B2"})
    [cell_a, cell_b] = meta['sheets'][0]['data'][0]['rowData'][0]['values']
    assert meta['sheets'][0]['data'][0]['startRow'] == 1
    assert cell_a['userEnteredValue'] == {'stringValue': 'L1'} and 'dataValidation' in cell_a
    assert cell_b['userEnteredValue'] == {'formulaValue': '=1+1'}
    assert cell_b['effectiveValue'] == {'numberValue': 2} and cell_b['formattedValue'] == '2'
    masked = gsheets_client.http_client.fetch_sheet_metadata('k', params={'fields': 'sheets.properties.title'})
    assert masked == {'sheets': [{'properties': {'title': "Bob's leads"}}]}
    with pytest.raises(APIError) as err:
        gsheets_client.http_client.fetch_sheet_metadata('k', params={'fields': 'namedRanges'})
    assert err.value.code == 501


def test_append_cells_goes_after_the_last_row_with_data_and_grows_the_grid(sheets_emulator, gsheets_client):
    # Google: "Appends new cells after the last row with data in a sheet, inserting new rows into the sheet if
    # necessary" (AppendCellsRequest); one batchUpdate is applied all or nothing.
    sheets_emulator.create_spreadsheet('k', 'Book', sheets={SHEET: [['Code', 'Name'], ['L1', 'a'], ['', ''],
                                                                    ['', 'typed']]}, rows=4, cols=3)
    sheet_id = sheets_emulator.sheet('k', SHEET).sheet_id

    def rows(*values):
        return [{'values': [{'userEnteredValue': {'stringValue': v}} for v in row]} for row in values]
    gsheets_client.http_client.batch_update('k', {'requests': [
        {'appendCells': {'sheetId': sheet_id, 'fields': 'userEnteredValue', 'rows': rows(['L2', 'b'], ['L3', 'c'])}}]})
    assert sheets_emulator.rendered('k', SHEET) == [['Code', 'Name'], ['L1', 'a'], [], ['', 'typed'],
                                                    ['L2', 'b'], ['L3', 'c']]
    assert sheets_emulator.sheet('k', SHEET).row_count == 6
    with pytest.raises(APIError):   # wider than the grid: nothing of the batch is applied
        gsheets_client.http_client.batch_update('k', {'requests': [
            {'updateCells': {'start': {'sheetId': sheet_id, 'rowIndex': 0, 'columnIndex': 0},
                             'fields': 'userEnteredValue', 'rows': rows(['Lead code'])}},
            {'appendCells': {'sheetId': sheet_id, 'fields': 'userEnteredValue', 'rows': rows(['x', 'y', 'z', 'w'])}}]})
    assert sheets_emulator.rendered('k', SHEET)[0] == ['Code', 'Name']
    with pytest.raises(APIError) as err:
        gsheets_client.http_client.batch_update('k', {'requests': [
            {'appendCells': {'sheetId': sheet_id, 'fields': 'userEnteredFormat', 'rows': rows(['x'])}}]})
    assert err.value.code == 501
