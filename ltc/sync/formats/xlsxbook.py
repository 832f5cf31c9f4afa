"""An .xlsx file of several synced tabs (a workbook target): read once, written in one atomic save.

The file is opened and checked once per run and every tab's worksheet read from that one opening; before the
write the file is read again only if its content changed since (its size and SHA-256), and every tab's cells,
code write-backs, status, new rows and header notes are written in one rewrite of the file, replaced by rename:
a kill leaves the old file or the new one with every tab written, never some tabs. `add_tabs` makes the file
(or the sheets it lacks) with each tab's header, dropdowns, note and locked columns.
"""
from pathlib import Path

from ..errors import SyncError
from .xlsx import DAMAGED, XlsxTable, _damaged, check_file, keys_in, save_workbook, stamp, write_openpyxl

LISTS = '_lists'   # the hidden sheet holding the dropdowns' choices, as exports have it


class XlsxBook:
    """The tabs (worksheet names) of one .xlsx file, read together and saved together."""

    def __init__(self, path, titles, max_rows=None):
        self.path, self.titles, self.max_rows = Path(path), list(titles), max_rows
        self.grids, self.now, self.stamp, self.date1904 = None, None, None, False
        self.keys, self.batches = {}, {}
        self.counted = {'reads': 0, 'writes': 0}

    def tab(self, title):
        return XlsxTab(self, title)

    def read(self):
        """Read every tab from one opening of the file; return {title: rows}."""
        before = stamp(self.path)
        try:
            grids = self._read()
        except DAMAGED as exc:
            raise _damaged(self.path, exc) from None
        self.grids, self.now, self.stamp, self.batches = grids, None, before, {}
        self.counted['reads'] += 1
        return grids

    def _read(self):
        import re
        import zipfile
        table = XlsxTable(self.path, max_rows=self.max_rows)
        fmt, book = table._open()
        try:
            if fmt != 'xlsx':
                raise SyncError(f'{self.path.name} is an old .xls file, which cannot be written; save it as .xlsx.',
                                zh=f'{self.path.name} 是旧版 .xls 文件，无法写回；请另存为 .xlsx。')
            with zipfile.ZipFile(self.path) as archive:
                self.date1904 = bool(re.search(rb'date1904="(1|true)"', archive.read('xl/workbook.xml')))
            missing = [t for t in self.titles if t not in book.sheet_names]
            if missing:
                raise SyncError(f'{self.path.name} has no sheet named "{missing[0]}" (a tab of the workbook was renamed '
                                f'or deleted); its sheets are: {", ".join(book.sheet_names)}. Restore the name.',
                                zh=f'{self.path.name} 中没有名为「{missing[0]}」的工作表（工作簿的某个工作表被改名或删除）；'
                                   f'现有工作表：{"、".join(book.sheet_names)}。请恢复其名称。')
            table._measure(fmt, self.titles)
            return {title: table._grid(book, title, fmt) for title in self.titles}
        finally:
            book.close()

    def recheck(self):
        """Return {title: rows} as the file is now: the rows read, unless the file changed since (then read again)."""
        if self.now is None:
            if stamp(self.path) == self.stamp:
                self.now = self.grids
            else:
                read, grids = self.grids, self._read()
                self.counted['reads'] += 1
                self.grids, self.now = read, grids
        return self.now

    def flush(self):
        """Write every queued tab's batch in one rewrite of the file (patched in place, else through openpyxl)."""
        from .xlsxpatch import patch_many
        queued = [(t, self.batches[t]) for t in self.titles if self.batches.get(t)]
        self.batches = {}
        if not queued:
            return 0
        check_file(self.path)
        if not patch_many(self.path, [(t, b.cells, b.appends, b.note) for t, b in queued]):
            write_openpyxl(self.path, queued)
        self.counted['writes'] += 1
        return 1


class XlsxTab:
    """One tab of an XlsxBook as the engine's `Table`."""
    kind = 'xlsx'

    def __init__(self, book, title):
        self.book, self.sheet = book, title
        self.label = f'{book.path.name} › {title}'

    @property
    def date1904(self):
        return self.book.date1904

    def read(self):
        if self.book.grids is None:
            self.book.read()
        return self.book.grids[self.sheet]

    def reread_keys(self, key_col):
        return keys_in(self.book.recheck()[self.sheet], key_col)

    def write(self, batch):
        if batch:
            self.book.batches[self.sheet] = batch


def add_tabs(path, specs):
    """Make the .xlsx PATH (or add the sheets it lacks) for SPECS [(title, mapping, lang, note)]: each a header with
    the status column, dropdowns, a frozen header row, the header note as a comment, and the code and rules-set
    columns locked (sheet protection without a password). Return the titles made; existing sheets are kept."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..mapping.codecs import Choice
    from ..mapping.entities import STATUS_TITLE
    path = Path(path)
    if path.exists():
        check_file(path)
        book = openpyxl.load_workbook(path)
    else:
        book = openpyxl.Workbook()
        book.remove(book.active)
    made = []
    lists = book[LISTS] if LISTS in book.sheetnames else None
    for title, mapping, lang, note in specs:
        if title in book.sheetnames:
            continue
        sheet = book.create_sheet(title[:31])
        columns = mapping.columns
        header = [c.header(lang) for c in columns] + [STATUS_TITLE['zh' if lang.startswith('zh') else 'en']]
        for index, text in enumerate(header, 1):
            cell = sheet.cell(row=1, column=index, value=text)
            cell.font = Font(bold=True)
            readonly = index <= len(columns) and columns[index - 1].readonly
            cell.fill = PatternFill('solid', start_color='D9D9D9' if readonly else 'DDEBF7')
            locked = index == 1 or readonly
            cell.protection = Protection(locked=locked)
            dimension = sheet.column_dimensions[get_column_letter(index)]
            dimension.width = columns[index - 1].width if index <= len(columns) else 40
            dimension.protection = Protection(locked=locked)   # rows typed below the data
        if note:
            sheet.cell(row=1, column=1).comment = Comment(note, 'LTC', width=320, height=110)
        sheet.freeze_panes = 'A2'
        for index, column in enumerate(columns, 1):
            if not isinstance(column.codec, Choice) or column.readonly:
                continue
            if lists is None:
                lists = book.create_sheet(LISTS)
                lists.sheet_state = 'hidden'
            at = lists.max_column + 1 if lists.max_row > 1 or lists.cell(1, 1).value is not None else 1
            labels = column.codec.labels(lang)
            for r, label in enumerate(labels, 1):
                lists.cell(row=r, column=at, value=label)
            letter = get_column_letter(at)
            rule = DataValidation(type='list', formula1=f'{LISTS}!${letter}$1:${letter}${len(labels)}',
                                  allow_blank=True, showErrorMessage=False)
            target = get_column_letter(index)
            rule.add(f'{target}2:{target}1048576')
            sheet.data_validations.append(rule)
        protection = sheet.protection
        protection.sheet = True
        # Sorting, filtering, formatting, inserting and deleting rows stay allowed, as on a Google warning range.
        protection.formatCells = protection.formatRows = protection.formatColumns = False
        protection.insertRows = protection.deleteRows = False
        protection.sort = protection.autoFilter = False
        made.append(sheet.title)
    if not made:
        return made
    if lists is not None:   # the hidden list sheet last, so the tabs come first
        book.move_sheet(lists, offset=len(book.sheetnames) - 1 - book.sheetnames.index(LISTS))
    save_workbook(book, path)
    return made
