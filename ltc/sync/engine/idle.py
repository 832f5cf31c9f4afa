"""Idle runs are cheap: a target whose sheet and slice have not moved since its last run is not read.

The sheet's side: a Google Sheet's Drive `modifiedTime` (one request), a file's modification time and
size (no request). The stamp kept is the one taken *before* the last full read, so an edit made while
a run was reading or writing always moves it; a run that wrote to the sheet therefore costs one more
full read (which finds nothing to do) before the target is idle.

The database's side, from the audit log (every change of business data writes one row): a change
since the last finished run began, other than that run's own writes, to a record of the sheet (its
stored base), a record now in its slice, or a record the slice or scope reads through (a plan's
contract, a deal's customer, users and departments); a date window turning with the day; a run that
failed or was interrupted since. Any doubt means "moved": the cost of a doubt is one full run.
"""
import os

from ...db import utcnow
from ...models import AuditLog
from ...models.sync import SyncRun, SyncState
from ...services import scope
from ..mapping.entities import get
from . import slices

# Whose changes can move a record into or out of a slice or scope without a row of its own changing.
THROUGH = {'PaymentPlan': ('Contract', 'Customer'), 'Opportunity': ('Customer',), 'Contract': ('Customer',),
           'Contact': ('Customer',), 'Payment': ('Contract', 'PaymentPlan')}
PEOPLE = ('User', 'Department', 'Role')
RECENT = 500   # changes since the last run checked one by one; more are matched by the database


def sheet_stamp(target, client=None):
    """Return what says whether TARGET's sheet changed: Drive's modifiedTime, or a file's mtime and size."""
    options = target.options
    if target.backend == 'gsheet':
        from ..gsheets import ops
        from ..gsheets.table import app_client
        return ops.modified_time(client or app_client(), options['key'])
    try:
        info = os.stat(options['path'])
    except OSError:
        return None   # gone: the full run says so in one sentence
    return f'{info.st_mtime_ns}:{info.st_size}'


def last_finished(target):
    """Return the target's last sync run, when it finished (done or attention) and is not a dry run."""
    last = (SyncRun.select().where(SyncRun.target == target.id, SyncRun.kind == 'sync', SyncRun.dry_run == False)  # noqa: E712
            .order_by(SyncRun.id.desc()).first())
    return last if last is not None and last.status in ('done', 'attention') else None


def database_moved(target, last, today=None):
    """Return whether anything TARGET's sheet shows may have changed in the database since run LAST began."""
    if last is None:
        return True
    mapping = get(target.entity)
    model = mapping.model
    view = slices.for_target(target, model)
    if view.dated and last.started_at.date() != (today or utcnow().date()):
        return True
    since = (AuditLog.at >= last.started_at) & (AuditLog.batch.is_null() | (AuditLog.batch != last.code))
    # The changes since the last run, read by time (indexed): an idle target has none, a busy one a few.
    recent = list(AuditLog.select(AuditLog.entity, AuditLog.entity_code).where(since).limit(RECENT + 1).tuples())
    if not recent:
        return False
    related = set(THROUGH.get(model.__name__, ()) + PEOPLE)
    if any(entity in related for entity, _ in recent):
        return True
    codes = sorted({code for entity, code in recent if entity == model.__name__})
    if not codes:
        return False
    rows = model.select(model.code)
    if target.run_as_id and view.user is not None:
        rows = rows.where(scope.condition(model, view.user, write=True))   # as twoway.scoped_query
    if view.terms:
        rows = rows.where(view.condition())
    mine = SyncState.select(SyncState.code).where(SyncState.target == target.id)
    if len(recent) > RECENT:   # a busy day: let the database match the changes to the sheet's records
        return (AuditLog.select(AuditLog.id)
                .where(since, AuditLog.entity == model.__name__,
                       AuditLog.entity_code.in_(mine) | AuditLog.entity_code.in_(rows))
                .exists())
    return (mine.where(SyncState.code.in_(codes)).exists()
            or rows.where(model.code.in_(codes)).exists())


def unchanged(target, client=None):
    """Return (idle, stamp): whether TARGET may skip this run, and the sheet's stamp taken now.

    The database is asked first: when it moved, the sheet is read anyway and not asked (no request).
    """
    if target.is_workbook:
        return workbook_unchanged(target, client)
    if not target.sheet_stamp or target.header_signature is None:
        return False, None
    if database_moved(target, last_finished(target)):
        return False, None
    stamp = sheet_stamp(target, client)
    return stamp is not None and stamp == target.sheet_stamp, stamp


def fresh_stamp(target):
    """Return the sheet's stamp now, or None when it cannot be had (the run then says what is wrong)."""
    from ...errors import LTCError
    try:
        return sheet_stamp(target)
    except LTCError:
        return None


def workbook_unchanged(workbook, client=None):
    """Return (idle, stamp) for WORKBOOK: idle when no tab's slice moved in the database and the spreadsheet's
    stamp (Drive modifiedTime, a file's mtime and size) is the one taken before its last run."""
    from .workbook import tabs_of
    tabs = tabs_of(workbook)
    if not workbook.sheet_stamp or not tabs or any(t.header_signature is None for t in tabs):
        return False, None
    if any(database_moved(t, last_finished(t)) for t in tabs):
        return False, None
    stamp = sheet_stamp(workbook, client)
    return stamp is not None and stamp == workbook.sheet_stamp, stamp
