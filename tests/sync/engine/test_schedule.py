"""Per-target schedules: the periodic job runs a target when its interval has passed; pause and resume."""
from datetime import timedelta

import pytest

from ltc.db import utcnow
from ltc.models import AuditLog
from ltc.models.sync import SyncRun, SyncTarget
from ltc.services import audit
from ltc.sync.engine.scheduled import run_active_targets
from ltc.sync.engine.targets import add_target, set_schedule
from ltc.sync.errors import SyncError
from ltc.sync.writes.export import export_entity
from tests.factories import make_lead


@pytest.fixture
def targets(db, tmp_path):
    make_lead(company='公司')
    made = {}
    for name, every in (('often', 5), ('hourly', 60), ('daily', 1440)):
        path = tmp_path / f'{name}.xlsx'
        export_entity('leads', path)
        made[name] = add_target(name, 'leads', path, every_minutes=every)
    return made


def _ran(now):
    ran = []
    counts = run_active_targets(run=lambda target: ran.append(target.name) or _Clean(), now=now)
    return ran, counts


class _Clean:
    needs_attention = False


def _last_run(target, when):
    SyncTarget.update(last_run_at=when).where(SyncTarget.id == target.id).execute()


def test_the_job_runs_only_targets_whose_interval_has_passed(targets):
    now = utcnow()
    ran, counts = _ran(now)
    assert sorted(ran) == ['daily', 'hourly', 'often']   # never run: all due
    _last_run(targets['often'], now - timedelta(minutes=5))
    _last_run(targets['hourly'], now - timedelta(minutes=30))
    _last_run(targets['daily'], now - timedelta(hours=23))
    ran, counts = _ran(now)
    assert ran == ['often'] and counts['not_due'] == 2
    # the job runs on the 5-minute mark; a run that ended a few seconds after the previous mark is due
    _last_run(targets['hourly'], now - timedelta(minutes=59, seconds=50))
    assert _ran(now)[0] == ['hourly', 'often']


def test_paused_targets_are_skipped_and_resume(targets):
    with audit.acting_as('tester', 'cli'):
        set_schedule(targets['often'], active=False)
    assert 'often' not in _ran(utcnow())[0]
    with audit.acting_as('tester', 'cli'):
        set_schedule(SyncTarget.get_by_id(targets['often'].id), active=True)
    assert 'often' in _ran(utcnow())[0]
    changes = [a.changes for a in AuditLog.select().where(AuditLog.entity == 'SyncTarget', AuditLog.action == 'update')]
    assert len(changes) == 2 and all('active' in c for c in changes)


@pytest.mark.parametrize('bad', ['0', '4', '10081', 'often', '', '1.5'])
def test_a_bad_interval_is_refused_in_both_languages_and_changes_nothing(targets, bad):
    target = targets['hourly']
    with pytest.raises(SyncError) as caught:
        set_schedule(target, every_minutes=bad)
    assert 'from 5 to 10080' in str(caught.value) and '之间的整数分钟' in caught.value.details['zh']
    assert SyncTarget.get_by_id(target.id).every_minutes == 60


def test_cli_set_and_list(runner, targets):
    result = runner.invoke(args=['ltc', 'sync', 'set', 'hourly', '--every', '120'])
    assert result.exit_code == 0 and 'every 120 minutes, active' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'set', 'hourly', '--pause'])
    assert result.exit_code == 0 and 'paused' in result.output
    listing = runner.invoke(args=['ltc', 'sync', 'list']).output
    assert 'paused' in listing and 'every 5 min' in listing
    refused = runner.invoke(args=['ltc', 'sync', 'set', 'hourly', '--every', '3'])
    assert refused.exit_code == 2 and 'from 5 to 10080' in refused.output
    assert runner.invoke(args=['ltc', 'sync', 'set', 'hourly']).exit_code == 2
    assert SyncTarget.get(SyncTarget.name == 'hourly').every_minutes == 120


def test_cli_add_with_a_schedule(runner, db, tmp_path):
    path = tmp_path / 'x.xlsx'
    export_entity('leads', path)
    result = runner.invoke(args=['ltc', 'sync', 'add', 'x', '--entity', 'leads', '--file', str(path), '--every', '30'])
    assert result.exit_code == 0, result.output
    assert SyncTarget.get(SyncTarget.name == 'x').every_minutes == 30


def test_healthz_allows_a_target_twice_its_own_interval(app, targets):
    from ltc.health import stale_sync_targets
    now = utcnow()
    for target in targets.values():
        audit.save(SyncRun(target=target, entity='leads', kind='sync', status='done',
                           finished_at=now - timedelta(hours=3)))
    _hours, stale = stale_sync_targets(now)
    assert sorted(t['target'] for t in stale) == ['hourly', 'often']   # daily is allowed 48 h
