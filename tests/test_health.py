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
