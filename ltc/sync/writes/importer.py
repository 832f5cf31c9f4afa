"""Import a sheet into one entity: `plan_import` says what each row will do, `apply_import` does it.

Preview and apply are the same code: the admin screen and `--dry-run` show `plan_import`'s
rows; applying runs exactly those rows (stale ones become conflicts through the record
version captured in the plan).
"""
import contextlib
import gc
import json

from peewee import DateField, DateTimeField, DecimalField, IntegrityError

from ...db import database, one_pass_cache, reserve_codes, select_in, utcnow
from ...errors import ConflictError, LTCError
from ...models.sync import SyncRun
from ...services import audit
from ...services import gate
from ...services.messages import text as message_text
from ..errors import CellError, SyncError, UnknownReference, UnknownValue
from ..formats.reader import missing_columns_error, read_sheet, settle
from ..mapping import hooks
from ..mapping.codecs import Context, Reference, plain_text
from ..mapping.entities import CUSTOM, expand, fold, get
from . import closing, requests
from .bulk import insert_rows
from .results import Result, RowResult
from .updates import write_updates

BATCH = 500
MATCH_ROWS = 1000   # rows matched against stored records at a time (plan_import): their records, read whole, are
#                    dropped before the next rows (5,000 at a time held 16 MB more; the queries are the same)


class Plan:
    """The rows of a sheet with what each will do; the input of `apply_import`."""

    def __init__(self, mapping, sheet, ctx, on_existing):
        self.mapping, self.sheet, self.ctx, self.on_existing = mapping, sheet, ctx, on_existing
        self.actor = None
        self.result = Result(mapping.entity, source=sheet.label, headers=sheet.headers)

    @property
    def rows(self):
        return self.result.rows


def parse_row(mapping, sheet, number, cells, ctx, defer_refs=False, lenient=False):
    """Return a RowResult with cleaned values, or with every bad cell as an error.

    DEFER_REFS: a reference to a record of the same entity that does not exist yet is kept
    in `refs` instead of failing the row: the import looks for it among its own new rows
    (a group customer and its members in one sheet) before reporting it.
    LENIENT: an unknown value in an optional choice column leaves the field empty and is
    noted on the row (and counted in `sheet.unknown_values`) instead of failing it.
    """
    values, width = {}, len(cells)
    result = RowResult(row=number, cells=cells, values=values)
    for position, clean, column, role, attr, required, blank in _parse_plan(mapping, sheet):
        cell = cells[position] if position < width else None
        try:
            value = clean(cell, ctx)
        except CellError as exc:
            exc.row, exc.column = number, sheet.headers[position] or column.header(ctx.lang)
            if defer_refs and isinstance(exc, UnknownReference) and exc.codec.model is mapping.model:
                result.refs[attr] = (exc, None)
                values[attr] = None
                continue
            if lenient and not required and isinstance(exc, UnknownValue):
                values[attr] = _default(mapping.model, attr)
                result.notes.append((f'column "{exc.column}": "{exc.value}" is not an allowed value; left empty',
                                     f'「{exc.column}」列：“{exc.value}”不在可选值中；已留空'))
                key = (position, exc.value)
                sheet.unknown_values[key] = sheet.unknown_values.get(key, 0) + 1
                continue
            result.fail(exc)
            continue
        if role is KEY:
            result.code = value
        elif role is VALUE:
            if value is None:
                value = blank() if callable(blank) else blank
            if required and value in (None, ''):
                result.fail(CellError(f'is required; fill it in', '为必填项；请填写', None, number,
                                      sheet.headers[position]))
            values[attr] = value
    if sheet.combined:
        _parse_together(mapping, sheet, result, cells, ctx)
    return result


def _parse_together(mapping, sheet, result, cells, ctx):
    """Read ROW's columns read together (First Name + Last Name, 区域): each group's texts through its fields' codecs."""
    for group in sheet.combined:
        pairs, dropped = group.texts(cells, plain_text)
        if dropped:   # a district after the city: said once for the file (Sheet.notes)
            sheet.dropped.setdefault(group.positions[0], [0, ' '.join(dropped)])[0] += 1
        for column, text in pairs:
            try:
                value = column.codec.clean(text, ctx)
            except CellError as exc:
                exc.row, exc.column = result.row, group.header
                result.fail(exc)
                continue
            if value is None:
                value = _default(mapping.model, column.attr)
            if column.required and value in (None, ''):
                result.fail(CellError('is required; fill it in', '为必填项；请填写', None, result.row, group.header))
            result.values[column.attr] = value


