"""Excel backend: python-calamine reads (openpyxl where error cells need it), openpyxl writes.

Every file is checked before any parser sees it: size, container type (zip or OLE),
encryption, zip-bomb ratios, XML entity declarations, and the declared row count; every
worksheet read is measured from its XML (`extent.py`) against the column and cell limits
before calamine builds it. Old .xls sheets (at most 65,536 x 256 cells by their format) are
measured once built.
"""
import copy
import ctypes
import hashlib
import itertools
import os
import re
import tempfile
import zipfile
import zlib
from xml.parsers.expat import ExpatError
from pathlib import Path

import python_calamine as calamine

from ..errors import ErrorValue, SyncError
from ..mapping.codecs import plain_text
from .limits import Limits

MAX_FILE_BYTES = 100 * 1024 * 1024         # compressed size of the upload
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024    # sum of all members once inflated
MAX_RATIO = 200                            # inflated / compressed, for members over 1 MB
INSTRUCTION_SHEETS = re.compile(r'说明|须知|帮助|示例|字典|选项|下拉|instruction|readme|help|example|lookup|list',
                                re.I)
OLE_MAGIC = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'


# What parsing a corrupt workbook raises below the readers (zip, zlib, XML, decoding).
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, NotImplementedError,
           SyntaxError, ExpatError, calamine.CalamineError)


def _refuse(path, en, zh):
    """Return a SyncError naming the file, the reason in English (EN) and Chinese (ZH)."""
    name = Path(path).name
    return SyncError(f'{name} {en}', zh=f'{name} {zh}')


def _damaged(path, exc):
    """Return the refusal of a workbook whose parts cannot be parsed; EXC says what broke."""
    detail = f'{type(exc).__name__}: {str(exc)[:80]}'
    return _refuse(path, f'is damaged and cannot be read ({detail}); open it in Excel, save it again and retry.',
                   f'已损坏，无法读取（{detail}）；请在 Excel 中打开、重新保存后再试。')


def check_file(path, max_rows=None):
    """Refuse files that are too big, encrypted, not spreadsheets, bombs or declare too many rows."""
    path = Path(path)
    if not path.is_file():
        raise SyncError(f'{path.name} does not exist; check the path.', zh=f'{path.name} 不存在；请检查路径。')
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _refuse(path, f'is {size // 1048576} MB; files over {MAX_FILE_BYTES // 1048576} MB are refused, '
                            f'split it into smaller files.',
                      f'大小为 {size // 1048576} MB；超过 {MAX_FILE_BYTES // 1048576} MB 的文件不予接收，'
                      f'请拆分成较小的文件。')
    with open(path, 'rb') as handle:
        head = handle.read(8)
        if head == OLE_MAGIC:
            handle.seek(0)
            body = handle.read()
            if 'EncryptedPackage'.encode('utf-16-le') in body or b'EncryptionInfo' in body:
                raise _refuse(path, 'is password-protected; open it in Excel, remove the password '
                                    '(File › Info › Protect Workbook) and save it again.',
                              '设有密码保护；请在 Excel 中打开，取消密码（文件 › 信息 › 保护工作簿）后重新保存。')
            if path.suffix.lower() != '.xls':
                raise _refuse(path, 'is an old-format Excel (.xls) file with the wrong extension; rename it to .xls.',
                              '是旧版 Excel（.xls）文件，但扩展名不对；请将其重命名为 .xls。')
            return 'xls'
    if head[:4] != b'PK\x03\x04':
        raise _refuse(path, 'is not an Excel workbook (it is not a zip container); '
                            'save it from Excel as .xlsx or export it as .csv.',
                      '不是 Excel 工作簿（不是 zip 格式）；请在 Excel 中另存为 .xlsx，或导出为 .csv。')
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            if 'xl/workbook.xml' not in names:
                raise _refuse(path, 'is a zip file but not an Excel workbook; save it from Excel as .xlsx.',
                              '是 zip 文件，但不是 Excel 工作簿；请在 Excel 中另存为 .xlsx。')
            total = sum(m.file_size for m in members)
            if total > MAX_UNZIPPED_BYTES:
                raise _refuse(path, f'would inflate to {total // 1048576} MB; files over '
                                    f'{MAX_UNZIPPED_BYTES // 1048576} MB unpacked are refused.',
                              f'解压后将达 {total // 1048576} MB；解压后超过 '
                              f'{MAX_UNZIPPED_BYTES // 1048576} MB 的文件不予接收。')
            for member in members:
                if member.file_size > 1048576 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                    ratio = member.file_size // max(member.compress_size, 1)
                    raise _refuse(path, f'looks like a decompression bomb ({member.filename} inflates '
                                        f'{ratio}x); it was not opened.',
                                  f'疑似解压炸弹（{member.filename} 解压后膨胀 {ratio} 倍）；未打开该文件。')
            for member in members:
                if member.filename.endswith(('.xml', '.rels', '.vml')):
                    with archive.open(member) as handle:
                        start = _prolog(handle)
                    if start is None or b'<!DOCTYPE' in start.upper() or b'<!ENTITY' in start.upper():
                        raise _refuse(path, 'contains XML entity declarations (an XML bomb or external '
                                            'entity); it was not opened. Save it again from Excel.',
                                      '含有 XML 实体声明（XML 炸弹或外部实体）；未打开该文件。'
                                      '请在 Excel 中重新保存。')
            if max_rows:
                for member in members:
                    if member.filename.startswith('xl/worksheets/sheet'):
                        with archive.open(member) as handle:
                            start = handle.read(4096).decode('utf-8', 'replace')
                        found = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', start)
                        if found and int(found.group(1)) > max_rows + 100:
                            raise too_many_rows(path, int(found.group(1)), max_rows)
    except zipfile.BadZipFile:
        raise _refuse(path, 'is damaged or truncated (the zip directory cannot be read); '
                            'save it again from Excel.',
                      '已损坏或不完整（无法读取 zip 目录）；请在 Excel 中重新保存。') from None
    return 'xlsx'


