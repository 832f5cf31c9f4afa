"""Crash test of the import: kill -9 `flask ltc import leads FILE` at random points, import again, check.

Usage: python -m bench.crash_import [--runs 20] [--rows 3000] [--database-url URL] [--seed S] [--quick]

A workbook of ROWS leads without codes is generated once. Before each run the leads are removed
(a test reset, not audited); the import process is killed with SIGKILL after a random delay
within the clean import's duration, then the import runs again (up to three times until it exits
0) and the script checks: ROWS leads, no two with the same company and phone (the importer's
natural key), exactly one 'create' audit row per lead since the reset and none for other codes,
no run left 'running' (the killed one is marked 'interrupted' by the next run), and planning the
import once more finds every row unchanged (converged).
A PostgreSQL --database-url names a throwaway database: it is dropped and created again.
"""
import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_leads_xlsx  # noqa: E402
from bench.crash import prepare  # noqa: E402
from tests.production import Stack, recreate_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def reset(database):
    """Remove every lead (test reset, not audited); return the audit mark."""
    from peewee import fn
    from ltc.models import AuditLog, Lead
    with database.connection_context():
        Lead.delete().execute()
        return AuditLog.select(fn.COALESCE(fn.MAX(AuditLog.id), 0)).scalar()


def check(database, rows, mark, path):
    """Return the problems found after a recovered import (empty when every check passes)."""
    from peewee import fn
    from ltc.models import AuditLog, Lead
    from ltc.models.sync import SyncRun
    from ltc.sync.writes.importer import plan_import
    from ltc.sync.formats.tables import open_path
    problems = []
    with database.connection_context():
        count = Lead.select().count()
        keys = Lead.select(Lead.company, Lead.phone).distinct().count()
        if count != rows or keys != rows:
            problems.append(f'{count} leads with {keys} distinct company+phone, expected {rows}')
        creates = (AuditLog.select(AuditLog.entity_code, fn.COUNT(AuditLog.id))
                   .where((AuditLog.id > mark) & (AuditLog.entity == 'Lead') & (AuditLog.action == 'create'))
                   .group_by(AuditLog.entity_code).tuples())
        audited = dict(creates)
        codes = {c for (c,) in Lead.select(Lead.code).tuples()}
        twice = [c for c, n in audited.items() if n != 1]
        if twice or set(audited) != codes:
            problems.append(f'{len(audited)} leads audited as created ({len(twice)} more than once), '
                            f'{len(codes - set(audited))} leads without and {len(set(audited) - codes)} '
                            f'audit rows without a lead')
        running = SyncRun.select().where(SyncRun.status == 'running').count()
        if running:
            problems.append(f'{running} runs still marked running')
        outcomes = {}
        for row in plan_import('leads', open_path(str(path))).rows:
            outcomes[row.outcome] = outcomes.get(row.outcome, 0) + 1
        if outcomes != {'unchanged': rows}:
            problems.append(f'importing again would not be a no-op: {outcomes}')
    return problems


def last_run_id(database):
    from ltc.models.sync import SyncRun
    with database.connection_context():
        return SyncRun.select(SyncRun.id).order_by(SyncRun.id.desc()).scalar() or 0


def wait_for_run(database, first, process):
    """Wait until the import process has created a run after FIRST (its writes begin); return that moment."""
    from ltc.models.sync import SyncRun
    with database.connection_context():
        while process.poll() is None and not SyncRun.select().where(SyncRun.id > first).exists():
            time.sleep(0.01)
    return time.monotonic()


def crash_import_runs(url, runs, rows, workdir, seed=1):
    """Run the kill/recover cycle RUNS times; return [summary, per-run dicts]."""
    from ltc.models import Lead
    from ltc.models.sync import SyncRun
    workdir = Path(workdir)
    rng = random.Random(seed)
    database = prepare(url, 0)
    path = write_leads_xlsx(workdir / 'leads.xlsx', rows, seed)
    stack = Stack(url, f'sqlite:///{workdir}/queue.db', workdir / 'stack')
    command = [sys.executable, '-m', 'flask', '--app', 'app', 'ltc', 'import', 'leads', str(path)]
    reset(database)
    first, began = last_run_id(database), time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=stack.env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    writing = wait_for_run(database, first, process) - began
    if process.wait() != 0:
        raise RuntimeError('the clean import failed')
    duration = time.monotonic() - began
    results = [{'baseline_s': round(duration, 2), 'writes_from_s': round(writing, 2)}]
    for index in range(runs):
        mark, first = reset(database), last_run_id(database)
        process = subprocess.Popen(command, cwd=ROOT, env=stack.env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        started = time.monotonic()
        if rng.random() < 0.75:   # most kills aim at the write phase, where a kill can leave half a job
            wait_for_run(database, first, process)
            time.sleep(rng.uniform(0, max(duration - writing, 0.05)))
        else:
            time.sleep(rng.uniform(0, duration))
        delay = time.monotonic() - started
        finished = process.poll() is not None
        Stack.stop_process(process, signal.SIGKILL)
        with database.connection_context():
            partial = SyncRun.select().where(SyncRun.status == 'running').count()
            written = Lead.select().count()
        exits = []
        while len(exits) < 3 and exits[-1:] != [0]:
            exits.append(stack.flask('import', 'leads', str(path), check=False).returncode)
        problems = [] if exits[-1] == 0 else [f'the import did not converge: exits {exits}']
        problems += check(database, rows, mark, path)
        results.append({'run': index + 1, 'kill_after_s': round(delay, 2), 'mid_run': not finished,
                        'leads_at_kill': written, 'run_left_running': bool(partial),
                        'recovery_exits': exits, 'ok': not problems, 'problems': problems})
        print(f"run {index + 1:>2}: killed after {delay:5.2f} s {'mid-run' if not finished else '(already done)'} "
              f"with {written:>5} leads written{', run left running' if partial else ''}; recovery exits {exits}, "
              f"{'OK' if not problems else 'FAILED: ' + '; '.join(problems)}")
    return results


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=20)
    parser.add_argument('--rows', type=int, default=3000)
    parser.add_argument('--database-url', help='default: a SQLite file in a temporary folder')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--quick', action='store_true', help='5 runs over 1,000 rows')
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.rows = min(args.runs, 5), min(args.rows, 1000)
    workdir = Path(tempfile.mkdtemp(prefix='ltc-crash-import-'))
    url = args.database_url or f'sqlite:///{workdir}/crash.db'
    if url.startswith('postgresql'):
        recreate_database(url)
    print(f'import crash test: {args.runs} runs, {args.rows:,} rows, {url.split(":")[0]}')
    results = crash_import_runs(url, args.runs, args.rows, workdir, args.seed)
    runs = results[1:]
    failed = [r for r in runs if not r['ok']]
    print(f"clean import {results[0]['baseline_s']} s; {sum(r['mid_run'] for r in runs)} of {len(runs)} kills "
          f"landed mid-run ({sum(r['run_left_running'] for r in runs)} left a run 'running', "
          f"{sum(0 < r['leads_at_kill'] < args.rows for r in runs)} with part of the leads written); "
          f"{len(runs) - len(failed)}/{len(runs)} recovered with every check passing")
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
