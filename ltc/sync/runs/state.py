"""The stored base of each sync target (last synced values per code) and the per-target lock."""
import json
import os
import socket
from datetime import timedelta

from ...db import database, utcnow
from ...models.sync import SyncState, SyncTarget
from ..errors import SyncError

STALE_LOCK = timedelta(hours=1)


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
    codes, texts = [], []
    for code, values, pending, vanished in query.where(SyncState.target == target).tuples().iterator():
        if pending:
            base.pending[pending] = code
        codes.append(code)
        texts.append(values)
        if vanished:
            base.vanished.add(code)
    # One parse of all rows: a call per row costs more than the parsing, and one parse shares the
    # field names between the rows instead of holding a copy per row.
    base.rows = dict(zip(codes, json.loads('[' + ','.join(texts) + ']')))
    return base


def save_pending(target, created):
    """Remember rows created from codeless sheet rows, in the transaction that creates them."""
    rows = [{'target': target.id, 'code': code, 'values': json.dumps(values, ensure_ascii=False),
             'pending_key': key, 'vanished': False} for key, code, values in created]
    for start in range(0, len(rows), 500):
        (SyncState.insert_many(rows[start:start + 500])
         .on_conflict(conflict_target=[SyncState.target, SyncState.code],
                      preserve=[SyncState.values, SyncState.pending_key, SyncState.vanished]).execute())


def save_base(target, old, new, vanished):
    """Replace the stored base with NEW ({code: values}) and the tombstones VANISHED; one transaction."""
    pending = set(old.pending.values())
    with database.atomic():
        gone = [c for c in old.rows if c not in new and c not in vanished]
        for start in range(0, len(gone), 500):
            SyncState.delete().where(SyncState.target == target,
                                     SyncState.code.in_(gone[start:start + 500])).execute()
        changed = [{'target': target.id, 'code': code, 'values': json.dumps(values, ensure_ascii=False),
                    'pending_key': None, 'vanished': code in vanished}
                   for code, values in new.items()
                   if old.rows.get(code) != values or code in pending
                   or (code in old.vanished) != (code in vanished)]
        changed += [{'target': target.id, 'code': code, 'values': json.dumps(old.rows.get(code, {})),
                     'pending_key': None, 'vanished': True}
                    for code in vanished if code not in new and code not in old.vanished]
        for start in range(0, len(changed), 500):
            (SyncState.insert_many(changed[start:start + 500])
             .on_conflict(conflict_target=[SyncState.target, SyncState.code],
                          preserve=[SyncState.values, SyncState.pending_key, SyncState.vanished]).execute())


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