KEY, VALUE, READONLY = 'key', 'value', 'readonly'


def _parse_plan(mapping, sheet):
    """Return, once per sheet, what parse_row does per column (imports parse millions of cells)."""
    if sheet.parse_steps is None or sheet.parse_steps[0] is not mapping:
        steps = [(position, sheet.cleaner(position, column), column,
                  KEY if column is mapping.key else READONLY if column.readonly else VALUE,
                  column.attr, column.required, _blank(mapping.model, column.attr))
                 for position, column in sheet.columns.items()]
        sheet.parse_steps = (mapping, steps)
    return sheet.parse_steps[1]


def _default(model, attr):
    """Return what a blank cell means for a field: its default when it may not be null."""
    blank = _blank(model, attr)
    return blank() if callable(blank) else blank


def _blank(model, attr):
    """Return the field's default as peewee keeps it (a value, or a function making one) when it may not be
    null; None otherwise (a custom field, `custom:<key>`, too)."""
    field = model._meta.fields.get(attr)
    if field is None or field.null:
        return None
    return field.default


def canon(mapping, attr, value, ctx):
    return mapping.by_attr[attr].codec.canon(value, ctx)


def natural_key(mapping, values, ctx):
    if not mapping.natural_key:
        return None
    parts = [canon(mapping, a, values.get(a), ctx).lower() if a in values else None for a in mapping.natural_key]
    if all(p in (None, '') for p in parts):
        return None
    return '\x1f'.join(p or '' for p in parts)


def load_existing(mapping, rows, ctx):
    """Return ({code: record dict}, {natural key: [record dicts]}) for the rows of a plan."""
    model = mapping.model
    codes = sorted({r.code for r in rows if r.code})
    by_code, by_natural = {}, {}
    for start in range(0, len(codes), BATCH):
        for record in select_in(model, model.code, codes[start:start + BATCH]):
            by_code[record['code']] = expand(record)
    first = mapping.natural_key[0] if mapping.natural_key else None
    wanted = sorted({r.values.get(first) for r in rows if not r.code and first and r.values.get(first) is not None},
                    key=str)
    field = getattr(model, first) if first else None
    for start in range(0, len(wanted), BATCH):
        for record in select_in(model, field, wanted[start:start + BATCH]):
            expand(record)
            key = natural_key(mapping, {a: record.get(a) for a in mapping.natural_key}, ctx)
            by_natural.setdefault(key, []).append(record)
    return by_code, by_natural


