"""Measure requests and local time of the Sheets operations (open, read, re-check, write, append).

Run: python -m bench.gsheets_ops [--every K] [ROWS ...]   (default: every 10th row changed;
100 10000 50000 rows)
Against the in-process emulator, so the times include the emulator's own work but no network.
"""
import random
import sys
import time

from ltc.sync.gsheets import ops
from ltc.sync.gsheets.http import TokenBucket, open_client
from tests.sheets_emulator import SheetsEmulator

HEADER = ['Code', 'Name', 'Company', 'Phone', 'Email', 'Stage', 'Amount', 'Close date',
          'Owner', 'Status']


def make_rows(n):
    """Return n lead-like rows: text codes, '0'-led phones, numbers and serial dates."""
    rng = random.Random(n)
    return [[f'L{i:07d}', f'Lead {i}', f'公司 {i % 997}', f'0{rng.randrange(10 ** 9, 10 ** 10)}',
             f'lead{i}@example.com', rng.choice(['Validate', 'Analyse', 'Propose']),
             rng.randrange(1000, 10 ** 6), 46000 + i % 365, f'user{i % 40}', '']
            for i in range(n)]


def run(n, every=10):
    """Time one sync-shaped cycle on an n-row worksheet with every every-th row changed."""
    with SheetsEmulator() as emulator:
        emulator.create_spreadsheet('bench', 'Bench', sheets={'Leads': [HEADER] + make_rows(n)},
                                    rows=n + 1001, cols=len(HEADER))  # spare rows, as usual
        client = open_client({'GOOGLE_API_BASE': emulator.base_url},
                             limiter=TokenBucket(per_minute=50, burst=10))
        steps, emulator_start = [], len(emulator.requests)

        def step(name, fn):
            before, start = emulator.count(), time.perf_counter()
            result = fn()
            steps.append((name, emulator.count() - before, time.perf_counter() - start))
            return result

        ws = step('open', lambda: ops.open_worksheet(client, 'bench', 'Leads'))
        rows = step('read', lambda: ops.read_all(ws))
        changed = range(2, len(rows) + 1, every)
        planned = {r: rows[r - 1][0] for r in changed}
        cells = {}
        for r in changed:
            cells[(r, 2)] = f'{rows[r - 1][1]} (edited)'
            cells[(r, 7)] = rows[r - 1][6] + 1
            cells[(r, 10)] = 'updated 已更新'
        step('re-check + write', lambda: ops.write_checked(ws, 0, cells, planned))
        new = [[''] + r[1:] for r in make_rows(max(1, n // 100))]
        step('append 1%', lambda: ops.append_rows(ws, new, at_row=len(rows) + 1))
        write_bytes = sum(len(str(r.body)) for r in emulator.requests[emulator_start:]
                          if r.kind == 'values.batchUpdate')
        return steps, len(cells), write_bytes


def main(argv):
    """Print a Markdown table of requests and seconds per step for each size."""
    every = 10
    if argv[:1] == ['--every']:
        every, argv = int(argv[1]), argv[2:]
    sizes = [int(a) for a in argv] or [100, 10_000, 50_000]
    print('| rows | changed cells | step | requests | seconds |')
    print('|---:|---:|---|---:|---:|')
    for n in sizes:
        steps, changed, write_bytes = run(n, every)
        for name, count, seconds in steps:
            print(f'| {n:,} | {changed:,} | {name} | {count} | {seconds:.2f} |')
        total = sum(s[1] for s in steps), sum(s[2] for s in steps)
        print(f'| {n:,} | {changed:,} | **total** (write payload ~{write_bytes / 1e6:.1f} MB) '
              f'| **{total[0]}** | **{total[1]:.2f}** |')


if __name__ == '__main__':
    main(sys.argv[1:])
