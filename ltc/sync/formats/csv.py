"""CSV backend: UTF-8 with or without BOM, GB18030/GBK, Windows-1252, UTF-16; comma, semicolon, tab or pipe.

Rows are decoded and parsed one line at a time; a line is measured before the parser splits it,
so a file of one endless row stops at that row, not after building it.
"""
import codecs as _codecs
import csv as _csv
import datetime
import io
import os
import re
import tempfile
from decimal import Decimal
from pathlib import Path

from ..errors import SyncError
from ..mapping.codecs import plain_text
from .limits import Limits, too_many_cells, too_many_columns
from .xlsx import MAX_FILE_BYTES, too_many_rows

QUOTED = re.compile(r'"[^"]*(?:"|$)')


def detect_encoding(data):
    """Return the encoding of DATA: a BOM decides, then UTF-8, then GB18030 (a superset of GBK) when its
    bytes read as Chinese, then Windows-1252 (Western exports), then GB18030 whatever it reads as."""
    if data.startswith(_codecs.BOM_UTF8):
        return 'utf-8-sig'
    if data.startswith((_codecs.BOM_UTF16_LE, _codecs.BOM_UTF16_BE)):
        return 'utf-16'
    sample = data[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return 'utf-16-le'
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return 'utf-16-be'
    if _decodes(data, 'utf-8'):
        return 'utf-8'
    if _looks_chinese(sample) and _decodes(data, 'gb18030'):
        return 'gb18030'
    if _decodes(data, 'cp1252'):   # Excel "CSV" and Salesforce/Zoho exports on Western Windows
        return 'cp1252'
    if _decodes(data, 'gb18030'):
        return 'gb18030'
    raise SyncError('The CSV file is neither UTF-8, GBK/GB18030, Windows-1252 nor UTF-16; save it again as '
                    '"CSV UTF-8".',
                    zh='该 CSV 文件的编码不是 UTF-8、GBK/GB18030、Windows-1252 或 UTF-16；请重新另存为'
                       '「CSV UTF-8（逗号分隔）」。')


def _looks_chinese(sample):
    """Return whether SAMPLE's bytes above ASCII read as GBK Chinese: nearly every pair is a lead byte
    followed by a byte of the GB2312 block (0xA1-0xFE). Western text in Windows-1252 (`Société`,
    `Müller`) has single accented bytes followed by ASCII, which GB18030 would also decode, into
    rare characters."""
    pairs = chinese = 0
    index, end = 0, len(sample) - 1
    while index < end:
        byte = sample[index]
        if byte < 0x81:
            index += 1
            continue
        pairs += 1
        if 0xA1 <= sample[index + 1] <= 0xFE:
            chinese += 1
        index += 2
    return pairs > 0 and chinese * 10 >= pairs * 9


def _decodes(data, encoding, step=1 << 20):
    """Return whether DATA is valid ENCODING, decoding a slice at a time (no copy of the whole text)."""
    decoder = _codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(data), step):
            decoder.decode(data[start:start + step])
        decoder.decode(b'', final=True)
    except UnicodeDecodeError:
        return False
    return True


def columns_of(line, delimiter, inside=False):
    """Return how many fields LINE holds outside quotes (INSIDE: it starts within a quoted field)."""
    if not inside and '"' not in line:
        return line.count(delimiter) + 1
    return QUOTED.sub('', '"' + line if inside else line).count(delimiter) + 1


def sniff_delimiter(text):
    """Return the delimiter of TEXT among , ; tab |; comma when unsure."""
    sample = '\n'.join(text[:65536].splitlines()[:50])
    try:
        return _csv.Sniffer().sniff(sample, delimiters=',;\t|').delimiter
    except _csv.Error:
        counts = {d: sample.count(d) for d in ',;\t|'}
        best = max(counts, key=counts.get)
        return best if counts[best] else ','


