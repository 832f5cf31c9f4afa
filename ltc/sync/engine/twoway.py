"""Two-way sync: a three-way merge of sheet, database and the stored base, per row and field.

`merge()` is a function of (sheet rows, database records, base) returning a SyncPlan, writing nothing
(the records and the base rows are read a window of rows at a time: `Records`, `state.StoredRows`);
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

from ...db import as_read, database, one_of, one_pass_cache, utcnow
from ...errors import ConflictError, LTCError
from ...models import AuditLog, User
from ...models.sync import DELETION, SyncConflict, SyncRun, SyncTarget
from ...services import audit, gate, scope
from ...services.messages import text as message_text
from ..errors import CellError, SyncError
from ..formats.reader import read_sheet
from ..formats.tables import WriteBatch
from ..mapping import hooks
from ..mapping.codecs import Choice, Codec, Context, Text, escape
from ..mapping.entities import CUSTOM, STATUS_TITLE, expand, get
from ..runs import state
from ..writes import requests
from ..writes.importer import (create_rows, fetch_ids, finish_run, no_gc, parse_row, ready_rows, resolve_in_file_refs,
                               start_run)
from ..writes.results import Result, RowResult
from ..writes.updates import write_updates
from . import capacity, slices
from .targets import open_table

BATCH = 500
# SQLite has one writer at a time and its busy handler retries about every 100 ms: a long sync
# holding the lock batch after batch would starve web saves into "database is locked". On SQLite
# an update transaction therefore stops after WRITE_SLICE seconds and the lock is left free for
# WRITER_PAUSE seconds, enough for every waiting save to get its turn. A pause nobody wrote in (no
# save was waiting) doubles the next transaction's time, up to QUIET_SLICE: a run while nobody
# edits pauses a few times instead of once per quarter second; the first pause someone writes in
# brings it back to WRITE_SLICE.
WRITE_SLICE, WRITER_PAUSE, QUIET_SLICE = 0.25, 0.12, 1.0
# Updates are written a batch per transaction (`updates.write_updates`); on SQLite the first
# transaction assumes the row-by-row rate, each next one is sized by the rate measured.
SLICE_START_RATE, SLICE_ROWS = 200, 5000
CHANGED_MEANWHILE = ('changed in the database while this sync ran; its sheet changes were not written '
                     'and the next run merges them again',
                     '同步期间此记录在数据库中被修改；表格中的修改未写入，下次同步将重新合并')
DELETED_MEANWHILE = ('deleted in the database while this sync ran; nothing was written',
                     '同步期间此记录已在数据库中删除；未写入任何修改')
DELETE_KEPT = ('removed from the sheet, but {what}; the record was kept: choose delete or keep under '
               'Sync conflicts (`flask ltc sync conflicts`)',
               '已从表格删除，但{what}；记录已保留：请在“同步冲突”中选择删除或保留（`flask ltc sync conflicts`）')
EDITED_SINCE_BASE = ('changed in the database since the last sync ({fields})',
                     '自上次同步后已在数据库中修改（{fields}）')
EDITED_MEANWHILE = ('changed in the database while this sync ran', '同步期间已在数据库中修改')
EDITED_ELSEWHERE = ('changed in the database since the last sync (fields not in the sheet)',
                    '自上次同步后已在数据库中修改（表格中没有的字段）')
DERIVED_IGNORED = ('{columns}: set by the rules; your edit was ignored and the value put back',
                   '{columns}：由业务规则计算，您的修改已忽略并恢复原值')
LEFT_SLICE = ('left this sheet (reassigned, closed or out of its slice); taken out of the sheet, the record is kept',
              '已不属于此表格（已转交、已关闭或不在筛选范围内）；已从表格移出，记录保留')
LEFT_SLICE_EDITED = ('left this sheet (reassigned, closed or out of its slice) after your edit; the edit was not '
                     'written: copy it into the sheet that holds the record now, then delete this row',
                     '此记录已不属于此表格（已转交、已关闭或不在筛选范围内），您的修改未写入：'
                     '请把修改填到现在持有该记录的表格，然后删除此行')
NOT_IN_SHEET = ('{refusal} Nothing was written: a new row leaves the code empty (LTC gives it one); else delete '
                'this row', '{refusal}未写入任何内容：新增行请留空编码（由 LTC 生成），否则请删除此行')


def _single_writer():
    return isinstance(database.obj, SqliteDatabase)


def _data_version():
    """Return SQLite's data version of this connection: it changes when another connection commits."""
    return database.execute_sql('PRAGMA data_version').fetchone()[0]


