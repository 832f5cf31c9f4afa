"""Two-way sync of a Google Sheets target against the emulator: requests, time and memory per run.

    python bench/sync_gsheets.py [--share 10] [--in-process] [ROWS ...]   (default: 100 10000 50000 rows)
    python bench/sync_gsheets.py --workbook [--share 10] [ROWS ...]

--workbook: ROWS leads with ROWS/10 follow-ups, ROWS/100 contracts and a payment plan each, held by one
workbook target of four tabs (leads, follow-ups, contracts, payment plans); SHARE % of the leads edited in the
sheet and another SHARE % in the database, ROWS/20 follow-ups typed in as new rows; one workbook run measured
(requests by kind, bytes written, wall time), with the emulator in the same process. Baseline in the same run:
the same four entities as four single targets (one worksheet each, in another spreadsheet) with the same
changes, each run once.

For each size: N leads are imported, a worksheet is created and filled by a first sync, then
SHARE % of the rows are edited in the sheet and another SHARE % in the database, and one sync
run is measured: HTTP requests (by kind), bytes written, wall and CPU time, peak memory; then a
run with nothing changed. Every sync runs in a fresh process, so its peak RSS is its own (the
interpreter and the app it starts with are printed apart). The emulator runs in its own process
on 127.0.0.1 (no network), so its work is not the sync's; its CPU seconds per run are printed,
and so is the baseline measured in the same run: one read of the whole sheet through gspread
(the `values.get` every run makes), in a fresh process too. --in-process puts the emulator back
into the syncing process as a thread, as this bench did before (its time and memory then count).
"""
import argparse
import json
import resource
import sys
import time
from multiprocessing.managers import BaseManager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import machine, measure, open_app, workdir, write_leads_xlsx  # noqa: E402

KEY, TITLE = 'bench', '线索'
WRITES = ('values.batchUpdate', 'spreadsheets.batchUpdate', 'values.append')


class Emulator:
    """The Sheets emulator with what the bench asks of it; served from its own process (or in this one)."""

    def __init__(self):
        from tests.sheets_emulator import SheetsEmulator
        self.emulator = SheetsEmulator().start()
        self.emulator.create_spreadsheet(KEY, 'Bench')

    def base_url(self):
        return self.emulator.base_url

    def edit_rows(self, step, col):
        """Type a new value into column COL of every STEP-th data row, as a user would."""
        grid = self.emulator.rendered(KEY, TITLE)
        for r in range(2, len(grid) + 1, step):
            self.emulator.type_values(KEY, TITLE, [[f'表格修改{r}']], row=r, col=col)

    def clear_log(self):
        self.emulator.clear_log()

    def log(self):
        """Return (request kinds, bytes of the write requests' bodies)."""
        requests = list(self.emulator.requests)
        return ([r.kind for r in requests],
                sum(len(json.dumps(r.body, ensure_ascii=False).encode()) for r in requests if r.kind in WRITES))

    def cpu(self):
        """Return the CPU seconds this process has used (the emulator's own work when it runs apart)."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def stop(self):
        self.emulator.stop()


class Manager(BaseManager):
    pass


Manager.register('Emulator', Emulator)


def _client(base_url):
    from ltc.sync.gsheets.http import TokenBucket, open_client
    return open_client({'GOOGLE_API_BASE': base_url}, limiter=TokenBucket(per_minute=600_000, burst=10_000))


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def seed(directory, rows):
    """Import ROWS leads into a fresh database."""
    from ltc.services import audit
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes.importer import run_import
    open_app(directory)
    with audit.acting_as('bench', 'cli'):
        run_import('leads', open_path(write_leads_xlsx(directory / f'seed{rows}.xlsx', rows)))


def idle(directory):
    """Open the app as a sync does, and nothing else: the memory every process starts with."""
    open_app(directory)
    from ltc.sync.engine import twoway  # noqa: F401
    from ltc.sync.gsheets import table  # noqa: F401
    return {}


def sync(directory, base_url, emulator=None, first=False):
    """Run one sync of the bench target (registered by the first one); return its figures."""
    from ltc.models.sync import SyncTarget
    from ltc.services import audit
    from ltc.sync.engine.targets import add_gsheet_target
    from ltc.sync.engine.twoway import run_sync
    from ltc.sync.gsheets.table import GSheetTable
    open_app(directory)
    client = _client(base_url)
    with audit.acting_as('bench', 'cli'):
        if first:
            target, _ = add_gsheet_target('bench', 'leads', KEY, worksheet=TITLE, client=client)
        else:
            target = SyncTarget.get(SyncTarget.name == 'bench')
        table = GSheetTable(KEY, TITLE, client=client)
        spent = _timed(table)
        began, cpu = time.perf_counter(), _cpu()
        emulated = emulator.cpu() if emulator is not None else 0
        result = run_sync(target, table=table)
        return {'seconds': time.perf_counter() - began, 'cpu': _cpu() - cpu, 'sheet_io': spent[0],
                'emulator_cpu': emulator.cpu() - emulated if emulator is not None else None,
                'totals': {k: v for k, v in result.totals().items() if v}}


def raw_read(directory, base_url):
    """Read the whole sheet once through gspread, as a run's read does: the same-run baseline."""
    from ltc.sync.gsheets import ops
    open_app(directory)
    worksheet = ops.open_worksheet(_client(base_url), KEY, TITLE)
    began = time.perf_counter()
    grid = ops.read_all(worksheet)
    return {'seconds': time.perf_counter() - began, 'rows': len(grid)}


