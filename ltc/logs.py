"""Structured request logs: one JSON line per request with request id, user and duration."""
import json
import logging
import time
import uuid

from flask import g, request

logger = logging.getLogger('ltc.request')


def _user_name():
    api_user = g.get('api_user')   # an API request acts as its token's user
    if api_user is not None:
        return api_user.username
    try:
        from flask_login import current_user
        return current_user.username if current_user.is_authenticated else None
    except Exception:   # no login manager on this app (e.g. a CLI-only app)
        return None


def init_app(app):
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter('%(message)s'))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def _start():
        incoming = request.headers.get('X-Request-ID', '')
        g.request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        started = g.get('request_started')
        if started is None:
            return response
        response.headers['X-Request-ID'] = g.request_id
        logger.info(json.dumps({
            'request_id': g.request_id, 'method': request.method, 'path': request.path,
            'status': response.status_code, 'user': _user_name(),
            'duration_ms': round((time.perf_counter() - started) * 1000, 1),
        }, ensure_ascii=False))
        return response