@dataclass
class SyncPlan:
    result: Result
    creates: list = field(default_factory=list)      # RowResult (with .fingerprint) to insert
    updates: list = field(default_factory=list)      # RowResult with changes/values/record_id/version
    deletes: list = field(default_factory=list)      # RowResult (outcome deleted) with record_id/version
    cells: dict = field(default_factory=dict)        # {(row, col): value} sheet writes by position
    appends: list = field(default_factory=list)      # [(code, [cells])]
    new_base: dict = field(default_factory=dict)     # {code: {attr: canon}}
    vanished: set = field(default_factory=set)
    conflicts: list = field(default_factory=list)    # (code, attr, base, sheet, db)
    cleared: set = field(default_factory=set)        # rows taken out of the sheet (their record left it)
    status: dict = field(default_factory=dict)       # {row: text}
    vanishing: int = 0
    columns: list = field(default_factory=list)      # editable columns present in the sheet
    base: state.Base = None                          # the base this plan was made against
    key_col: int = None                              # 1-based key column
    actor: object = None                             # gate.Actor the run acts as (the target's run-as user)
    stamp: str = None                                # the sheet's stamp taken before the read (idle.py)
    note: tuple = None                               # (row, col, text): the header's note (header.py)


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


def _canon_is_text(codec):
    """Return whether CODEC's canon of a str is that str (text and choices): the merge, comparing
    millions of cells, then skips the call."""
    cls = type(codec)
    return (cls.canon is Codec.canon and cls.render is Text.render) or cls.canon is Choice.canon


def _canon_values(columns, values, ctx):
    return {c.attr: c.codec.canon(values.get(c.attr), ctx) for c in columns}


def merge(mapping, sheet, rows, records, base, ctx, conflict_policy='db', delete_policy='keep',
          edited_elsewhere=None, outside=frozenset(), closed=False):
    """Return the SyncPlan for parsed sheet ROWS, database RECORDS {code: dict} and the BASE.

    Per row and field: sheet == db -> nothing; only the sheet changed -> database; only the
    database changed -> sheet; both changed differently (or no base to tell) -> conflict,
    settled by CONFLICT_POLICY ('db' keeps the database value and marks the cell, 'sheet'
    takes the sheet value). Rows without a code are new records; codes gone from the sheet
    are kept and marked ('keep') or deleted ('delete'). A row may name a record another row
    of the sheet creates (rows parsed with deferred references): it is written after it.
    EDITED_ELSEWHERE(codes) returns those of CODES changed in the database since the last sync
    in ways the sheet's columns do not show (a removed row's record among them is not deleted).
    OUTSIDE holds the codes of the sheet whose records exist but are not the sheet's (out of the
    target's slice or the run-as user's scope): a row that was the sheet's is taken out of it (its
    record is kept), a code typed in is refused. CLOSED: the sheet holds a slice or a scoped user's
    records, so every code it does not know is refused the same way, existing or not.
    """
    _link_new_rows(mapping, rows, records, base)
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

    steps = [(c, c.attr, c.codec.canon, _canon_is_text(c.codec), c.readonly) for c in columns]

    for row in rows:
        result.rows.append(row)
        if row.outcome == 'error':
            plan.status[row.row] = row.message(ctx.lang)
            if row.code and row.code not in seen:
                seen.add(row.code)   # a bad row is still there: neither vanished nor merged
                if row.code in base.rows:
                    plan.new_base[row.code] = base.rows.kept(row.code)
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
        if record is None and (row.code in outside or (closed and row.code not in base.rows)):
            _not_the_sheets(mapping.model, plan, row, base, sheet, ctx, editable)
            continue
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
        final, to_db, ignored, changes, conflicts = {}, {}, [], None, None
        values, refs = row.values, row.refs or None
        for column, attr, canon, text_like, readonly in steps:
            d = record.get(attr)
            if not (text_like and d.__class__ is str):
                d = canon(d, ctx)
            if readonly:   # derived: the sheet shows the database's value
                shown = _canon_cell(column, _cell(row, position[attr]), ctx)
                if shown != d:
                    to_sheet(row, column, record.get(attr))
                    # Typed over (not what the last run left there, when there was one): say it was ignored.
                    if _cell(row, position[attr]) not in (None, '') and (not old or shown != old.get(attr)):
                        ignored.append(sheet.headers[position[attr]] or column.header(ctx.lang))
                final[attr] = d
                continue
            s = values.get(attr)
            if not (text_like and s.__class__ is str):
                s = canon(s, ctx)
            new = refs is not None and attr in refs   # names a record a new row creates
            if new:
                s = refs[attr][0].value
            elif s == d:
                final[attr] = d
                continue
            b = old.get(attr) if old else None
            if not new and b is not None and s == b:
                to_sheet(row, column, record.get(attr))
                final[attr] = d
                changes = row.changes
                changes[attr] = [s, d]
            elif b is not None and d == b:
                to_db[attr] = values.get(attr)
                final[attr] = s
                changes = row.changes
                changes[attr] = [d, s]
            else:
                conflicts = row.conflicts
                conflicts.append((sheet.headers[position[attr]], b, s, d))
                plan.conflicts.append((row.code, attr, b, s, d))
                if conflict_policy == 'sheet':
                    to_db[attr] = values.get(attr)
                    final[attr] = s
                else:
                    to_sheet(row, column, record.get(attr))
                    final[attr] = d
        if refs:   # a reference the database side won is not written: nothing to wait for
            row.refs = {a: ref for a, ref in refs.items() if a in to_db}
        if to_db:
            row.values = to_db
            plan.updates.append(row)
        # A row left as it was keeps its stored base row (read again only if the run writes it).
        plan.new_base[row.code] = base.rows.kept(row.code) if old is not None and final == old else final
        row.outcome = 'conflict' if conflicts else ('updated' if changes else 'unchanged')
        if row.outcome == 'unchanged':
            row.values = {}   # compared and left as it was: its parsed values are not needed again
        if ignored:
            shown_en, shown_zh = ', '.join(ignored), '、'.join(ignored)
            row.notes.append((DERIVED_IGNORED[0].format(columns=shown_en), DERIVED_IGNORED[1].format(columns=shown_zh)))
        if conflicts or ignored:
            plan.status[row.row] = row.message(ctx.lang)
    pending = set(base.pending.values())
    touched = set()
    if delete_policy == 'delete' and edited_elsewhere is not None:
        touched = edited_elsewhere([c for c in records if c not in seen and c not in base.vanished
                                    and c in base.rows and c not in pending])
    for code, record in records.items(seen):   # the records the sheet does not hold
        if code in seen:
            continue
        if code in base.vanished:
            plan.vanished.add(code)
        elif code in base.rows and code not in pending:
            plan.vanishing += 1
            edited = delete_policy == 'delete' and _edited(editable, record, base.rows[code], ctx)
            if edited or code in touched:
                row = RowResult(code=code, record_id=record['id'], version=record['version'])
                result.rows.append(row)
                _keep_edited(plan, row, edited or {}, editable,
                             _edited_note(editable, edited) if edited else EDITED_ELSEWHERE)
            elif delete_policy == 'delete':
                row = RowResult(code=code, outcome='deleted', record_id=record['id'], version=record['version'])
                plan.deletes.append(row)
                result.rows.append(row)
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


