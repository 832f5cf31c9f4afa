"""Sheets operations through unmodified gspread against the emulator: one request each."""
import datetime as dt
from decimal import Decimal

import pytest

from ltc.errors import ValidationError
from ltc.sync.gsheets import ops
from tests.conftest_sheets import gsheets_client, sheets_emulator  # noqa: F401

KEY, TITLE = 'book', 'Leads'
HEADER = ['Code', 'Name', 'Phone', 'Stage', 'Close date', 'Status']


@pytest.fixture
def book(sheets_emulator):
    rows = [HEADER, ['L1', 'Acme', '0012', 'Won', ''], ['L2', 'Beta', '13800', 'Lost', ''],
            ['L3', 'Coda', '', 'Won', '']]
    ss = sheets_emulator.create_spreadsheet(KEY, 'Sales', sheets={TITLE: rows}, rows=20, cols=6)
    sheets_emulator.type_values(KEY, TITLE, [['2026-01-05']], row=2, col=5)
    sheets_emulator.clear_log()
    return ss


@pytest.fixture
def ws(book, sheets_emulator, gsheets_client):
    worksheet = ops.open_worksheet(gsheets_client, KEY, TITLE)
    sheets_emulator.clear_log()
    return worksheet


@pytest.mark.parametrize('text', [
    'https://docs.google.com/spreadsheets/d/1AbC-_9xyz/edit#gid=0',
    'docs.google.com/spreadsheets/d/1AbC-_9xyz',
    'https://docs.google.com/spreadsheet/ccc?key=1AbC-_9xyz&hl=en',
    '  1AbC-_9xyz '])
def test_extract_key_from_pasted_urls(text):
    assert ops.extract_key(text) == '1AbC-_9xyz'


def test_extract_key_refuses_other_text():
    with pytest.raises(ValidationError, match='paste the address'):
        ops.extract_key('https://example.com/some sheet')


def test_open_worksheet_is_one_request(book, sheets_emulator, gsheets_client):
    worksheet = ops.open_worksheet(gsheets_client, KEY, TITLE)
    assert (worksheet.title, worksheet.row_count, worksheet.col_count) == (TITLE, 20, 6)
    assert sheets_emulator.kinds() == ['spreadsheets.get']


def test_missing_and_forbidden_targets_say_what_to_do(book, sheets_emulator, gsheets_client):
    with pytest.raises(ops.SheetNotFound, match='no worksheet'):
        ops.open_worksheet(gsheets_client, KEY, 'Nope')
    with pytest.raises(ops.SheetNotFound, match='check the key'):
        ops.open_worksheet(gsheets_client, 'missing', TITLE)
    sheets_emulator.forbidden.add(KEY)
    with pytest.raises(ops.SheetAccessDenied, match='share it'):
        ops.open_worksheet(gsheets_client, KEY, TITLE)


def test_ensure_worksheet_creates_header_frozen_row_protection_and_dropdowns(
        book, sheets_emulator, gsheets_client):
    worksheet, created = ops.ensure_worksheet(
        gsheets_client, KEY, 'Opportunities', HEADER, key_column=0,
        choices={3: ['Won', '赢单', 'Lost']}, rows=50)
    assert created and sheets_emulator.kinds() == ['spreadsheets.get', 'spreadsheets.batchUpdate']
    sheet = sheets_emulator.sheet(KEY, 'Opportunities')
    assert sheets_emulator.rendered(KEY, 'Opportunities') == [HEADER]
    assert (sheet.frozen_rows, sheet.row_count, sheet.col_count) == (1, 50, 6)
    [protected] = sheet.protected
    assert protected['range']['startColumnIndex'] == 0 and protected['range']['endColumnIndex'] == 1
    assert protected['warningOnly']
    rule = sheet.validation_at(1, 3)
    assert [v['userEnteredValue'] for v in rule['condition']['values']] == ['Won', '赢单', 'Lost']
    assert sheet.validation_at(0, 3) is None and sheet.validation_at(1, 2) is None
    assert worksheet.frozen_row_count == 1
    sheets_emulator.clear_log()
    again, created = ops.ensure_worksheet(gsheets_client, KEY, 'Opportunities', HEADER)
    assert not created and again.id == worksheet.id and sheets_emulator.count() == 1


