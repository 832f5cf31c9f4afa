"""/healthz for load balancers and monitors: database, queue, migrations."""
import os
from urllib.parse import urlparse

from flask import current_app, jsonify

from .db import database


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


def report():
    """Return (body, healthy) describing every dependency."""
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
    body['status'] = 'ok' if healthy else 'error'
    return body, healthy


def init_app(app):
    @app.get('/healthz')
    def healthz():
        body, healthy = report()
        return jsonify(body), 200 if healthy else 503