def _not_the_sheets(model, plan, row, base, sheet, ctx, columns):
    """Take a row whose record the sheet no longer holds out of the sheet, or refuse a code typed in.

    Its record is never deleted. A row edited in the sheet since the last run stays, with a note,
    until its writer moves the edit where the record is now (nothing typed is lost).
    """
    old = base.merging(row.code)
    if old is None:   # the gate's one answer for a record that does not exist and one that is not yours
        refusal = gate.not_found(model, row.code)
        row.outcome = 'error'
        row.notes.append((NOT_IN_SHEET[0].format(refusal=str(refusal)),
                          NOT_IN_SHEET[1].format(refusal=message_text(refusal, 'zh'))))
        plan.status[row.row] = row.message(ctx.lang)
        return
    edited = [c for c in columns if not c.readonly and c.attr in old
              and c.codec.canon(row.values.get(c.attr), ctx) != old[c.attr]]
    if edited:
        row.outcome = 'error'
        row.notes.append(LEFT_SLICE_EDITED)
        plan.status[row.row] = row.message(ctx.lang)
        plan.new_base[row.code] = base.rows.kept(row.code)   # the same note until the row is dealt with
        return
    row.outcome = 'skipped'
    row.notes.append(LEFT_SLICE)
    last = max(sheet.width, (sheet.status_pos or 0) + 1, len(row.cells))
    for col in range(1, last + 1):
        plan.cells[(row.row, col)] = None
    plan.cleared.add(row.row)


