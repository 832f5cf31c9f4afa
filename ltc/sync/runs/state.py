"""The stored base of each sync target (last synced values per code) and the per-target lock."""
import json
import os
import socket
from datetime import timedelta

from ...db import database, one_of, utcnow
from ...models.sync import SyncState, SyncTarget
from ..errors import SyncError

STALE_LOCK = timedelta(hours=1)


WINDOW = 2000   # base rows read at once


class Kept:
    """The new base of a row the run leaves as it was: its stored row stays (nothing is held or written)."""
    __slots__ = ('code', 'rows')

    def __init__(self, code, rows):
        self.code, self.rows = code, rows

    def __eq__(self, other):
        if isinstance(other, Kept):
            return other.code == self.code
        return self.rows.get(self.code) == other

    __hash__ = None


class StoredRows:
    """{code: base row} of one target, read from the stored base a window of rows at a time.

    Only the codes are held: a run over a large sheet compares each row once, in the sheet's order
    (`visit`), so holding every base row would cost memory for nothing. A row asked for outside the
    window is read with the rows after it in that order (then in the order they were stored)."""

    def __init__(self, target_id, codes, rows=None):
        self.target_id = target_id
        self._codes = codes            # in the order they were stored
        self._known = set(codes)
        self._order, self._next = codes, 0
        self._window = dict(rows or {})
        self._given = rows is not None   # built from values (no stored rows to read)

    def visit(self, order):
        """Read windows in ORDER (the codes as the merge meets them), then the others as stored."""
        first = [c for c in dict.fromkeys(order) if c in self._known]
        seen = set(first)
        self._order = first + [c for c in self._codes if c not in seen]

    def __contains__(self, code):
        return code in self._known

    def __iter__(self):
        return iter(self._codes)

    def __len__(self):
        return len(self._codes)

    def get(self, code, default=None):
        if code not in self._known:
            return default
        if code not in self._window and not self._given:
            at = position(self._order, code, self._next)
            self._next = at + WINDOW
            self._window = dict(_read_rows(self.target_id, self._order[at:at + WINDOW]))
        values = self._window.get(code)
        return default if values is None else json.loads(values) if isinstance(values, str) else dict(values)

    def __getitem__(self, code):
        values = self.get(code)
        if values is None:
            raise KeyError(code)
        return values

    def kept(self, code):
        """Return the new base of CODE's row left as it was (`Kept`), without reading it."""
        return Kept(code, self)

    def texts(self, codes):
        """Return {code: stored JSON text} of CODES."""
        if self._given:
            return {c: json.dumps(self._window[c], ensure_ascii=False) for c in codes if c in self._window}
        found = {}
        codes = list(codes)
        for start in range(0, len(codes), WINDOW):
            found.update(_read_rows(self.target_id, codes[start:start + WINDOW]))
        return found


def position(order, code, hint):
    """Return where CODE is in the list ORDER, looked for from HINT on first (the merge reads in turn),
    or None when it is not there (`twoway.Records` and `StoredRows` find their windows' starts with it)."""
    for start, stop in ((hint, len(order)), (0, hint)):
        try:
            return order.index(code, start, stop)
        except ValueError:
            pass
    return None


def _read_rows(target_id, codes):
    query = SyncState.select(SyncState.code, SyncState.values).where(SyncState.target == target_id,
                                                                     one_of(SyncState.code, codes))
    return database.execute(query)


class Base:
    """The base rows of one target: {code: {attr: canonical text}}, pending creations and tombstones."""

    def __init__(self, rows=None, pending=None, vanished=None, target_id=None, codes=None):
        if codes is None:
            rows = rows or {}
            self.rows = StoredRows(None, list(rows), rows)
        else:
            self.rows = StoredRows(target_id, codes)
        self.pending = pending or {}      # {fingerprint: code} created but code not yet in the sheet
        self.vanished = vanished or set()

    def merging(self, code):
        """Return the base row a merge compares CODE against: None when unknown or tombstoned."""
        return self.rows.get(code) if code not in self.vanished else None


def load_base(target):
    """Return the target's Base: its codes, pending creations and tombstones (the rows are read when asked for)."""
    codes, pending, vanished = [], {}, set()
    query = SyncState.select(SyncState.code, SyncState.pending_key, SyncState.vanished).where(
        SyncState.target == target).order_by(SyncState.id)
    for code, key, gone in database.execute(query):
        codes.append(code)
        if key:
            pending[key] = code
        if gone:
            vanished.add(code)
    return Base(pending=pending, vanished=vanished, target_id=target.id, codes=codes)


def parsed(values):
    """Return a new base row as a dict (a `Kept` row read)."""
    return values.rows.get(values.code, {}) if isinstance(values, Kept) else values


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
    """Replace the stored base with NEW ({code: values, or `Kept` for a row left as it was}) and the tombstones
    VANISHED; one transaction."""
    pending = set(old.pending.values())
    with database.atomic():
        gone = [c for c in old.rows if c not in new and c not in vanished]
        for start in range(0, len(gone), 500):
            SyncState.delete().where(SyncState.target == target,
                                     SyncState.code.in_(gone[start:start + 500])).execute()
        flagged = [code for code, values in new.items()   # a kept row whose pending or tombstone flag changes
                   if isinstance(values, Kept) and (code in pending or (code in old.vanished) != (code in vanished))]
        tombs = [code for code in vanished if code not in new and code not in old.vanished]
        texts = old.rows.texts(flagged + tombs) if flagged or tombs else {}
        changed = [(target.id, code, texts.get(code, '{}') if isinstance(values, Kept) else _text(values), None,
                    code in vanished)
                   for code, values in new.items() if not isinstance(values, Kept) or code in texts]
        changed += [(target.id, code, texts.get(code, '{}'), None, True) for code in tombs]
        _upsert(changed)


def _text(values):
    return json.dumps(values, ensure_ascii=False)


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