# The app's 64 MB SQLite page cache filled as an import's rows were written or matched and sat on top of the
# plan's rows; a 100,000-row import, into an empty database or one holding 100,000 leads, took as long with
# 2 to 16 MB.
@one_pass_cache()
def plan_import(entity, table, *, on_existing='update', lang='zh', date_order=None, progress=None,
                columns=None, actor=None, values=None, decisions=False, relabel=None):
    """Read TABLE and return the Plan of what importing it into ENTITY would do; writes nothing.

    :param entity: mapping name ('leads', 'customers', ...)
    :param table: a `tables.Table` (xlsx, csv or any backend)
    :param on_existing: 'update' rows whose code exists, or 'skip' them
    :param lang: language of messages and rendered values ('zh' or 'en')
    :param date_order: 'dmy' or 'mdy' for dates like 5-1-2026; None: inferred per column from
        its values (a value like 13/2/2024 or 2/13/2024 proves the order), else day first
    :param progress: callable(done, total)
    :param columns: {0-based position or header text: attr or None} overriding the automatic
        header matching (the import screen's adjusted mapping, `--map`); `plan.sheet.matches`
        shows the matching used
    :param actor: who imports (a User or gate.Actor; default: the running operation's actor);
        their role, scope and the business rules decide each row (`requests.review`)
    :param values: {column header or field: {cell text: choice code}} (`--map-value`)
    :param decisions: also note on each new row what the apply will decide beyond its cells (a
        lead's grade, duplicate link and owner); the dry run shows it
    :param relabel: callable(label) -> the file's name as the user knows it (an upload's own name);
        the plan, the run and the reasons a closed row gets (`closing.py`) name the file so
    """
    if on_existing not in ('update', 'skip'):
        raise SyncError(f'--on-existing must be update or skip, not {on_existing!r}.',
                        zh=f'--on-existing 只能是 update 或 skip，不能是 {on_existing!r}。')
    mapping = get(entity)
    sheet = read_sheet(table, mapping, columns, combine=True)
    if relabel is not None:
        sheet.label = relabel(sheet.label)
    settle(sheet, mapping, date_order, values)
    act = gate.as_actor(actor)
    ctx = Context(lang=lang, date_order=date_order or 'dmy', date1904=getattr(table, 'date1904', False), actor=act,
                  source=sheet.label)
    plan = Plan(mapping, sheet, ctx, on_existing)
    seen_codes, seen_natural = {}, {}
    total = len(sheet.rows)
    complete = hooks.completer(mapping.model)
    for done, (number, cells) in enumerate(sheet.rows, 1):
        row = parse_row(mapping, sheet, number, cells, ctx, defer_refs=True, lenient=True)
        if complete is not None and row.outcome != 'error':
            complete(row, ctx)
        plan.rows.append(row)
        if row.code:
            if row.code in seen_codes:
                row.fail(CellError(f'code {row.code} is also on row {seen_codes[row.code]}; keep one of the rows',
                                   f'编码 {row.code} 与第 {seen_codes[row.code]} 行重复；请只保留一行',
                                   row.code, number, sheet.headers[sheet.key_pos]))
            seen_codes.setdefault(row.code, number)
        elif row.outcome != 'error':
            key = natural_key(mapping, row.values, ctx)
            row.fingerprint = key   # reused when matching existing records
            if key and key in seen_natural:
                row.fail(CellError(f'repeats row {seen_natural[key]}; delete the duplicate',
                                   f'与第 {seen_natural[key]} 行重复；请删除重复行', None, number))
            elif key:
                seen_natural[key] = number
        if progress and done % 5000 == 0:
            progress(done, total * 2)
    for start in range(0, len(plan.rows), MATCH_ROWS):
        match_existing(mapping, sheet, plan.rows[start:start + MATCH_ROWS], act, ctx, on_existing)
    resolve_in_file_refs(mapping, plan.rows)
    plan.actor = act
    requests.review(plan.actor, mapping, plan.rows, ctx)
    if decisions:
        note_decisions(plan)
    plan.result.notes, plan.result.sheet = sheet.notes(), sheet
    if progress:
        progress(total, total * 2)
    return plan


def match_existing(mapping, sheet, rows, act, ctx, on_existing):
    """Find the stored record of each of ROWS (by code, else by natural key) and what the row changes in it.

    Called on MATCH_ROWS rows at a time: the records read for them are dropped before the next
    rows are matched (a re-import of 100,000 rows held every stored lead at once otherwise).
    """
    by_code, by_natural = load_existing(mapping, rows, ctx)
    keeps = [c.attr for c in mapping.columns if c.blank_keeps]
    same = hooks.unchanged(mapping.model)
    if not act.is_system and by_natural:   # a row without code never matches (nor shows) another owner's record
        mine = gate.visible(act, mapping.model, [r['id'] for found in by_natural.values() for r in found])
        by_natural = {k: [r for r in found if r['id'] in mine] for k, found in by_natural.items()}
    for row in rows:
        if row.outcome == 'error':
            continue
        record = by_code.get(row.code) if row.code else None
        if not row.code:
            matches = by_natural.get(row.fingerprint, [])
            if len(matches) == 1:
                record = matches[0]
                row.code = record['code']
        if record is None:
            row.outcome = 'created'
            if sheet.missing:   # a new record needs the columns the file lacks (the apply would refuse it)
                row.fail(missing_columns_error(sheet, row.row))
            continue
        row.record_id, row.version = record['id'], record['version']
        for attr in keeps:   # a blank reason cell keeps the reason its closing action recorded
            if attr in row.values and row.values[attr] in (None, ''):
                del row.values[attr]
        row.changes = {a: [canon(mapping, a, record.get(a), ctx), canon(mapping, a, v, ctx)]
                       for a, v in row.values.items()
                       if a not in row.refs and canon(mapping, a, record.get(a), ctx) != canon(mapping, a, v, ctx)}
        if same is not None and row.changes:
            row.changes = {a: pair for a, pair in row.changes.items() if not same(a, *pair)}
        for attr in row.refs:   # it names a row of this file: a change, whatever the field holds now
            row.changes[attr] = [canon(mapping, attr, record.get(attr), ctx), row.refs[attr][0].value]
        if not row.changes:
            row.outcome = 'unchanged'
            row.values = {}   # nothing to write: a re-import of 100,000 unchanged rows held them all
        else:
            row.outcome = 'skipped' if on_existing == 'skip' else 'updated'
    _note_readonly(mapping, sheet, rows, by_code, ctx)
    for row in rows:
        row.fingerprint = None   # matched: the natural key is no longer needed