def test_ensure_worksheet_refuses_bad_columns(book, gsheets_client):
    with pytest.raises(ValidationError, match='outside'):
        ops.ensure_worksheet(gsheets_client, KEY, 'X', ['A'], choices={3: ['x']})


def test_read_all_is_one_request_with_raw_values_and_serial_dates(ws, sheets_emulator):
    rows = ops.read_all(ws)
    assert sheets_emulator.kinds() == ['values.get']
    assert sheets_emulator.requests[0].params['valueRenderOption'] == 'UNFORMATTED_VALUE'
    assert rows[0] == HEADER
    assert rows[1] == ['L1', 'Acme', '0012', 'Won', 46027, '']
    assert rows[3] == ['L3', 'Coda', '', 'Won', '', '']

    assert rows[1][3] is rows[3][3]   # a column's repeated text is held once


@pytest.mark.parametrize('indent', [None, 2])
def test_value_rows_are_parsed_one_at_a_time_as_json_reads_them(indent):
    import json
    values = [['Code', '名称 "引号"', 'a\\b\n'], [1, 2.5, True, None], [], ['x', {'odd': [1]}, '] , [']]
    for body in ({'range': "'A'!A1:D4", 'majorDimension': 'ROWS', 'values': values},
                 {'values': values, 'range': 'after'}, {'range': "'A'!A1"}, {'values': []}):
        text = json.dumps(body, ensure_ascii=False, indent=indent)
        assert list(ops._value_rows(text)) == body.get('values', [])
    padded = ops.padded(iter([['a'], ['a', 'b'], []]))
    assert padded == [['a', ''], ['a', 'b'], ['', '']]


def test_write_cells_is_one_raw_batch_and_formulas_stay_text(ws, sheets_emulator, gsheets_client):
    link = '=HYPERLINK("http://evil.example","click")'
    sent = ops.write_cells(ws, {(2, 2): 'Acme Ltd', (2, 3): '0099', (2, 6): 'updated',
                                (3, 2): link, (4, 3): None, (4, 5): 46100, (4, 6): '错误: 电话'})
    assert sent == 1 and sheets_emulator.kinds() == ['values.batchUpdate']
    body = sheets_emulator.requests[0].body
    assert body['valueInputOption'] == 'RAW'
    assert [d['range'] for d in body['data']] == ["'Leads'!B2:C2", "'Leads'!F2:F2",
                                                  "'Leads'!B3:B3", "'Leads'!C4:C4", "'Leads'!E4:F4"]
    rows = ops.read_all(ws)
    assert rows[1][:3] == ['L1', 'Acme Ltd', '0099'] and rows[1][5] == 'updated'
    assert rows[2][1] == link
    formulas = gsheets_client.http_client.values_get(KEY, "'Leads'!B3", params={'valueRenderOption': 'FORMULA'})
    assert formulas['values'] == [[link]]
    assert rows[3][2:] == ['', 'Won', 46100, '错误: 电话']


def test_write_cells_splits_only_past_the_payload_limit(ws, sheets_emulator):
    cells = {(row, 2): f'name {row}' for row in range(2, 21)}
    assert ops.write_cells(ws, cells) == 1
    sheets_emulator.clear_log()
    assert ops.write_cells(ws, {k: v + '!' for k, v in cells.items()}, max_payload=300) > 2
    assert all(k == 'values.batchUpdate' for k in sheets_emulator.kinds())
    assert [r[1] for r in ops.read_all(ws)[1:]] == [f'name {row}!' for row in range(2, 21)]


def test_write_cells_refuses_unrendered_values(ws):
    for value in (Decimal('1.5'), dt.date(2026, 1, 1)):
        with pytest.raises(TypeError, match='render it'):
            ops.write_cells(ws, {(2, 2): value})


def test_append_rows_lands_at_the_anchor_even_after_an_empty_first_cell(
        ws, sheets_emulator, gsheets_client):
    # The last row's first cell is empty: gspread's unanchored append lands shifted right...
    sheets_emulator.type_values(KEY, TITLE, [['', 'No code yet', '555']], row=5)
    gsheets_client.open_by_key(KEY).worksheet(TITLE).append_rows([['L10', 'Ten']])
    assert ops.read_all(ws)[5][:3] == ['', 'L10', 'Ten']
    # ...while the anchored append starts in column A of the planned row.
    sheets_emulator.clear_log()
    sheets_emulator.type_values(KEY, TITLE, [['', 'No code either']], row=7)
    assert ops.append_rows(ws, [['L9', 'Nine', '0009']], at_row=8) == (8, 8)
    assert sheets_emulator.kinds() == ['values.append']
    assert ops.read_all(ws)[7][:3] == ['L9', 'Nine', '0009']


