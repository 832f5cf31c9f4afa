"""Two-way sync of a Google Sheets target against the in-process emulator: requests and time per run.

    python bench/sync_gsheets.py [--share 10] [ROWS ...]      (default: 100 10000 50000 rows)
    python bench/sync_gsheets.py --workbook [--share 10] [ROWS ...]

--workbook: ROWS leads with ROWS/10 follow-ups, ROWS/100 contracts and a payment plan each, held by one
workbook target of four tabs (leads, follow-ups, contracts, payment plans); SHARE % of the leads edited in the
sheet and another SHARE % in the database, ROWS/20 follow-ups typed in as new rows; one workbook run measured
(requests by kind, bytes written, wall time). Baseline in the same run: the same four entities as four single
targets (one worksheet each, in another spreadsheet) with the same changes, each run once.

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


def _seed_deals(rows):
    """Add ROWS/10 follow-ups on the first leads and ROWS/100 contracts with one payment plan each, in bulk."""
    import datetime
    from decimal import Decimal
    from ltc.db import database, reserve_codes, utcnow
    from ltc.models import Contract, Customer, FollowUp, Lead, PaymentPlan
    now = utcnow()
    leads = [i for (i,) in Lead.select(Lead.id).order_by(Lead.id).limit(max(1, rows // 10)).tuples()]
    deals = max(1, rows // 100)
    with database.atomic():
        codes = iter(reserve_codes(FollowUp.code_prefix, len(leads)))
        FollowUp.insert_many([{'code': next(codes), 'lead': lead, 'kind': 'call', 'summary': f'call {n}',
                               'happened_at': now - datetime.timedelta(days=n % 30), 'created_at': now,
                               'updated_at': now} for n, lead in enumerate(leads)]).execute()
        codes = iter(reserve_codes(Customer.code_prefix, deals))
        customers = [Customer.create(code=next(codes), name=f'客户{n}', created_at=now, updated_at=now).id
                     for n in range(deals)]
        contracts = []
        for n, customer in enumerate(customers):
            contracts.append(Contract.create(code=f'HT-B{n:06d}', title=f'合同{n}', customer=customer,
                                             amount=Decimal('100000'), signed_on=datetime.date(2026, 1, 5),
                                             created_at=now, updated_at=now).id)
        codes = iter(reserve_codes(PaymentPlan.code_prefix, deals))
        PaymentPlan.insert_many([{'code': next(codes), 'contract': c, 'sequence': 1, 'amount': Decimal('100000'),
                                  'due_on': datetime.date(2026, 3, 1), 'created_at': now, 'updated_at': now}
                                 for c in contracts]).execute()


TABS = {'leads': '线索', 'followups': '跟进记录', 'contracts': '合同', 'payment_plans': '回款计划'}


def _edit(emulator, key, database, rows, share, step, lead_codes, touch_db):
    """Type SHARE % lead edits and ROWS/20 new follow-ups into spreadsheet KEY (and, TOUCH_DB, edit other leads)."""
    from ltc.models import Lead
    grid = emulator.rendered(key, '线索')
    for r in range(2, len(grid) + 1, step):
        emulator.type_values(key, '线索', [[f'表格修改{r}']], row=r, col=2)
    if touch_db:
        codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()][1::step]
        with database.atomic():
            Lead.update(company=Lead.company.concat('（后台修改）'), version=Lead.version + 1).where(
                Lead.code.in_(codes)).execute()
    head = emulator.rendered(key, '跟进记录')[0]
    at = len(emulator.rendered(key, '跟进记录')) + 1
    typed = []
    for n, code in enumerate(lead_codes[:max(1, rows // 20)]):
        row = [''] * len(head)
        row[head.index('线索')], row[head.index('跟进时间')] = code, f'2026-11-{1 + n % 28:02d} 10:00'
        row[head.index('跟进内容')] = f'新跟进 {n}'
        typed.append(row)
    sheet = emulator.sheet(key, '跟进记录')   # a user adding rows below the grid grows it, as Google does
    sheet.row_count = max(sheet.row_count, at + len(typed))
    emulator.type_values(key, '跟进记录', typed, row=at)


def run_workbook(directory, rows, share):
    """Seed, first-sync a workbook and four single targets, change both alike, time one run of each side."""
    from ltc.models import FollowUp, Lead
    from ltc.services import audit
    from ltc.sync.engine.runner import run_sync
    from ltc.sync.engine.targets import add_gsheet_target
    from ltc.sync.engine.workbook import add_workbook
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes.importer import run_import
    from tests.sheets_emulator import SheetsEmulator
    app, database = open_app(directory)
    with SheetsEmulator() as emulator, app.app_context(), audit.acting_as('bench', 'cli'):
        app.config.update(GOOGLE_API_BASE=emulator.base_url, GOOGLE_REQUESTS_PER_MINUTE=600_000,
                          GOOGLE_REQUEST_BURST=10_000)
        emulator.create_spreadsheet('book', 'Workbook')
        emulator.create_spreadsheet('single', 'Single targets')
        run_import('leads', open_path(write_leads_xlsx(directory / f'seed{rows}.xlsx', rows)))
        _seed_deals(rows)
        book, _, _ = add_workbook('book', list(TABS), gsheet='book', run_as=None)
        singles = [add_gsheet_target(f'single-{e}', e, 'single', worksheet=t)[0] for e, t in TABS.items()]
        first_start = time.perf_counter()
        run_sync(book)
        first = time.perf_counter() - first_start
        for target in singles:
            run_sync(target)
        step = max(1, round(100 / share))
        codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id.desc()).tuples()]
        _edit(emulator, 'book', database, rows, share, step, codes, touch_db=True)
        _edit(emulator, 'single', database, rows, share, step, codes, touch_db=False)
        figures = {}
        for label, targets in (('workbook', [book]), ('single targets', singles)):
            emulator.clear_log()
            start = time.perf_counter()
            for target in targets:
                run_sync(target)
            seconds = time.perf_counter() - start
            kinds = emulator.kinds()
            written = sum(len(json.dumps(r.body, ensure_ascii=False).encode()) for r in emulator.requests
                          if r.kind in ('values.batchUpdate', 'spreadsheets.batchUpdate', 'values.append'))
            emulator.clear_log()
            again = time.perf_counter()
            for target in targets:
                run_sync(target)
            figures[label] = {'seconds': round(seconds, 2), 'requests': len(kinds), 'kinds': kinds,
                              'followups': FollowUp.select().count(),
                              'bytes_written': written, 'next_run_requests': emulator.count(),
                              'next_run_seconds': round(time.perf_counter() - again, 2)}
        return {'rows': rows, 'first_sync': round(first, 2), **figures}


def main_workbook(args):
    for rows in args.rows:
        _, peak, value = measure(run_workbook, workdir(), rows, args.share)
        print(f'{rows:>6,} leads + {max(1, rows // 10):,} follow-ups + {max(1, rows // 100):,} contracts and plans, '
              f'{args.share:g}% of leads changed per side, {max(1, rows // 20):,} follow-ups typed in; '
              f'first workbook sync {value["first_sync"]:.2f} s; peak {peak:.0f} MB')
        for label in ('workbook', 'single targets'):
            v = value[label]
            print(f'  {label:15}: {v["requests"]} requests ({", ".join(v["kinds"])}), follow-ups now {v["followups"]:,}, '
                  f'{v["bytes_written"] / 1e6:.2f} MB written, {v["seconds"]:.2f} s; next run (no changes) '
                  f'{v["next_run_requests"]} requests {v["next_run_seconds"]:.2f} s')
        w, b = value['workbook'], value['single targets']
        print(f'  workbook / single targets: requests {w["requests"] / b["requests"]:.2f}, '
              f'time {w["seconds"] / max(b["seconds"], 1e-6):.2f}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('rows', type=int, nargs='*', default=[100, 10_000, 50_000])
    parser.add_argument('--share', type=float, default=10, help='percent of rows changed on each side')
    parser.add_argument('--workbook', action='store_true',
                        help='a workbook of four tabs against four single targets (see the top of this file)')
    args = parser.parse_args(argv)
    print(f'machine: {machine()}')
    if args.workbook:
        return main_workbook(args)
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
