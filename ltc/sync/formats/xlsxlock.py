"""Locked cells in Excel targets, like the warning-only protected ranges on Google Sheets: the columns set by
the rules (a lead's grade and score, a plan's status and paid amount, a quote's totals …) and the code column
are locked and the sheet is protected without a password, so Excel refuses an edit there unless the user
unprotects the sheet on purpose (Review › Unprotect Sheet); every other column stays editable, also in the
rows below the data. An edit that gets through anyway is put back by the next run, with a note in the
status column (`twoway.DERIVED_IGNORED`)."""
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter


# Locking rewrites the workbook with openpyxl (about a second per 1,000 rows): a target added from a bigger
# file is locked on request (`flask ltc sync lock NAME`), not while the form or command waits.
LOCK_AT_ADD = 5_000


def lock_derived(path, sheet_name, mapping, max_rows=None):
    """Lock MAPPING's key and rules-set columns of worksheet SHEET_NAME of the .xlsx PATH and protect the sheet
    (no password); unlock the other columns. Return the headers of the locked columns, in sheet order, or None
    when the sheet holds more than MAX_ROWS rows (left as it is)."""
    import openpyxl

    from .reader import read_sheet
    from .xlsx import XlsxTable, save_workbook
    table = XlsxTable(str(path), sheet=sheet_name)
    found = read_sheet(table, mapping)
    if max_rows is not None and len(found.rows) > max_rows:
        return None
    book = openpyxl.load_workbook(path)
    sheet = book[table.sheet]
    locked = {p + 1 for p, c in found.columns.items() if c.readonly or c is mapping.key}
    width = max(sheet.max_column, len(found.headers))
    for col in range(1, width + 1):
        protection = Protection(locked=col in locked)
        dimension = sheet.column_dimensions[get_column_letter(col)]
        dimension.protection = protection   # cells not written yet, e.g. rows typed below the data
        # The header row too: rows the sync appends under an empty sheet take the header's styles.
        for row in sheet.iter_rows(min_row=found.header_row, min_col=col, max_col=col):
            row[0].protection = protection
    protection = sheet.protection
    protection.sheet = True
    # Sorting, filtering, formatting, inserting and deleting rows stay allowed, as on a Google warning range.
    protection.formatCells = protection.formatRows = protection.formatColumns = False
    protection.insertRows = protection.deleteRows = False
    protection.sort = protection.autoFilter = False
    save_workbook(book, path)
    return [found.headers[c - 1] for c in sorted(locked) if c - 1 < len(found.headers)]
