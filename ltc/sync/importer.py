"""Import a sheet into one entity: `plan_import` says what each row will do, `apply_import` does it.

Preview and apply are the same code: the admin screen and `--dry-run` show `plan_import`'s
rows; applying runs exactly those rows (stale ones become conflicts through the record
version captured in the plan).
"""
import contextlib
import gc
import json

from peewee import DateField, DateTimeField, DecimalField, IntegrityError

from ..db import database, reserve_codes, select_in, utcnow
from ..errors import ConflictError, LTCError
from ..models.sync import SyncRun
from ..services import audit
from . import hooks
from .bulk import insert_rows
from .codecs import Context
from .errors import CellError, SyncError
from .mappings import get
from .reader import read_sheet
from .results import Result, RowResult

BATCH = 500


class Plan:
    """The rows of a sheet with what each will do; the input of `apply_import`."""

    def __init__(self, mapping, sheet, ctx, on_existing):
        self.mapping, self.sheet, self.ctx, self.on_existing = mapping, sheet, ctx, on_existing
        self.result = Result(mapping.entity, source=sheet.label, headers=sheet.headers)

    @property
    def rows(self):
        return self.result.rows


def parse_row(mapping, sheet, number, cells, ctx):
    """Return a RowResult with cleaned values, or with every bad cell as an error."""
    result = RowResult(row=number, cells=cells)
    for position, column in sheet.columns.items():
        cell = cells[position] if position < len(cells) else None
        try:
            value = column.codec.clean(cell, ctx)
        except CellError as exc:
            exc.row, exc.column = number, sheet.headers[position] or column.header(ctx.lang)
            result.fail(exc)
            continue
        if column is mapping.key:
            result.code = value
        elif not column.readonly:
            if value is None:
                value = _default(mapping.model, column.attr)
            if column.required and value in (None, ''):
                result.fail(CellError(f'is required; fill it in', '为必填项；请填写', None, number,
                                      sheet.headers[position]))
            result.values[column.attr] = value
    return result


def _default(model, attr):
    """Return what a blank cell means for a field: its default when it may not be null."""
    field = model._meta.fields[attr]
    if field.null or field.default is None:
        return None
    return field.default() if callable(field.default) else field.default


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
            by_code[record['code']] = record
    first = mapping.natural_key[0] if mapping.natural_key else None
    wanted = sorted({r.values.get(first) for r in rows if not r.code and first and r.values.get(first) is not None},
                    key=str)
    field = getattr(model, first) if first else None
    for start in range(0, len(wanted), BATCH):
        for record in select_in(model, field, wanted[start:start + BATCH]):
            key = natural_key(mapping, {a: record.get(a) for a in mapping.natural_key}, ctx)
            by_natural.setdefault(key, []).append(record)
    return by_code, by_natural


def plan_import(entity, table, *, on_existing='update', lang='zh', date_order='dmy', progress=None,
                columns=None):
    """Read TABLE and return the Plan of what importing it into ENTITY would do; writes nothing.

    :param entity: mapping name ('leads', 'customers', ...)
    :param table: a `tables.Table` (xlsx, csv or any backend)
    :param on_existing: 'update' rows whose code exists, or 'skip' them
    :param lang: language of messages and rendered values ('zh' or 'en')
    :param date_order: 'dmy' or 'mdy' for dates like 5-1-2026
    :param progress: callable(done, total)
    :param columns: {0-based position: attr or None} overriding the automatic header matching
        (the import screen's adjusted mapping); `plan.sheet.columns` shows the matching used
    """
    if on_existing not in ('update', 'skip'):
        raise SyncError(f'--on-existing must be update or skip, not {on_existing!r}.',
                        zh=f'--on-existing 只能是 update 或 skip，不能是 {on_existing!r}。')
    mapping = get(entity)
    sheet = read_sheet(table, mapping, columns)
    ctx = Context(lang=lang, date_order=date_order, date1904=getattr(table, 'date1904', False))
    plan = Plan(mapping, sheet, ctx, on_existing)
    seen_codes, seen_natural = {}, {}
    total = len(sheet.rows)
    for done, (number, cells) in enumerate(sheet.rows, 1):
        row = parse_row(mapping, sheet, number, cells, ctx)
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
    by_code, by_natural = load_existing(mapping, plan.rows, ctx)
    for row in plan.rows:
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
            continue
        row.record_id, row.version = record['id'], record['version']
        row.changes = {a: [canon(mapping, a, record.get(a), ctx), canon(mapping, a, v, ctx)]
                       for a, v in row.values.items()
                       if canon(mapping, a, record.get(a), ctx) != canon(mapping, a, v, ctx)}
        if not row.changes:
            row.outcome = 'unchanged'
        else:
            row.outcome = 'skipped' if on_existing == 'skip' else 'updated'
    if progress:
        progress(total, total * 2)
    return plan