def _note_readonly(mapping, sheet, rows, by_code, ctx):
    """Say on each row whose read-only cells (set by the rules) differ from the record that they were not imported."""
    readonly = [(p, c) for p, c in sheet.columns.items() if c.readonly]
    if not readonly:
        return
    for row in rows:
        if row.outcome == 'error':
            continue
        record = by_code.get(row.code) if row.code else None
        names = []
        for position, column in readonly:
            cell = row.cells[position] if position < len(row.cells) else None
            if cell in (None, ''):
                continue
            try:
                typed = column.codec.canon(column.codec.clean(cell, ctx), ctx)
            except CellError:
                typed = str(cell)
            if record is None or typed != column.codec.canon(record.get(column.attr), ctx):
                names.append(sheet.headers[position] or column.header(ctx.lang))
        if names:
            shown = ', '.join(names)
            row.notes.append((f'{shown}: set by the rules, not imported', f'{shown}：由业务规则计算，未导入'))


def resolve_in_file_refs(mapping, rows):
    """Point each deferred reference of ROWS at the one new row of this file it names, or fail the row.

    Rows that name a new row of the same sheet wait until that row is written (`apply_import`
    and a sync run write them after it, see `ready_rows`); the preview already shows them as
    they will end: a name no new row carries, a name two new rows carry, a circle, or a named
    row with errors fails the row. New rows are those whose outcome is 'created'.
    """
    waiting = [r for r in rows if r.refs and r.outcome in ('created', 'updated', 'conflict', 'error')]
    if not waiting:
        return
    names = ('code',) + row_names(mapping)
    by_key = {}
    for row in rows:
        if row.outcome == 'created' or (row.outcome == 'error' and not row.record_id):
            for attr in names:
                text = row.code if attr == 'code' else row.values.get(attr)
                if text:
                    by_key.setdefault((attr, Reference.key(text)), {})[id(row)] = row
    for row in waiting:
        for attr, (exc, _target) in list(row.refs.items()):
            key = Reference.key(exc.value)
            found = {}
            for name in ('code',) + exc.codec.names:
                found.update(by_key.get((name, key), {}))
            targets = list(found.values())
            if not targets:
                row.fail(exc)
            elif row.outcome == 'error':
                continue   # the row fails for other reasons; this cell names a row of the file, so it is fine
            elif len(targets) > 1:
                rows = ', '.join(str(t.row) for t in sorted(targets, key=lambda t: t.row))
                row.fail(CellError(f'rows {rows} of this file are all named "{exc.value}"; use a code instead',
                                   f'本文件第 {rows} 行都名为“{exc.value}”；请改填编码', exc.value, row.row, exc.column))
            elif targets[0] is row:
                row.fail(CellError(f'"{exc.value}" is this row itself; a record cannot refer to itself',
                                   f'“{exc.value}”就是本行；记录不能引用自己', exc.value, row.row, exc.column))
            else:
                row.refs[attr] = (exc, targets[0])
    waiting = [r for r in waiting if r.outcome != 'error']
    for row in waiting:   # a circle (A names B, B names A) can never be written
        seen, current = set(), row
        while current is not None and current.refs and id(current) not in seen:
            seen.add(id(current))
            current = next((t for _e, t in current.refs.values() if t is not None), None)
        if current is row and row.outcome != 'error':
            row.fail(CellError('refers in a circle to rows of this file that refer back to it; break the circle',
                               '与本文件中的其他行循环引用；请断开循环', None, row.row))
    changed = True
    while changed:   # naming a row that fails makes this row fail too
        changed = False
        for row in waiting:
            if row.outcome == 'error':
                continue
            failed = next((t for _e, t in row.refs.values() if t is not None and t.outcome == 'error'), None)
            if failed is not None:
                row.fail(CellError(f'it refers to row {failed.row}, which has errors; fix that row first',
                                   f'它引用的第 {failed.row} 行有错误；请先修正该行', None, row.row))
                changed = True
    for row in waiting:
        if row.outcome != 'error':
            for exc, target in row.refs.values():
                row.notes.append((f'{exc.column} "{exc.value}" is created by row {target.row} of this file',
                                  f'{exc.column}“{exc.value}”由本文件第 {target.row} 行新建'))


