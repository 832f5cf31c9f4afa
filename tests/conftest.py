"""Fixtures: a fresh database per test on SQLite (a file) and, when configured, PostgreSQL."""
import os
import shutil

import pytest

from ltc import create_app, db as db_module
from ltc import migrate
from ltc.models import ALL_MODELS
from ltc.services.reference import ensure_reference_data

def _worker_services():
    """Under pytest-xdist (`make test` runs two workers), give each worker its own PostgreSQL database
    (created beside the configured one) and Redis database, so workers never reset each other's data."""
    worker = os.environ.get('PYTEST_XDIST_WORKER')
    if not worker:
        return
    number = int(''.join(c for c in worker if c.isdigit()) or 0)
    url = os.environ.get('LTC_TEST_DATABASE_URL')
    if url and not os.environ.get('LTC_TEST_WORKER_DB'):
        from tests.production import recreate_database, sibling_database
        mine = sibling_database(url, f'_{worker}')
        recreate_database(mine)
        os.environ['LTC_TEST_DATABASE_URL'] = os.environ['LTC_TEST_WORKER_DB'] = mine
    redis = os.environ.get('LTC_TEST_REDIS_URL')
    if redis and redis.rsplit('/', 1)[-1].isdigit():
        base, db = redis.rsplit('/', 1)
        os.environ['LTC_TEST_REDIS_URL'] = f'{base}/{max(int(db) - number, 0)}'


_worker_services()
PG_URL = os.environ.get('LTC_TEST_DATABASE_URL')
if PG_URL:
    # Tests need no durability: skipping the WAL flush per commit makes them several times faster.
    PG_URL += ('&' if '?' in PG_URL else '?') + 'options=-c%20synchronous_commit%3Doff'
BACKENDS = ['sqlite'] + (['postgres'] if PG_URL else [])


def _prepare(url):
    """Bind URL, migrate it and add reference data; leave the connection closed."""
    database = db_module.bind(url)
    with database.connection_context():
        migrate.upgrade()
        ensure_reference_data()
    database.close_all() if hasattr(database, 'close_all') else None


@pytest.fixture(scope='session')
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp('template') / 'ltc.db'
    _prepare(f'sqlite:///{path}')
    return path


@pytest.fixture(scope='session')
def postgres_ready():
    database = db_module.bind(PG_URL)
    with database.connection_context():
        database.execute_sql('DROP SCHEMA public CASCADE')
        database.execute_sql('CREATE SCHEMA public')
    _prepare(PG_URL)
    return PG_URL


def _reset_postgres(url):
    # DELETE (children first) is much cheaper than TRUNCATE on tables this small.
    database = db_module.bind(url)
    with database.connection_context():
        with database.atomic():
            for model in reversed(ALL_MODELS):
                database.execute_sql(f'DELETE FROM "{model._meta.table_name}"')
        ensure_reference_data()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """URL of an empty, migrated database holding only reference data."""
    if request.param == 'sqlite':
        path = tmp_path / 'ltc.db'
        shutil.copy(request.getfixturevalue('sqlite_template'), path)
        return f'sqlite:///{path}'
    url = request.getfixturevalue('postgres_ready')
    _reset_postgres(url)
    return url


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app({'DATABASE_URL': db_url, 'INSTANCE_PATH': str(tmp_path / 'instance'),
                      'LTC_ENV': 'testing', 'SECRET_KEY': 'test-secret-key-' + 'x' * 32})
    app.config['TESTING'] = True
    yield app
    database = db_module.database.obj
    if not database.is_closed():
        database.close()
    if hasattr(database, 'close_all'):
        database.close_all()


@pytest.fixture
def db(app):
    """An open connection to the test database, acting as the 'tester' user."""
    from ltc.services import audit
    database = db_module.database
    database.connect(reuse_if_open=True)
    with audit.acting_as('tester', 'cli'):
        yield database
    if not database.is_closed():
        database.close()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
