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


def lead_target(tmp_path, count, phones=True):
    """Return a sync target 'team' over an export of COUNT new leads (not synced yet)."""
    from ltc.sync.engine.targets import add_target
    from ltc.sync.writes.export import export_entity
    from tests.factories import make_lead
    for i in range(count):
        make_lead(company=f'公司{i}', **({'phone': f'1380000000{i}'} if phones else {}))
    path = tmp_path / 'leads.xlsx'
    export_entity('leads', path)
    return add_target('team', 'leads', path)


def edit_sheet(target, fn, title='线索'):
    """Open the target's workbook, call FN(worksheet TITLE), save it."""
    path = target.options['path']
    book = openpyxl.load_workbook(path)
    fn(book[title])
    book.save(path)


def kill_before_sheet_write(target, monkeypatch):
    """Run a sync of TARGET that dies (KeyboardInterrupt) after the database write, before the sheet write."""
    import pytest
    from ltc.sync.engine import twoway as engine

    def killed(*args, **kwargs):
        raise KeyboardInterrupt('killed')
    monkeypatch.setattr(engine, 'write_sheet', killed)
    with pytest.raises(KeyboardInterrupt):
        engine.run_sync(target)
    monkeypatch.undo()
