"""CSV and XLSX exports of list views: scoped, filtered, capped, formula-safe.

A list whose records are exchanged in sheets (leads, customers, contracts ...) exports the
import's columns through the import's codecs, headers and labels in the reader's language: the
file imports back as it is (owner by login, stages and choices by label), a no-op when unedited.
"""
import csv
import datetime
import decimal
import io

from flask import Response
from openpyxl import Workbook

from ..sync.mapping.codecs import Context, Reference, escape
from ..sync.mapping.entities import for_model
from .formatters import export_value
from .i18n import lang
from .listing import preload


def _cell(value):
    if value is None:
        return ''
    if isinstance(value, (bool, int, decimal.Decimal, datetime.date)):
        return value
    return escape(str(value))   # control characters out, then formula-like text escaped


def rows_of(view, rows):
    """Yield the header, then one list of cell values per record."""
    mapping = for_model(view.model)
    if mapping is not None:
        yield from _mapped_rows(view, mapping, rows)
        return
    columns = view.get_export_columns()
    yield [str(title) for _name, title in columns]
    for row in rows:
        yield [_cell(export_value(row, name)) for name, _title in columns]


def _mapped_rows(view, mapping, rows):
    """Yield the rows of an exchanged entity as `ltc export` writes them, in the reader's language."""
    language = lang()
    ctx = Context(lang=language)
    rows = list(rows)
    preload(view.model, rows)
    yield [c.header(language) for c in mapping.columns]
    for row in rows:
        cells = []
        for column in mapping.columns:
            if column.custom_key:
                value = column.codec.render(row.custom, ctx)
            elif isinstance(column.codec, Reference):
                value = column.codec.show(getattr(row, column.attr), language)
            else:
                value = column.codec.render(getattr(row, column.attr), ctx)
            cells.append(_cell(value))
        yield cells


def _filename(view, ext):
    stamp = datetime.datetime.now().strftime('%Y%m%d_%H%M%S')
    return f'{view.model.__name__.lower()}_{stamp}.{ext}'


def csv_response(view, rows):
    buffer = io.StringIO()
    buffer.write('\ufeff')   # BOM: Excel opens UTF-8 Chinese text correctly
    writer = csv.writer(buffer)
    for values in rows_of(view, rows):
        writer.writerow(['' if v is None else v for v in values])
    return Response(buffer.getvalue().encode('utf-8'), mimetype='text/csv',
                    headers={'Content-Disposition': f'attachment; filename={_filename(view, "csv")}'})


def xlsx_response(view, rows):
    book = Workbook(write_only=True)
    sheet = book.create_sheet(view.model.__name__)
    for values in rows_of(view, rows):
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(),
                    mimetype='application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                    headers={'Content-Disposition': f'attachment; filename={_filename(view, "xlsx")}'})
