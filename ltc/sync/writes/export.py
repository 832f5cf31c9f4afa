"""Export an entity to .xlsx (streaming, write-only) or .csv, and templates for imports."""
import contextlib
import csv as _csv
import datetime
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from openpyxl.utils import get_column_letter

from ...db import one_pass_cache
from ..errors import SyncError
from ..mapping.codecs import Choice, Context, escape, plain_text
from ..mapping.entities import MAPPINGS, get

CHUNK = 2000
SALES_SIDE = ('admin', 'ops', 'manager', 'sales')
EVERY_ROLE = SALES_SIDE + ('finance',)
# Who may export each entity: the roles whose admin screens read it. Finance reads contracts,
# receivables, the customers that have a contract and the contacts that sign them (the row
# scope narrows each export further to the reader's own rows).
EXPORT_ROLES = {
    'leads': SALES_SIDE,
    'customers': EVERY_ROLE,
    'contacts': EVERY_ROLE,
    'followups': SALES_SIDE,
    'opportunities': SALES_SIDE,
    'quotes': SALES_SIDE,
    'products': SALES_SIDE,
    'contracts': EVERY_ROLE,
    'payment_plans': EVERY_ROLE,
    'payments': EVERY_ROLE,
    'invoices': EVERY_ROLE,
}
assert set(EXPORT_ROLES) == set(MAPPINGS), 'every entity needs its export roles'


def may_export(entity, user):
    """Return True when USER's role may export ENTITY (plural or singular name)."""
    from ...services.scope import role_of
    name = get(entity).entity
    return user is not None and user.active and role_of(user) in EXPORT_ROLES[name]


def exportable(user):
    """Return the entity names USER may export, in Lead-to-Cash order."""
    return [name for name in MAPPINGS if may_export(name, user)]


def scoped_query(entity, user):
    """Return the query of ENTITY's rows USER may export; refused when the role may not read ENTITY.

    The refusal reads the same whatever the table holds.
    """
    from ...models.choices import ROLES
    from ...services.messages import refusal
    from ...services.scope import condition, role_of
    mapping = get(entity)
    if not may_export(mapping.entity, user):
        role = role_of(user) or '-'
        raise refusal('Rule {rule}: the role {role} may not export {entity}; ask a user whose role reads them.',
                      '规则 {rule}：角色「{role_zh}」不能导出{entity_zh}；请让有权查看的用户导出。', rule='export-role',
                      role=role, role_zh=ROLES.label(role, 'zh') or role,
                      entity=mapping.title('en').lower(), entity_zh=mapping.title('zh'))
    query, cond = mapping.model.select(), condition(mapping.model, user)
    return query if getattr(cond, 'value', None) is True else query.where(cond)   # all rows: no WHERE


READONLY_NOTE = {'en': 'Set by the rules: shown for reference; edits in this column are not imported.',
                 'zh': '由业务规则计算：仅供参考；此列的修改不会被导入。'}


@contextlib.contextmanager
def open_writer(path, header, title='Sheet1', styles=None, setup=None, finish=None, notes=None):
    """Yield write(row) streaming rows into PATH (.xlsx write-only or .csv), replaced atomically.

    FINISH(temp_path) runs on the written file before it replaces PATH. NOTES: {column index:
    text} shown as the header cell's comment, the header greyed (columns set by the rules).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ('.xlsx', '.csv'):
        raise SyncError(f'{path.name}: write to a .xlsx or .csv file.',
                        zh=f'{path.name}：请写入 .xlsx 或 .csv 文件。')
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
            from openpyxl.comments import Comment
            head = []
            for index, text in enumerate(header):
                cell = WriteOnlyCell(sheet, text)
                cell.font = Font(bold=True)
                cell.fill = PatternFill('solid', start_color='D9D9D9' if index in (notes or {}) else 'DDEBF7')
                if index in (notes or {}):
                    cell.comment = Comment(notes[index], 'LTC')
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
        if finish:
            finish(temp)
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
    from openpyxl.styles import Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    def setup(book, sheet):
        lists = [(i, c) for i, c in enumerate(columns) if isinstance(c.codec, Choice)]
        for i, column in enumerate(columns):
            dimension = sheet.column_dimensions[get_column_letter(i + 1)]
            dimension.width = column.width
            # Whole columns unlocked (the key column stays locked), so rows typed below the data stay editable.
            dimension.protection = Protection(locked=bool(protect_key and i == 0))
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


# Each record is read once: the app's 64 MB SQLite page cache only added to the export's memory (a 100,000-lead
# export: 192 -> 132 MB at its peak, 3.9 -> 4.0 s).
@one_pass_cache()
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
    fields = [c.field(model) for c in columns]
    counter = [0]

    def records():
        last = 0
        while True:
            # Keyset paging: each chunk is an indexed range, so late chunks cost what early ones do.
            chunk = list(query.select(model.id, *fields).where(model.id > last).order_by(model.id)
                         .limit(CHUNK).tuples())
            if not chunk:
                return
            for row in chunk:
                yield [escape(c.codec.render(v, ctx)) for c, v in zip(columns, row[1:])]
            last = chunk[-1][0]
            counter[0] += len(chunk)
            if progress:
                progress(min(counter[0], total), total)

    xlsx = Path(path).suffix.lower() == '.xlsx'
    finish = None
    if xlsx and not template:
        from ..formats.sheetxml import stream_rows
        finish = lambda temp: stream_rows(temp, 1, records(), len(columns), total)  # noqa: E731
    notes = {i: READONLY_NOTE['zh' if lang.startswith('zh') else 'en'] for i, c in enumerate(columns) if c.readonly}
    with open_writer(path, header, title=mapping.title(lang), styles=styles, setup=setup,
                     finish=finish, notes=notes) as write:
        if xlsx and not template:
            write([0] * len(columns))   # marker row: carries each column's style into the XML
        elif not template:
            for row in records():
                write(row)
    return counter[0]
