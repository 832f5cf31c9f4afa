"""Helpers for sync tests: write small workbooks and read them back."""
from pathlib import Path

import openpyxl

DATA = Path(__file__).resolve().parent.parent / 'data'
REALDATA = Path(__file__).resolve().parents[2].parent / 'shared' / 'realdata'


def write_xlsx(path, rows, title='Sheet1'):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith('='):
                cell.data_type = 's'   # text that looks like a formula, as a user typed it with '
    book.save(path)
    return path


def read_xlsx(path, sheet=None):
    book = openpyxl.load_workbook(path)
    ws = book[sheet] if sheet else book.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]
