"""A sync runs while users edit through gunicorn: no errors reach them, no edit is lost (small sizes)."""
import os

import pytest

from bench.contention import run

from .production import drop_database, recreate_database, sibling_database


def _check(figures, problems):
    assert problems == [], (problems, figures)
    assert figures['errors'] == 0 and figures['locked'] == 0
    assert figures['saved'] > 0 and figures['followup_sync_exits'][-1] == 0


@pytest.mark.timeout(240)
def test_sync_under_web_edits_sqlite(tmp_path):
    _check(*run(f'sqlite:///{tmp_path}/contention.db', rows=400, editors=2, workdir=tmp_path, warmup=1.0))


@pytest.mark.skipif(not os.environ.get('LTC_TEST_DATABASE_URL'), reason='set LTC_TEST_DATABASE_URL')
@pytest.mark.timeout(240)
def test_sync_under_web_edits_postgres(tmp_path):
    url = sibling_database(os.environ['LTC_TEST_DATABASE_URL'], '_contention')
    recreate_database(url)
    try:
        _check(*run(url, rows=400, editors=2, workdir=tmp_path, warmup=1.0))
    finally:
        drop_database(url)
