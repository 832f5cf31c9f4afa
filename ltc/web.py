"""Plain pages outside the admin: the home redirect and the health check."""
from flask import jsonify, redirect

from .db import database


def init_app(app):
    @app.get('/')
    def home():
        return redirect('/admin/')

    @app.get('/healthz')
    def healthz():
        from .migrate import pending_migrations
        try:
            pending = pending_migrations()
            ok = not pending
        except Exception as exc:  # the health check reports, it never raises
            return jsonify(status='error', database=str(exc)), 503
        return jsonify(status='ok' if ok else 'degraded', database='ok',
                       pending_migrations=pending), (200 if ok else 503)