def row_names(mapping):
    """Return the fields other rows may use to name a record of MAPPING (its self-reference names)."""
    names = []
    for column in mapping.columns:
        codec = column.codec
        if isinstance(codec, Reference) and codec.model is mapping.model:
            names += [n for n in codec.names if n not in names]
    return tuple(names)


def start_run(kind, entity, source, dry_run=False, target=None):
    """Create the SyncRun whose code tags the audit rows of this operation."""
    from ..runs.interrupted import close_interrupted_runs, owner_message
    close_interrupted_runs()   # runs of killed processes would otherwise stay 'running' forever
    return SyncRun.create(code=reserve_codes('RUN', 1)[0], kind=kind, entity=entity, source=str(source)[:255],
                          dry_run=dry_run, target=target, created_by=audit.current()[0],
                          message=owner_message())


def finish_run(run, result, status=None, message=''):
    run.finished_at = utcnow()
    run.status = status or ('dry_run' if run.dry_run else ('attention' if result.needs_attention else 'done'))
    run.totals = json.dumps(result.totals())
    run.results = result.to_json()
    run.message = message
    SyncRun.update(finished_at=run.finished_at, status=run.status, totals=run.totals, results=run.results,
                   message=message).where(SyncRun.id == run.id).execute()


def create_rows(mapping, rows, ctx):
    """Insert ROWS; if that breaks a unique rule, insert them one by one and fail the offenders.

    Return the rows created. Codes are reserved before the savepoint, so a rolled-back
    attempt never hands the same codes out twice.
    """
    if requests.by_command(mapping):   # payments are recorded through the receivables rules
        return requests.create_by_command(gate.actor(), mapping, rows)
    fresh = iter(reserve_codes(mapping.model.code_prefix, sum(1 for r in rows if not r.code)))
    for row in rows:
        row.code = row.code or next(fresh)
    if any('close' in r.commands for r in rows):
        return _create_closing(mapping, rows, ctx)
    return _insert(mapping, rows, ctx)


def _create_closing(mapping, rows, ctx):
    """Write ROWS (codes set) in file order: the plain ones together as `_insert` does, each row arriving closed
    alone with its closing action in one savepoint, so a refused action writes nothing of it. Return the rows
    written."""
    act, created, plain = gate.actor(), [], []
    for row in rows + [None]:
        if row is not None and 'close' not in row.commands:
            plain.append(row)
            continue
        if plain:
            created += _insert(mapping, plain, ctx)
            plain = []
        if row is None:
            break
        try:
            with database.atomic():
                if not _insert(mapping, [row], ctx):
                    continue   # its error is noted
                fetch_ids(mapping, [row])
                closing.close(act, mapping, row, ctx)
        except LTCError as exc:
            row.outcome, row.record_id = 'error', None
            row.notes.append((str(exc), message_text(exc, 'zh')))
        else:
            created.append(row)
    return created


def _insert(mapping, rows, ctx):
    """Insert ROWS (codes set) with one statement; if that breaks a unique rule, one by one, failing the offenders."""
    try:
        with database.atomic():
            write_creates(mapping, rows, ctx)
        return rows
    except IntegrityError:
        pass
    created = []
    for row in rows:
        try:
            with database.atomic():
                write_creates(mapping, [row], ctx)
            created.append(row)
        except IntegrityError as exc:
            detail = str(exc).splitlines()[0]
            row.outcome = 'error'
            if 'null' in detail.lower():   # the plan checks required fields; never say "unique" for this
                row.notes.append((f'Row {row.row}: a required value is missing ({detail}); fill it in',
                                  f'第{row.row}行：缺少必填值（{detail}）；请填写'))
                continue
            row.notes.append((f'Row {row.row}: repeats a value another record already has where it must be '
                              f'unique ({detail}); change that value',
                              f'第{row.row}行：与已有记录在必须唯一的字段上重复（{detail}）；请修改该值'))
    return created


