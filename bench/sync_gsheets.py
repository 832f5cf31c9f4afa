"""Two-way sync of a Google Sheets target against the in-process emulator: requests and time per run.

    python bench/sync_gsheets.py [--share 10] [ROWS ...]      (default: 100 10000 50000 rows)

For each size: N leads are imported, a worksheet is created and filled by a first sync, then
SHARE % of the rows are edited in the sheet and another SHARE % in the database, and one sync
run is measured: HTTP requests (by kind), bytes written, and wall time. The emulator runs in
the same process on 127.0.0.1, so the time includes its own work but no network.
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import machine, measure, open_app, workdir, write_leads_xlsx  # noqa: E402


def _timed(table):
    """Wrap the table's read/re-check/write to add up their wall time (requests included)."""
    spent = [0.0]
    for name in ('read', 'reread_keys', 'write'):
        method = getattr(table, name)

        def timed(*args, _method=method):
            start = time.perf_counter()
            try:
                return _method(*args)
            finally:
                spent[0] += time.perf_counter() - start
        setattr(table, name, timed)
    return spent


def run(directory, rows, share):
    """Seed, first-sync, edit both sides, then time one sync run; return its figures."""
    from ltc.models import Lead
    from ltc.services import audit
    from ltc.sync.engine import twoway as engine
    run_sync = engine.run_sync
    from ltc.sync.engine.targets import add_gsheet_target
    from ltc.sync.formats.tables import open_path
    from ltc.sync.gsheets.http import TokenBucket, open_client
    from ltc.sync.gsheets.table import GSheetTable
    from ltc.sync.writes.importer import run_import
    from tests.sheets_emulator import SheetsEmulator
    app, database = open_app(directory)
    with SheetsEmulator() as emulator, audit.acting_as('bench', 'cli'):
        emulator.create_spreadsheet('bench', 'Bench')
        client = open_client({'GOOGLE_API_BASE': emulator.base_url},
                             limiter=TokenBucket(per_minute=600_000, burst=10_000))
        run_import('leads', open_path(write_leads_xlsx(directory / f'seed{rows}.xlsx', rows)))
        target, _ = add_gsheet_target('bench', 'leads', 'bench', worksheet='线索', client=client)
        first_start = time.perf_counter()
        run_sync(target, table=GSheetTable('bench', '线索', client=client))
        first = time.perf_counter() - first_start
        step = max(1, round(100 / share))
        grid = emulator.rendered('bench', '线索')
        for r in range(2, len(grid) + 1, step):              # sheet side: every step-th row
            emulator.type_values('bench', '线索', [[f'表格修改{r}']], row=r, col=2)
        codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()][1::step]
        with database.atomic():                               # database side: other rows
            Lead.update(company=Lead.company.concat('（后台修改）'), version=Lead.version + 1).where(
                Lead.code.in_(codes)).execute()
        emulator.clear_log()
        table = GSheetTable('bench', '线索', client=client)
        io = _timed(table)
        start = time.perf_counter()
        result = run_sync(target, table=table)
        seconds = time.perf_counter() - start
        kinds = emulator.kinds()
        written = sum(len(json.dumps(r.body, ensure_ascii=False).encode()) for r in emulator.requests
                      if r.kind in ('values.batchUpdate', 'spreadsheets.batchUpdate', 'values.append'))
        emulator.clear_log()
        again = time.perf_counter()
        run_sync(target, table=GSheetTable('bench', '线索', client=client))
        return {'rows': rows, 'first_sync': round(first, 2), 'seconds': round(seconds, 2),
                'sheet_io': round(io[0], 2),
                'requests': len(kinds), 'kinds': kinds, 'bytes_written': written,
                'totals': {k: v for k, v in result.totals().items() if v},
                'next_run_requests': emulator.count(), 'next_run_seconds': round(time.perf_counter() - again, 2)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('rows', type=int, nargs='*', default=[100, 10_000, 50_000])
    parser.add_argument('--share', type=float, default=10, help='percent of rows changed on each side')
    args = parser.parse_args(argv)
    print(f'machine: {machine()}')
    for rows in args.rows:
        directory = workdir()
        _, peak, value = measure(run, directory, rows, args.share)
        allowed = 4 + 1 + value['bytes_written'] // 2_000_000
        print(f'{rows:>6,} rows, {args.share:g}% changed per side: {value["requests"]} requests '
              f'({", ".join(value["kinds"])}), {value["bytes_written"] / 1e6:.2f} MB written, '
              f'{value["seconds"]:.2f} s per run, of which {value["sheet_io"]:.2f} s reading/writing the sheet '
              f'(target ≤ {allowed} requests); first sync '
              f'{value["first_sync"]:.2f} s; next run {value["next_run_requests"]} requests '
              f'{value["next_run_seconds"]:.2f} s; peak {peak:.0f} MB')
        print(f'        totals {value["totals"]}')


if __name__ == '__main__':
    main()
