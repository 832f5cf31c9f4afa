"""The stored base of each sync target (last synced values per code) and the per-target lock."""
import json
import os
import socket
from datetime import timedelta

from ...db import database, utcnow
from ...models.sync import SyncState, SyncTarget
from ..errors import SyncError

STALE_LOCK = timedelta(hours=1)
PARSE_ROWS = 2000   # base rows parsed at once


class Base:
    """The base rows of one target: {code: {attr: canonical text}}, pending creations and tombstones."""

    def __init__(self, rows=None, pending=None, vanished=None):
        self.rows = rows or {}
        self.pending = pending or {}      # {fingerprint: code} created but code not yet in the sheet
        self.vanished = vanished or set()

    def merging(self, code):
        """Return the base row a merge compares CODE against: None when unknown or tombstoned."""
        return self.rows.get(code) if code not in self.vanished else None


def load_base(target):
    base = Base()
    query = SyncState.select(SyncState.code, SyncState.values, SyncState.pending_key, SyncState.vanished)
    cursor = database.execute(query.where(SyncState.target == target))
    while True:
        chunk = cursor.fetchmany(PARSE_ROWS)
        if not chunk:
            return base
        # One parse per chunk: a call per row costs more than the parsing, and one parse shares the
        # field names between its rows instead of holding a copy per row.
        values = json.loads('[' + ','.join(values for _code, values, _pending, _vanished in chunk) + ']')
        for (code, _values, pending, vanished), row in zip(chunk, values):
            if pending:
                base.pending[pending] = code
            base.rows[code] = row
            if vanished:
                base.vanished.add(code)


def save_pending(target, created):
    """Remember rows created from codeless sheet rows, in the transaction that creates them."""
    _upsert([(target.id, code, json.dumps(values, ensure_ascii=False), key, False) for key, code, values in created])


def _upsert(rows):
    """Insert or replace base ROWS [(target id, code, values JSON, pending key, vanished)], 500 per statement.

    The statement peewee's `insert_many(...).on_conflict(preserve=...)` writes, with the values bound
    as plain parameters: building a node per value cost more than running it (a first sync stores
    every row)."""
    if not rows:
        return
    param = database.obj.param
    columns = [SyncState.target, SyncState.code, SyncState.values, SyncState.pending_key, SyncState.vanished]
    names = ', '.join(f'"{c.column_name}"' for c in columns)
    kept = ', '.join(f'"{c.column_name}" = EXCLUDED."{c.column_name}"' for c in columns[2:])
    marks = '(' + ', '.join([param] * len(columns)) + ')'
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        database.execute_sql(f'INSERT INTO "{SyncState._meta.table_name}" ({names}) VALUES '
                             f'{", ".join([marks] * len(chunk))} ON CONFLICT ("{columns[0].column_name}", '
                             f'"{columns[1].column_name}") DO UPDATE SET {kept}',
                             [value for row in chunk for value in row])


def save_base(target, old, new, vanished):
    """Replace the stored base with NEW ({code: values}) and the tombstones VANISHED; one transaction."""
    pending = set(old.pending.values())
    with database.atomic():
        gone = [c for c in old.rows if c not in new and c not in vanished]
        for start in range(0, len(gone), 500):
            SyncState.delete().where(SyncState.target == target,
                                     SyncState.code.in_(gone[start:start + 500])).execute()
        changed = [(target.id, code, json.dumps(values, ensure_ascii=False), None, code in vanished)
                   for code, values in new.items()
                   if old.rows.get(code) != values or code in pending
                   or (code in old.vanished) != (code in vanished)]
        changed += [(target.id, code, json.dumps(old.rows.get(code, {})), None, True)
                    for code in vanished if code not in new and code not in old.vanished]
        _upsert(changed)


def _owner():
    return f'{socket.gethostname()}:{os.getpid()}'


def _dead(owner):
    host, _, pid = (owner or '').rpartition(':')
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire(target):
    """Take the target's lock or refuse; a lock of a dead local process or older than an hour is taken over."""
    now = utcnow()
    free = (SyncTarget.lock_owner.is_null()) | (SyncTarget.locked_at < now - STALE_LOCK)
    taken = SyncTarget.update(lock_owner=_owner(), locked_at=now).where(
        (SyncTarget.id == target.id) & free).execute()
    if not taken:
        holder = SyncTarget.get_by_id(target.id)
        if _dead(holder.lock_owner):
            taken = SyncTarget.update(lock_owner=_owner(), locked_at=now).where(
                (SyncTarget.id == target.id) & (SyncTarget.lock_owner == holder.lock_owner)).execute()
        if not taken:
            raise SyncError(f'Sync target {target.name} is being synced by {holder.lock_owner} since '
                            f'{holder.locked_at:%Y-%m-%d %H:%M} UTC; wait for that run to finish.',
                            zh=f'同步目标 {target.name} 正由 {holder.lock_owner} 同步（自 '
                               f'{holder.locked_at:%Y-%m-%d %H:%M} UTC 起）；请等该次运行结束。')


def release(target):
    SyncTarget.update(lock_owner=None, locked_at=None).where(
        (SyncTarget.id == target.id) & (SyncTarget.lock_owner == _owner())).execute()