def _link_new_rows(mapping, rows, records, base):
    """Point references to records that other rows of the sheet create at those rows, or fail the row.

    The import's `resolve_in_file_refs` does the work; new rows are those the merge creates: no
    code, or a code neither the database nor the base knows.
    """
    if not any(r.refs for r in rows):
        return
    linking = [r for r in rows if r.outcome != 'error']
    for row in rows:
        if row.code in records:
            row.record_id = records[row.code]['id']
    for row in linking:
        row.outcome = 'created' if not row.code or (row.code not in records and row.code not in base.rows) \
            else 'updated'
    resolve_in_file_refs(mapping, rows)
    for row in linking:
        if row.outcome != 'error':
            row.outcome = 'unchanged'   # until the merge decides


def _edited(columns, record, old, ctx):
    """Return {attr: [base, db]} for the fields of RECORD that differ from its base row OLD."""
    edited = {}
    for column in columns:
        if column.attr in old:
            now = column.codec.canon(record.get(column.attr), ctx)
            if now != old[column.attr]:
                edited[column.attr] = [old[column.attr], now]
    return edited


def _edited_note(columns, edited):
    en = ', '.join(c.en for c in columns if c.attr in edited)
    zh = '、'.join(c.zh for c in columns if c.attr in edited)
    return EDITED_SINCE_BASE[0].format(fields=en), EDITED_SINCE_BASE[1].format(fields=zh)


def _keep_edited(plan, row, edited, columns, what):
    """Keep a record removed from the sheet but edited in the database; list the deletion as a conflict.

    The code is tombstoned like a removal under the keep policy, so later runs neither delete
    nor re-append it; the conflict inbox deletes it or keeps it (and puts it back in the sheet).
    """
    row.outcome = 'conflict'
    row.changes = edited
    row.notes.append((DELETE_KEPT[0].format(what=what[0]), DELETE_KEPT[1].format(what=what[1])))
    plan.vanished.add(row.code)
    plan.conflicts.append((row.code, DELETION, _values(columns, edited, 0), None, _values(columns, edited, 1)))


def _values(columns, edited, side):
    """Return the base (SIDE 0) or database (SIDE 1) values of EDITED fields as JSON, in column order."""
    return json.dumps({c.attr: edited[c.attr][side] for c in columns if c.attr in edited}, ensure_ascii=False)


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
        if row.row in plan.cleared:
            continue
        text = escape(plan.status.get(row.row, ''))   # messages quote cells: no control characters
        current = _cell(row, col - 1) or ''
        if text != current:
            cells[(row.row, col)] = text or None
    return cells, col


def scoped_query(mapping, actor=None, condition=None):
    """Return the query of MAPPING's records ACTOR may change (all for the system actor), narrowed by CONDITION.

    A sheet is a front end that writes: it holds the rows its user may change, so the opportunities
    they only read as a team member (and those deals' quotes and contracts) stay off it."""
    model = mapping.model
    query = model.select()
    act = gate.as_actor(actor)
    if not act.is_system:
        query = query.where(scope.condition(model, act.user, write=True))
    if condition is not None:
        query = query.where(condition)
    return query


def load_records(mapping, actor=None, condition=None, attrs=None):
    """Return {code: record dict} of MAPPING's records that ACTOR may see (all for the system actor),
    narrowed by CONDITION (a target's slice). ATTRS: read only these fields (besides id, code and
    version), as a sheet compares only its columns: a wide table's other fields cost a run time and memory."""
    query = scoped_query(mapping, actor, condition)
    fields = mapping.model._meta.sorted_fields
    if attrs is not None:
        wanted = {'id', 'code', 'version'} | set(attrs)
        if any(a.startswith(CUSTOM) for a in attrs):
            wanted.add('custom')
        fields = [f for f in fields if f.name in wanted]
    # The rows as `.dicts()` gives them, converting only the values the driver does not give as they are.
    names = [f.name for f in fields]
    convert = [(f.name, f.python_value) for f in fields if not as_read(f)]
    records = {}
    for row in database.execute(query.select(*fields)):
        record = dict(zip(names, row))
        for name, python_value in convert:
            record[name] = python_value(record[name])
        records[record['code']] = expand(record)
    return records


