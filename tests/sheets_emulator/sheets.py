"""The spreadsheets endpoints: get (metadata, grid data, field masks) and batchUpdate requests."""
import copy

from . import a1, cells
from .store import ApiError, unimplemented

GRID_FIELDS = {'rowCount', 'columnCount', 'frozenRowCount', 'frozenColumnCount'}
CELL_FIELDS = {'userEnteredValue', 'effectiveValue', 'formattedValue', 'dataValidation', 'note'}
KNOWN_FIELDS = {
    'spreadsheetId', 'spreadsheetUrl', 'properties', 'properties.title', 'properties.locale',
    'properties.timeZone', 'properties.autoRecalc', 'sheets', 'sheets.properties',
    'sheets.protectedRanges', 'sheets.data', 'sheets.data.startRow', 'sheets.data.startColumn',
    'sheets.data.rowData', 'sheets.data.rowData.values',
    *('sheets.properties.' + f for f in ('sheetId', 'title', 'index', 'sheetType', 'gridProperties')),
    *('sheets.properties.gridProperties.' + f for f in GRID_FIELDS),
    *('sheets.data.rowData.values.' + f for f in CELL_FIELDS)}


def parse_fields(mask):
    """Expand a field mask ('a.b,c(d,e)', slashes allowed) into dotted paths."""
    paths, stack, token = [], [], ''

    def flush():
        nonlocal token
        if token.strip():
            paths.append('.'.join(stack + [token.strip().replace('/', '.')]))
        token = ''

    for ch in mask:
        if ch == '(':
            stack.append(token.strip().replace('/', '.'))
            token = ''
        elif ch == ')':
            flush()
            stack.pop()
        elif ch == ',':
            flush()
        else:
            token += ch
    flush()
    return paths


