"""kill -9 a sync run on PostgreSQL, run again: it converges (the SQLite cycle is in tests/test_crash.py)."""
import os

import pytest

from tests.production import drop_database, recreate_database, sibling_database


@pytest.mark.skipif(not os.environ.get('LTC_TEST_DATABASE_URL'), reason='set LTC_TEST_DATABASE_URL')
@pytest.mark.timeout(240)
def test_kill_sync_run_then_recover_postgres(tmp_path):
    from bench.crash_sync import crash_sync_runs
    url = sibling_database(os.environ['LTC_TEST_DATABASE_URL'], '_crash_sync')
    recreate_database(url)
    try:
        results = crash_sync_runs(url, runs=2, rows=200, workdir=tmp_path, seed=5)
    finally:
        drop_database(url)
    assert [r['problems'] for r in results[1:]] == [[], []]
    assert all(r['recovery_exits'][-1] == 0 for r in results[1:])
