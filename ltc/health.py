"""/healthz for load balancers and monitors: database, queue, migrations, stale sync targets."""
import datetime
import os
from urllib.parse import urlparse

from flask import current_app, jsonify, request

from .db import database, utcnow

SYNC_MAX_AGE_SETTING, SYNC_MAX_AGE_DEFAULT = 'sync.max_age_hours', 1   # 12 x the sync_targets job's 5 minutes


def check_database():
    database.execute_sql('SELECT 1')
    return 'ok'


def check_queue(url):
    parsed = urlparse(url)
    if parsed.scheme == 'redis':
        import redis
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
        return 'ok'
    path = os.path.dirname(parsed.path[1:]) or '.'
    if not os.access(path, os.W_OK):
        raise OSError(f'queue directory {path} is not writable')
    return 'ok'


def stale_sync_targets(now=None):
    """Return (max age in hours, [{target, last_sync}]) of active targets not synced successfully within it.

    A successful sync is a finished, non-dry sync run ending done or attention (conflicts or bad
    rows are for people to resolve; the sync itself ran). A target never synced counts from its creation.
    A target scheduled less often than the max age is stale after twice its own interval instead.
    """
    from peewee import fn
    from .models.sync import SyncRun, SyncTarget
    from .services.cash_common import setting_int
    hours = setting_int(SYNC_MAX_AGE_SETTING, SYNC_MAX_AGE_DEFAULT)
    now = now or utcnow()
    last_good = dict(SyncRun.select(SyncRun.target, fn.MAX(SyncRun.finished_at))
                     .where((SyncRun.kind == 'sync') & (SyncRun.dry_run == False)  # noqa: E712
                            & SyncRun.status.in_(('done', 'attention')) & SyncRun.finished_at.is_null(False))
                     .group_by(SyncRun.target).tuples())
    stale = []
    tabs = {}
    for tab_id, workbook_id in SyncTarget.select(SyncTarget.id, SyncTarget.workbook).where(
            SyncTarget.workbook.is_null(False)).tuples():
        tabs.setdefault(workbook_id, []).append(tab_id)
    # A workbook's runs are its tabs' runs (each tab runs in the workbook's run): its oldest tab counts.
    for target in SyncTarget.select().where(SyncTarget.active, SyncTarget.workbook.is_null()).order_by(SyncTarget.name):
        if target.id in tabs:
            found = [last_good.get(t) for t in tabs[target.id]]
            last_good[target.id] = None if None in found else min(found)
        when = last_good.get(target.id)
        allowed = max(datetime.timedelta(hours=hours), datetime.timedelta(minutes=2 * target.every_minutes))
        if (when or target.created_at) < now - allowed:
            stale.append({'target': target.name, 'last_sync': when.isoformat() if when else None})
    return hours, stale


def report(strict=False):
    """Return (body, healthy) describing every dependency; STRICT also fails on stale sync targets."""
    from .migrate import pending_migrations
    body, healthy = {}, True
    checks = (('database', check_database),
              ('queue', lambda: check_queue(current_app.config['QUEUE_URL'])))
    for name, check in checks:
        try:
            body[name] = check()
        except Exception as exc:   # a health check reports failures, it never raises them
            body[name] = f'error: {exc}'
            healthy = False
    if body['database'] == 'ok':
        pending = pending_migrations()
        body['pending_migrations'] = pending
        healthy = healthy and not pending
        if not pending:
            try:
                hours, stale = stale_sync_targets()
                body['sync'] = f'stale: {len(stale)} target(s) not synced in {hours} h' if stale else 'ok'
                body['stale_sync_targets'] = stale
                healthy = healthy and not (strict and stale)
            except Exception as exc:   # e.g. a malformed max-age setting: report it, keep serving
                body['sync'] = f'error: {exc}'
                healthy = healthy and not strict
    body['status'] = 'ok' if healthy else 'error'
    return body, healthy


def init_app(app):
    @app.get('/healthz')
    def healthz():
        body, healthy = report(strict=request.args.get('strict') in ('1', 'true', 'yes'))
        return jsonify(body), 200 if healthy else 503