def _prolog(handle, limit=1 << 20):
    """Return the bytes before the root element (where a DTD would be), or None past LIMIT."""
    data = b''
    while len(data) < limit:
        chunk = handle.read(65536)
        if not chunk:
            return data
        data += chunk
        if re.search(rb'<[A-Za-z_]', data):
            return data[:re.search(rb'<[A-Za-z_]', data).start()]
    return None


def too_many_rows(path, rows, max_rows):
    name = Path(path).name
    return SyncError(f'{name} has about {rows:,} rows; at most {max_rows:,} rows are imported at '
                     f'once (IMPORT_MAX_ROWS). Split the file.',
                     zh=f'{name} 约有 {rows:,} 行；一次最多导入 {max_rows:,} 行（IMPORT_MAX_ROWS）。请拆分文件。')


def _has_error_cells(path, sheet_index):
    """Return whether the sheet XML holds error cells, which calamine reads as blanks."""
    try:
        with zipfile.ZipFile(path) as archive:
            name = f'xl/worksheets/sheet{sheet_index + 1}.xml'
            if name not in archive.namelist():
                return True   # unusual layout: let openpyxl decide
            tail = b''
            with archive.open(name) as handle:
                while chunk := handle.read(1 << 20):
                    if b't="e"' in tail + chunk:
                        return True
                    tail = chunk[-8:]
    except zipfile.BadZipFile:
        return False
    return False


def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim   # glibc; other C libraries have no such call
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def give_back_heap():
    """Return to the system the heap calamine freed once its cells are Python rows.

    calamine builds the whole sheet in the C heap (about 90 MB for 100,000 x 15 cells) and frees
    it once read; glibc keeps most of those pages, and Python's small objects (which live in
    their own arenas) never reuse them, so an import's peak carried them to the end.
    """
    if _TRIM is not None:
        _TRIM(0)


def stamp(path):
    """Return (size, SHA-256) of the file at PATH, or None: what tells its content changed since a read.

    The content, not the modification time: a save within the file system's clock tick (a few
    milliseconds) keeps the time, and the digest costs about 1 ms per MB, far below a re-read.
    """
    try:
        with open(path, 'rb') as handle:
            return os.fstat(handle.fileno()).st_size, hashlib.file_digest(handle, 'sha256').digest()
    except OSError:
        return None


def keys_in(grid, key_col):
    """Return {row: key} of GRID's rows (1-based) whose column KEY_COL holds a key."""
    return {r: plain_text(row[key_col - 1]).strip() for r, row in enumerate(grid, 1)
            if len(row) >= key_col and plain_text(row[key_col - 1]).strip()}


SAMPLE_ROWS, REPEATED = 200, 0.5


def shared_rows(rows):
    """Return ROWS as lists, with one str object per distinct value in columns that repeat.

    Sheets repeat values down a column (source, industry, province, owner, currency …); each
    cell read is a new str, so a 100,000-row sheet held a million copies of a few dozen
    values. Columns whose first SAMPLE_ROWS rows hold at most REPEATED distinct values per
    row share them; other columns (names, phones) are kept as read, so the memo stays small.
    """
    rows = iter(rows)
    grid = list(itertools.islice(rows, SAMPLE_ROWS))
    memos = _repeating_columns(grid)
    if not memos:
        grid.extend(rows)
        return grid

    def share(row):
        for position, memo in memos.items():
            if position < len(row) and row[position].__class__ is str:
                row[position] = memo.setdefault(row[position], row[position])
        return row

    for row in grid:
        share(row)
    grid.extend(share(row) for row in rows)
    return grid