def edit_database(directory, step):
    """Change the company of every STEP-th lead (starting with the second) in the database."""
    from ltc.models import Lead
    _, database = open_app(directory)
    codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()][1::step]
    with database.atomic():
        Lead.update(company=Lead.company.concat('（后台修改）'), version=Lead.version + 1).where(
            Lead.code.in_(codes)).execute()


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


def _load():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def run(directory, rows, share, emulator, in_process):
    """Seed, first-sync, edit both sides, then measure one sync run and one with nothing changed."""
    step = max(1, round(100 / share))
    base_url = emulator.base_url()
    measure(seed, directory, rows)
    steps = {}

    def step_of(name, fn, *args):
        if in_process:   # peak so far of this process, emulator included
            value, peak = fn(*args), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        else:
            _, peak, value = measure(fn, *args)
        value['peak'] = peak
        steps[name] = value
        return value

    step_of('baseline', idle, directory)
    step_of('first', sync, directory, base_url, emulator, True)
    emulator.edit_rows(step, 2)                  # sheet side: every step-th row
    measure(edit_database, directory, step)      # database side: other rows
    step_of('raw_read', raw_read, directory, base_url)
    emulator.clear_log()
    load = _load()
    step_of('run', sync, directory, base_url, emulator)
    steps['kinds'], steps['written'] = emulator.log()
    emulator.clear_log()
    step_of('again', sync, directory, base_url, emulator)
    steps['again_kinds'], _ = emulator.log()
    steps['load'] = load
    return steps


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
    parser.add_argument('--in-process', action='store_true',
                        help='run the emulator as a thread of the syncing process (its cost then counts)')
    parser.add_argument('--workbook', action='store_true',
                        help='a workbook of four tabs against four single targets (see the top of this file)')
    args = parser.parse_args(argv)
    if args.workbook:
        print(f'machine: {machine()}')
        return main_workbook(args)
    print(f'machine: {machine()}; emulator: {"in the syncing process" if args.in_process else "own process"}')
    for rows in args.rows:
        directory = workdir()
        if args.in_process:
            emulator = Emulator()
        else:
            manager = Manager()
            manager.start()
            emulator = manager.Emulator()
        try:
            steps = run(directory, rows, args.share, emulator, args.in_process)
        finally:
            emulator.stop()
            if not args.in_process:
                manager.shutdown()
        r, first, again, raw = steps['run'], steps['first'], steps['again'], steps['raw_read']
        allowed = 4 + 1 + steps['written'] // 2_000_000
        emulated = '' if r['emulator_cpu'] is None else f', emulator {r["emulator_cpu"]:.2f} s CPU'
        print(f'{rows:>6,} rows, {args.share:g}% changed per side (load {steps["load"]}): '
              f'{len(steps["kinds"])} requests ({", ".join(steps["kinds"])}; target ≤ {allowed}), '
              f'{steps["written"] / 1e6:.2f} MB written')
        print(f'        run: {r["seconds"]:.2f} s ({r["cpu"]:.2f} s CPU{emulated}), of which {r["sheet_io"]:.2f} s '
              f'reading/writing the sheet; peak {r["peak"]:.0f} MB (the process starts at {steps["baseline"]["peak"]:.0f} MB)')
        print(f'        baseline: one raw read of the sheet {raw["seconds"]:.2f} s; run / raw read '
              f'{r["seconds"] / max(raw["seconds"], 1e-6):.1f}x')
        print(f'        first sync {first["seconds"]:.2f} s ({first["cpu"]:.2f} s CPU), peak {first["peak"]:.0f} MB; '
              f'next run (nothing changed) {len(steps["again_kinds"])} requests, {again["seconds"]:.2f} s '
              f'({again["cpu"]:.2f} s CPU), peak {again["peak"]:.0f} MB')
        print(f'        totals {r["totals"]}')


if __name__ == '__main__':
    main()
