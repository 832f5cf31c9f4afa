"""Run every active sync target (xlsx, csv, gsheet) once: the body of the periodic sync job."""
import logging

from ...db import utcnow
from ...errors import LTCError
from ...models.sync import SyncTarget
from ..errors import SyncError
from ..writes.importer import finish_run, start_run
from ..writes.results import Result

log = logging.getLogger('ltc.sync')


def run_active_targets(run=None, due_only=True, now=None, skip_idle=True):
    """Sync each active target under its own lock; a failing target is recorded and the rest go on.

    :param run: callable(target) running one sync (default `engine.run_sync`).
    :param due_only: skip targets whose schedule (`every_minutes` since their last run) has not
        come round yet; a target whose last run failed is tried again on the next job run.
    :param skip_idle: skip a target whose sheet and slice have not moved since its last run (`idle.py`:
        one Drive request for a Google Sheet, none for a file)
    :returns: counts {'targets', 'done', 'attention', 'failed', 'locked', 'not_due', 'idle'}.
    """
    from ..runs.interrupted import close_interrupted_runs
    from .idle import fresh_stamp, unchanged
    from .targets import is_due
    from .runner import run_sync
    run = run or run_sync
    now = now or utcnow()
    close_interrupted_runs()
    counts = {'targets': 0, 'done': 0, 'attention': 0, 'failed': 0, 'locked': 0, 'not_due': 0, 'idle': 0}
    # A workbook's tabs run in their workbook's run.
    for target in SyncTarget.select().where(SyncTarget.active, SyncTarget.workbook.is_null()).order_by(SyncTarget.name):
        counts['targets'] += 1
        if due_only and not is_due(target, now):
            counts['not_due'] += 1
            continue
        try:
            still, stamp = unchanged(target) if skip_idle else (False, None)
            if still:   # neither the sheet nor its slice moved: not read, not written
                SyncTarget.update(last_run_at=now).where(SyncTarget.id == target.id).execute()
                counts['idle'] += 1
                continue
            if run is run_sync and skip_idle:   # the stamp before the read: an edit meanwhile moves it
                result = run(target, stamp=stamp or fresh_stamp(target))
            else:
                result = run(target)
        except SyncError as exc:
            if 'is being synced by' in str(exc):   # the per-target lock: another run is on it
                counts['locked'] += 1
                continue
            _record_failure(target, exc)
            counts['failed'] += 1
        except LTCError as exc:
            _record_failure(target, exc)
            counts['failed'] += 1
        except Exception as exc:   # noqa: BLE001 - one broken target must not stop the others
            log.exception('sync target %s failed', target.name)
            _record_failure(target, exc)
            counts['failed'] += 1
        else:
            counts['attention' if result.needs_attention else 'done'] += 1
    return counts


def _record_failure(target, exc):
    """Keep the error on the target's run list, unless the engine already recorded a failed run."""
    from ...models.sync import SyncRun
    log.error('sync target %s failed: %s', target.name, exc)
    last = target.runs.order_by(SyncRun.id.desc()).first()
    if last is not None and last.status == 'failed' and last.message == str(exc):
        return
    run = start_run('sync', target.entity, target.name, target=target)
    finish_run(run, Result(target.entity, source=target.name, headers=[]), status='failed',
               message=str(exc)[:2000])
