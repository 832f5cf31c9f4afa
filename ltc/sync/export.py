"""Export an entity to .xlsx (streaming, write-only) or .csv, and templates for imports."""
import contextlib
import csv as _csv
import datetime
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from openpyxl.utils import get_column_letter

from .codecs import Choice, Context, escape, plain_text
from .errors import SyncError
from .mappings import get

CHUNK = 2000


@contextlib.contextmanager
def open_writer(path, header, title='Sheet1', styles=None, setup=None):
    """Yield write(row) streaming rows into PATH (.xlsx write-only or .csv), replaced atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ('.xlsx', '.csv'):
        raise SyncError(f'{path.name}: write to a .xlsx or .csv file.')
    handle, temp = tempfile.mkstemp(suffix=suffix, dir=path.parent if str(path.parent) else '.')
    os.close(handle)
    try:
        if suffix == '.csv':
            with open(temp, 'w', encoding='utf-8-sig', newline='') as out:
                writer = _csv.writer(out)
                writer.writerow(header)
                yield lambda row: writer.writerow(['' if v is None else _csv_text(v) for v in row])
        else:
            from openpyxl import Workbook
            from openpyxl.cell import WriteOnlyCell
            from openpyxl.styles import Font, PatternFill
            book = Workbook(write_only=True)
            sheet = book.create_sheet(title[:31])
            sheet.freeze_panes = 'A2'
            if setup:
                setup(book, sheet)
            head = []
            for text in header:
                cell = WriteOnlyCell(sheet, text)
                cell.font = Font(bold=True)
                cell.fill = PatternFill('solid', start_color='DDEBF7')
                head.append(cell)
            sheet.append(head)
            if styles:
                templates = [_template(sheet, s) if s else None for s in styles]

                def write(row):
                    out = []
                    for value, template in zip(row, templates):
                        if template is None:
                            out.append(value)
                        else:
                            cell = WriteOnlyCell(sheet, value)
                            cell._style = template._style
                            out.append(cell)
                    out.extend(row[len(templates):])
                    sheet.append(out)
                yield write
            else:
                yield sheet.append
            book.save(temp)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _template(sheet, style):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Protection
    cell = WriteOnlyCell(sheet, None)
    if style.get('format'):
        cell.number_format = style['format']
    cell.protection = Protection(locked=style.get('locked', False))
    return cell


def _csv_text(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return plain_text(value)


def _validations(mapping, columns, lang, protect_key):
    """Return a setup(book, sheet) adding dropdowns (lists on a hidden sheet) and key protection."""
    from openpyxl.worksheet.datavalidation import DataValidation

    def setup(book, sheet):
        lists = [(i, c) for i, c in enumerate(columns) if isinstance(c.codec, Choice)]
        for i, column in enumerate(columns):
            sheet.column_dimensions[get_column_letter(i + 1)].width = column.width
        if lists:
            hidden = book.create_sheet('_lists')
            hidden.sheet_state = 'hidden'
            labels = [column.codec.labels(lang) for _, column in lists]
            for r in range(max(len(x) for x in labels)):
                hidden.append([x[r] if r < len(x) else None for x in labels])
            for n, (i, column) in enumerate(lists):
                ref = f"_lists!${get_column_letter(n + 1)}$1:${get_column_letter(n + 1)}${len(labels[n])}"
                rule = DataValidation(type='list', formula1=ref, allow_blank=True, showErrorMessage=True,
                                      errorTitle=column.header(lang),
                                      error='请从下拉列表选择' if lang.startswith('zh') else 'Pick a value from the list')
                letter = get_column_letter(i + 1)
                rule.add(f'{letter}2:{letter}1048576')
                sheet.data_validations.append(rule)
        if protect_key:
            sheet.protection.sheet = True
            sheet.protection.formatRows = sheet.protection.formatColumns = False
            sheet.protection.insertRows = sheet.protection.deleteRows = False
            sheet.protection.sort = sheet.protection.autoFilter = False
    return setup


def export_entity(entity, path, template=False, lang='zh', progress=None, query=None):
    """Write every record of ENTITY (or none, for a template) to PATH; return the row count.

    :param entity: mapping name, e.g. 'leads'
    :param path: .xlsx or .csv file to create (replaced atomically)
    :param template: headers, dropdowns and formats only
    :param lang: 'zh' or 'en' for headers and choice labels
    :param progress: callable(done, total) called every chunk
    :param query: optional model query restricting the records (e.g. a user's scope)
    """
    mapping = get(entity)
    model = mapping.model
    columns = mapping.columns
    ctx = Context(lang=lang)
    header = [c.header(lang) for c in columns]
    styles = [{'format': c.codec.number_format, 'locked': i == 0 and not template} for i, c in enumerate(columns)]
    setup = _validations(mapping, columns, lang, protect_key=not template)
    query = query if query is not None else model.select()
    total = 0 if template else query.count()
    done = 0
    with open_writer(path, header, title=mapping.title(lang), styles=styles, setup=setup) as write:
        if not template:
            fields = [getattr(model, c.attr) for c in columns]
            rows = query.select(*fields).order_by(model.id).tuples()
            for start in range(0, total, CHUNK):
                # Keyset-free paging is fine here: one transaction, ordered by id.
                for row in rows.limit(CHUNK).offset(start):
                    write([escape(c.codec.render(v, ctx)) for c, v in zip(columns, row)])
                done = min(total, start + CHUNK)
                if progress:
                    progress(done, total)
    return done
