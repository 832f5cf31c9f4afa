"""LTC: Lead to Cash for B2B sales teams. `create_app` wires the doors below into one Flask app.

The floors, highest first; a module imports only its own floor and the floors under it, and no
two modules (nor two sibling packages) import each other (tests/test_architecture.py checks it):

- doors: `cli/` (`flask ltc ...`), `admin/` (the web screens), `api/` (the REST API), `web.py`, `intake.py`, `health.py`, `jobs.py`
  (periodic jobs and their consumer), `runner.py`, and this module;
- `sync/` (spreadsheet import, export and sync) and `demo/` (the demo company);
- `services/`: the business rules and every change of business data (the gate);
- `models/`: the tables;
- base: `db.py`, `config.py`, `errors.py`, `migrate.py`, `backup.py`, `search.py`, `searchkeys.py`, `logs.py`.
"""
from flask import Flask

from . import config as config_module
from . import db as db_module


def create_app(config=None):
    """Build the Flask app: settings from the environment, then CONFIG overrides."""
    settings = config_module.load(config)
    app = Flask(__name__, instance_path=settings['INSTANCE_PATH'])
    app.config.update(settings)
    app.config['PERMANENT_SESSION_LIFETIME'] = settings['SESSION_HOURS'] * 3600
    # The session cookie is written only when the session changes. Refreshed on every response, a
    # page's late requests (a stylesheet, a script) answered after the form it posted would put back
    # the cookie they were sent with, and the message the post left for the next page would be lost.
    app.config['SESSION_REFRESH_EACH_REQUEST'] = False
    # Every request body is capped; the import and document uploads (the only big ones) get their
    # own friendlier checks at their caps, so the hard cap leaves room for the form around them.
    if app.config.get('MAX_CONTENT_LENGTH') is None:
        biggest = max(settings['IMPORT_MAX_UPLOAD_MB'], settings['DOCUMENT_MAX_MB'])
        app.config['MAX_CONTENT_LENGTH'] = (biggest + 1) * 1024 * 1024
    if settings['PROXY_HOPS']:
        # Behind N reverse proxies the client address comes from X-Forwarded-For (login throttling
        # counts failures per address); without this every request would seem to come from the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = settings['PROXY_HOPS']
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    db_module.bind(settings['DATABASE_URL'], settings['DB_POOL_SIZE'])
    _register_connection_hooks(app)

    from .cli import main
    main.init_app(app)
    from . import health, logs, web
    logs.init_app(app)
    health.init_app(app)
    web.init_app(app)
    from .admin import init_admin
    init_admin(app)
    from . import api
    api.init_app(app)
    from . import intake
    intake.init_app(app)
    return app


def _register_connection_hooks(app):
    from .services import cached
    database = db_module.database

    @app.before_request
    def _open():
        database.connect(reuse_if_open=True)
        cached.start_request()   # the settings' generation is read once per request

    @app.teardown_request
    def _close(exc):
        cached.end_request()
        if not database.is_closed():
            database.close()