def new_records(mapping, rows, actor, now, codes=None):
    """Return the field values of the records ROWS create (defaults, cells, code and stamps), one dict each.

    CODES: the code of each row (default: row.code).
    """
    model = mapping.model
    defaults = {f.name: f.default for f in model._meta.sorted_fields
                if f.default is not None and not callable(f.default)}
    custom = any(c.custom_key for c in mapping.columns)   # no per-row work for entities without custom fields
    datas = []
    for row, code in zip(rows, codes or (r.code for r in rows)):
        data = dict(defaults)
        data.update(row.values)
        if custom:
            fold(data, None)
        data.update(code=code, created_at=now, updated_at=now, version=1, created_by=actor)
        datas.append(data)
    return datas


def note_decisions(plan):
    """Say on each new row what the apply decides for it beyond its cells (a lead's grade, duplicate link and
    owner): the same rules on the same batches the apply writes (`hooks.preview_creates`); writes nothing."""
    mapping = plan.mapping
    if not hooks.previews(mapping.model):
        return
    todo = [r for r in plan.rows if r.outcome in ('created', 'updated')]
    by_number = {}
    actor, now = audit.current()[0], utcnow()

    def batches():   # as apply_import writes them: rows naming a new row of the file after the others
        for rows in ([r for r in todo if not r.refs], [r for r in todo if r.refs]):
            for start in range(0, len(rows), BATCH):
                creates = [r for r in rows[start:start + BATCH] if r.outcome == 'created']
                by_number.update((r.row, r) for r in creates)
                yield new_records(mapping, creates, actor, now, [r.row for r in creates])
    for number, note in hooks.preview_creates(mapping.model, batches(), plan.ctx):
        by_number.pop(number).notes.append(note)


def write_creates(mapping, rows, ctx):
    """Insert ROWS (RowResults with codes) as new records with one prepared statement; audit each."""
    model = mapping.model
    actor, now, payload, audits = audit.current()[0], utcnow(), [], []
    names = [f.name for f in model._meta.sorted_fields if f.name != 'id']
    # Same {field: [None, value]} as audit.diff({}, data), without its per-field checks.
    skipped, plain = audit.IGNORED | {'id'}, audit._plain
    converted = {f.name for f in model._meta.sorted_fields
                 if isinstance(f, (DecimalField, DateField, DateTimeField))}
    datas = new_records(mapping, rows, actor, now)
    pending = hooks.prepare_creates(model, datas, ctx)
    for data in datas:
        payload.append(tuple([data.get(n) for n in names]))
        changes = {k: [None, plain(v) if k in converted else v] for k, v in data.items()
                   if v is not None and k not in skipped and k != 'custom'}
        for key, value in (data.get('custom') or {}).items():   # each custom field by its key, as audit.diff
            changes[CUSTOM + key] = [None, value]
        audits.append((model.__name__, data['code'], 'create', changes))
    insert_rows(model, names, payload)
    audit.record_many(audits)
    hooks.after_creates(model, pending, ctx)
    ctx.forget(model)



@one_pass_cache()   # as plan_import
def apply_import(plan, *, progress=None, run=None):
    """Write the plan's created and updated rows in batches; return the Result (run code set)."""
    mapping, ctx, result = plan.mapping, plan.ctx, plan.result
    run = run or start_run('import', mapping.entity, plan.sheet.label)
    result.run_code = run.code
    todo = [r for r in plan.rows if r.outcome in ('created', 'updated')]
    waiting = [r for r in todo if r.refs]
    todo = [r for r in todo if not r.refs]
    total, done = len(todo) + len(waiting), 0
    with audit.acting_as(plan.actor or audit.current_actor() or audit.current()[0], 'import', batch=run.code):
        # Rows naming a new row of this file are written after it, in as many rounds as the
        # longest chain (group > member > member's member).
        while todo:
            _write_batches(plan, todo, progress, done, total, need_ids=bool(waiting))
            done += len(todo)
            todo, waiting = ready_rows(waiting)
    for row in waiting:   # cannot happen after resolve_in_file_refs; never leave a row unwritten silently
        row.outcome = 'error'
        row.notes.append((f'Row {row.row}: the rows it refers to were not written', f'第{row.row}行：它引用的行未写入'))
    finish_run(run, result)
    return result