def _padded_rows(sheet):
    """Yield the rows of a calamine SHEET from A1, like `to_python(skip_empty_area=False)`.

    `iter_rows()` keeps the empty rows above the data but starts each row at the first used
    column; the columns to its left are put back so positions match the sheet's.
    """
    start = sheet.start
    left = [''] * start[1] if start and start[1] else None
    for row in sheet.iter_rows():
        yield left + row if left else row


def _repeating_columns(sample):
    width = max((len(r) for r in sample), default=0)
    memos = {}
    for position in range(width):
        values = [r[position] for r in sample if position < len(r) and r[position].__class__ is str and r[position]]
        if values and len(set(values)) <= len(values) * REPEATED:
            memos[position] = {}
    return memos


class XlsxTable:
    """An .xlsx/.xls file; one worksheet of it is the table."""
    kind = 'xlsx'
    date1904 = False

    def __init__(self, path, sheet=None, max_rows=None, prefer=None, limits=None):
        self.path, self.sheet, self.max_rows, self.prefer = Path(path), sheet, max_rows, prefer
        self.limits = limits or Limits.current()
        self.label = self.path.name
        self.error_sheets = {}   # {sheet name: holds error cells}, seen while measuring the sheets
        self.last_read = None   # (stamp before the read, rows read): `reread_keys` reuses them while the file is unchanged

    def _open(self):
        fmt = check_file(self.path, self.max_rows)
        try:
            return fmt, calamine.CalamineWorkbook.from_path(str(self.path))
        except calamine.PasswordError:
            raise _refuse(self.path, 'is password-protected; remove the password in Excel and save it again.',
                          '设有密码保护；请在 Excel 中取消密码后重新保存。') from None
        except calamine.CalamineError as exc:
            raise _refuse(self.path, f'cannot be read ({exc}); open it in Excel and save it again.',
                          f'无法读取（{exc}）；请在 Excel 中打开后重新保存。') from None

    def candidates(self, book):
        """Return the names of visible worksheets that are not instructions, data sheets first."""
        names = [m.name for m in book.sheets_metadata
                 if m.typ == calamine.SheetTypeEnum.WorkSheet and m.visible == calamine.SheetVisibleEnum.Visible]
        data = [n for n in names if not INSTRUCTION_SHEETS.search(n)]
        return data or names

    def read(self):
        before = stamp(self.path)   # taken first: a change made during the read then shows as a change
        try:
            grid = self._read()
            self.last_read = (before, grid) if before else None
            return grid
        except DAMAGED as exc:   # a corrupt part of the container or its XML: a refusal, not a traceback
            raise _damaged(self.path, exc) from None
        finally:
            give_back_heap()

    def _read(self):
        fmt, book = self._open()
        if fmt == 'xlsx':
            with zipfile.ZipFile(self.path) as archive:
                self.date1904 = bool(re.search(rb'date1904="(1|true)"', archive.read('xl/workbook.xml')))
        try:
            if self.sheet:
                if self.sheet not in book.sheet_names:
                    raise SyncError(f'{self.path.name} has no sheet named "{self.sheet}"; its sheets are: '
                                    f'{", ".join(book.sheet_names)}.',
                                    zh=f'{self.path.name} 中没有名为「{self.sheet}」的工作表；现有工作表：'
                                       f'{"、".join(book.sheet_names)}。')
                name = self.sheet
                self._measure(fmt, [name])
                grid = self._grid(book, name, fmt)
            else:
                names = self.candidates(book)
                if not names:
                    raise _refuse(self.path, 'has no visible worksheet with data.', '没有可见的数据工作表。')
                self._measure(fmt, names)
                grids = [(n, self._grid(book, n, fmt)) for n in names]
                best = max(grids, key=lambda g: (self.prefer(g[1]) if self.prefer else 0, -names.index(g[0])))
                name, grid = best
            self.sheet = name
            self.label = f'{self.path.name} › {name}'
            return grid
        finally:
            book.close()

    def _measure(self, fmt, names):
        """Refuse sheets NAMES reaching past the column or cell limits, before calamine builds them."""
        self.counted, self.error_sheets = 0, {}
        if fmt == 'xlsx':
            from .extent import measure_file
            measure_file(self.path, names, self.limits, self.path.name, self.error_sheets)

    def _grid(self, book, name, fmt):
        try:
            sheet = book.get_sheet_by_name(name)
            if self.max_rows and sheet.height > self.max_rows + 100:
                raise too_many_rows(self.path, sheet.height, self.max_rows)
            # The built range, padded to A1 as the rows are read (.xls sheets are measured only here).
            start = sheet.start or (0, 0)
            rows, columns = start[0] + sheet.height, start[1] + sheet.width
            self.limits.check(self.path.name, rows, columns, self.counted)
            self.counted += rows * columns
            errors = self.error_sheets.get(name)   # seen by the measuring pass
            if errors is None and fmt == 'xlsx':
                errors = _has_error_cells(self.path, book.sheet_names.index(name))
            if errors:
                return self._grid_openpyxl(name)
            return shared_rows(_padded_rows(sheet))
        except calamine.CalamineError as exc:
            raise _refuse(self.path, f'cannot be read ({exc}); it may be truncated. Save it again from Excel.',
                          f'无法读取（{exc}），文件可能不完整。请在 Excel 中重新保存。') from None

    def _grid_openpyxl(self, name):
        try:
            return self._grid_openpyxl_unchecked(name)
        except Exception as exc:   # openpyxl raises TypeError, IndexError ... on malformed parts
            raise _damaged(self.path, exc) from None

    def _grid_openpyxl_unchecked(self, name):
        import openpyxl
        book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        try:
            rows = []
            sheet = book[name]
            if (sheet.max_column or 0) > self.limits.columns or \
                    (sheet.max_row or 0) * (sheet.max_column or 0) > self.limits.cells:
                sheet.reset_dimensions()   # a declared range the cells do not fill: rows are not padded to it
            for row in sheet.iter_rows():
                rows.append([ErrorValue(c.value) if c.data_type == 'e' else c.value for c in row])
            return rows
        finally:
            book.close()

    def reread_keys(self, key_col):
        """Return {row: key} of the file as it is now: the rows read, unless the file changed since (then read again)."""
        if self.last_read and stamp(self.path) == self.last_read[0]:
            return keys_in(self.last_read[1], key_col)
        return keys_in(self.read(), key_col)

    def write(self, batch):
        if not batch:
            return
        if self.path.suffix.lower() == '.xls':
            raise SyncError(f'{self.path.name} is an old .xls file, which cannot be written; save it as .xlsx.',
                            zh=f'{self.path.name} 是旧版 .xls 文件，无法写回；请另存为 .xlsx。')
        from .xlsxpatch import patch
        self.last_read = None
        check_file(self.path)
        if patch(self.path, self.sheet, batch.cells, batch.appends, batch.note):
            return
        write_openpyxl(self.path, [(self.sheet, batch)])


