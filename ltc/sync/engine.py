"""Two-way sync: a three-way merge of sheet, database and the stored base, per row and field.

`merge()` is a pure function of (sheet rows, database records, base) returning a SyncPlan;
`run_sync()` reads, plans, and unless dry-run applies: database first (batches, audited,
versioned), then the sheet (one write), then the new base. A run killed between any two
steps converges on the next run: a database change whose sheet write was lost shows up as
"database changed since base" and flows to the sheet; a sheet write whose base was lost
shows up as "both sides equal"; records created from codeless rows are remembered with the
row's fingerprint in the creating transaction, so the row is matched, not created twice —
also when someone edited the row before the next run (`Orphans`: the still codeless row
most like a remembered creation is taken for it).
"""
import hashlib
import json
import time
from dataclasses import dataclass, field

from peewee import SqliteDatabase

from ..db import database, utcnow
from ..errors import ConflictError, LTCError
from ..models.sync import SyncConflict, SyncTarget
from ..services import audit
from ..services.messages import text as message_text
from . import state
from .codecs import Context, escape
from .errors import CellError, SyncError
from .importer import create_rows, finish_run, parse_row, start_run
from .mappings import STATUS_TITLE, get
from .reader import read_sheet
from .results import Result, RowResult
from .tables import WriteBatch, open_table
from .updates import write_updates

BATCH = 500
# SQLite has one writer at a time and its busy handler retries about every 100 ms: a long sync
# holding the lock batch after batch would starve web saves into "database is locked". On SQLite
# an update transaction therefore stops after WRITE_SLICE seconds and the lock is left free for
# WRITER_PAUSE seconds, enough for every waiting save to get its turn.
WRITE_SLICE, WRITER_PAUSE = 0.25, 0.12
# Updates are written a batch per transaction (`updates.write_updates`); on SQLite the first
# transaction assumes the row-by-row rate, each next one is sized by the rate measured.
SLICE_START_RATE, SLICE_ROWS = 200, 5000
CHANGED_MEANWHILE = ('changed in the database while this sync ran; its sheet changes were not written '
                     'and the next run merges them again',
                     '同步期间此记录在数据库中被修改；表格中的修改未写入，下次同步将重新合并')
DELETED_MEANWHILE = ('deleted in the database while this sync ran; nothing was written',
                     '同步期间此记录已在数据库中删除；未写入任何修改')


def _single_writer():
    return isinstance(database.obj, SqliteDatabase)


@dataclass
class SyncPlan:
    result: Result
    creates: list = field(default_factory=list)      # RowResult (with .fingerprint) to insert
    updates: list = field(default_factory=list)      # RowResult with changes/values/record_id/version
    deletes: list = field(default_factory=list)      # (code, record_id)
    cells: dict = field(default_factory=dict)        # {(row, col): value} sheet writes by position
    appends: list = field(default_factory=list)      # [(code, [cells])]
    new_base: dict = field(default_factory=dict)     # {code: {attr: canon}}
    vanished: set = field(default_factory=set)
    conflicts: list = field(default_factory=list)    # (code, attr, base, sheet, db)
    status: dict = field(default_factory=dict)       # {row: text}
    vanishing: int = 0
    columns: list = field(default_factory=list)      # editable columns present in the sheet
    base: state.Base = None                          # the base this plan was made against
    key_col: int = None                              # 1-based key column