def ready_rows(waiting):
    """Split WAITING rows into those whose referenced rows are now written (values filled in) and the rest.

    A row whose referenced row failed to be written fails too.
    """
    ready, still = [], []
    for row in waiting:
        targets = [t for _e, t in row.refs.values()]
        if any(t.outcome == 'error' for t in targets):
            failed = next(t for t in targets if t.outcome == 'error')
            row.outcome = 'error'
            row.notes.append((f'Row {row.row}: row {failed.row}, which it refers to, was not written; fix that row '
                              f'and run again', f'第{row.row}行：它引用的第{failed.row}行未能写入；请修正该行后重新运行'))
        elif all(t.outcome == 'created' and t.record_id for t in targets):
            for attr, (_exc, target) in row.refs.items():
                row.values[attr] = target.record_id
            row.refs = {}
            ready.append(row)
        else:
            still.append(row)
    return ready, still


def _write_batches(plan, todo, progress, done_before, total, need_ids):
    """Write TODO rows in batches of BATCH, one transaction each; NEED_IDS: note created rows' ids.

    A batch inserts its new rows with one statement and updates its existing records with one
    versioned statement per set of changed fields (`updates.write_updates`).
    """
    mapping, ctx = plan.mapping, plan.ctx
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        with database.atomic():
            creates = [r for r in batch if r.outcome == 'created']
            updates = [r for r in batch if r.outcome == 'updated']
            first = requests.updates_first(mapping)
            if creates and not first:
                creates = create_rows(mapping, creates, ctx)
                if need_ids or any(r.commands for r in creates):   # rows waiting for these, or their requests
                    fetch_ids(mapping, creates)
            for row in updates:   # write the changed fields only, as write_update does
                row.values = {attr: row.values[attr] for attr in row.changes if attr in row.values}
            plain = [r for r in updates if r.values]
            for row, exc in write_updates(mapping, plain, ctx) if plain else ():
                _refused(mapping, row, exc)
            if creates and first:
                requests.run_commands(plan.actor, mapping, updates, lambda row, exc: _refused(mapping, row, exc))
                updates = []
                creates = create_rows(mapping, creates, ctx)
            requests.run_commands(plan.actor, mapping, creates + updates,
                                  lambda row, exc: _refused(mapping, row, exc))
        for row in batch:
            row.values = {}   # written: the result keeps outcome and changes, not the values
        if progress:   # planning reported the first half of the work
            done = len(plan.rows) * (done_before + start + len(batch)) // max(total, 1)
            progress(len(plan.rows) + done, len(plan.rows) * 2)


def _refused(mapping, row, exc):
    """Report a row whose update was refused: changed or deleted since the preview, or a rule broken."""
    if isinstance(exc, mapping.model.DoesNotExist):
        row.outcome = 'conflict'
        row.notes.append((f'{row.code} was deleted in the database since the preview; nothing was written.',
                          f'{row.code} 在预览之后已在数据库中被删除；未写入任何修改。'))
    else:
        row.outcome = 'conflict' if isinstance(exc, ConflictError) else 'error'
        row.notes.append((str(exc), message_text(exc, 'zh')))


def fetch_ids(mapping, rows):
    """Set the record id of created ROWS (rows naming them are written with it)."""
    model = mapping.model
    ids = {r['code']: r['id'] for r in select_in(model, model.code, [r.code for r in rows], [model.code, model.id])}
    for row in rows:
        row.record_id = ids.get(row.code)


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic garbage collector: a big import allocates millions of acyclic objects
    and each collection would walk all of them (it made 100k-row imports 2x slower)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_import(entity, table, *, dry_run=False, on_existing='update', lang='zh', date_order=None,
               progress=None, columns=None, values=None):
    """Plan the import of TABLE into ENTITY and apply it unless DRY_RUN; return the Result."""
    with no_gc():
        plan = plan_import(entity, table, on_existing=on_existing, lang=lang, date_order=date_order,
                           progress=progress, columns=columns, values=values, decisions=dry_run)
        if dry_run:
            plan.result.dry_run = True
            return plan.result
        return apply_import(plan, progress=progress)

