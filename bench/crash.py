"""Crash test: kill -9 the job consumer at random points of a job run, restart it, check the next run converges.

Usage: python -m bench.crash [--runs 20] [--leads 3000] [--database-url URL] [--queue-url URL] [--seed S]

A PostgreSQL --database-url names a throwaway database: it is dropped and created again.

The job is `regrade_leads` (one transaction, one audit row per changed lead) over LEADS bulk-loaded
leads reset to 'ungraded' before every run, so every lead changes in every run. After each kill
the script restarts the consumer (which flushes stale locks and marks interrupted runs failed),
queues the job again and checks: lead count and codes unchanged (no duplicates), the job's lock
free, no run left 'running', the audit log holds exactly one 'grade' row per lead for the run,
and a further regrade changes nothing (converged).
"""
import argparse
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from peewee import fn  # noqa: E402

from ltc import db as db_module, migrate  # noqa: E402
from ltc.db import reserve_codes, utcnow  # noqa: E402
from ltc.models import AuditLog, JobRun, Lead  # noqa: E402
from ltc.services import audit  # noqa: E402
from ltc.services.leads import install_default_rules, regrade_open_leads  # noqa: E402
from ltc.services.reference import ensure_reference_data  # noqa: E402
from tests.production import Stack, recreate_database  # noqa: E402

JOB = 'regrade_leads'
INDUSTRIES = ['manufacturing', 'finance', 'energy', 'retail', 'government', 'education']
SOURCES = ['website', 'referral', 'exhibition', 'cold_call']


def prepare(url, leads):
    """Migrate URL and bulk-load LEADS leads (kept if already there)."""
    database = db_module.bind(url)
    with database.connection_context():
        migrate.upgrade()
        ensure_reference_data()
        with audit.acting_as('bench', 'cli'):
            install_default_rules()
        have, now = Lead.select().count(), utcnow()
        while have < leads:
            size = min(2000, leads - have)
            with database.atomic():
                rows = [{'code': code, 'company': f'Crash Co {have + i}', 'company_norm': f'crashco{have + i}',
                         'phone': f'137{have + i:08d}', 'phone_norm': f'137{have + i:08d}',
                         'source': SOURCES[i % 4], 'industry': INDUSTRIES[i % 6], 'status': 'new',
                         'grade': 'ungraded', 'created_at': now, 'updated_at': now, 'version': 1, 'budget': 0}
                        for i, code in enumerate(reserve_codes('L', size))]
                Lead.insert_many(rows).execute()
            have += size
    return database


def reset(database):
    """Put every lead back to 'ungraded' (test fixture, not audited); return the audit mark."""
    with database.connection_context():
        Lead.update(grade='ungraded', score=0, score_reasons='').execute()
        return AuditLog.select(fn.COALESCE(fn.MAX(AuditLog.id), 0)).scalar()