class Records:
    """The records a run compares with its sheet, {code: record dict} as `load_records` reads them, read a
    window of the sheet's rows at a time (ORDER: the sheet's codes, in the order the merge visits them).

    Only the codes of every record in the slice and the run-as user's scope are held; a run over a large sheet
    then holds a few thousand records instead of all of them. `items(skip)` reads the records the sheet does
    not hold (to append them), a window at a time too."""
    WINDOW = 2000

    def __init__(self, mapping, actor, condition, attrs, order):
        self._read = (mapping, actor, condition, attrs)
        model = mapping.model
        query = scoped_query(mapping, actor, condition).select(model.code).order_by(model.id)
        self._codes = [code for (code,) in database.execute(query)]
        self._known = set(self._codes)
        self._order = [code for code in dict.fromkeys(order) if code in self._known]
        self._next = 0   # where the next window starts in _order (the merge reads them in turn)
        self._window = {}

    def __contains__(self, code):
        return code in self._known

    def __len__(self):
        return len(self._known)

    def __iter__(self):
        return (code for code in self._codes if code in self._known)

    def get(self, code, default=None):
        if code not in self._known:
            return default
        record = self._window.get(code)
        if record is None:
            at = state.position(self._order, code, self._next)
            self._next = at + self.WINDOW if at is not None else self._next
            self._window = self._load(self._order[at:at + self.WINDOW] if at is not None else [code])
            record = self._window.get(code)
            if record is None:   # deleted since the codes were read: as if it never was
                self._known.discard(code)
                return default
        return record

    def __getitem__(self, code):
        record = self.get(code)
        if record is None:
            raise KeyError(code)
        return record

    def items(self, skip=()):
        """Yield (code, record) of every record whose code is not in SKIP, in the order of their ids."""
        rest = [code for code in self._codes if code in self._known and code not in skip]
        for start in range(0, len(rest), self.WINDOW):
            chunk = rest[start:start + self.WINDOW]
            found = self._load(chunk)
            yield from ((code, found[code]) for code in chunk if code in found)

    def _load(self, codes):
        mapping, actor, condition, attrs = self._read
        within = one_of(mapping.model.code, codes)
        return load_records(mapping, actor, within if condition is None else (condition & within), attrs)


def existing_codes(model, codes):
    """Return those of CODES that name a record of MODEL (whoever may read it)."""
    codes, found = list(codes), set()
    for start in range(0, len(codes), BATCH):
        query = model.select(model.code).where(model.code.in_(codes[start:start + BATCH]))
        found.update(code for (code,) in query.tuples())
    return found


def own_new_rows(target, mapping, sheet, plan, act, ctx):
    """Give the sheet's new rows without an owner the run-as user as owner (target.new_owner 'me'), shown
    in the sheet's owner column; with 'rules' they go through the assignment rules as a form's would."""
    if target.new_owner != 'me' or 'owner' not in mapping.by_attr or act.is_system \
            or act.role not in gate.OWNER_ROLES:
        return
    column = mapping.by_attr['owner']
    col = next((p + 1 for p, c in sheet.columns.items() if c is column), None)
    for row in plan.creates:
        if row.values.get('owner') in (None, ''):
            row.values['owner'] = act.user.id
            if col is not None:
                plan.cells[(row.row, col)] = escape(column.codec.render(act.user.id, ctx))


def target_actor(target):
    """Return who TARGET's runs act as: its run-as user, else the running operation's actor."""
    if target.run_as_id:
        user = User.get_or_none(User.id == target.run_as_id)
        if user is None or not user.active:
            raise SyncError(f'Sync target {target.name} runs as a user who is no longer active; choose another '
                            f'run-as user for it.',
                            zh=f'同步目标 {target.name} 的执行用户已停用；请为其选择其他执行用户。')
        return gate.Actor(user)
    return gate.actor()


def review(act, mapping, plan, ctx):
    """Refuse the sheet rows ACT may not write (requests.review); they stay in the sheet with the reason."""
    rows = plan.creates + plan.updates
    attrs = {id(r): list(r.values) for r in rows}
    updating = {id(r) for r in plan.updates}
    requests.review(act, mapping, rows, ctx)
    for row in rows:
        if row.outcome != 'error':
            continue
        plan.status[row.row] = row.message(ctx.lang)
        if row.code in plan.new_base and id(row) in updating:
            _keep_old_base(plan, row, attrs[id(row)])
    plan.creates = [r for r in plan.creates if r.outcome != 'error']
    plan.updates = [r for r in plan.updates if r.outcome != 'error']


def _changed_since_last_run(target, mapping, codes):
    """Return those of CODES whose record has an audit row since the target's last finished run
    began, other than that run's own writes: edited by someone since the sheet last saw it."""
    last = (SyncRun.select(SyncRun.code, SyncRun.started_at)
            .where(SyncRun.target == target.id, SyncRun.kind == 'sync', SyncRun.dry_run == False,  # noqa: E712
                   SyncRun.status.in_(('done', 'attention')))
            .order_by(SyncRun.id.desc()).first())
    if last is None or not codes:
        return set()
    changed = set()
    for start in range(0, len(codes), BATCH):
        query = (AuditLog.select(AuditLog.entity_code)
                 .where(AuditLog.entity == mapping.model.__name__, AuditLog.entity_code.in_(codes[start:start + BATCH]),
                        AuditLog.at >= last.started_at, AuditLog.batch.is_null() | (AuditLog.batch != last.code)))
        changed.update(code for (code,) in query.tuples())
    return changed


