"""Runs left 'running' by a killed process are marked 'interrupted'; dead locks are freed."""
import os
import socket
import subprocess
import sys
from datetime import timedelta

from ltc.db import utcnow
from ltc.models.sync import SyncRun, SyncTarget
from ltc.sync.engine.scheduled import run_active_targets
from ltc.sync.runs import interrupted
from ltc.sync.runs.interrupted import close_interrupted_runs
from ltc.sync.writes.importer import start_run


def dead_owner():
    """Return host:pid of a process that has exited."""
    process = subprocess.Popen([sys.executable, '-c', 'pass'])
    process.wait()
    return f'{socket.gethostname()}:{process.pid}'


def make_run(owner=None, age=timedelta(0), target=None, code=None):
    message = interrupted.OWNER_PREFIX + owner if owner else ''
    return SyncRun.create(code=code or f'RUN-T{SyncRun.select().count() + 1}', kind='import', entity='leads',
                          message=message, started_at=utcnow() - age, target=target)


def status(run):
    return SyncRun.get_by_id(run.id).status


def test_start_run_records_its_process_and_finishes_runs_of_dead_ones(db):
    killed = make_run(dead_owner())
    run = start_run('import', 'leads', 'x.xlsx')
    assert run.message == f'running in {socket.gethostname()}:{os.getpid()}'
    assert status(killed) == 'interrupted' and status(run) == 'running'
    stored = SyncRun.get_by_id(killed.id)
    assert stored.finished_at is not None and stored.message.startswith('interrupted:')


def test_live_and_recent_runs_are_left_alone(db):
    alive = make_run(f'{socket.gethostname()}:{os.getpid()}', age=timedelta(days=2))
    recent = make_run(age=timedelta(minutes=5))                       # owner unknown, young
    old = make_run(age=timedelta(hours=2))                            # owner unknown, old
    elsewhere = make_run('other-host:1', age=timedelta(hours=2))      # cannot be checked, old
    runs, unlocked = close_interrupted_runs()
    assert sorted(r.id for r in runs) == sorted([old.id, elsewhere.id]) and unlocked == []
    assert (status(alive), status(recent), status(old), status(elsewhere)) == (
        'running', 'running', 'interrupted', 'interrupted')
    runs, _ = close_interrupted_runs(older_than=timedelta(minutes=1))
    assert [r.id for r in runs] == [recent.id]


def test_old_run_of_a_target_locked_by_a_live_process_is_kept(db):
    me = f'{socket.gethostname()}:{os.getpid()}'
    target = SyncTarget.create(code='SY-T1', name='t', entity='leads', lock_owner=me,
                               locked_at=utcnow() - timedelta(hours=3))
    held = make_run(age=timedelta(hours=2), target=target)
    before = make_run(age=timedelta(hours=4), target=target)          # started before the lock: stale
    runs, unlocked = close_interrupted_runs()
    assert [r.id for r in runs] == [before.id] and unlocked == []
    assert status(held) == 'running'


def test_cleanup_command_lists_then_marks_and_frees_dead_locks(runner, db):
    owner = dead_owner()
    target = SyncTarget.create(code='SY-T2', name='sheet', entity='leads', lock_owner=owner, locked_at=utcnow())
    killed = make_run(owner, target=target, code='RUN-K1')
    result = runner.invoke(args=['ltc', 'sync', 'cleanup', '--dry-run'])
    assert result.exit_code == 0, result.output
    assert 'RUN-K1' in result.output and 'would mark interrupted' in result.output
    assert 'sheet: would free' in result.output and status(killed) == 'running'
    result = runner.invoke(args=['ltc', 'sync', 'cleanup'])
    assert result.exit_code == 0, result.output
    assert '1 interrupted runs, 1 stale locks' in result.output
    assert status(killed) == 'interrupted' and SyncTarget.get_by_id(target.id).lock_owner is None
    result = runner.invoke(args=['ltc', 'sync', 'status'])
    assert 'RUN-K1' in result.output and 'interrupted' in result.output
    assert '0 interrupted runs, 0 stale locks' in runner.invoke(args=['ltc', 'sync', 'cleanup']).output


def test_cleanup_command_rejects_a_bad_age(runner, db):
    result = runner.invoke(args=['ltc', 'sync', 'cleanup', '--older-than', '0'])
    assert result.exit_code == 2 and '--older-than' in result.output


def test_periodic_sync_job_marks_interrupted_runs_first(db):
    killed = make_run(dead_owner())
    assert run_active_targets(run=lambda target: None)['targets'] == 0
    assert status(killed) == 'interrupted'


def test_consumer_start_marks_interrupted_runs(app, db, monkeypatch):
    import ltc
    from ltc import jobs

    class Consumer:
        ran = False

        def run(self):
            Consumer.ran = True

    class Huey:
        def create_consumer(self, **options):
            return Consumer()

    killed = make_run(dead_owner())
    monkeypatch.setattr(ltc, 'create_app', lambda: app)
    monkeypatch.setattr(jobs, 'get_huey', lambda app: Huey())
    jobs.main([])
    assert Consumer.ran and status(killed) == 'interrupted'
