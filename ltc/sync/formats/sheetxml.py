"""Stream data rows into an .xlsx that openpyxl laid out: styles, validations, protection stay openpyxl's.

openpyxl's write-only mode spends ~20 µs per cell building XML elements; an export of
100,000 x 18 cells took a minute. Here openpyxl writes the workbook with the header and one
marker row of styled template cells; the rows are then streamed into that sheet's XML as
plain strings using the marker's style ids, one zip member at a time, so memory stays flat.
Text values are cells already (`codecs.escape`: control characters dropped, formulas escaped).
"""
import datetime
import os
import re
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape as xml_escape

from openpyxl.utils import get_column_letter

EPOCH = datetime.datetime(1899, 12, 30)
MARKER_ROW = 2


def _cell(ref, style, value):
    s = f' s="{style}"' if style else ''
    if value is None or value == '':
        return f'<c r="{ref}"{s}/>' if style else ''
    if value is True or value is False:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, datetime.datetime):
        serial = (value - EPOCH).total_seconds() / 86400
        return f'<c r="{ref}"{s}><v>{serial}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}"{s}><v>{(value - EPOCH.date()).days}</v></c>'
    text = xml_escape(str(value))   # text arrives as a cell from codecs.escape: no control characters left
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ''
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def stream_rows(path, sheet_index, rows, width, total):
    """Replace the marker row of sheet SHEET_INDEX (1-based) in the .xlsx at PATH with TOTAL ROWS."""
    member = f'xl/worksheets/sheet{sheet_index}.xml'
    letters = [get_column_letter(i + 1) for i in range(width)]
    temp = f'{path}.rows'
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(temp, 'w', zipfile.ZIP_DEFLATED,
                                                       allowZip64=True) as dst:
        for item in src.infolist():
            if item.filename != member:
                dst.writestr(item, src.read(item.filename))
                continue
            xml = src.read(member).decode('utf-8')
            start = xml.index(f'<row r="{MARKER_ROW}"')
            end = xml.index('</row>', start) + len('</row>')
            marker = xml[start:end]
            styles = dict(re.findall(r'<c r="([A-Z]+)' + str(MARKER_ROW) + r'"[^>]*?\ss="(\d+)"', marker))
            style = [styles.get(letter, '') for letter in letters]
            head = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{letters[-1]}{total + 1}"/>',
                          xml[:start], count=1)
            info = zipfile.ZipInfo(member, date_time=item.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(info, 'w', force_zip64=True) as out:
                out.write(head.encode())
                buffer = []
                for number, values in enumerate(rows, MARKER_ROW):
                    cells = ''.join(_cell(f'{letters[i]}{number}', style[i], v)
                                    for i, v in enumerate(values[:width]))
                    buffer.append(f'<row r="{number}">{cells}</row>')
                    if len(buffer) >= 1000:
                        out.write(''.join(buffer).encode())
                        buffer = []
                out.write(''.join(buffer).encode())
                out.write(xml[end:].encode())
    os.replace(temp, path)