def plan_target(target, progress=None, table=None, actor=None, named=None):
    """Read the target's sheet, the database and the base; return (table, sheet, plan, ctx, base).

    NAMED: records earlier tabs of the same workbook created in this run, by name (`Context.named`)."""
    mapping = get(target.entity)
    act = gate.as_actor(actor) if actor is not None else target_actor(target)
    view = slices.for_target(target, mapping.model)
    condition = view.condition() if view.terms else None
    capacity.check(target, mapping, scoped_query(mapping, act, condition).count())   # before anything is read
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
    ctx = Context(lang=target.lang, date1904=getattr(table, 'date1904', False), actor=act)
    ctx.named = named or {}
    rows = [parse_row(mapping, sheet, n, cells, ctx, defer_refs=True) for n, cells in sheet.rows]
    complete = hooks.completer(mapping.model)   # what the form fills (a follow-up's customer ...)
    for row in rows if complete is not None else ():
        if row.outcome != 'error':
            complete(row, ctx)
    records = Records(mapping, act, condition, [c.attr for c in sheet.columns.values()],
                      [r.code for r in rows if r.code])
    base = state.load_base(target)
    base.rows.visit([r.code for r in rows if r.code])   # the base rows are read in the merge's order
    unknown = {r.code for r in rows if r.code and r.code not in records}
    closed = bool(view.terms) or (not act.is_system and scope.visible_user_ids(act.user) is not None)
    plan = merge(mapping, sheet, rows, records, base, ctx, target.conflict_policy, target.delete_policy,
                 edited_elsewhere=lambda codes: _changed_since_last_run(target, mapping, codes),
                 outside=existing_codes(mapping.model, unknown) if unknown else set(), closed=closed)
    plan.actor = act
    own_new_rows(target, mapping, sheet, plan, act, ctx)
    review(act, mapping, plan, ctx)
    live = len([c for c in base.rows if c not in base.vanished])
    if plan.vanishing > max(2, live * target.max_vanish_percent / 100):
        raise SyncError(f'{plan.vanishing} of {live} rows disappeared from {sheet.label} (more than '
                        f'{target.max_vanish_percent}%); nothing was written. Check the sheet or filter, '
                        f'or raise the limit for this target.',
                        zh=f'{sheet.label} 的 {live} 行中有 {plan.vanishing} 行不见了（超过 '
                           f'{target.max_vanish_percent}%），未写入任何数据。请检查表格或筛选，'
                           f'或调高此同步目标的上限。')
    return table, sheet, plan, ctx, base


def run_sync(target, dry_run=False, accept_header=False, progress=None, table=None, actor=None, stamp=None):
    """Run one sync of TARGET under its lock; return the Result (run code set).

    :param table: the Table to use instead of opening the target's backend (tests, callers
        holding an open connection)
    :param actor: who the run acts as instead of the target's run-as user (`sync run --as`)
    :param stamp: the sheet's stamp (`idle.sheet_stamp`) the periodic job took just before this run; kept
        so later job runs skip the target while nothing moves (None: unknown, the next job run reads)
    """
    if target.is_workbook or target.workbook_id:   # a workbook's tabs sync together: `runner.run_sync`
        raise SyncError(f'Sync target {target.name} is a workbook or one of its tabs; its tabs run together '
                        f'(`flask ltc sync run {target.name}`).',
                        zh=f'同步目标 {target.name} 是工作簿或其中的工作表；其工作表一起运行'
                           f'（`flask ltc sync run {target.name}`）。')
    state.acquire(target)
    try:
        # A run holds millions of acyclic objects each collection would walk, and reads its pages once.
        with no_gc(), one_pass_cache():
            return _run_sync(target, dry_run, accept_header, progress, table, actor, stamp)
    finally:
        state.release(target)


def _run_sync(target, dry_run, accept_header, progress, table, actor, stamp):
    """Read, plan and (unless DRY_RUN) apply one run of TARGET; the caller holds its lock."""
    if accept_header:
        target.header_signature = None
    table, sheet, plan, ctx, base = plan_target(target, progress, table, actor)
    plan.stamp = stamp
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


