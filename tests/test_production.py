"""The production recipe end to end: PostgreSQL, Redis, gunicorn with 2 workers, the Huey consumer."""
import os
import time

import psycopg2
import pytest
import requests

from ltc import config
from ltc.errors import ConfigError

from .production import Stack, drop_database, login, recreate_database, sibling_database

PG = os.environ.get('LTC_TEST_DATABASE_URL')
REDIS = os.environ.get('LTC_TEST_REDIS_URL')
needs_servers = pytest.mark.skipif(not (PG and REDIS),
                                   reason='set LTC_TEST_DATABASE_URL and LTC_TEST_REDIS_URL')


def test_cookie_secure_override(tmp_path, monkeypatch):
    base = {'LTC_ENV': 'production', 'SECRET_KEY': 'k' * 40, 'INSTANCE_PATH': str(tmp_path)}
    assert config.load(base)['SESSION_COOKIE_SECURE'] is True
    monkeypatch.setenv('LTC_COOKIE_SECURE', '0')
    settings = config.load(base)
    assert (settings['SESSION_COOKIE_SECURE'], settings['REMEMBER_COOKIE_SECURE']) == (False, False)
    monkeypatch.setenv('LTC_COOKIE_SECURE', 'maybe')
    with pytest.raises(ConfigError, match='LTC_COOKIE_SECURE must be 1 or 0'):
        config.load(base)


@pytest.fixture
def stack(tmp_path):
    from ltc.jobs import make_huey
    url = sibling_database(PG, '_prod')
    recreate_database(url)
    make_huey(REDIS).flush()   # no task left over from an earlier run
    running = Stack(url, REDIS, tmp_path)
    running.url = url
    yield running
    running.stop()
    make_huey(REDIS).flush()
    drop_database(url)


def _job_runs(url):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT status, trigger FROM job_run WHERE name = 'mark_overdue'")
        return cur.fetchall()


@needs_servers
@pytest.mark.timeout(240)
def test_production_stack_end_to_end(stack):
    # Deploy step on a fresh database, then the first admin.
    stack.flask('db', 'upgrade')
    assert stack.flask('db', 'status').returncode == 0   # exit 1 would mean a pending migration
    stack.flask('user', 'create', 'boss', '--role', 'admin', '--password-stdin',
                stdin='prod-password-123\n')
    stack.start_web()
    stack.start_consumer('-w', '2', '-k', 'thread')

    session = login(stack.base, 'boss', 'prod-password-123')
    cookie = session.login_cookie_header
    assert 'Secure' in cookie and 'HttpOnly' in cookie
    # Several requests so both workers serve some of them with the same session.
    for _ in range(6):
        page = session.get(stack.base + '/admin/lead/', timeout=30)
        assert page.status_code == 200 and '/login' not in page.url
    anonymous = requests.get(stack.base + '/admin/lead/', timeout=30)
    assert '/login' in anonymous.url

    queued = stack.flask('jobs', 'enqueue', 'mark_overdue')
    assert 'queued as task' in queued.stdout
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ('ok', 'queue') not in _job_runs(stack.url):
        assert stack.consumer.poll() is None, stack.log('consumer')
        time.sleep(0.3)
    assert _job_runs(stack.url) == [('ok', 'queue')], stack.log('consumer')

    health = session.get(stack.base + '/healthz', timeout=30)
    assert health.status_code == 200
    body = health.json()
    assert (body['status'], body['database'], body['queue'], body['pending_migrations']) == ('ok', 'ok', 'ok', [])
    assert 'GET /admin/lead/' in stack.log('gunicorn')

    stack.stop()
    assert stack.web.returncode is not None and stack.consumer.returncode is not None


def test_enqueue_hands_the_job_to_the_consumer(app, db, runner):
    from ltc import jobs
    from ltc.models import JobRun
    result = runner.invoke(args=['ltc', 'jobs', 'enqueue', 'mark_overdue', '--today', '2026-03-05'])
    assert result.exit_code == 0 and 'queued as task' in result.output
    assert JobRun.select().count() == 0   # nothing runs until a consumer takes it
    huey = jobs.get_huey(app)
    task = huey.dequeue()
    huey.execute(task)
    run = JobRun.get()
    assert (run.name, run.trigger, run.status) == ('mark_overdue', 'queue', 'ok')
    unknown = runner.invoke(args=['ltc', 'jobs', 'enqueue', 'nope'])
    assert unknown.exit_code != 0 and "There is no job 'nope'" in unknown.output
