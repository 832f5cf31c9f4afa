"""How far a worksheet reaches, read from its XML before calamine allocates its range.

calamine builds a sheet as one rectangle from its cells' positions (and the reader pads it
to A1), so one cell in XFD1000000 of a 5 KB file costs 16 billion cells. The declared
cell positions are measured in a streaming pass: cells name their position (`r="AB12"`) or
follow the previous one. The common layout (unprefixed tags, every cell with `r` first) is
scanned with regular expressions, about a third of calamine's own read; any other layout, and
any sheet that pass or its `<dimension>` puts over the limits, goes through expat, which
stops at the first cell over them.
"""
import re
import zipfile
from xml.parsers import expat

from defusedxml import ElementTree
from openpyxl.utils import get_column_letter

CHUNK = 1 << 20
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]{1,3})(\d{1,7})"')
ROW_TAG = re.compile(rb'<row r="(\d{1,9})"')
# A cell tag whose first attribute is not its position (a cell placed after the previous one, or `r` later).
CELL_UNPLACED = re.compile(rb'<c(?! r=")[\s>/]')
ERROR_CELL = b't="e"'
MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
RELS = 'http://schemas.openxmlformats.org/package/2006/relationships'
DOC_RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'


class _Over(Exception):
    """Stop scanning: the sheet already reaches past the limits."""


def column_number(letters):
    number = 0
    for char in letters:
        number = number * 26 + (char if isinstance(char, int) else ord(char)) - 64
    return number


def _greater(number):
    """Return a regex matching a whole decimal number greater than NUMBER."""
    digits = str(number)
    alternatives = [rf'\d{{{len(digits) + 1},}}']
    for i, char in enumerate(digits):
        if char != '9':
            rest = len(digits) - i - 1
            alternatives.append(re.escape(digits[:i]) + f'[{int(char) + 1}-9]' + (rf'\d{{{rest}}}' if rest else ''))
    return ('(?:' + '|'.join(alternatives) + r')(?!\d)').encode()


def _letters_after(letters):
    """Return a regex matching whole column letters (1 to 3) that come after LETTERS ('' : any)."""
    alternatives = [f'[A-Z]{{{len(letters) + 1},3}}'] if len(letters) < 3 else []
    for i, char in enumerate(letters):
        if char != 'Z':
            rest = len(letters) - i - 1
            alternatives.append(letters[:i] + f'[{chr(ord(char) + 1)}-Z]' + (f'[A-Z]{{{rest}}}' if rest else ''))
    return '(?:' + '|'.join(alternatives) + ')' if alternatives else None


def _cells_after(columns):
    """Return a regex finding the cell tags placed right of column COLUMNS (their letters), or None past ZZZ."""
    after = _letters_after(get_column_letter(columns) if columns else '')
    return re.compile(rb'<c r="(' + after.encode() + rb')\d') if after else None


def sheet_members(archive):
    """Return {sheet name: zip member}, in the workbook's order, from the workbook and its relationships."""
    try:
        book = ElementTree.fromstring(archive.read('xl/workbook.xml'))
        rels = ElementTree.fromstring(archive.read('xl/_rels/workbook.xml.rels'))
    except KeyError:
        return {}
    targets = {r.get('Id'): r.get('Target', '') for r in rels.iter(f'{{{RELS}}}Relationship')}
    members = {}
    for sheet in book.iter(f'{{{MAIN}}}sheet'):
        target = targets.get(sheet.get(f'{{{DOC_RELS}}}id'), '')
        members[sheet.get('name')] = target.lstrip('/') if target.startswith('/') else f'xl/{target}'
    return members


def declared(head):
    """Return (rows, columns) of the `<dimension>` in the first bytes HEAD of a sheet, or None."""
    found = DIMENSION.search(head)
    return (int(found.group(2)), column_number(found.group(1))) if found else None


def _within(limits, rows, columns, counted):
    return columns <= limits.columns and rows * columns + counted <= limits.cells


