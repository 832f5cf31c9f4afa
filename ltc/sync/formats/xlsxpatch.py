"""Write sync changes into an .xlsx by patching the sheet XML in place (openpyxl as the fallback).

Loading and saving a whole workbook with openpyxl costs ~1 s per 1,000 rows and drops what
openpyxl does not model (charts, images, some formatting). A sync touches a few cells, so it
rewrites only the `<c>` elements it changes, keeping every other byte of the workbook.
`patch()` returns False whenever the file is unusual (cells without references, formulas in
cells to overwrite, the 1904 date system, rows missing from the XML); the caller then uses
openpyxl.
"""
import copy
import os
import posixpath
import re
import tempfile
import zipfile
from xml.sax.saxutils import escape as xml_escape

from defusedxml import ElementTree
from openpyxl.utils import column_index_from_string, get_column_letter

from .extent import CHUNK, sheet_members
from .sheetxml import _cell

ROW = re.compile(rb'<row\b([^>]*?)(?:/>|>(.*?)</row>)', re.S)
CELL = re.compile(r'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
REF = re.compile(r'\br="([A-Z]+)(\d+)"')
ROW_REF = re.compile(rb'\br="([A-Z]*)(\d+)"')
OTHER_ROW = re.compile(rb'<row(?! r=")[\s>/]')   # a row tag whose first attribute is not its number
ROW_START = re.compile(rb'<row[\s>/]')
STYLE = re.compile(r'\bs="(\d+)"')
DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)\d*:?([A-Z]*)\d*"\s*/>')
NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
      'r': 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
      'p': 'http://schemas.openxmlformats.org/package/2006/relationships'}


def sheet_member(archive, name):
    """Return the zip member holding worksheet NAME (first sheet when NAME is None), or None."""
    book = ElementTree.fromstring(archive.read('xl/workbook.xml'))
    if book.find('m:workbookPr', NS) is not None and book.find('m:workbookPr', NS).get('date1904') in ('1', 'true'):
        return None
    members = sheet_members(archive)
    return members.get(name if name is not None else next(iter(members), None))


COL = re.compile(rb'<col\b([^>]*)/?>')
COL_ATTR = re.compile(rb'\b(min|max|style)="(\d+)"')


def column_styles(xml):
    """Return {column: style index} from the sheet's <cols> (a new cell takes its column's style: in a
    protected sheet that says whether it is locked)."""
    return _head_styles(xml[:xml.find(b'<sheetData')] if b'<sheetData' in xml else b'')


def _head_styles(head):
    """`column_styles` of HEAD, the sheet XML before its `<sheetData`."""
    styles = {}
    for match in COL.finditer(head):
        attrs = {k.decode(): int(v) for k, v in COL_ATTR.findall(match.group(1))}
        if 'style' in attrs and 'min' in attrs and attrs.get('max', attrs['min']) - attrs['min'] < 1000:
            for col in range(attrs['min'], attrs.get('max', attrs['min']) + 1):
                styles[col] = str(attrs['style'])
    return styles


def _patch_row(attrs, body, row, changes, col_styles=None):
    """Return the row XML with CHANGES {col: value} applied, or None when unsafe."""
    cells = {}
    for match in CELL.finditer(body or ''):
        ref = REF.search(match.group(1))
        if ref is None:
            return None
        cells[column_index_from_string(ref.group(1))] = match
    out = dict((col, m.group(0)) for col, m in cells.items())
    for col, value in changes.items():
        old = cells.get(col)
        if old is not None and '<f' in (old.group(2) or ''):
            return None
        style = STYLE.search(old.group(1)).group(1) if old is not None and STYLE.search(old.group(1)) else \
            ((col_styles or {}).get(col, '') if old is None else '')
        out[col] = _cell(f'{get_column_letter(col)}{row}', style, value)
    attrs = re.sub(r'\s*\bspans="[^"]*"', '', attrs)
    return f'<row{attrs}>' + ''.join(out[c] for c in sorted(out)) + '</row>'


def _comments_member(archive, member):
    """Return the zip member holding the comments of the sheet MEMBER, or None."""
    folder, name = posixpath.split(member)
    rels = posixpath.join(folder, '_rels', name + '.rels')
    if rels not in archive.namelist():
        return None
    for rel in ElementTree.fromstring(archive.read(rels)).iter(f'{{{NS["p"]}}}Relationship'):
        if rel.get('Type', '').endswith('/comments'):
            target = rel.get('Target', '')
            return target.lstrip('/') if target.startswith('/') else posixpath.normpath(posixpath.join(folder, target))
    return None


