"""The spreadsheets.values endpoints: get, batchGet, update, batchUpdate, append, clear, batchClear."""
from . import a1, cells
from .store import ApiError, unimplemented

VALUE_RENDER = ('FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA')
DATE_RENDER = ('SERIAL_NUMBER', 'FORMATTED_STRING')
INPUT = {'RAW': cells.raw, 'USER_ENTERED': cells.user_entered}


def _option(params, name, allowed, default):
    value = params.get(name, default)
    if value not in allowed:
        raise ApiError(400, f"Invalid value at '{name}' ({value})")
    return value


def _render_options(params):
    return (_option(params, 'valueRenderOption', VALUE_RENDER, 'FORMATTED_VALUE'),
            _option(params, 'dateTimeRenderOption', DATE_RENDER, 'SERIAL_NUMBER'),
            _option(params, 'majorDimension', ('ROWS', 'COLUMNS'), 'ROWS'))


def _trim(matrix):
    out = []
    for line in matrix:
        end = len(line)
        while end and line[end - 1] == '':
            end -= 1
        out.append(line[:end])
    while out and not out[-1]:
        out.pop()
    return out


def value_range(ss, text, params):
    """Return the ValueRange JSON of one range."""
    value_option, date_option, major = _render_options(params)
    sheet, rng = ss.resolve(text)
    r1, c1, r2, c2 = sheet.bounds(rng)
    render = cells.render
    rows = []
    for r in range(r1 - 1, min(r2, len(sheet.data))):
        row = sheet.data[r]
        rows.append([render(row[c], value_option, date_option) if c < len(row) else ''
                     for c in range(c1 - 1, min(c2, len(row)))])
    if major == 'COLUMNS':
        width = max((len(r) for r in rows), default=0)
        rows = [[r[c] if c < len(r) else '' for r in rows] for c in range(width)]
    body = {'range': a1.format_range(sheet.title, r1, c1, r2, c2), 'majorDimension': major}
    rows = _trim(rows)
    if rows:
        body['values'] = rows
    return body


def batch_get(ss, params, ranges):
    """Answer values:batchGet."""
    if not ranges:
        return {'spreadsheetId': ss.key}
    return {'spreadsheetId': ss.key, 'valueRanges': [value_range(ss, r, params) for r in ranges]}


def _matrix(data, field='data.values'):
    values = data.get('values')
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise ApiError(400, f"Invalid value at '{field}' (type.googleapis.com/google.protobuf."
                            f'ListValue), {values!r}'.replace("'X'", '"X"'))
    if data.get('majorDimension') == 'COLUMNS':
        height = max((len(c) for c in values), default=0)
        values = [[col[r] if r < len(col) else None for col in values] for r in range(height)]
    return values


def _input_option(value):
    if value is None:
        raise ApiError(400, "'valueInputOption' is required but not specified")
    if value not in INPUT:
        raise ApiError(400, f"Invalid value at 'value_input_option' ({value})")
    return INPUT[value]


def _plan_write(ss, text, values):
    """Check a write of values at a range and return (sheet, r1, c1, rows, width)."""
    sheet, rng = ss.resolve(text)
    r1, c1 = rng.r1 or 1, rng.c1 or 1
    height, width = len(values), max((len(r) for r in values), default=0)
    bounded = not (rng.whole_sheet or rng.single)
    if rng.r2 is not None and bounded and height > rng.r2 - r1 + 1:
        raise ApiError(400, f'Requested writing within range [{text}], but tried writing to '
                            f'row [{r1 + height - 1}]')
    if rng.c2 is not None and bounded and width > rng.c2 - c1 + 1:
        raise ApiError(400, f'Requested writing within range [{text}], but tried writing to '
                            f'column [{a1.index_to_col(c1 + width - 1)}]')
    end_r, end_c = r1 + max(height, 1) - 1, c1 + max(width, 1) - 1
    if end_r > sheet.row_count or end_c > sheet.col_count:
        sheet.grid_error(rng, r1, c1, end_r, end_c)
    return sheet, r1, c1, values, width


def _apply(ss, plan, convert):
    sheet, r1, c1, values, width = plan
    count, rows_hit, cols_hit = 0, set(), set()
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            try:
                cell = convert(value)
            except ValueError:
                raise ApiError(400, f"Invalid values[{i}][{j}]: {value!r}") from None
            if cell is not cells.SKIP:
                sheet.put(r1 - 1 + i, c1 - 1 + j, cell)
                count += 1
                rows_hit.add(i)
                cols_hit.add(j)
    ss.touch()
    body = {'spreadsheetId': ss.key}
    if values:
        body.update(updatedRange=a1.format_range(sheet.title, r1, c1, r1 + len(values) - 1,
                                                 c1 + width - 1),
                    updatedRows=len(rows_hit), updatedColumns=len(cols_hit), updatedCells=count)
    return body


