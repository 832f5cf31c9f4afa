"""Idle sync targets: what one cycle of the periodic sync job costs when no sheet and no slice moved.

    python bench/idle_targets.py [--targets 100] [--rows 2000]

TARGETS reps each own ROWS leads; each rep has a Google Sheet (its own spreadsheet, in the in-process
emulator) synced as them with the slice owner=me. Job cycles fill and settle the sheets; then one idle
cycle is measured (requests by kind, wall time) and, as the baseline in the same run, one cycle with
idle skipping off (every sheet read and merged, as before team sheets).
"""
import argparse
import datetime
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import machine, open_app, workdir  # noqa: E402


def _seed(targets, rows):
    """Make TARGETS sales reps of ROWS leads each, inserted in bulk with one audit row per lead."""
    from ltc.db import database, utcnow
    from ltc.models import AuditLog, Lead, Role, User
    from ltc.db import reserve_codes
    role = Role.get(Role.name == 'sales')
    now = utcnow()
    reps = []
    for t in range(targets):
        reps.append(User.create(code=f'U-B{t}', username=f'rep{t}', display_name=f'销售{t}', role=role,
                                created_at=now, updated_at=now))
    codes = iter(reserve_codes(Lead.code_prefix, targets * rows))
    with database.atomic():
        for rep in reps:
            batch = [{'code': next(codes), 'company': f'{rep.username}公司{i}', 'source': 'website', 'owner': rep.id,
                      'status': 'assigned', 'created_at': now, 'updated_at': now} for i in range(rows)]
            for start in range(0, rows, 500):
                Lead.insert_many(batch[start:start + 500]).execute()
            AuditLog.insert_many([{'at': now, 'actor': 'bench', 'source': 'cli', 'entity': 'Lead',
                                   'entity_code': b['code'], 'action': 'create'} for b in batch]).execute()
    return reps


def run(directory, targets, rows):
    from ltc.services import audit
    from ltc.sync.engine.scheduled import run_active_targets
    from ltc.sync.engine.targets import add_gsheet_target
    from tests.sheets_emulator import SheetsEmulator
    app, _ = open_app(directory)
    with SheetsEmulator() as emulator, app.app_context(), audit.acting_as('bench', 'cli'):
        app.config.update(GOOGLE_API_BASE=emulator.base_url, GOOGLE_REQUESTS_PER_MINUTE=600_000,
                          GOOGLE_REQUEST_BURST=10_000)
        start = time.perf_counter()
        reps = _seed(targets, rows)
        for rep in reps:
            emulator.create_spreadsheet(f'key-{rep.username}', rep.username)
            add_gsheet_target(rep.username, 'leads', f'key-{rep.username}', worksheet='Leads', run_as=rep.username,
                              where=['owner=me'])
        seeded = time.perf_counter() - start
        # Cycles an hour apart (every target due) whatever a slow cycle took on the clock.
        now = datetime.datetime.utcnow()
        cycles = []
        for step in range(3):
            emulator.clear_log()
            began = time.perf_counter()
            counts = run_active_targets(now=now + datetime.timedelta(hours=step))
            cycles.append((time.perf_counter() - began, len(emulator.requests), counts))
        emulator.clear_log()
        began = time.perf_counter()
        idle = run_active_targets(now=now + datetime.timedelta(hours=3))
        measured = (time.perf_counter() - began, Counter(emulator.kinds()), idle)
        emulator.clear_log()
        began = time.perf_counter()
        full = run_active_targets(now=now + datetime.timedelta(hours=4), skip_idle=False)
        baseline = (time.perf_counter() - began, Counter(emulator.kinds()), full)
    return seeded, cycles, baseline, measured


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--targets', type=int, default=100)
    parser.add_argument('--rows', type=int, default=2000)
    parser.add_argument('--keep', help='Keep the work directory here.')
    args = parser.parse_args(argv)
    seeded, cycles, baseline, measured = run(workdir(args.keep), args.targets, args.rows)
    print(f'{machine()}; {args.targets} targets x {args.rows:,} rows; seeded in {seeded:.1f} s')
    for n, (seconds, requests, counts) in enumerate(cycles, 1):
        print(f'settling cycle {n}: {seconds:.1f} s, {requests} requests, {counts}')
    for label, (seconds, kinds, counts) in (('every sheet read (baseline)', baseline), ('idle cycle', measured)):
        print(f'{label}: {seconds:.2f} s, {sum(kinds.values())} requests {dict(kinds)}, '
              f'{counts["idle"]} idle, {counts["done"] + counts["attention"]} run')
    print(f'idle / baseline: time {measured[0] / baseline[0]:.3f}, '
          f'requests {sum(measured[1].values()) / max(sum(baseline[1].values()), 1):.3f}')


if __name__ == '__main__':
    main()
