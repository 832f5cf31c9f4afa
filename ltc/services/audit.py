"""The one write path: save or delete a record and record who changed what, in one transaction."""
import contextlib
import contextvars
import datetime
import decimal
import json

from psycopg2.extras import execute_values

from ..db import copy_rows, database, is_sqlite, utcnow
from ..models.audit import AuditLog
from ..models.choices import AUDIT_SOURCES
from . import cached, events

_context = contextvars.ContextVar('ltc_actor', default=('system', 'system', None))
_actor = contextvars.ContextVar('ltc_actor_object', default=None)   # the User (or gate.Actor) acting
IGNORED = frozenset({'updated_at', 'version', 'created_at', 'search_keys'})   # search_keys: derived
SECRET = frozenset({'password_hash', 'secret_hash', 'secret'})
# json.dumps(x, ensure_ascii=False) builds a new encoder per call; bulk writes reuse this one
# (same output).
to_json = json.JSONEncoder(ensure_ascii=False).encode


@contextlib.contextmanager
def acting_as(actor, source, batch=None):
    """Attribute every write inside the block to ACTOR (a User or a name) from SOURCE."""
    if source not in AUDIT_SOURCES:
        raise ValueError(f'unknown audit source {source!r}')
    # A User (or the admin's session user) by username, a gate.Actor by name, a string as it is.
    name = actor if isinstance(actor, str) else (
        getattr(actor, 'username', None) or getattr(actor, 'name', None) or str(actor))
    token = _context.set((name, source, batch))
    # A name alone (a job, a CLI run without --as) acts as the system actor of that name.
    held = _actor.set(None if isinstance(actor, str) else actor)
    try:
        yield
    finally:
        _actor.reset(held)
        _context.reset(token)


def current():
    """Return (actor name, source, batch) of the running operation."""
    return _context.get()


def current_actor():
    """Return the user (or gate Actor) the running operation acts as; None for a named system actor."""
    return _actor.get()


def _plain(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def diff(before, after):
    """Return {field: [before, after]} for the fields whose value changed."""
    out = {}
    for key in sorted(after.keys() | before.keys()):
        if key in IGNORED or key == 'id':
            continue
        old, new = before.get(key), after.get(key)
        if key == 'custom':   # custom fields one by one, by their key: custom:<key>
            old, new = old or {}, new or {}
            for name in sorted(old.keys() | new.keys()):
                if old.get(name) != new.get(name):
                    out[f'custom:{name}'] = [old.get(name), new.get(name)]
            continue
        if old != new:
            out[key] = ['***', '***'] if key in SECRET else [_plain(old), _plain(new)]
    return out


def record(entity, code, action, changes, note=None):
    """Write one audit row for a change made by the current actor."""
    actor, source, batch = current()
    # A prepared statement, as record_many: peewee would build this INSERT anew for every change.
    database.execute_sql(f'INSERT INTO "{AuditLog._meta.table_name}" (at, actor, source, entity, entity_code, '
                         f'action, changes, batch, note) VALUES ({", ".join([database.param] * 9)})',
                         (AuditLog.at.db_value(utcnow()), actor, source, entity, code or '', action,
                          to_json(changes), batch, note))
    events.raise_for([(entity, code, action, changes)], actor, source)   # in the caller's transaction
    if changes:   # a rule, form, setting or user changed (a logout changes nothing): every process reads them again
        cached.changed((entity,))


def record_many(rows):
    """Write audit rows in bulk: each row is (entity, code, action, changes)."""
    rows = list(rows)
    actor, source, batch = current()
    now = utcnow()
    payload = [(now, actor, source, e, c or '', a, to_json(ch), batch)
               for e, c, a, ch in rows]
    if not payload:
        return
    # One prepared statement for all rows: peewee's insert_many builds SQL per value (slow in bulk).
    db = database.obj
    sql = (f'INSERT INTO "{AuditLog._meta.table_name}" (at, actor, source, entity, entity_code, action, '
           f'changes, batch) VALUES ')
    values = [(AuditLog.at.db_value(p[0]),) + p[1:] for p in payload]
    with database.atomic():
        if is_sqlite():
            db.cursor().executemany(sql + f'({", ".join([db.param] * 8)})', values)
        elif not copy_rows(AuditLog._meta.table_name, ('at', 'actor', 'source', 'entity', 'entity_code', 'action',
                                                       'changes', 'batch'), values):
            # psycopg2's executemany is one round trip per row; this sends 1,000 rows per INSERT
            execute_values(db.cursor(), sql + '%s', values, page_size=1000)
        events.raise_for(rows, actor, source)
        cached.changed({e for e, _c, _a, changes in rows if changes})


def save(instance, action=None, note=None):
    """Save INSTANCE (insert or versioned update) and audit the changed fields."""
    model = type(instance)
    with database.atomic():
        if instance.id is None:
            before = {}
            instance.created_by = instance.created_by or current()[0]
            action = action or 'create'
        else:
            row = model.select().where(model.id == instance.id).dicts().get_or_none()
            before = row or {}
            action = action or 'update'
        instance.save()
        changes = diff(before, instance.field_values())
        if changes or action != 'update':
            record(model.__name__, instance.code, action, changes, note)
    return instance


def delete(instance, note=None):
    """Delete INSTANCE and its own lines, auditing each; refused while others refer to it."""
    model = type(instance)
    with database.atomic():
        if instance.dependents():
            instance.delete_instance()   # raises DeleteRefused naming the dependents
        for child in instance.owned_rows():
            record(type(child).__name__, child.code, 'delete', diff(child.field_values(), {}), note)
        record(model.__name__, instance.code, 'delete', diff(instance.field_values(), {}), note)
        instance.delete_instance()