def _noted(comments, note):
    """Return the comments XML with the text of the comment on NOTE's cell replaced, or None if it has none."""
    row, col, text = note
    found = re.search(rb'(<comment\b[^>]*\bref="' + f'{get_column_letter(col)}{row}'.encode() + rb'"[^>]*>).*?(</comment>)',
                      comments, re.S)
    if found is None:
        return None
    body = f'<text><t xml:space="preserve">{xml_escape(text)}</t></text>'.encode('utf-8')
    return comments[:found.start()] + found.group(1) + body + found.group(2) + comments[found.end():]


def patch(path, sheet_name, cells, appends, note=None):
    """Apply {(row, col): value} and appended rows to PATH in place; return False if unsupported.

    NOTE (row, col, text) replaces the text of that cell's comment; a sheet without that comment yet is
    left to openpyxl, which adds it (later runs patch it).
    """
    return patch_many(path, [(sheet_name, cells, appends, note)])


def patch_many(path, edits):
    """Apply EDITS [(sheet name, cells, appends, note)] to the sheets of PATH in one rewrite of the file (replaced
    by rename: all sheets or none); return False, writing nothing, if any sheet is unsupported.

    The sheet XML is streamed: read once to learn its last row and check its layout, then again a
    megabyte at a time into the new file, the rows to change replaced on the way, so memory stays
    near a megabyte whatever the sheet's size (a 50,000-row sheet is 66 MB of XML); the rows to
    change are found by searching for `<row r="N"` from one to the next. A layout the stream cannot
    follow (rows without their number first, rows out of order) is read whole and scanned row by
    row instead.
    """
    for streamed in (True, False):
        planned = _plan_all(path, edits, streamed)
        if planned is None:
            if streamed:
                continue
            return False
        try:
            _rewrite(path, *planned)
        except _Unsupported:
            continue
        return True
    return False


class _Unsupported(Exception):
    """The streamed sheet turned out not to be patchable as planned; nothing was written."""


def _plan_all(path, edits, streamed):
    """Return ({member: pieces(source archive)}, {comments member: new XML}) for EDITS, or None if one is unsupported."""
    members, notes = {}, {}
    with zipfile.ZipFile(path) as archive:
        for sheet_name, cells, appends, note in edits:
            planned = (_stream_member if streamed else _plan_member)(archive, sheet_name, cells, appends, note)
            if planned is None:
                return None
            member, pieces, comments, noted = planned
            if member in members or (comments is not None and comments in notes):
                return None
            members[member] = pieces
            if comments is not None:
                notes[comments] = noted
    return members, notes