def apply_plan(target, mapping, table, sheet, plan, ctx, base, run, progress=None):
    """Write the database, then the sheet, then the new base."""
    from .header import header_note
    write_database(target, mapping, plan, ctx, run, progress)
    plan.note = (sheet.header_row, 1, header_note(target, plan.actor, utcnow()))
    write_sheet(table, sheet, plan, ctx)
    record_written(target, sheet, plan, base, utcnow(), getattr(plan, 'stamp', None))


def record_written(target, sheet, plan, base, at, stamp):
    """After the sheet was written: keep the new base, the header's signature, the run's time and the stamp."""
    state.save_base(target, base, plan.new_base, plan.vanished)
    SyncTarget.update(header_signature=sheet.signature(), last_run_at=at,
                      sheet_stamp=stamp).where(SyncTarget.id == target.id).execute()
    target.header_signature = sheet.signature()


def write_database(target, mapping, plan, ctx, run, progress=None):
    """Write the plan's creates, updates and deletes (batches, audited, versioned) and list its conflicts."""
    creating = {id(r) for r in plan.creates}
    waiting = [r for r in plan.creates + plan.updates if r.refs]
    creates = [r for r in plan.creates if not r.refs]
    updates = [r for r in plan.updates if not r.refs]
    done, total, refused, linked = 0, len(plan.creates) + len(plan.updates), set(), False
    act = getattr(plan, 'actor', None) or target_actor(target)
    with audit.acting_as(act, 'sync', batch=run.code):
        # Rows naming a record another row of the sheet creates are written after it, in as many
        # rounds as the longest chain (group > member > member's member), as the import does.
        first = requests.updates_first(mapping)
        while creates or updates:
            if not first:
                _write_creates(target, mapping, plan, creates, ctx, bool(waiting) or any(r.commands for r in creates),
                               progress, done, total)
            _write_updates(mapping, plan, [r for r in updates if r.values], ctx, refused, progress, done + len(creates),
                           total, linked)
            if first:   # a reversed invoice frees the amount a new row on its plan asks for
                requests.run_commands(act, mapping, [r for r in updates if r.outcome != 'error'],
                                      lambda row, exc: _refused(plan, row, exc, ctx))
                _write_creates(target, mapping, plan, creates, ctx, bool(waiting) or any(r.commands for r in creates),
                               progress, done, total)
            done += len(creates) + len(updates)
            requests.run_commands(act, mapping, [r for r in (creates if first else creates + updates)
                                                 if r.outcome != 'error'],
                                  lambda row, exc: _refused(plan, row, exc, ctx))
            linked = True
            ready, still = ready_rows(waiting)
            failed = [r for r in waiting if r.outcome == 'error']
            waiting = still
            creates = [r for r in ready if id(r) in creating]
            updates = [r for r in ready if id(r) not in creating]
            for row in failed:
                _not_written(plan, row, id(row) in creating, refused, ctx)
        for row in waiting:   # it names a row the merge matched to an earlier creation after all
            row.outcome = 'error'
            row.notes.append((f'Row {row.row}: the rows it refers to were not written', f'第{row.row}行：它引用的行未写入'))
            _not_written(plan, row, id(row) in creating, refused, ctx)
        for row in plan.deletes:
            _delete(mapping, plan, row, ctx)
        # A conflict settled by taking the sheet value was not settled if that write was refused;
        # the next run finds it again with the database value of then.
        plan.conflicts = [c for c in plan.conflicts if (c[0], c[1]) not in refused]
        conflicts = [{'run': run.id, 'target': target.id, 'code': c, 'field': a, 'base_value': b,
                      'sheet_value': s, 'db_value': d, 'status': 'open', 'created_at': utcnow()}
                     for c, a, b, s, d in plan.conflicts]
        for start in range(0, len(conflicts), BATCH):
            SyncConflict.insert_many(conflicts[start:start + BATCH]).execute()
        if conflicts:
            _remind_conflicts(target, len(conflicts))


def _remind_conflicts(target, count):
    """Tell whoever resolves the target's conflicts (its run-as user, else the admins) that some wait."""
    import datetime
    from ...models import Role, User
    from ...services import reminders
    users = [target.run_as_id] if target.run_as_id else [
        u.id for u in User.select(User.id).join(Role).where(Role.name == 'admin', User.active)]
    for user_id in users:
        reminders.add(user_id, 'sync_conflict', 'SyncTarget', target.code, datetime.date.today(),
                      {'name': target.name, 'count': count})