def write_openpyxl(path, edits):
    """Apply EDITS [(sheet name or None for the first, WriteBatch)] with openpyxl and save PATH once, replaced by
    rename (the sheets written together or not at all)."""
    import openpyxl
    path = Path(path)
    book = openpyxl.load_workbook(path)
    for name, batch in edits:
        sheet = book[name] if name else book.worksheets[0]
        for (row, col), value in batch.cells.items():
            _set(sheet.cell(row=row, column=col), value)
        if batch.note:   # the header's note, as a comment (later runs patch its text in place)
            from openpyxl.comments import Comment
            row, col, text = batch.note
            sheet.cell(row=row, column=col).comment = Comment(text, 'LTC', width=320, height=110)
        last = sheet.max_row
        while last > 1 and all(c.value in (None, '') for c in sheet[last]):
            last -= 1
        for offset, values in enumerate(batch.appends, 1):
            for col, value in enumerate(values, 1):
                if value not in (None, ''):
                    cell = sheet.cell(row=last + offset, column=col)
                    _set(cell, value)
                    if sheet.protection.sheet:   # locked or not as the row above (the header, in an empty sheet)
                        cell.protection = copy.copy(sheet.cell(row=last, column=col).protection)
        save_workbook(book, path)


def save_workbook(book, path):
    """Save the openpyxl BOOK over PATH by rename: a temporary file beside it, then an atomic replace, so a
    reader (or a crash) never sees half a workbook. Every workbook the sync rewrites is saved this way."""
    path = Path(path)
    handle, temp = tempfile.mkstemp(suffix=path.suffix or '.xlsx', dir=path.parent)
    os.close(handle)
    try:
        book.save(temp)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _set(cell, value):
    import datetime
    cell.value = value
    if isinstance(value, datetime.date):
        cell.number_format = 'yyyy-mm-dd'