def _rewrite(path, members, notes):
    """Write PATH again with MEMBERS' new XML and the NOTES' comments, into a new file replacing it by rename."""
    handle, temp = tempfile.mkstemp(suffix='.xlsx', dir=os.path.dirname(os.path.abspath(path)))
    os.close(handle)
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(temp, 'w', zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                # A copy: writing sets the entry's offset in the new file, and the source still reads by its own.
                info = copy.copy(item)
                info.compress_type = zipfile.ZIP_DEFLATED
                if item.filename in members:
                    _set_level(info, SHEET_LEVEL)
                    with dst.open(info, 'w') as out:
                        for piece in members[item.filename](src):
                            out.write(piece)
                elif item.filename in notes:
                    dst.writestr(info, notes[item.filename], compress_type=zipfile.ZIP_DEFLATED)
                else:
                    dst.writestr(info, src.read(item.filename), compress_type=zipfile.ZIP_DEFLATED)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _holds_values(body):
    return bool(body) and (b'<v>' in body or b'<is>' in body)


def _row_at(xml, begin, end):
    """Return (start, finish, attributes, body or None) of the row tag at BEGIN, or None if it is not closed before END."""
    close = xml.find(b'>', begin, end)
    if close < 0:
        return None
    if xml[close - 1:close] == b'/':
        return begin, close + 1, xml[begin + 4:close - 1], None
    finish = xml.find(b'</row>', close, end)
    return None if finish < 0 else (begin, finish + 6, xml[begin + 4:close], xml[close + 1:finish])


def _last_valued(xml, start, end):
    """Return (number, body) of the last row between START and END holding a value, (0, None) when none does,
    or None when that row cannot be read or has no plain number."""
    before = end
    while (before := xml.rfind(b'<row r="', start, before)) >= 0:
        tag = _row_at(xml, before, end)
        if tag is None:
            return None
        if _holds_values(tag[3]):
            number = ROW_REF.search(tag[2])
            if number is None or number.group(1):
                return None
            return int(number.group(2)), tag[3]
    return 0, None


def _scanned_rows(xml, wanted):
    """Return (position of the first row, [(row, (start, finish, attributes, body))] of the rows WANTED in file
    order, last row holding a value, its body) for any layout with numbered rows: every row read with the row
    expression; None when unsafe to patch."""
    rows_at, last_row, last_body, first_row = [], 0, None, None
    for match in ROW.finditer(xml):
        number = ROW_REF.search(match.group(1))
        if number is None or number.group(1):
            return None
        first_row = match.start() if first_row is None else first_row
        row = int(number.group(2))
        if _holds_values(match.group(2)):
            last_row, last_body = max(last_row, row), match.group(2)   # appends go below the last row holding a value
        if row in wanted:
            rows_at.append((row, (match.start(), match.end(), match.group(1), match.group(2))))
    if set(wanted) - {row for row, _ in rows_at}:
        return None
    return first_row, rows_at, last_row, last_body


# The rewritten sheet's deflate level: 3 compresses a 50,000-row sheet (66 MB of XML) in 0.22 s into 5.8 MB,
# the default 6 in 0.50 s into 5.3 MB (Excel compresses the file again on its next save).
SHEET_LEVEL = 3


def _read_member(archive, member):
    """Return the uncompressed MEMBER as a bytearray grown a CHUNK at a time.

    `ZipFile.read` decompresses the whole member in one call and concatenates it to an empty
    buffer: for a moment it holds the sheet twice (a 66 MB sheet XML raised a run's peak by 130 MB).
    """
    data = bytearray()
    with archive.open(member) as handle:
        while chunk := handle.read(CHUNK):
            data += chunk
    return data


def _set_level(info, level):
    """Set the deflate level a ZipInfo is written with (public from Python 3.13, private before)."""
    if hasattr(info, 'compress_level'):
        info.compress_level = level
    else:
        info._compresslevel = level


def _target(archive, sheet_name, note):
    """Return (member, comments member or None, new comments XML or None) of the sheet to patch, or None."""
    member = sheet_member(archive, sheet_name)
    if member is None or member not in archive.namelist():
        return None
    comments = _comments_member(archive, member) if note else None
    noted = None
    if note:
        noted = _noted(archive.read(comments), note) if comments in archive.namelist() else None
        if noted is None:
            return None
    return member, comments, noted


def _by_row(cells):
    by_row = {}
    for (row, col), value in cells.items():
        by_row.setdefault(row, {})[col] = value
    return by_row


def _tail(cells, appends, last_row, last_body, col_styles):
    """Return (appended rows' XML, dimension(match) for `<dimension>`) after the last row holding a value."""
    last_styles = {}
    if last_body is not None:   # appended rows take the styles of the last row with values
        for c in CELL.finditer(last_body.decode('utf-8')):
            ref, style = REF.search(c.group(1)), STYLE.search(c.group(1))
            if ref and style:
                last_styles[column_index_from_string(ref.group(1))] = style.group(1)
    rows = []
    for offset, values in enumerate(appends, 1):
        number = last_row + offset
        row_cells = ''.join(_cell(f'{get_column_letter(i)}{number}', last_styles.get(i) or col_styles.get(i, ''), v)
                            for i, v in enumerate(values, 1))
        rows.append(f'<row r="{number}">{row_cells}</row>')
    last_row += len(appends)
    width = max([c for _, c in cells] + [len(a) for a in appends] + [1])

    def dimension(m):
        widest = max(width, column_index_from_string((m.group(2) or m.group(1)).decode()))
        return f'<dimension ref="A1:{get_column_letter(widest)}{max(last_row, 1)}"/>'.encode()

    return ''.join(rows).encode('utf-8'), dimension


def _into_empty(xml, added):
    """Return the XML of a sheet without rows with the rows ADDED as its data."""
    if not added:
        return xml
    if b'</sheetData>' in xml:
        return xml.replace(b'</sheetData>', added + b'</sheetData>', 1)
    return xml.replace(b'<sheetData/>', b'<sheetData>' + added + b'</sheetData>', 1)


def _patched(attrs, body, row, changes, col_styles):
    patched = _patch_row(attrs.decode('utf-8'), body.decode('utf-8') if body else None, row, changes, col_styles)
    return None if patched is None else patched.encode('utf-8')


def _units(archive, member):
    """Yield MEMBER's XML in pieces of about a megabyte, each ending right before a row tag or at the end:
    a row is never cut (a row longer than a piece makes its piece longer)."""
    carry = b''
    with archive.open(member) as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                if carry:
                    yield carry
                return
            data = carry + chunk if carry else chunk
            cut = data.rfind(b'<row')
            if cut <= 0:
                carry = data   # no row starts after the beginning yet: read on
                continue
            yield data[:cut]
            carry = data[cut:]


def _survey(archive, member):
    """Return (the XML before `<sheetData`, whether it has rows, last row holding a value, its body) from one
    streamed read of MEMBER, or None when a row is written otherwise than `<row r="N" ...>`."""
    head, rows, last_row, last_body, pending = None, False, 0, None, b''
    for unit in _units(archive, member):
        if head is None:
            pending += unit
            at = pending.find(b'<sheetData')
            if at < 0:
                continue
            head, unit, pending = pending[:at], pending, None
        if OTHER_ROW.search(unit):
            return None
        rows = rows or ROW_START.search(unit) is not None
        last = _last_valued(unit, 0, len(unit))
        if last is None:
            return None
        if last[1] is not None:
            last_row, last_body = last
    return None if head is None else (head, rows, last_row, last_body)


def _stream_member(archive, sheet_name, cells, appends, note):
    """`_plan_member` streaming the sheet: its pieces(source) read the member again, a megabyte at a time, and
    raise _Unsupported when a row to change is not where the survey said the layout puts it."""
    target = _target(archive, sheet_name, note)
    if target is None:
        return None
    member, comments, noted = target
    surveyed = _survey(archive, member)
    if surveyed is None:
        return None
    head, has_rows, last_row, last_body = surveyed
    col_styles, by_row = _head_styles(head), _by_row(cells)
    added, dimension = _tail(cells, appends, last_row, last_body, col_styles)

    def pieces(source):
        wanted, k, pending, started, insert = sorted(by_row), 0, b'', False, added
        for unit in _units(source, member):
            if not started:
                pending += unit
                first = ROW_START.search(pending)
                if first is None:
                    continue   # no row yet (a sheet without rows is written whole below)
                yield DIMENSION.sub(dimension, pending[:first.start()], count=1)
                unit, started, pending = pending[first.start():], True, None
            view, at = memoryview(unit), 0
            while k < len(wanted):
                found = unit.find(b'<row r="%d"' % wanted[k], at)
                if found < 0:
                    break
                tag = _row_at(unit, found, len(unit))
                patched = tag and _patched(tag[2], tag[3], wanted[k], by_row[wanted[k]], col_styles)
                if not patched:
                    raise _Unsupported(member)
                yield view[at:found]
                yield patched
                at, k = tag[1], k + 1
            close = unit.find(b'</sheetData>', at) if insert else -1
            if close >= 0:
                yield view[at:close]
                yield insert
                at, insert = close, b''
            yield view[at:]
        if not started:
            if has_rows or wanted:
                raise _Unsupported(member)
            yield DIMENSION.sub(dimension, _into_empty(pending, added), count=1)
        elif k < len(wanted):
            raise _Unsupported(member)

    return member, pieces, comments, noted


def _plan_member(archive, sheet_name, cells, appends, note):
    """Return (member, pieces(source) yielding its new XML, comments member or None, new comments XML) or None,
    the sheet XML read whole and scanned row by row: the layouts `_stream_member` cannot follow."""
    target = _target(archive, sheet_name, note)
    if target is None:
        return None
    member, comments, noted = target
    xml = _read_member(archive, member)
    col_styles, by_row = column_styles(xml), _by_row(cells)
    located = _scanned_rows(xml, by_row)
    if located is None:
        return None
    first_row, rows_at, last_row, last_body = located
    replaced = []
    for row, (begin, finish, attrs, body) in rows_at:
        patched = _patched(attrs, body, row, by_row[row], col_styles)
        if patched is None:
            return None
        replaced.append((begin, finish, patched))
    added, dimension = _tail(cells, appends, last_row, last_body, col_styles)
    if first_row is None:   # a sheet without rows: the appended rows are its data
        xml = _into_empty(xml, added)

    def pieces(source):
        """Yield the new sheet XML in pieces, views of the XML read: nothing the size of the sheet is copied."""
        head_end = first_row if first_row is not None else len(xml)
        yield DIMENSION.sub(dimension, xml[:head_end], count=1)
        view, at = memoryview(xml), head_end
        for begin, finish, text in replaced:
            yield view[at:begin]
            yield text
            at = finish
        close = xml.find(b'</sheetData>', at) if added and first_row is not None else -1
        if close >= 0:
            yield view[at:close]
            yield added
            at = close
        yield view[at:]

    return member, pieces, comments, noted