class CsvTable:
    """A CSV file: every cell is text; the file is rewritten whole (by rename) on write."""
    kind = 'csv'

    def __init__(self, path, max_rows=None, prefer=None, limits=None):
        self.path, self.max_rows = Path(path), max_rows
        self.limits = limits or Limits.current()
        self.label = self.path.name
        self.encoding, self.delimiter = None, ','

    def _load(self):
        if not self.path.is_file():
            raise SyncError(f'{self.path.name} does not exist; check the path.',
                            zh=f'{self.path.name} 不存在；请检查路径。')
        size = self.path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SyncError(f'{self.path.name} is {size // 1048576} MB; files over '
                            f'{MAX_FILE_BYTES // 1048576} MB are refused, split it into smaller files.',
                            zh=f'{self.path.name} 大小为 {size // 1048576} MB；超过 '
                               f'{MAX_FILE_BYTES // 1048576} MB 的文件不予接收，请拆分成较小的文件。')
        data = self.path.read_bytes()
        if data[:4] == b'PK\x03\x04' or data[:8] == b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1':
            raise SyncError(f'{self.path.name} is an Excel workbook, not CSV; rename it to .xlsx or .xls.',
                            zh=f'{self.path.name} 是 Excel 工作簿，不是 CSV；请将扩展名改为 .xlsx 或 .xls。')
        self.encoding = detect_encoding(data)
        self.delimiter = sniff_delimiter(data[:65536].decode(self.encoding, 'ignore'))
        return data

    def _lines(self, data, rows):
        """Yield the decoded lines of DATA, refusing one with more fields than the column limit."""
        limit, inside = self.limits.columns, False
        for line in io.TextIOWrapper(io.BytesIO(data), encoding=self.encoding, newline=''):
            if line.count(self.delimiter) >= limit:   # cheap test first; quotes only for the suspects
                columns = columns_of(line, self.delimiter, inside)
                if columns > limit:
                    raise too_many_columns(self.path, columns, limit, row=len(rows) + 1)
            if line.count('"') % 2:
                inside = not inside
            yield line

    def read(self):
        data = self._load()
        rows, widest = [], 0
        try:
            for row in _csv.reader(self._lines(data, rows), delimiter=self.delimiter):
                rows.append(row)
                if len(row) > widest:
                    widest = len(row)
                    if widest > self.limits.columns:   # a quoted field spanning lines
                        raise too_many_columns(self.path, widest, self.limits.columns, row=len(rows))
                if len(rows) * widest > self.limits.cells:
                    raise too_many_cells(self.path, len(rows), widest, self.limits.cells)
                if self.max_rows and len(rows) > self.max_rows + 100:
                    raise too_many_rows(self.path, data.count(b'\n'), self.max_rows)
        except _csv.Error as exc:
            raise SyncError(f'{self.path.name} is not valid CSV near line {len(rows) + 1} ({exc}); '
                            f'fix that line or save the file again.',
                            zh=f'{self.path.name} 第 {len(rows) + 1} 行附近不是有效的 CSV（{exc}）；'
                               f'请修正该行或重新保存文件。') from None
        return rows

    def reread_keys(self, key_col):
        return {r: row[key_col - 1].strip() for r, row in enumerate(self.read(), 1)
                if len(row) >= key_col and row[key_col - 1].strip()}

    def write(self, batch):
        if not batch:
            return
        rows = self.read()
        for (row, col), value in batch.cells.items():
            while len(rows) < row:
                rows.append([])
            line = rows[row - 1]
            while len(line) < col:
                line.append('')
            line[col - 1] = _text(value)
        while rows and not any(c.strip() for c in rows[-1]):
            rows.pop()
        rows.extend([_text(v) for v in values] for values in batch.appends)
        encoding = self.encoding or 'utf-8-sig'   # Excel needs the BOM to read UTF-8
        handle, temp = tempfile.mkstemp(suffix='.csv', dir=self.path.parent)
        try:
            with os.fdopen(handle, 'w', encoding=encoding, newline='') as out:
                _csv.writer(out, delimiter=self.delimiter).writerows(rows)
            os.replace(temp, self.path)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)


def _text(value):
    if value is None:
        return ''
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return plain_text(value)