def fingerprint(values):
    return hashlib.sha1(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Orphans:
    """Records a killed run created from codeless rows whose codes never reached the sheet.

    A row edited in the sheet after such a run no longer has the remembered fingerprint; it
    is matched to the remembered creation it is most like instead, judged on the mapping's
    identifying fields (its natural key: a lead's company, contact, phone and e-mail): the
    creation sharing the most of them, if that is more than half of the ones the row fills
    in and no other creation shares as many. Each creation is matched once; anything less
    certain is created as a new record (a double is visible and can be merged; a record
    overwritten by another row's values would be lost).
    """
    COMMON = 50   # a value shared by more creations than this proves nothing

    def __init__(self, base, records, rows, identity):
        self.identity = identity
        in_sheet = {r.code for r in rows if r.code}
        self.values = {code: base.rows.get(code, {}) for code in base.pending.values()
                       if code in records and code not in in_sheet}
        self.index = {}
        for code, values in self.values.items():
            for attr in identity:
                if values.get(attr) not in (None, ''):
                    self.index.setdefault((attr, values[attr]), set()).add(code)

    def take(self, code):
        self.values.pop(code, None)

    def closest(self, values):
        """Return the code of the creation VALUES ({attr: canon}) most likely is, or None."""
        if not self.values:
            return None
        filled = {a: values[a] for a in self.identity if values.get(a) not in (None, '')}
        candidates = set()
        for pair in filled.items():
            codes = self.index.get(pair, ())
            if len(codes) <= self.COMMON:
                candidates.update(c for c in codes if c in self.values)
        scored = sorted(((sum(1 for a, v in filled.items() if self.values[c].get(a) == v), c) for c in candidates),
                        reverse=True)
        if not scored:
            return None
        best, code = scored[0]
        if best * 2 <= len(filled) or (len(scored) > 1 and scored[1][0] == best):
            return None
        return code


def _canon_values(columns, values, ctx):
    return {c.attr: c.codec.canon(values.get(c.attr), ctx) for c in columns}


def merge(mapping, sheet, rows, records, base, ctx, conflict_policy='db', delete_policy='keep'):
    """Return the SyncPlan for parsed sheet ROWS, database RECORDS {code: dict} and the BASE.

    Per row and field: sheet == db -> nothing; only the sheet changed -> database; only the
    database changed -> sheet; both changed differently (or no base to tell) -> conflict,
    settled by CONFLICT_POLICY ('db' keeps the database value and marks the cell, 'sheet'
    takes the sheet value). Rows without a code are new records; codes gone from the sheet
    are kept and marked ('keep') or deleted ('delete').
    """
    result = Result(mapping.entity, source=sheet.label, headers=sheet.headers)
    columns = [c for c in sheet.columns.values() if c is not mapping.key]
    editable = [c for c in columns if not c.readonly]
    plan = SyncPlan(result, columns=editable, key_col=sheet.key_pos + 1, base=base)
    position = {c.attr: p for p, c in sheet.columns.items()}
    seen = set()
    orphans = Orphans(base, records, rows, [a for a in (mapping.natural_key or [c.attr for c in editable])
                                            if a in {c.attr for c in editable}])

    def to_sheet(row, column, value):
        plan.cells[(row.row, position[column.attr] + 1)] = escape(column.codec.render(value, ctx))

    for row in rows:
        result.rows.append(row)
        if row.outcome == 'error':
            plan.status[row.row] = row.message(ctx.lang)
            if row.code and row.code not in seen:
                seen.add(row.code)   # a bad row is still there: neither vanished nor merged
                if row.code in base.rows:
                    plan.new_base[row.code] = base.rows[row.code]
                    if row.code in base.vanished:
                        plan.vanished.add(row.code)
            continue
        if not row.code:
            canon = _canon_values(editable, row.values, ctx)
            key = fingerprint(canon)
            code = base.pending.get(key)
            if not (code and code in orphans.values):
                code = orphans.closest(canon)   # the same row, edited since that run
            if code and code in records and code not in seen:
                row.code = code   # created by a run whose code write-back was lost
                orphans.take(code)
                plan.cells[(row.row, sheet.key_pos + 1)] = code
            else:
                row.outcome, row.fingerprint = 'created', key
                plan.creates.append(row)
                continue
        if row.code in seen:
            row.fail(CellError(f'code {row.code} appears twice in the sheet; delete one of the rows',
                               f'编码 {row.code} 在表格中出现两次；请删除其中一行', row.code, row.row,
                               sheet.headers[sheet.key_pos]))
            plan.status[row.row] = row.message(ctx.lang)
            continue
        seen.add(row.code)
        record = records.get(row.code)
        if record is None:
            if row.code in base.rows:
                row.outcome = 'skipped'
                row.notes.append(('deleted in the database; delete this row', '已在数据库中删除；请删除此行'))
                plan.vanished.add(row.code)
                plan.status[row.row] = row.message(ctx.lang)
            else:
                row.outcome = 'created'
                plan.creates.append(row)
            continue
        old = base.merging(row.code)
        row.record_id, row.version = record['id'], record['version']
        final, to_db = {}, {}
        for column in columns:
            s = column.codec.canon(row.values.get(column.attr), ctx) if not column.readonly else None
            d = column.codec.canon(record.get(column.attr), ctx)
            b = old.get(column.attr) if old else None
            if column.readonly or s == d:
                if column.readonly and _canon_cell(column, _cell(row, position[column.attr]), ctx) != d:
                    to_sheet(row, column, record.get(column.attr))
                final[column.attr] = d
            elif b is not None and s == b:
                to_sheet(row, column, record.get(column.attr))
                final[column.attr] = d
                row.changes[column.attr] = [s, d]
            elif b is not None and d == b:
                to_db[column.attr] = row.values.get(column.attr)
                final[column.attr] = s
                row.changes[column.attr] = [d, s]
            else:
                row.conflicts.append((sheet.headers[position[column.attr]], b, s, d))
                plan.conflicts.append((row.code, column.attr, b, s, d))
                if conflict_policy == 'sheet':
                    to_db[column.attr] = row.values.get(column.attr)
                    final[column.attr] = s
                else:
                    to_sheet(row, column, record.get(column.attr))
                    final[column.attr] = d
        if to_db:
            row.values = to_db
            plan.updates.append(row)
        plan.new_base[row.code] = final
        row.outcome = 'conflict' if row.conflicts else ('updated' if row.changes else 'unchanged')
        if row.conflicts:
            plan.status[row.row] = row.message(ctx.lang)
    pending = set(base.pending.values())
    for code, record in records.items():
        if code in seen:
            continue
        if code in base.vanished:
            plan.vanished.add(code)
        elif code in base.rows and code not in pending:
            plan.vanishing += 1
            if delete_policy == 'delete':
                plan.deletes.append((code, record['id']))
                result.rows.append(RowResult(code=code, outcome='deleted'))
            else:
                plan.vanished.add(code)
                result.rows.append(RowResult(code=code, outcome='skipped', notes=[
                    ('removed from the sheet; the record was kept', '已从表格删除；记录已保留')]))
        else:
            cells = [None] * sheet.width
            cells[sheet.key_pos] = code
            for column in columns:
                cells[position[column.attr]] = escape(column.codec.render(record.get(column.attr), ctx))
            plan.appends.append((code, cells))
            plan.new_base[code] = _canon_values(columns, record, ctx)
            result.rows.append(RowResult(code=code, outcome='updated', notes=[
                ('added to the sheet', '已添加到表格')]))
    return plan


def _canon_cell(column, cell, ctx):
    try:
        return column.codec.canon(column.codec.clean(cell, ctx), ctx)
    except CellError:
        return None


def _cell(row, position):
    return row.cells[position] if position < len(row.cells) else None


def _status_cells(plan, sheet, lang):
    """Return status column writes: messages for flagged rows, blanks where an old message is stale."""
    cells = {}
    col = (sheet.status_pos + 1) if sheet.status_pos is not None else None
    if col is None and not plan.status:
        return cells, None
    if col is None:
        col = sheet.width + 1
        cells[(sheet.header_row, col)] = STATUS_TITLE['zh' if lang.startswith('zh') else 'en']
    for row in plan.result.rows:
        if row.row is None:
            continue
        text = plan.status.get(row.row, '')
        current = _cell(row, col - 1) or ''
        if text != current:
            cells[(row.row, col)] = text or None
    return cells, col


def load_records(mapping):
    return {r['code']: r for r in mapping.model.select().dicts().iterator()}


def plan_target(target, progress=None, table=None):
    """Read the target's sheet, the database and the base; return (table, sheet, plan, ctx, base)."""
    mapping = get(target.entity)
    table = table or open_table(target.backend, target.options)
    sheet = read_sheet(table, mapping)
    if sheet.key_pos is None:
        raise SyncError(f'{sheet.label} has no {mapping.key.zh} ({mapping.key.en}) column; a synced sheet '
                        f'needs it. Start from `flask ltc export {mapping.entity}`.',
                        zh=f'{sheet.label} 没有「{mapping.key.zh}」({mapping.key.en}) 列，同步的表格必须有这一列。'
                           f'请从 `flask ltc export {mapping.entity}` 导出的文件开始。')
    if target.header_signature and target.header_signature != sheet.signature():
        raise SyncError(f'The header of {sheet.label} changed since the last sync (columns now: '
                        f'{sheet.signature()}); nothing was written. Restore the header or run '
                        f'`flask ltc sync run {target.name} --accept-header`.',
                        zh=f'{sheet.label} 的表头自上次同步后已改变（现在的列：{sheet.signature()}），'
                           f'未写入任何数据。请恢复表头，或运行 '
                           f'`flask ltc sync run {target.name} --accept-header`。')
    ctx = Context(lang=target.lang, date1904=getattr(table, 'date1904', False))
    rows = [parse_row(mapping, sheet, n, cells, ctx) for n, cells in sheet.rows]
    records = load_records(mapping)
    base = state.load_base(target)
    plan = merge(mapping, sheet, rows, records, base, ctx, target.conflict_policy, target.delete_policy)
    live = len([c for c in base.rows if c not in base.vanished])
    if plan.vanishing > max(2, live * target.max_vanish_percent / 100):
        raise SyncError(f'{plan.vanishing} of {live} rows disappeared from {sheet.label} (more than '
                        f'{target.max_vanish_percent}%); nothing was written. Check the sheet or filter, '
                        f'or raise the limit for this target.',
                        zh=f'{sheet.label} 的 {live} 行中有 {plan.vanishing} 行不见了（超过 '
                           f'{target.max_vanish_percent}%），未写入任何数据。请检查表格或筛选，'
                           f'或调高此同步目标的上限。')
    return table, sheet, plan, ctx, base


def run_sync(target, dry_run=False, accept_header=False, progress=None, table=None):
    """Run one sync of TARGET under its lock; return the Result (run code set).

    :param table: the Table to use instead of opening the target's backend (tests, callers
        holding an open connection)
    """
    state.acquire(target)
    try:
        if accept_header:
            target.header_signature = None
        table, sheet, plan, ctx, base = plan_target(target, progress, table)
        run = start_run('sync', target.entity, sheet.label, dry_run=dry_run, target=target)
        plan.result.run_code, plan.result.dry_run = run.code, dry_run
        if dry_run:
            finish_run(run, plan.result)
            return plan.result
        try:
            apply_plan(target, get(target.entity), table, sheet, plan, ctx, base, run, progress)
        except Exception as exc:
            finish_run(run, plan.result, status='failed', message=str(exc))
            raise
        finish_run(run, plan.result)
        return plan.result
    finally:
        state.release(target)


def apply_plan(target, mapping, table, sheet, plan, ctx, base, run, progress=None):
    """Write the database, then the sheet, then the new base."""
    write_database(target, mapping, plan, ctx, run, progress)
    write_sheet(table, sheet, plan, ctx)
    state.save_base(target, base, plan.new_base, plan.vanished)
    SyncTarget.update(header_signature=sheet.signature(), last_run_at=utcnow()).where(
        SyncTarget.id == target.id).execute()
    target.header_signature = sheet.signature()


def write_database(target, mapping, plan, ctx, run, progress=None):
    columns = plan.columns
    with audit.acting_as(audit.current()[0], 'sync', batch=run.code):
        todo = plan.creates + plan.updates
        for start in range(0, len(plan.creates), BATCH):
            batch = plan.creates[start:start + BATCH]
            with database.atomic():
                created = create_rows(mapping, batch, ctx)
                state.save_pending(target, [(r.fingerprint, r.code,
                                             _canon_values(columns, r.values, ctx)) for r in created])
            for row in batch:
                if row.outcome == 'error':
                    row.code = None   # nothing was created: the sheet row stays without a code
                    plan.status[row.row] = row.message(ctx.lang)
            batch = created
            for row in batch:
                plan.cells[(row.row, plan.key_col)] = row.code
                plan.new_base[row.code] = _canon_values(columns, row.values, ctx)
            if progress:
                progress(start + len(batch), len(todo))
        index, refused = 0, set()
        size = max(1, int(SLICE_START_RATE * WRITE_SLICE)) if _single_writer() else BATCH
        while index < len(plan.updates):
            batch, began = plan.updates[index:index + size], time.monotonic()
            with database.atomic():
                for row, exc in write_updates(mapping, batch, ctx):
                    _refused(plan, row, exc, ctx)
                    refused.update((row.code, attr) for attr in row.values)
            index += len(batch)
            if progress:
                progress(len(plan.creates) + index, len(todo))
            if _single_writer():
                # The next transaction writes as many rows as this one's rate fits in WRITE_SLICE.
                rate = len(batch) / max(time.monotonic() - began, 1e-6)
                size = max(1, min(SLICE_ROWS, int(rate * WRITE_SLICE)))
                if index < len(plan.updates):
                    time.sleep(WRITER_PAUSE)
        for code, record_id in plan.deletes:
            record = mapping.model.get_or_none(mapping.model.id == record_id)
            if record is None:
                continue   # deleted in the database while this run went on: nothing left to do
            try:
                audit.delete(record)
            except LTCError as exc:
                plan.vanished.add(code)
                plan.result.rows.append(RowResult(code=code, outcome='error',
                                                  notes=[(str(exc), message_text(exc, 'zh'))]))
        # A conflict settled by taking the sheet value was not settled if that write was refused;
        # the next run finds it again with the database value of then.
        plan.conflicts = [c for c in plan.conflicts if (c[0], c[1]) not in refused]
        conflicts = [{'run': run.id, 'target': target.id, 'code': c, 'field': a, 'base_value': b,
                      'sheet_value': s, 'db_value': d, 'status': 'open', 'created_at': utcnow()}
                     for c, a, b, s, d in plan.conflicts]
        for start in range(0, len(conflicts), BATCH):
            SyncConflict.insert_many(conflicts[start:start + BATCH]).execute()


def _refused(plan, row, exc, ctx):
    """Report a row whose database write was refused and store the base that says what happened.

    The admin's save (or delete) wins: nothing of the row's sheet changes is written, the cells
    the plan writes into the sheet are still written and enter the base, and the fields meant for
    the database keep their old base, so the next run merges them again against fresh records.
    """
    if isinstance(exc, ConflictError):
        row.outcome = 'conflict'
        row.notes.append(CHANGED_MEANWHILE)
    elif isinstance(exc, LTCError):
        row.outcome = 'error'
        row.notes.append((str(exc), message_text(exc, 'zh')))
    else:
        row.outcome = 'conflict'
        row.notes.append(DELETED_MEANWHILE)
    for attr in row.values:
        row.changes.pop(attr, None)
    plan.status[row.row] = row.message(ctx.lang)
    old = plan.base.merging(row.code) or {}
    kept = {a: v for a, v in plan.new_base[row.code].items() if a not in row.values}
    kept.update((a, old[a]) for a in row.values if a in old)
    plan.new_base[row.code] = kept


def write_sheet(table, sheet, plan, ctx):
    """Write planned cells, code write-backs, status and appends; remap rows by key first."""
    status, status_col = _status_cells(plan, sheet, ctx.lang)
    cells = dict(plan.cells)
    cells.update(status)
    if not cells and not plan.appends:
        return
    planned = {r.row: r.code for r in plan.result.rows if r.row is not None and r.code}
    now = table.reread_keys(sheet.key_pos + 1)
    moved = {code: row for row, code in now.items()}
    remapped = {}
    for (row, col), value in cells.items():
        code = planned.get(row)
        if row == sheet.header_row or code is None or now.get(row) == code:
            remapped[(row, col)] = value
        elif code in moved:
            remapped[(moved[code], col)] = value   # the row moved since the read
        elif not now.get(row):
            remapped[(row, col)] = value           # a code written back into a new row
        # else: the row now holds another record; the next run redoes this write
    table.write(WriteBatch(cells=remapped, appends=[cells_ for _, cells_ in plan.appends],
                           status_col=status_col))