def test_append_rows_grows_the_grid(ws, sheets_emulator):
    rows = [[f'N{i}', f'new {i}'] for i in range(30)]
    assert ops.append_rows(ws, rows, at_row=5) == (5, 34)
    assert sheets_emulator.sheet(KEY, TITLE).row_count == 34
    assert sheets_emulator.count() == 1
    assert ops.read_keys(ws)[-1] == 'N29'


def test_append_rows_past_a_full_grid_grows_it_first(book, sheets_emulator, gsheets_client):
    sheets_emulator.create_spreadsheet('full', 'Full', sheets={TITLE: [HEADER, ['L1']]}, rows=2, cols=6)
    worksheet = ops.open_worksheet(gsheets_client, 'full', TITLE)
    sheets_emulator.clear_log()
    assert ops.append_rows(worksheet, [['N1'], ['N2']], at_row=3) == (3, 4)
    assert sheets_emulator.kinds() == ['spreadsheets.batchUpdate', 'values.append']
    assert worksheet.row_count == 4 == sheets_emulator.sheet('full', TITLE).row_count
    assert ops.read_keys(worksheet) == ['Code', 'L1', 'N1', 'N2']


def test_append_rows_never_overwrites_rows_typed_meanwhile(ws, sheets_emulator):
    sheets_emulator.type_values(KEY, TITLE, [['', 'typed by a user']], row=5)
    assert ops.append_rows(ws, [['N1', 'new']], at_row=5) == (6, 6)
    assert ops.read_all(ws)[4][1] == 'typed by a user'


def test_rows_moved_between_read_and_write_are_detected(ws, sheets_emulator):
    rows = ops.read_all(ws)
    planned = {i + 1: row[0] for i, row in enumerate(rows) if i}
    sheets_emulator.user_rows(KEY, TITLE, lambda data: data.__setitem__(
        slice(1, None), sorted(data[1:], key=lambda r: r[1][1], reverse=True)))
    sheets_emulator.clear_log()
    with pytest.raises(ops.RowsMoved) as err:
        ops.write_checked(ws, 0, {(2, 2): 'Acme Ltd'}, {2: planned[2]})
    assert err.value.moved == {2: ('L1', 'L3')}
    assert sheets_emulator.kinds() == ['values.get']
    assert 'Acme Ltd' not in str(sheets_emulator.rendered(KEY, TITLE))


@pytest.mark.parametrize('change,moved_rows', [
    (lambda data: data.insert(2, [('s', 'inserted')]), {3, 4}),
    (lambda data: data.pop(2), {3, 4}),
    (lambda data: None, set())])
def test_inserted_and_deleted_rows_are_detected(ws, sheets_emulator, change, moved_rows):
    planned = {2: 'L1', 3: 'L2', 4: 'L3'}
    sheets_emulator.user_rows(KEY, TITLE, change)
    assert set(ops.moved_rows(planned, ops.read_keys(ws))) == moved_rows


def test_moved_rows_compares_keys_as_text():
    assert ops.moved_rows({2: 'L1', 3: '12', 4: 'L4'}, ['Code', ' L1 ', 12.0]) == {4: ('L4', '')}


def test_a_sync_cycle_costs_four_requests(book, sheets_emulator, gsheets_client):
    worksheet = ops.open_worksheet(gsheets_client, KEY, TITLE)
    rows = ops.read_all(worksheet)
    planned = {i + 1: row[0] for i, row in enumerate(rows) if i}
    changes = {(row, 6): 'ok' for row in planned}
    assert ops.write_checked(worksheet, 0, changes, planned) == 1
    assert sheets_emulator.kinds() == ['spreadsheets.get', 'values.get', 'values.get',
                                       'values.batchUpdate']


def test_modified_time_moves_after_a_write(ws, gsheets_client):
    before = ops.modified_time(gsheets_client, KEY)
    ops.write_cells(ws, {(2, 2): 'changed'})
    assert ops.modified_time(gsheets_client, KEY) > before