def start_run(kind, entity, source, dry_run=False, target=None):
    """Create the SyncRun whose code tags the audit rows of this operation."""
    from .interrupted import close_interrupted_runs, owner_message
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
    fresh = iter(reserve_codes(mapping.model.code_prefix, sum(1 for r in rows if not r.code)))
    for row in rows:
        row.code = row.code or next(fresh)
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
            row.notes.append((f'Row {row.row}: repeats a value another record already has where it must be '
                              f'unique ({detail}); change that value',
                              f'第{row.row}行：与已有记录在必须唯一的字段上重复（{detail}）；请修改该值'))
    return created


def write_creates(mapping, rows, ctx):
    """Insert ROWS (RowResults with codes) as new records with one prepared statement; audit each."""
    model = mapping.model
    actor, now, payload, audits = audit.current()[0], utcnow(), [], []
    names = [f.name for f in model._meta.sorted_fields if f.name != 'id']
    defaults = {f.name: f.default for f in model._meta.sorted_fields
                if f.default is not None and not callable(f.default)}
    # Same {field: [None, value]} as audit.diff({}, data), without its per-field checks.
    skipped, plain = audit.IGNORED | {'id'}, audit._plain
    converted = {f.name for f in model._meta.sorted_fields
                 if isinstance(f, (DecimalField, DateField, DateTimeField))}
    datas = []
    for row in rows:
        data = dict(defaults)
        data.update(row.values)
        data.update(code=row.code, created_at=now, updated_at=now, version=1, created_by=actor)
        datas.append(data)
    pending = hooks.prepare_creates(model, datas, ctx)
    for data in datas:
        payload.append(tuple([data.get(n) for n in names]))
        audits.append((model.__name__, data['code'], 'create',
                       {k: [None, plain(v) if k in converted else v] for k, v in data.items()
                        if v is not None and k not in skipped}))
    insert_rows(model, names, payload)
    audit.record_many(audits)
    hooks.after_creates(model, pending, ctx)
    ctx.forget(model)


def write_update(mapping, row, ctx, names=None):
    """Save one row's changed fields (or NAMES) with the version seen at plan time; audit the change."""
    model = mapping.model
    record = model.get_by_id(row.record_id)
    before = record.field_values()
    if record.version != row.version:
        raise ConflictError(f'{row.code} changed in the database since the preview; run the import again.',
                            zh=f'{row.code} 在预览之后已在数据库中被修改；请重新导入。')
    names = list(names or row.changes)
    for name in names:
        setattr(record, name, row.values[name])
    names += [n for n in hooks.refresh_derived(record, ctx) if n not in names]
    record.save(only=[getattr(model, n) for n in names])
    changes = audit.diff(before, record.field_values())
    audit.record_many([(model.__name__, record.code, 'update', changes)])
    return record


def apply_import(plan, *, progress=None, run=None):
    """Write the plan's created and updated rows in batches; return the Result (run code set)."""
    mapping, ctx, result = plan.mapping, plan.ctx, plan.result
    run = run or start_run('import', mapping.entity, plan.sheet.label)
    result.run_code = run.code
    todo = [r for r in plan.rows if r.outcome in ('created', 'updated')]
    actor = audit.current()[0]
    with audit.acting_as(actor, 'import', batch=run.code):
        for start in range(0, len(todo), BATCH):
            batch = todo[start:start + BATCH]
            with database.atomic():
                creates = [r for r in batch if r.outcome == 'created']
                if creates:
                    creates = create_rows(mapping, creates, ctx)
                for row in batch:
                    if row.outcome != 'updated':
                        continue
                    try:
                        with database.atomic():
                            write_update(mapping, row, ctx)
                    except (ConflictError, LTCError) as exc:
                        row.outcome = 'conflict' if isinstance(exc, ConflictError) else 'error'
                        row.notes.append((str(exc), str(exc)))
            for row in batch:
                row.values = {}   # written: the result keeps outcome and changes, not the values
            if progress:   # planning reported the first half of the work
                done = len(plan.rows) * (start + len(batch)) // max(len(todo), 1)
                progress(len(plan.rows) + done, len(plan.rows) * 2)
    finish_run(run, result)
    return result


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


def run_import(entity, table, *, dry_run=False, on_existing='update', lang='zh', date_order='dmy',
               progress=None, columns=None):
    """Plan the import of TABLE into ENTITY and apply it unless DRY_RUN; return the Result."""
    with no_gc():
        plan = plan_import(entity, table, on_existing=on_existing, lang=lang, date_order=date_order,
                           progress=progress, columns=columns)
        if dry_run:
            plan.result.dry_run = True
            return plan.result
        return apply_import(plan, progress=progress)

