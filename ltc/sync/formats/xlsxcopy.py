"""Blank copies of a worksheet for team fan-out: the header rows, column widths and styles, dropdowns,
frozen panes and protection of a template sheet, without its data rows; as a new tab of the same
workbook or as a new workbook. Files are replaced by rename, as every write of the sync does."""
from copy import copy
from pathlib import Path

from .xlsx import INSTRUCTION_SHEETS, save_workbook

MAX_TITLE = 31   # Excel's limit on a worksheet name
FORBIDDEN = str.maketrans({c: '_' for c in '[]:*?/\\'})


def sheet_title(base, suffix):
    """Return a worksheet name BASE·SUFFIX that Excel accepts (31 characters, no []:*?/\\)."""
    suffix = f'·{suffix}'.translate(FORBIDDEN)
    return (base.translate(FORBIDDEN)[:max(MAX_TITLE - len(suffix), 1)] + suffix)[:MAX_TITLE]


def first_data_sheet(path):
    """Return the name of the worksheet a target without a sheet name reads (the first data sheet)."""
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        names = [s.title for s in book.worksheets if s.sheet_state == 'visible']
    finally:
        book.close()
    data = [n for n in names if not INSTRUCTION_SHEETS.search(n)]
    return (data or names)[0]


def _copy_header(source, target, header_rows):
    for row in source.iter_rows(min_row=1, max_row=header_rows):
        for cell in row:
            new = target.cell(row=cell.row, column=cell.column, value=cell.value)
            if cell.has_style:
                new._style = copy(cell._style)
            if cell.comment is not None:
                from openpyxl.comments import Comment
                new.comment = Comment(cell.comment.text, cell.comment.author)
    for key, dimension in source.column_dimensions.items():
        target.column_dimensions[key] = copy(dimension)
        target.column_dimensions[key].worksheet = target
    for rule in source.data_validations.dataValidation:
        target.data_validations.append(copy(rule))
    target.freeze_panes = source.freeze_panes
    target.protection = copy(source.protection)


def add_blank_sheet(path, source, title, header_rows=1):
    """Add worksheet TITLE to the workbook PATH as a blank copy of its worksheet SOURCE; keep an existing one.

    Returns whether the copy is a protected sheet (the template's locked columns came with it).
    """
    import openpyxl
    book = openpyxl.load_workbook(path)
    if title in book.sheetnames:
        return bool(book[title].protection.sheet)
    _copy_header(book[source], book.create_sheet(title), header_rows)
    save_workbook(book, path)
    return bool(book[source].protection.sheet)


def blank_copy(path, source, new_path, header_rows=1):
    """Write NEW_PATH as the workbook PATH holding only a blank copy of worksheet SOURCE (and the hidden or
    instruction sheets its dropdowns and readers use); keep NEW_PATH when it exists. Returns whether the copy is
    a protected sheet (the template's locked columns came with it)."""
    import openpyxl
    if Path(new_path).exists():
        return False
    book = openpyxl.load_workbook(path)
    for sheet in list(book.worksheets):
        if sheet.title != source and sheet.sheet_state == 'visible' and not INSTRUCTION_SHEETS.search(sheet.title):
            book.remove(sheet)
    sheet = book[source]
    if sheet.max_row > header_rows:
        sheet.delete_rows(header_rows + 1, sheet.max_row - header_rows)
    save_workbook(book, new_path)
    return bool(sheet.protection.sheet)
