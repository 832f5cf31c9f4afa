"""Write sync changes into an .xlsx by patching the sheet XML in place (openpyxl as the fallback).

Loading and saving a whole workbook with openpyxl costs ~1 s per 1,000 rows and drops what
openpyxl does not model (charts, images, some formatting). A sync touches a few cells, so it
rewrites only the `<c>` elements it changes, keeping every other byte of the workbook.
`patch()` returns False whenever the file is unusual (cells without references, formulas in
cells to overwrite, the 1904 date system, rows missing from the XML); the caller then uses
openpyxl.
"""
import os
import re
import tempfile
import zipfile

from defusedxml import ElementTree
from openpyxl.utils import column_index_from_string, get_column_letter

from .sheetxml import _cell

ROW = re.compile(r'<row\b([^>]*?)(?:/>|>(.*?)</row>)', re.S)
CELL = re.compile(r'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
REF = re.compile(r'\br="([A-Z]+)(\d+)"')
STYLE = re.compile(r'\bs="(\d+)"')
NS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
      'r': 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
      'p': 'http://schemas.openxmlformats.org/package/2006/relationships'}


def sheet_member(archive, name):
    """Return the zip member holding worksheet NAME (first sheet when NAME is None), or None."""
    book = ElementTree.fromstring(archive.read('xl/workbook.xml'))
    if book.find('m:workbookPr', NS) is not None and book.find('m:workbookPr', NS).get('date1904') in ('1', 'true'):
        return None
    sheets = book.findall('m:sheets/m:sheet', NS)
    chosen = next((s for s in sheets if name is None or s.get('name') == name), None)
    if chosen is None:
        return None
    rid = chosen.get(f'{{{NS["r"]}}}id')
    rels = ElementTree.fromstring(archive.read('xl/_rels/workbook.xml.rels'))
    for rel in rels.findall('p:Relationship', NS):
        if rel.get('Id') == rid:
            target = rel.get('Target')
            return target.lstrip('/') if target.startswith('/') else 'xl/' + target
    return None


def _patch_row(attrs, body, row, changes):
    """Return the row XML with CHANGES {col: value} applied, or None when unsafe."""
    cells, order = {}, []
    for match in CELL.finditer(body or ''):
        ref = REF.search(match.group(1))
        if ref is None:
            return None
        col = column_index_from_string(ref.group(1))
        cells[col] = match
        order.append(col)
    out = dict((col, m.group(0)) for col, m in cells.items())
    for col, value in changes.items():
        old = cells.get(col)
        if old is not None and '<f' in (old.group(2) or ''):
            return None
        style = STYLE.search(old.group(1)).group(1) if old is not None and STYLE.search(old.group(1)) else ''
        out[col] = _cell(f'{get_column_letter(col)}{row}', style, value)
    attrs = re.sub(r'\s*\bspans="[^"]*"', '', attrs)
    return f'<row{attrs}>' + ''.join(out[c] for c in sorted(out)) + '</row>'


def patch(path, sheet_name, cells, appends):
    """Apply {(row, col): value} and appended rows to PATH in place; return False if unsupported."""
    with zipfile.ZipFile(path) as archive:
        member = sheet_member(archive, sheet_name)
        if member is None or member not in archive.namelist():
            return False
        xml = archive.read(member).decode('utf-8')
    by_row = {}
    for (row, col), value in cells.items():
        by_row.setdefault(row, {})[col] = value
    parts, last, last_row, last_styles, seen = [], 0, 0, {}, set()
    for match in ROW.finditer(xml):
        number = REF.search(match.group(1))
        plain = re.search(r'\br="(\d+)"', match.group(1))
        if plain is None or number is not None:
            return False
        row = int(plain.group(1))
        if match.group(2) and ('<v>' in match.group(2) or '<is>' in match.group(2)):
            last_row = max(last_row, row)   # appends go below the last row holding a value
            last_styles = {column_index_from_string(REF.search(c.group(1)).group(1)): STYLE.search(c.group(1)).group(1)
                           for c in CELL.finditer(match.group(2))
                           if REF.search(c.group(1)) and STYLE.search(c.group(1))}
        if row in by_row:
            patched = _patch_row(match.group(1), match.group(2), row, by_row[row])
            if patched is None:
                return False
            parts.append(xml[last:match.start()])
            parts.append(patched)
            last = match.end()
            seen.add(row)
    if set(by_row) - seen:
        return False
    parts.append(xml[last:])
    text = ''.join(parts)
    if appends:
        rows = []
        for offset, values in enumerate(appends, 1):
            number = last_row + offset
            row_cells = ''.join(_cell(f'{get_column_letter(i)}{number}', last_styles.get(i, ''), v)
                                for i, v in enumerate(values, 1))
            rows.append(f'<row r="{number}">{row_cells}</row>')
        last_row += len(appends)
        if '</sheetData>' in text:
            text = text.replace('</sheetData>', ''.join(rows) + '</sheetData>', 1)
        else:
            text = text.replace('<sheetData/>', '<sheetData>' + ''.join(rows) + '</sheetData>', 1)
    width = max([c for _, c in cells] + [len(a) for a in appends] + [1])
    text = re.sub(r'<dimension ref="([A-Z]+)\d*:?([A-Z]*)\d*"\s*/>',
                  lambda m: f'<dimension ref="A1:{get_column_letter(max(width, column_index_from_string(m.group(2) or m.group(1))))}{max(last_row, 1)}"/>',
                  text, count=1)
    handle, temp = tempfile.mkstemp(suffix='.xlsx', dir=os.path.dirname(os.path.abspath(path)))
    os.close(handle)
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(temp, 'w', zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = text.encode('utf-8') if item.filename == member else src.read(item.filename)
                dst.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return True
