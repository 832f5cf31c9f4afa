"""Runs left 'running' by a killed process: find them and mark them 'interrupted'.

A run records the process running it (`host:pid`) in its message until it finishes. A run is
interrupted when that process is gone from this host, or, when it cannot be checked (another
host, older rows), when it started more than `older_than` ago and no live local process holds
its target's lock. The data stays consistent either way (imports and syncs commit in batches
that each hold their audit rows); only the run row and the target lock are left behind.
"""
from ...db import database, utcnow
from ...models.sync import SyncRun, SyncTarget
from . import state

OWNER_PREFIX = 'running in '
MESSAGE = 'interrupted: the process running it stopped (killed or crashed); run it again'


def owner_message():
    """Return the message a run carries while its process runs it."""
    return OWNER_PREFIX + state._owner()


def _owner(run):
    return run.message[len(OWNER_PREFIX):] if run.message.startswith(OWNER_PREFIX) else None


def _alive(owner):
    """Return True when OWNER is a process of this host that still exists."""
    host, _, pid = (owner or '').rpartition(':')
    return host == state.socket.gethostname() and pid.isdigit() and not state._dead(owner)


def find_interrupted(older_than=state.STALE_LOCK):
    """Return the runs still 'running' whose process is gone (see the module docstring)."""
    cutoff = utcnow() - older_than
    found = []
    for run in SyncRun.select().where(SyncRun.status == 'running').order_by(SyncRun.id):
        owner = _owner(run)
        if state._dead(owner):
            found.append(run)
            continue
        if _alive(owner) or run.started_at >= cutoff:
            continue
        target = SyncTarget.get_or_none(SyncTarget.id == run.target_id) if run.target_id else None
        if target is not None and _alive(target.lock_owner) and target.locked_at <= run.started_at:
            continue   # an older holder still runs this target
        found.append(run)
    return found


def close_interrupted_runs(older_than=state.STALE_LOCK, dry_run=False):
    """Mark interrupted runs 'interrupted' and free the locks of dead local processes; one transaction.

    :returns: (the runs marked, the names of the targets unlocked)
    """
    with database.atomic():
        runs = find_interrupted(older_than)
        stale = [t for t in SyncTarget.select().where(SyncTarget.lock_owner.is_null(False))
                 if state._dead(t.lock_owner)]
        if dry_run:
            return runs, [t.name for t in stale]
        now = utcnow()
        for run in runs:
            # Only a row still 'running' is touched: its process may have finished meanwhile.
            SyncRun.update(status='interrupted', finished_at=now, message=MESSAGE).where(
                (SyncRun.id == run.id) & (SyncRun.status == 'running')).execute()
            run.status, run.finished_at, run.message = 'interrupted', now, MESSAGE
        for target in stale:
            SyncTarget.update(lock_owner=None, locked_at=None).where(
                (SyncTarget.id == target.id) & (SyncTarget.lock_owner == target.lock_owner)).execute()
    return runs, [t.name for t in stale]