def update(ss, text, params, body):
    """Answer PUT values/{range}."""
    if params.get('includeValuesInResponse') in ('true', 'True'):
        raise unimplemented('includeValuesInResponse')
    convert = _input_option(params.get('valueInputOption'))
    return _apply(ss, _plan_write(ss, text, _matrix(body)), convert)


def batch_update(ss, body):
    """Answer values:batchUpdate; every range is checked before any is written."""
    if body.get('includeValuesInResponse'):
        raise unimplemented('includeValuesInResponse')
    convert = _input_option(body.get('valueInputOption'))
    plans = [_plan_write(ss, item.get('range', ''), _matrix(item, f'data[{i}].values'))
             for i, item in enumerate(body.get('data') or [])]
    responses = [_apply(ss, plan, convert) for plan in plans]
    body = {'spreadsheetId': ss.key,
            'totalUpdatedRows': sum(r.get('updatedRows', 0) for r in responses),
            'totalUpdatedColumns': max((r.get('updatedColumns', 0) for r in responses), default=0),
            'totalUpdatedCells': sum(r.get('updatedCells', 0) for r in responses),
            'totalUpdatedSheets': len({p[0].sheet_id for p in plans})}
    if responses:
        body['responses'] = responses
    return body


def _nonempty(sheet, r, c1, c2):
    return any(sheet.get(r - 1, c - 1) is not None for c in range(c1, c2 + 1))


def find_table(sheet, rng):
    """Find the 'table' an append extends, as Google does; return (table bounds or None, row, col)."""
    r1, c1, r2, c2 = sheet.bounds(rng, strict=False)
    r2, c2 = min(r2, sheet.row_count), min(c2, sheet.col_count)
    if not rng.whole_sheet and sheet.get(r1 - 1, c1 - 1) is not None:
        end_c = c1
        while end_c < sheet.col_count and sheet.get(r1 - 1, end_c) is not None:
            end_c += 1
        end_r = r1
        while end_r < sheet.row_count and _nonempty(sheet, end_r + 1, c1, end_c):
            end_r += 1
        return (r1, c1, end_r, end_c), end_r + 1, c1
    last = next((r for r in range(min(r2, len(sheet.data)), r1 - 1, -1)
                 if _nonempty(sheet, r, c1, c2)), 0)
    if not last:
        return None, r1, c1
    right = max(c for c in range(c1, c2 + 1) if sheet.get(last - 1, c - 1) is not None)
    left = right
    while left > c1 and sheet.get(last - 1, left - 2) is not None:
        left -= 1
    top = last
    while top > r1 and _nonempty(sheet, top - 1, left, right):
        top -= 1
    return (top, left, last, right), last + 1, left


def append(ss, text, params, body):
    """Answer values/{range}:append, growing the grid when the rows do not fit."""
    if params.get('includeValuesInResponse') in ('true', 'True'):
        raise unimplemented('includeValuesInResponse')
    convert = _input_option(params.get('valueInputOption'))
    mode = _option(params, 'insertDataOption', ('OVERWRITE', 'INSERT_ROWS'), 'OVERWRITE')
    values = _matrix(body)
    sheet, rng = ss.resolve(text)
    if (rng.r1 or 1) > sheet.row_count or (rng.c1 or 1) > sheet.col_count:
        # Assumed strict like every other range: the search range must start inside the grid.
        sheet.grid_error(rng, rng.r1 or 1, rng.c1 or 1, rng.r2 or rng.r1 or 1, rng.c2 or rng.c1 or 1)
    table, row, col = find_table(sheet, rng)
    height, width = len(values), max((len(r) for r in values), default=0)
    if mode == 'INSERT_ROWS' and height:
        sheet.insert('ROWS', row - 1, row - 1 + height)
    if row + height - 1 > sheet.row_count:
        sheet.row_count = row + height - 1
    if col + width - 1 > sheet.col_count:
        sheet.col_count = col + width - 1
    result = _apply(ss, (sheet, row, col, values, width), convert)
    reply = {'spreadsheetId': ss.key}
    if table:
        reply['tableRange'] = a1.format_range(sheet.title, *table)
    reply['updates'] = result
    return reply


def clear(ss, text):
    """Answer values/{range}:clear."""
    sheet, rng = ss.resolve(text)
    bounds = sheet.bounds(rng)
    sheet.clear(*bounds)
    ss.touch()
    return {'spreadsheetId': ss.key, 'clearedRange': a1.format_range(sheet.title, *bounds)}


def batch_clear(ss, body):
    """Answer values:batchClear."""
    ranges = body.get('ranges') or []
    if body.get('dataFilters'):
        raise unimplemented('values:batchClear with dataFilters')
    return {'spreadsheetId': ss.key,
            'clearedRanges': [clear(ss, r)['clearedRange'] for r in ranges]}