def _write_creates(target, mapping, plan, rows, ctx, need_ids, progress, done, total):
    """Insert new ROWS in batches, remembering each with its fingerprint; NEED_IDS: note their ids."""
    columns = plan.columns
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        with database.atomic():
            created = create_rows(mapping, batch, ctx)
            state.save_pending(target, [(r.fingerprint, r.code,
                                         _canon_values(columns, r.values, ctx)) for r in created])
        if need_ids:   # rows naming these are written with their ids
            fetch_ids(mapping, created)
        for row in batch:
            if row.outcome == 'error':
                row.code = None   # nothing was created: the sheet row stays without a code
                plan.status[row.row] = row.message(ctx.lang)
        for row in created:
            plan.cells[(row.row, plan.key_col)] = row.code
            plan.new_base[row.code] = _canon_values(columns, row.values, ctx)
        if progress:
            progress(done + start + len(batch), total)


def _write_updates(mapping, plan, rows, ctx, refused, progress, done, total, linked=False):
    """Save updated ROWS in batches (one versioned statement per set of changed fields); a refused
    row is reported and its (code, attr) added to REFUSED.

    On SQLite each transaction writes as many rows as the last one's rate fits in WRITE_SLICE (more
    while nobody writes in the pauses, see QUIET_SLICE), then pauses, so web edits get the lock in
    between. LINKED: the rows named records this run created; their base takes the written references.
    """
    index, seconds = 0, WRITE_SLICE
    size = max(1, int(SLICE_START_RATE * seconds)) if _single_writer() else BATCH
    while index < len(rows):
        batch, began, failed = rows[index:index + size], time.monotonic(), set()
        with database.atomic():
            for row, exc in write_updates(mapping, batch, ctx):
                _refused(plan, row, exc, ctx)
                refused.update((row.code, attr) for attr in row.values)
                failed.add(id(row))
        if linked:
            for row in batch:
                if id(row) not in failed:
                    plan.new_base[row.code] = state.parsed(plan.new_base[row.code])
                    plan.new_base[row.code].update(
                        (c.attr, c.codec.canon(row.values[c.attr], ctx)) for c in plan.columns
                        if c.attr in row.values)
        index += len(batch)
        if progress:
            progress(done + index, total)
        if _single_writer() and index < len(rows):
            rate = len(batch) / max(time.monotonic() - began, 1e-6)
            before = _data_version()
            time.sleep(WRITER_PAUSE)
            seconds = WRITE_SLICE if _data_version() != before else min(QUIET_SLICE, seconds * 2)
            # The next transaction writes as many rows as this one's rate fits in its time.
            size = max(1, min(SLICE_ROWS, int(rate * seconds)))


def _not_written(plan, row, created, refused, ctx):
    """Report a row left unwritten because a row of the sheet it names could not be written."""
    plan.status[row.row] = row.message(ctx.lang)
    if created:
        return   # nothing was created: a codeless row stays without a code
    refused.update((row.code, attr) for attr in row.values)
    _keep_old_base(plan, row)


def _delete(mapping, plan, row, ctx):
    """Delete the record of a row removed from the sheet, unless it changed since the plan was made."""
    model = mapping.model
    with database.atomic():
        # Locks the record at the version the plan saw (a no-op update): an admin save after
        # this waits for the deletion; one before it makes the version differ.
        if not model.update(version=model.version).where(model.id == row.record_id,
                                                        model.version == row.version).execute():
            record = model.select().where(model.id == row.record_id).dicts().get_or_none()
            if record is not None:   # else deleted in the database meanwhile: nothing left to do
                edited = _edited(plan.columns, record, plan.base.rows.get(row.code, {}), ctx)
                _keep_edited(plan, row, edited, plan.columns, EDITED_MEANWHILE)
            return
        try:
            record = model.get_by_id(row.record_id)
            gate.check_write(plan.actor, record, 'delete')   # the run-as user may delete it, in scope
            audit.delete(record)
        except LTCError as exc:
            plan.vanished.add(row.code)
            row.outcome = 'error'
            row.notes.append((str(exc), message_text(exc, 'zh')))


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
    plan.status[row.row] = row.message(ctx.lang)
    _keep_old_base(plan, row)


def _keep_old_base(plan, row, unwritten=None):
    """Leave the row's unwritten fields (default: its values and requests) at their old base, so the next
    run merges them again."""
    if unwritten is None:
        unwritten = list(row.values) + [a for a in row.commands if a not in row.values]
    for attr in unwritten:
        row.changes.pop(attr, None)
    old = plan.base.merging(row.code) or {}
    kept = {a: v for a, v in state.parsed(plan.new_base[row.code]).items() if a not in unwritten}
    kept.update((a, old[a]) for a in unwritten if a in old)
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
                           status_col=status_col, note=plan.note))