def _mask(value, paths):
    if not paths or '' in paths:
        return value
    if isinstance(value, list):
        return [_mask(v, paths) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in value.items():
        rest = [p[len(key) + 1:] if p != key else '' for p in paths
                if p == key or p.startswith(key + '.')]
        if rest:
            out[key] = _mask(sub, rest)
    return out


def _grid_data(ss, sheet, r1, c1, r2, c2):
    rows = []
    for r in range(r1 - 1, r2):
        values = []
        for c in range(c1 - 1, c2):
            cell, rule = sheet.get(r, c), sheet.validation_at(r, c)
            data = {}
            if cell is not None:
                computed = cell[2] if cell[0] == 'f' else cell
                data['userEnteredValue'] = cells.extended_value(cell)
                data['effectiveValue'] = cells.extended_value(computed)
                data['formattedValue'] = cells.render(cell)
            if rule:
                data['dataValidation'] = rule
            if sheet.notes.get((r, c)):
                data['note'] = sheet.notes[(r, c)]
            values.append(data)
        while values and not values[-1]:
            values.pop()
        rows.append({'values': values} if values else {})
    while rows and not rows[-1]:
        rows.pop()
    data = {'rowData': rows} if rows else {}
    if r1 > 1:
        data['startRow'] = r1 - 1
    if c1 > 1:
        data['startColumn'] = c1 - 1
    return data


def get(ss, params, base_url):
    """Answer spreadsheets.get."""
    fields = parse_fields(params.get('fields', ''))
    unknown = [f for f in fields if f not in KNOWN_FIELDS]
    if unknown:
        raise unimplemented(f"spreadsheets.get fields {', '.join(unknown)}")
    ranges = params.get('ranges') or []
    grid = str(params.get('includeGridData', 'false')).lower() == 'true' or any(
        f.startswith('sheets.data') for f in fields)
    wanted = {}
    for text in ranges:
        sheet, rng = ss.resolve(text)
        wanted.setdefault(sheet.sheet_id, []).append(sheet.bounds(rng))
    sheets = []
    for sheet in ss.sheets:
        if ranges and sheet.sheet_id not in wanted:
            continue
        item = {'properties': sheet.properties()}
        if sheet.protected:
            item['protectedRanges'] = copy.deepcopy(sheet.protected)
        if grid:
            bounds = wanted.get(sheet.sheet_id) or [(1, 1, sheet.row_count, sheet.col_count)]
            item['data'] = [_grid_data(ss, sheet, *b) for b in bounds]
        sheets.append(item)
    body = {'spreadsheetId': ss.key,
            'properties': {'title': ss.title, 'locale': ss.locale, 'autoRecalc': 'ON_CHANGE',
                           'timeZone': ss.time_zone},
            'sheets': sheets,
            'spreadsheetUrl': f'{base_url}/spreadsheets/d/{ss.key}/edit'}
    return _mask(body, fields)


def _field_list(fields, allowed, what):
    names = [f.strip().replace('/', '.') for f in (fields or '').split(',') if f.strip()]
    if not names:
        raise ApiError(400, f"Invalid requests[0].{what}: You must specify at least one field")
    bad = [n for n in names if n != '*' and n not in allowed]
    if bad:
        raise unimplemented(f"{what} fields {', '.join(bad)}")
    return names


def _sheet_properties(ss, req):
    props = req.get('properties') or {}
    sheet = ss.sheet_by_id(props.get('sheetId', 0))
    allowed = {'title', 'index', 'gridProperties',
               *('gridProperties.' + f for f in GRID_FIELDS)}
    names = _field_list(req.get('fields'), allowed, 'updateSheetProperties')
    grid = props.get('gridProperties') or {}
    if '*' in names:
        names = [k for k in props if k != 'sheetId'] + ['gridProperties.' + k for k in grid]
    for name in names:
        if name == 'title':
            if props.get('title') in ss.titles() and props['title'] != sheet.title:
                raise ApiError(400, f'Invalid requests[0].updateSheetProperties: A sheet with '
                                    f'the name "{props["title"]}" already exists.')
            sheet.title = props.get('title', sheet.title)
        elif name == 'index':
            # Google counts the new index "before the move".
            target = props.get('index', 0)
            target -= 1 if target > sheet.index else 0
            ss.sheets.remove(sheet)
            ss.sheets.insert(min(target, len(ss.sheets)), sheet)
            ss._reindex()
        elif name.startswith('gridProperties'):
            keys = [name.split('.', 1)[1]] if '.' in name else list(grid)
            for key in keys:
                value = grid.get(key, 0)
                if key == 'rowCount':
                    sheet.resize(rows=value)
                elif key == 'columnCount':
                    sheet.resize(cols=value)
                elif key == 'frozenRowCount':
                    sheet.frozen_rows = value
                elif key == 'frozenColumnCount':
                    sheet.frozen_cols = value
                elif key not in GRID_FIELDS:
                    raise unimplemented(f'gridProperties.{key}')
    return {}


def _dimension(ss, rng, verb):
    sheet = ss.sheet_by_id(rng.get('sheetId', 0))
    dim = rng.get('dimension')
    if dim not in ('ROWS', 'COLUMNS'):
        raise ApiError(400, f'Invalid requests[0].{verb}: dimension must be ROWS or COLUMNS')
    start, end = rng.get('startIndex', 0), rng.get('endIndex')
    limit = sheet.row_count if dim == 'ROWS' else sheet.col_count
    if end is None or end <= start or (verb == 'deleteDimension' and end > limit) or start > limit:
        raise ApiError(400, f'Invalid requests[0].{verb}: range is out of bounds')
    return sheet, dim, start, end


def _add_protected(ss, req):
    pr = copy.deepcopy(req.get('protectedRange') or {})
    if pr.get('namedRangeId') or pr.get('unprotectedRanges'):
        raise unimplemented('addProtectedRange with named or unprotected ranges')
    grid = pr.get('range') or {}
    sheet = ss.sheet_by_id(grid.get('sheetId', 0))
    if grid.get('sheetId') == 0:
        grid.pop('sheetId')
    reply = {'protectedRangeId': ss.next_protected_id(), 'range': grid}
    if pr.get('description'):
        reply['description'] = pr['description']
    if pr.get('warningOnly'):
        reply['warningOnly'] = True
    reply['requestingUserCanEdit'] = True
    if not pr.get('warningOnly'):
        reply['editors'] = {k: v for k, v in (pr.get('editors') or {}).items() if v}
    sheet.protected.append(reply)
    return {'addProtectedRange': {'protectedRange': copy.deepcopy(reply)}}


def _delete_protected(ss, req):
    pid = req.get('protectedRangeId')
    for sheet in ss.sheets:
        for pr in sheet.protected:
            if pr['protectedRangeId'] == pid:
                sheet.protected.remove(pr)
                return {}
    raise ApiError(400, f'Invalid requests[0].deleteProtectedRange: No protected range with id: {pid}')


def _update_notes(ss, req):
    """updateCells with fields "note": set (or, with "", remove) the notes of a range or from a start cell."""
    grid = req.get('range') or req.get('start') or {}
    sheet = ss.sheet_by_id(grid.get('sheetId', 0))
    r0, c0 = grid.get('rowIndex', grid.get('startRowIndex', 0)), grid.get('columnIndex', grid.get('startColumnIndex', 0))
    for i, row in enumerate(req.get('rows') or []):
        for j, data in enumerate(row.get('values') or []):
            if set(data) - {'note'}:
                raise unimplemented('updateCells note with other cell data')
            if data.get('note'):
                sheet.notes[(r0 + i, c0 + j)] = data['note']
            else:
                sheet.notes.pop((r0 + i, c0 + j), None)
    return {}


def _update_cells(ss, req):
    if req.get('fields') == 'note':
        return _update_notes(ss, req)
    if req.get('fields') not in ('userEnteredValue', '*'):
        raise unimplemented(f"updateCells fields {req.get('fields')}")
    if 'range' in req:
        raise unimplemented('updateCells with range (use start)')
    start = req.get('start') or {}
    sheet = ss.sheet_by_id(start.get('sheetId', 0))
    r0, c0 = start.get('rowIndex', 0), start.get('columnIndex', 0)
    rows = req.get('rows') or []
    width = max((len(r.get('values') or []) for r in rows), default=0)
    if r0 + len(rows) > sheet.row_count or c0 + width > sheet.col_count:
        sheet.grid_error(a1.A1(sheet.title), r0 + 1, c0 + 1, r0 + len(rows), c0 + width)
    for i, row in enumerate(rows):
        for j, data in enumerate(row.get('values') or []):
            if set(data) - {'userEnteredValue'}:
                raise unimplemented('updateCells cell formats')
            value = data.get('userEnteredValue')
            sheet.put(r0 + i, c0 + j, cells.from_extended(value) if value else None)
    return {}


def _append_cells(ss, req):
    """appendCells: new rows after the last row with data in the sheet, the grid grown by as many rows as needed."""
    if req.get('fields') not in ('userEnteredValue', '*'):
        raise unimplemented(f"appendCells fields {req.get('fields')}")
    if 'tableId' in req:
        raise unimplemented('appendCells into a table')
    sheet = ss.sheet_by_id(req.get('sheetId', 0))
    rows = req.get('rows') or []
    last, _ = sheet.used_extent()
    width = max((len(r.get('values') or []) for r in rows), default=0)
    if width > sheet.col_count:
        sheet.grid_error(a1.A1(sheet.title), last + 1, 1, last + len(rows), width)
    sheet.row_count = max(sheet.row_count, last + len(rows))
    for i, row in enumerate(rows):
        for j, data in enumerate(row.get('values') or []):
            if set(data) - {'userEnteredValue'}:
                raise unimplemented('appendCells cell formats')
            value = data.get('userEnteredValue')
            sheet.put(last + i, j, cells.from_extended(value) if value else None)
    return {}


def _request(ss, kind, req):
    if kind == 'addSheet':
        props = req.get('properties') or {}
        extra = set(props) - {'title', 'sheetId', 'index', 'sheetType', 'gridProperties'}
        if extra or props.get('sheetType', 'GRID') != 'GRID':
            raise unimplemented(f"addSheet properties {', '.join(sorted(extra)) or 'sheetType'}")
        grid = props.get('gridProperties') or {}
        sheet = ss.add_sheet(props.get('title') or f'Sheet{len(ss.sheets) + 1}',
                             grid.get('rowCount', 1000), grid.get('columnCount', 26),
                             props.get('sheetId'), props.get('index'))
        sheet.frozen_rows = grid.get('frozenRowCount', 0)
        sheet.frozen_cols = grid.get('frozenColumnCount', 0)
        return {'addSheet': {'properties': sheet.properties()}}
    if kind == 'deleteSheet':
        ss.delete_sheet(req.get('sheetId'))
        return {}
    if kind == 'updateSheetProperties':
        return _sheet_properties(ss, req)
    if kind == 'updateSpreadsheetProperties':
        props = req.get('properties') or {}
        for name in _field_list(req.get('fields'), {'title', 'locale', 'timeZone'},
                                'updateSpreadsheetProperties'):
            for key in (props if name == '*' else [name]):
                setattr(ss, {'title': 'title', 'locale': 'locale', 'timeZone': 'time_zone'}[key],
                        props.get(key))
        return {}
    if kind in ('insertDimension', 'deleteDimension'):
        sheet, dim, start, end = _dimension(ss, req.get('range') or {}, kind)
        (sheet.insert if kind == 'insertDimension' else sheet.delete)(dim, start, end)
        return {}
    if kind == 'appendDimension':
        sheet = ss.sheet_by_id(req.get('sheetId', 0))
        length = req.get('length', 0)
        if req.get('dimension') == 'ROWS':
            sheet.row_count += length
        elif req.get('dimension') == 'COLUMNS':
            sheet.col_count += length
        else:
            raise ApiError(400, 'Invalid requests[0].appendDimension: dimension must be ROWS or COLUMNS')
        return {}
    if kind == 'addProtectedRange':
        return _add_protected(ss, req)
    if kind == 'deleteProtectedRange':
        return _delete_protected(ss, req)
    if kind == 'setDataValidation':
        grid = req.get('range') or {}
        ss.sheet_by_id(grid.get('sheetId', 0)).validations.append((grid, req.get('rule')))
        return {}
    if kind == 'updateCells':
        return _update_cells(ss, req)
    if kind == 'appendCells':
        return _append_cells(ss, req)
    raise unimplemented(f'batchUpdate request {kind}')


def _snapshot(ss):
    state = []
    for sheet in ss.sheets:
        saved = dict(sheet.__dict__)
        saved.update(data=[list(r) for r in sheet.data], protected=copy.deepcopy(sheet.protected), notes=dict(sheet.notes),
                     validations=list(sheet.validations))
        state.append((sheet, saved))
    return list(ss.sheets), ss.title, ss.locale, ss.time_zone, state


def _restore(ss, snapshot):
    ss.sheets, ss.title, ss.locale, ss.time_zone, state = snapshot
    for sheet, saved in state:
        sheet.__dict__.update(saved)


def batch_update(ss, body):
    """Answer spreadsheets.batchUpdate: all requests apply, or none."""
    requests = body.get('requests') or []
    if body.get('includeSpreadsheetInResponse'):
        raise unimplemented('includeSpreadsheetInResponse')
    snapshot = _snapshot(ss)
    replies = []
    try:
        for i, req in enumerate(requests):
            if not isinstance(req, dict) or len(req) != 1:
                raise ApiError(400, f'Invalid requests[{i}]: exactly one request kind is required')
            kind, payload = next(iter(req.items()))
            replies.append(_request(ss, kind, payload or {}))
    except ApiError as err:
        _restore(ss, snapshot)
        err.message = err.message.replace('requests[0]', f'requests[{len(replies)}]')
        raise
    ss.touch()
    return {'spreadsheetId': ss.key, 'replies': replies}
