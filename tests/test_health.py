"""/healthz and structured request logs."""
import json
import logging


def test_healthz_reports_ok(app):
    response = app.test_client().get('/healthz')
    assert response.status_code == 200, response.json
    assert response.json['database'] == 'ok' and response.json['pending_migrations'] == []
    assert response.json['status'] == 'ok'


def test_healthz_reports_unreachable_queue(app):
    app.config['QUEUE_URL'] = 'redis://127.0.0.1:1/0'
    response = app.test_client().get('/healthz')
    assert response.status_code == 503
    assert response.json['queue'].startswith('error')


def test_request_log_line_has_id_and_duration(app, caplog):
    logger = logging.getLogger('ltc.request')
    logger.propagate = True
    try:
        with caplog.at_level(logging.INFO, logger='ltc.request'):
            response = app.test_client().get('/healthz', headers={'X-Request-ID': 'abc123'})
    finally:
        logger.propagate = False
    assert response.headers['X-Request-ID'] == 'abc123'
    line = json.loads(caplog.records[-1].getMessage())
    assert line['request_id'] == 'abc123' and line['path'] == '/healthz' and line['status'] == 200
    assert line['duration_ms'] >= 0


def test_healthz_names_stale_sync_targets(app, db):
    import datetime
    from ltc.db import utcnow
    from ltc.models import Setting
    from ltc.models.sync import SyncRun, SyncTarget
    from ltc.services import audit
    old = utcnow() - datetime.timedelta(hours=30)
    fresh = audit.save(SyncTarget(name='fresh', entity='leads'))
    stale = audit.save(SyncTarget(name='stale', entity='leads'))
    never = audit.save(SyncTarget(name='never', entity='leads'))
    audit.save(SyncTarget(name='paused', entity='leads', active=False))
    SyncTarget.update(created_at=old).execute()
    audit.save(SyncRun(target=fresh, entity='leads', kind='sync', status='attention', finished_at=utcnow()))
    audit.save(SyncRun(target=stale, entity='leads', kind='sync', status='done', finished_at=old))
    for status, dry in (('failed', False), ('done', True)):   # neither counts as a successful sync
        audit.save(SyncRun(target=stale, entity='leads', kind='sync', status=status, dry_run=dry, finished_at=utcnow()))
    client = app.test_client()
    response = client.get('/healthz')
    assert response.status_code == 200   # load balancers keep the node: the web app is fine
    body = response.json
    assert [t['target'] for t in body['stale_sync_targets']] == ['never', 'stale']
    assert body['stale_sync_targets'][0]['last_sync'] is None and body['sync'].startswith('stale: 2')
    strict = client.get('/healthz?strict=1')
    assert strict.status_code == 503 and strict.json['status'] == 'error'
    audit.save(Setting(code='sync.max_age_hours', value='48'))
    assert client.get('/healthz?strict=1').json['stale_sync_targets'] == [] and never.id
    Setting.update(value='soon').execute()
    broken = client.get('/healthz?strict=1')
    assert broken.status_code == 503 and 'sync.max_age_hours must be a whole number' in broken.json['sync']
    assert client.get('/healthz').status_code == 200
