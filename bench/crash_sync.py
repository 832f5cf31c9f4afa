"""Crash test of the .xlsx sync: kill -9 `flask ltc sync run` at random points, run it again, check it converges.

Usage: python -m bench.crash_sync [--runs 20] [--rows 3000] [--database-url URL] [--seed S] [--quick]

Before each run every lead's city is changed in the sheet. The sync process is killed with
SIGKILL after a random delay within the clean run's duration; then the sync runs again (up to
three times until it exits 0) and the script checks: the leads and the sheet still hold ROWS
rows with distinct codes (no duplicates), every lead has the sheet's city, the target's lock is
free, no run is left 'running' (the killed one is marked 'interrupted'), exactly one audit row per lead records the city change, and a further sync changes nothing.
A PostgreSQL --database-url names a throwaway database: it is dropped and created again.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crash import prepare as seed_leads  # noqa: E402
from tests.production import Stack, recreate_database  # noqa: E402

TARGET = 'crash'


def prepare(url, rows, workdir):
    """Seed ROWS leads, export them to an .xlsx target, register it and sync once; return its path."""
    from ltc.services import audit
    from ltc.sync.engine.targets import add_target
    from ltc.sync.engine.twoway import run_sync
    from ltc.sync.writes.export import export_entity
    database = seed_leads(url, rows)
    path = workdir / 'target.xlsx'
    with database.connection_context(), audit.acting_as('bench', 'cli'):
        export_entity('leads', path)
        run_sync(add_target(TARGET, 'leads', path))
    return database, path


def change_sheet(path, tag):
    """Set every row's city in the sheet to a value naming TAG; return {code: city}."""
    import openpyxl
    from ltc.sync.mapping.entities import LEADS
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    city = next(i for i, h in enumerate(headers, 1) if (LEADS.column_for(h) or LEADS.key).attr == 'region_city')
    expected = {}
    for r in range(2, sheet.max_row + 1):
        code = sheet.cell(r, 1).value
        if code:
            sheet.cell(r, city).value = expected[code] = f'城市{tag}-{r}'
    book.save(path)
    return expected


def sheet_codes(path):
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True)
    codes = [row[0] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True) if row and row[0]]
    book.close()
    return codes


def crash_sync_runs(url, runs, rows, workdir, seed=1):
    """Run the kill/recover cycle RUNS times; return [summary, per-run dicts]."""
    from peewee import fn
    from ltc.models import AuditLog, Lead
    from ltc.models.sync import SyncRun, SyncTarget
    workdir = Path(workdir)
    rng = random.Random(seed)
    database, path = prepare(url, rows, workdir)
    stack = Stack(url, f'sqlite:///{workdir}/queue.db', workdir / 'stack')
    change_sheet(path, 'baseline')
    began = time.monotonic()
    stack.flask('sync', 'run', TARGET, check=False)
    duration = time.monotonic() - began
    results = [{'baseline_s': round(duration, 2)}]
    command = [sys.executable, '-m', 'flask', '--app', 'app', 'ltc', 'sync', 'run', TARGET]
    for index in range(runs):
        expected = change_sheet(path, index)
        with database.connection_context():
            mark = AuditLog.select(fn.COALESCE(fn.MAX(AuditLog.id), 0)).scalar()
        process = subprocess.Popen(command, cwd=Path(__file__).resolve().parent.parent, env=stack.env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        delay = rng.uniform(0, duration)
        time.sleep(delay)
        finished = process.poll() is not None
        Stack.stop_process(process, signal.SIGKILL)   # reaped: its pid is gone, so its lock is taken over
        with database.connection_context():
            # What the kill left: city changes the killed run committed, its run row still 'running'.
            committed = AuditLog.select().where((AuditLog.id > mark) & (AuditLog.entity == 'Lead')).count()
            left_running = SyncRun.select().where(SyncRun.status == 'running').count()
        exits = []
        while len(exits) < 3 and exits[-1:] != [0]:
            exits.append(stack.flask('sync', 'run', TARGET, check=False).returncode)
        again = stack.flask('sync', 'run', TARGET, '--dry-run', check=False)
        problems = []
        if exits[-1] != 0:
            problems.append(f'the sync did not converge: exits {exits}')
        with database.connection_context():
            cities = dict(Lead.select(Lead.code, Lead.region_city).tuples())
            count, distinct = Lead.select().count(), Lead.select(fn.COUNT(fn.DISTINCT(Lead.code))).scalar()
            if count != rows or distinct != rows:
                problems.append(f'{count} leads with {distinct} codes, expected {rows}')
            wrong = [c for c, city in expected.items() if cities.get(c) != city]
            if wrong:
                problems.append(f'{len(wrong)} leads lack the sheet city (e.g. {wrong[0]})')
            changes = [json.loads(c) for (c,) in AuditLog.select(AuditLog.changes).where(
                (AuditLog.id > mark) & (AuditLog.entity == 'Lead')).tuples()]
            city_rows = sum(1 for c in changes if 'region_city' in c)
            if city_rows != rows:
                problems.append(f'{city_rows} audit rows record the city change, expected {rows}')
            running = SyncRun.select().where(SyncRun.status == 'running').count()
            if running:
                problems.append(f'{running} runs still marked running')
            target = SyncTarget.get(SyncTarget.name == TARGET)
            if target.lock_owner:
                problems.append(f'the target is still locked by {target.lock_owner}')
        codes = sheet_codes(path)
        if len(codes) != rows or len(set(codes)) != rows:
            problems.append(f'the sheet holds {len(codes)} coded rows ({len(set(codes))} distinct), expected {rows}')
        with database.connection_context():
            totals = json.loads(SyncRun.select().order_by(SyncRun.id.desc()).first().totals)
        if again.returncode != 0 or any(totals.get(k) for k in ('created', 'updated', 'deleted', 'conflict', 'error')):
            problems.append(f'a further sync would still change something: {totals}')
        partial = 0 < committed < rows
        results.append({'run': index + 1, 'kill_after_s': round(delay, 2), 'mid_run': not finished,
                        'committed': committed, 'partial': partial, 'left_running': bool(left_running),
                        'recovery_exits': exits, 'ok': not problems, 'problems': problems})
        print(f"run {index + 1:>2}: killed after {delay:5.2f} s {'mid-run' if not finished else '(already done)'}"
              f" with {committed} of {rows} leads written{', run left running' if left_running else ''}, "
              f"recovery exits {exits}, {'OK' if not problems else 'FAILED: ' + '; '.join(problems)}")
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
    workdir = Path(tempfile.mkdtemp(prefix='ltc-crash-sync-'))
    url = args.database_url or f'sqlite:///{workdir}/crash.db'
    if url.startswith('postgresql'):
        recreate_database(url)
    print(f'sync crash test: {args.runs} runs, {args.rows:,} rows, {url.split(":")[0]}')
    results = crash_sync_runs(url, args.runs, args.rows, workdir, args.seed)
    runs = results[1:]
    failed = [r for r in runs if not r['ok']]
    print(f"clean sync {results[0]['baseline_s']} s; {sum(r['mid_run'] for r in runs)} of {len(runs)} kills "
          f"landed mid-run, {sum(r['left_running'] for r in runs)} left the run row 'running', "
          f"{sum(r['partial'] for r in runs)} with part of the leads written; "
          f"{len(runs) - len(failed)}/{len(runs)} recovered with every check passing; "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