def wait_for(predicate, timeout, what, consumer=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if consumer is not None and consumer.poll() is not None:
            raise RuntimeError(f'the consumer exited while waiting for {what}')
        time.sleep(0.02)
    raise RuntimeError(f'timed out waiting for {what}')


def last_run(database):
    with database.connection_context():
        return JobRun.select().where(JobRun.name == JOB).order_by(JobRun.id.desc()).first()


def run_once(stack, huey, database):
    """Queue the job, wait for its run to finish and return that run."""
    before = last_run(database)
    start = before.id if before else 0
    stack.start_consumer('-w', '1', '-k', 'thread', '-d', '0.05', '-m', '0.2')
    huey.ltc_queued(JOB)

    def finished():
        run = last_run(database)
        return run is not None and run.id > start and run.status != 'running'
    wait_for(finished, 300, 'the job run', stack.consumer)
    Stack.stop_process(stack.consumer, signal.SIGINT)   # graceful: the run releases its lock first
    return last_run(database)


def check(database, leads, mark, huey):
    """Return a list of broken invariants after a recovered run (empty when all hold)."""
    problems = []
    with database.connection_context():
        count, codes = Lead.select().count(), Lead.select(fn.COUNT(fn.DISTINCT(Lead.code))).scalar()
        if count != leads or codes != leads:
            problems.append(f'{count} leads with {codes} distinct codes, expected {leads}')
        if JobRun.select().where(JobRun.status == 'running').exists():
            problems.append("a run is still marked 'running'")
        graded = (AuditLog.select().where((AuditLog.id > mark) & (AuditLog.entity == 'Lead')
                                          & (AuditLog.action == 'grade')))
        rows, distinct = graded.count(), graded.select(fn.COUNT(fn.DISTINCT(AuditLog.entity_code))).scalar()
        if rows != leads or distinct != leads:
            problems.append(f'{rows} grade audit rows for {distinct} leads, expected {leads} each')
        if Lead.select().where(Lead.grade == 'ungraded').exists():
            problems.append('some leads were left ungraded')
        with audit.acting_as('bench', 'cli'):
            again = regrade_open_leads()
        if again:
            problems.append(f'a further regrade changed {again} leads (not converged)')
    if huey.ltc_locks[JOB].is_locked():
        problems.append('the job lock is still held')
    return problems


def crash_runs(database_url, queue_url, runs, leads, workdir, seed=1):
    """Run the kill/recover cycle RUNS times; return a list of per-run result dicts."""
    from ltc.jobs import make_huey
    rng = random.Random(seed)
    database = prepare(database_url, leads)
    huey = make_huey(queue_url)
    huey.flush()
    stack = Stack(database_url, queue_url, workdir)
    reset(database)
    baseline = run_once(stack, huey, database)
    # Kill points spread over the run itself (plus 10 % past it), not the consumer's start-up.
    duration = max((baseline.finished_at - baseline.started_at).total_seconds() * 1.1, 0.05)
    results = []
    for index in range(runs):
        mark = reset(database)
        before = last_run(database)
        stack.start_consumer('-w', '1', '-k', 'thread', '-d', '0.05', '-m', '0.2')
        huey.ltc_queued(JOB)

        def running():
            run = last_run(database)
            return run is not None and run.id > (before.id if before else 0)
        wait_for(running, 120, 'the run to start', stack.consumer)
        delay = rng.uniform(0, duration)
        time.sleep(delay)
        Stack.stop_process(stack.consumer, signal.SIGKILL)
        killed = last_run(database)
        interrupted = killed.status == 'running'
        lock_left = huey.ltc_locks[JOB].is_locked()
        recovered = run_once(stack, huey, database)
        with database.connection_context():
            marked = JobRun.get_by_id(killed.id).status
        problems = check(database, leads, mark, huey)
        if recovered.status != 'ok':
            problems.append(f'the recovery run ended {recovered.status}: {recovered.message}')
        if interrupted and marked != 'failed':
            problems.append(f'the killed run is {marked}, expected failed')
        results.append({'run': index + 1, 'kill_after_s': round(delay, 2), 'interrupted': interrupted,
                        'lock_left': lock_left, 'ok': not problems, 'problems': problems})
        print(f"run {index + 1:>2}: killed after {delay:5.2f} s, "
              f"{'mid-run' if interrupted else 'after the run'}, lock left: {lock_left}, "
              f"{'OK' if not problems else 'FAILED: ' + '; '.join(problems)}")
    huey.flush()
    results.insert(0, {'baseline_s': round(duration, 2), 'baseline_status': baseline.status})
    return results


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--leads', type=int, default=3000)
    parser.add_argument('--database-url', help='default: a SQLite file in a temporary folder')
    parser.add_argument('--queue-url', help='default: a SQLite queue file next to it')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--quick', action='store_true', help='5 runs over 1,000 leads')
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.leads = min(args.runs, 5), min(args.leads, 1000)
    workdir = Path(tempfile.mkdtemp(prefix='ltc-crash-'))
    url = args.database_url or f'sqlite:///{workdir}/crash.db'
    if url.startswith('postgresql'):
        recreate_database(url)   # a throwaway database: its leads must be exactly --leads
    queue = args.queue_url or f'sqlite:///{workdir}/queue.db'
    print(f'crash test: {args.runs} runs, {args.leads:,} leads, {url.split(":")[0]} database, '
          f'{queue.split(":")[0]} queue')
    results = crash_runs(url, queue, args.runs, args.leads, workdir, args.seed)
    summary, runs = results[0], results[1:]
    failed = [r for r in runs if not r['ok']]
    print(f"baseline run {summary['baseline_s']} s; {sum(r['interrupted'] for r in runs)} of {len(runs)} "
          f"kills landed mid-run; {len(runs) - len(failed)}/{len(runs)} recovered with every check passing")
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