def measure(archive, member, limits, label, counted=0, seen=None):
    """Return (rows, columns) the sheet MEMBER reaches from A1; refuse it over LIMITS.

    COUNTED cells of other sheets of the file count towards the cell limit. The quick pass
    counts every positioned cell, empty ones too, so it can only overstate; a sheet it puts
    over the limits, or one whose `<dimension>` is over them (LibreOffice declares A1:AMJ5
    for five formatted rows), is measured again from the cells holding a value, as calamine
    builds it, and refused only then. SEEN (a dict), when given, gets 'errors': whether the
    sheet holds error cells (`t="e"`, which calamine reads as blanks), from the same pass.
    """
    with archive.open(member) as handle:
        head = handle.read(4096)
    size = declared(head)
    if re.search(rb'<\w+:worksheet\b', head) or (size and not _within(limits, *size, counted)):
        return _measure_values(archive, member, limits, label, counted, seen)
    rows = columns = 0
    errors, tail, right = False, b'', _cells_after(0)
    with archive.open(member) as handle:
        while True:
            chunk = handle.read(CHUNK)
            data = tail + chunk
            cut = data.rfind(b'<') if chunk else -1
            if cut > 0:   # a tag cut by the chunk boundary waits for the next chunk
                data, tail = data[:cut], data[cut:]
            else:
                tail = b''
            errors = errors or ERROR_CELL in data
            tags = ROW_TAG.findall(data)
            if tags:
                rows = max(rows, max(map(int, tags)))
            if CELL_UNPLACED.search(data):   # a cell without a leading `r`: positions need the full parse
                return _measure_values(archive, member, limits, label, counted, seen)
            # Only the cells right of the widest seen so far are found: the rest cannot widen the sheet.
            wider = right.findall(data) if right is not None else None
            if wider:
                columns = max(columns, max(map(column_number, wider)))
                right = _cells_after(columns)
            # A cell placed below every row tag seen (a far cell in a near row).
            far = re.findall(rb'<c r="[A-Z]{1,3}(' + _greater(rows) + b')', data)
            if far:
                rows = max(map(int, far))
            if not _within(limits, rows, columns, counted):
                return _measure_values(archive, member, limits, label, counted, seen)
            if not chunk:
                if seen is not None:
                    seen['errors'] = errors
                return rows, columns


def _measure_values(archive, member, limits, label, counted, seen=None):
    """Return (rows, columns) reached by the cells holding a value; stop at the first over LIMITS."""
    state = {'row': 0, 'col': 0, 'at': None, 'rows': 0, 'columns': 0, 'errors': False}

    def start(name, attrs):
        local = name.rpartition(':')[2]
        if local == 'c':
            state['errors'] = state['errors'] or attrs.get('t') == 'e'
            found = re.fullmatch(r'([A-Z]{1,3})(\d{1,9})', attrs.get('r', ''))
            if found:
                state['col'], row = column_number(found.group(1)), int(found.group(2))
            else:
                state['col'], row = state['col'] + 1, state['row']
            state['at'] = (row, state['col'])
        elif local in ('v', 'is') and state['at']:
            row, col = state['at']
            state['at'] = None
            if row > state['rows'] or col > state['columns']:
                state['rows'], state['columns'] = max(state['rows'], row), max(state['columns'], col)
                if not _within(limits, state['rows'], state['columns'], counted):
                    raise _Over()
        elif local == 'row':
            number = attrs.get('r', '')
            state['row'] = int(number) if number.isdigit() else state['row'] + 1
            state['col'] = 0

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        with archive.open(member) as handle:
            parser.ParseFile(handle)
    except _Over:
        pass
    limits.check(label, state['rows'], state['columns'], counted)
    if seen is not None:
        seen['errors'] = state['errors']
    return state['rows'], state['columns']


def measure_file(path, names, limits, label, errors=None):
    """Measure the sheets NAMES of the workbook at PATH; return the cells they hold together.

    ERRORS (a dict), when given, gets {name: whether that sheet holds error cells} for each sheet measured."""
    total = 0
    with zipfile.ZipFile(path) as archive:
        members = sheet_members(archive)
        known = set(archive.namelist())
        for name in names:
            member = members.get(name)
            if member not in known:
                continue   # calamine cannot find it either and says so
            seen = {}
            rows, columns = measure(archive, member, limits, label, total, seen)
            total += rows * columns
            if errors is not None and 'errors' in seen:
                errors[name] = seen['errors']
    return total
