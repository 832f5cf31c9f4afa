"""Write many sheet rows into their records at once: what `write_update` does for one row, per batch.

The records are read in one query; each row gets the same checks and derived fields as the
single path (version seen at plan time, `hooks.refresh_derived`); the rows changing the same
fields are written by one versioned statement (`db.update_versioned`) and every written row
gets the audit row a single save gives it. A row the statement did not write because its
version changed meanwhile is refused exactly as the single path refuses it; a statement the
database refuses (a unique rule, a missing reference) is written again row by row through the
single path, so the row breaking the rule gets that path's error and the others are written.
"""
import sqlite3

from peewee import DatabaseError

from ... import searchkeys
from ...db import BaseModel, database, is_sqlite, select_in, update_versioned, utcnow
from ...errors import ConflictError, LTCError
from ...services import audit
from ..mapping import hooks
from ..mapping.entities import fold

STATEMENT_ROWS = 500   # rows per UPDATE: SQLite binds at most 32,766 values per statement
SQLITE_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 35)   # UPDATE ... FROM (3.33) with RETURNING (3.35)


def batchable(model):
    """Return whether MODEL's updates may be batched: the database can, and save() is BaseModel's own."""
    return model.save is BaseModel.save and (SQLITE_UPDATE_FROM or not is_sqlite())


def write_update(mapping, row, ctx, names=None):
    """Save one row's changed fields (or NAMES) with the version seen at plan time; audit the change."""
    model = mapping.model
    record = model.get_by_id(row.record_id)
    before = record.field_values()
    if record.version != row.version:
        raise ConflictError(f'{row.code} changed in the database since the preview; run the import again.',
                            zh=f'{row.code} 在预览之后已在数据库中被修改；请重新导入。')
    values = fold({name: row.values[name] for name in (names or row.changes)}, record.custom)
    names = list(values)
    for name in names:
        setattr(record, name, values[name])
    names += [n for n in hooks.refresh_derived(record, ctx) if n not in names]
    record.save(only=[getattr(model, n) for n in names])
    changes = audit.diff(before, record.field_values())
    audit.record_many([(model.__name__, record.code, 'update', changes)])
    return record


def write_updates(mapping, rows, ctx):
    """Write ROWS (RowResults with record_id, version and the values to write); return [(row, exc)] refused.

    EXC is what `write_update` would have raised for the row: ConflictError (changed since the
    plan), the model's DoesNotExist (deleted since) or another LTCError (a rule of the database).
    Call inside a transaction.
    """
    model = mapping.model
    if not batchable(model):
        return _one_by_one(mapping, rows, ctx)
    current = {r['id']: r for r in select_in(model, model.id, [row.record_id for row in rows])}
    custom = any(c.custom_key for c in mapping.columns)
    refused, groups = [], {}
    for order, row in enumerate(rows):
        data = current.get(row.record_id)
        if data is None:
            refused.append((order, row, model.DoesNotExist(f'{row.code} was deleted')))
            continue
        if data['version'] != row.version:
            refused.append((order, row, _changed(row)))
            continue
        record = model(__no_default__=True)
        record.__data__.update(data)
        before = record.field_values()
        values = fold(dict(row.values), data.get('custom')) if custom else row.values
        names = list(values)
        for name in names:
            setattr(record, name, values[name])
        try:
            derived = hooks.refresh_derived(record, ctx)
        except LTCError as exc:
            refused.append((order, row, exc))
            continue
        names += [n for n in derived if n not in names]
        if searchkeys.refresh(record, names):   # a renamed record is found by its new pinyin
            names.append('search_keys')
        if 'code' in names:   # BaseModel.save checks a changed code first: leave that to it
            refused.extend((order, r, e) for r, e in _one_by_one(mapping, [row], ctx))
            continue
        groups.setdefault(tuple(sorted(names)), []).append((order, row, record, before))
    audits, lost = [], []
    for names, members in groups.items():
        fields = [getattr(model, n) for n in names]
        for start in range(0, len(members), STATEMENT_ROWS):
            chunk = members[start:start + STATEMENT_ROWS]
            try:
                with database.atomic():
                    written = update_versioned(model, fields, [
                        (record.id, row.version, [record.__data__.get(n) for n in names])
                        for _order, row, record, _before in chunk], utcnow())
            except DatabaseError:
                # One row breaks a rule: the single path finds which and says why.
                for order, row, _record, _before in chunk:
                    refused.extend((order, r, e) for r, e in _one_by_one(mapping, [row], ctx))
                continue
            for order, row, record, before in chunk:
                if record.id in written:
                    record.version = row.version + 1
                    audits.append((order, (model.__name__, record.code, 'update',
                                           audit.diff(before, record.field_values()))))
                else:
                    lost.append((order, row))
    if lost:   # saved or deleted by someone else between the read above and the update
        still = {r['id'] for r in select_in(model, model.id, [row.record_id for _order, row in lost], [model.id])}
        refused.extend((order, row, _changed(row) if row.record_id in still
                        else model.DoesNotExist(f'{row.code} was deleted')) for order, row in lost)
    audits.sort(key=lambda pair: pair[0])
    audit.record_many([entry for _order, entry in audits])
    refused.sort(key=lambda triple: triple[0])
    return [(row, exc) for _order, row, exc in refused]


def _changed(row):
    return ConflictError(f'{row.code} changed in the database since the preview; run the import again.',
                         zh=f'{row.code} 在预览之后已在数据库中被修改；请重新导入。')


def _one_by_one(mapping, rows, ctx):
    """Write ROWS through the single path, each in its own savepoint; return [(row, exc)] refused."""
    refused = []
    for row in rows:
        try:
            with database.atomic():
                write_update(mapping, row, ctx, names=list(row.values))
        except (LTCError, mapping.model.DoesNotExist) as exc:
            refused.append((row, exc))
    return refused
