"""Crash recovery of the job consumer: kill -9 mid-run, restart, the next run converges."""
import os

import pytest

from bench.crash import crash_runs
from ltc import jobs
from ltc.models import JobRun

from .production import drop_database, recreate_database, sibling_database


def test_restart_clears_interrupted_runs(app, db):
    JobRun.create(name='mark_overdue', status='running')
    JobRun.create(name='mark_overdue', status='ok')
    assert jobs.close_interrupted_runs() == 1
    statuses = sorted((r.status, r.message.split(':')[0]) for r in JobRun.select())
    assert statuses == [('failed', 'interrupted'), ('ok', '')]


@pytest.mark.timeout(240)
def test_kill_consumer_mid_run_then_recover_sqlite(tmp_path):
    results = crash_runs(f'sqlite:///{tmp_path}/crash.db', f'sqlite:///{tmp_path}/queue.db',
                         runs=2, leads=400, workdir=tmp_path, seed=7)
    assert results[0]['baseline_status'] == 'ok'
    assert [r['problems'] for r in results[1:]] == [[], []]


@pytest.mark.skipif(not (os.environ.get('LTC_TEST_DATABASE_URL') and os.environ.get('LTC_TEST_REDIS_URL')),
                    reason='set LTC_TEST_DATABASE_URL and LTC_TEST_REDIS_URL')
@pytest.mark.timeout(240)
def test_kill_consumer_mid_run_then_recover_postgres_redis(tmp_path):
    url = sibling_database(os.environ['LTC_TEST_DATABASE_URL'], '_crash')
    recreate_database(url)
    try:
        results = crash_runs(url, os.environ['LTC_TEST_REDIS_URL'], runs=1, leads=300, workdir=tmp_path, seed=3)
    finally:
        drop_database(url)
    assert [r['problems'] for r in results[1:]] == [[]]


@pytest.mark.timeout(240)
def test_kill_sync_run_then_recover_sqlite(tmp_path):
    from bench.crash_sync import crash_sync_runs
    results = crash_sync_runs(f'sqlite:///{tmp_path}/crash.db', runs=2, rows=200, workdir=tmp_path, seed=5)
    assert [r['problems'] for r in results[1:]] == [[], []]


@pytest.mark.timeout(120)
def test_kill_import_then_recover(db_url, tmp_path):
    from bench.crash_import import crash_import_runs
    results = crash_import_runs(db_url, runs=3, rows=2000, workdir=tmp_path, seed=11)
    assert [r['problems'] for r in results[1:]] == [[], [], []]
    assert all(r['recovery_exits'][-1] == 0 for r in results[1:])
