"""Two-way sync of an .xlsx target: N rows, C changed in the sheet, C in the database, K conflicting.

    python bench/sync_xlsx.py [--rows 10000] [--changed 1000] [--conflicts 100] [--dir DIR]
                              [--database-url URL] [--compare]

The database is a SQLite file in DIR unless --database-url names a PostgreSQL database, which is
a throwaway one: it is dropped and created again. --compare runs the sync twice on freshly
prepared copies of the same data, first writing the sheet's changes row by row (one versioned
save and one audit row per record, the path before batching) and then in batches; the figures of
the database writes (rows written from the sheet, seconds, rows/s) are printed per way.
"""
import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, measure, open_app, workdir, write_leads_xlsx  # noqa: E402


def prepare(directory, rows, changed, conflicts, database_url=None):
    """Seed, export, register and sync once; then edit the sheet and the database."""
    import openpyxl
    from ltc.models import Lead
    from ltc.services import audit
    from ltc.sync.engine.targets import add_target
    from ltc.sync.engine.twoway import run_sync
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes.export import export_entity
    from ltc.sync.writes.importer import run_import
    if database_url:
        from tests.production import recreate_database
        recreate_database(database_url)
    app, database = open_app(directory, database_url)
    with audit.acting_as('bench', 'cli'):
        run_import('leads', open_path(write_leads_xlsx(directory / 'seed.xlsx', rows)))
        path = directory / 'target.xlsx'
        export_entity('leads', path)
        target = add_target('bench', 'leads', path)
        run_sync(target)
        # The first run with something to write into the sheet adds the header's note, through openpyxl: a
        # rewrite of the whole workbook, once per target; later runs patch the sheet in place. Timed apart, on
        # one cell changed in the database (a change typed in the sheet writes nothing back into it).
        first = Lead.select(Lead.id).order_by(Lead.id).first()
        Lead.update(contact_name='首次写入', version=Lead.version + 1).where(Lead.id == first.id).execute()
        began = time.perf_counter()
        run_sync(target)
        first_write = time.perf_counter() - began
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    for r in range(2, 2 + changed):            # sheet side: rows 1 .. changed
        sheet.cell(r, 2).value = f'表格修改{r}'
    book.save(path)
    first_db = changed - conflicts               # database side overlaps the last K sheet rows
    codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()][first_db:first_db + changed]
    with database.atomic():
        Lead.update(company=Lead.company.concat('（后台修改）'), version=Lead.version + 1).where(
            Lead.code.in_(codes)).execute()
    return {'path': str(path), 'first_write': first_write}


def sync(directory, database_url=None, row_by_row=False):
    from ltc.models.sync import SyncTarget
    from ltc.services import audit
    from ltc.sync.engine import twoway as engine
    from ltc.sync.engine.twoway import run_sync
    from ltc.sync.writes import updates
    app, database = open_app(directory, database_url)
    if row_by_row:   # every row through updates.write_update, as before batching
        updates.batchable = lambda model: False
    writes, write_database = {}, engine.write_database

    def timed(target, mapping, plan, *args, **kwargs):
        began = time.perf_counter()
        write_database(target, mapping, plan, *args, **kwargs)
        writes.setdefault('seconds', time.perf_counter() - began)
        writes.setdefault('rows', len(plan.updates))
    engine.write_database = timed
    target = SyncTarget.get(SyncTarget.name == 'bench')
    start, cpu = time.perf_counter(), time.process_time()
    with audit.acting_as('bench', 'cli'):
        result = run_sync(target)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    run_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # before the next run adds its own
    again = time.perf_counter()
    with audit.acting_as('bench', 'cli'):
        second = run_sync(target)
    return {'seconds': round(seconds, 2), 'cpu': round(cpu, 2), 'totals': result.totals(), 'second_run_seconds':
            round(time.perf_counter() - again, 2), 'second_run': {k: v for k, v in second.totals().items() if v},
            'db_rows': writes['rows'], 'db_seconds': writes['seconds'], 'run_peak': run_peak}


def opened(directory, database_url=None):
    """Open the app and nothing else: the memory a syncing process starts with."""
    open_app(directory, database_url)
    from ltc.sync.engine import twoway  # noqa: F401
    return {}


def run(directory, args, row_by_row):
    directory.mkdir(parents=True, exist_ok=True)
    _, _, prepared = measure(prepare, directory, args.rows, args.changed, args.conflicts, args.database_url)
    _, start, _ = measure(opened, directory, args.database_url)
    _, peak, value = measure(sync, directory, args.database_url, row_by_row)
    way = 'row by row' if row_by_row else 'batched'
    with open('/proc/loadavg') as f:
        load = ' '.join(f.read().split()[:3])
    print(f'sync {args.rows:,} rows, {args.changed:,} changed per side, {args.conflicts} conflicting, '
          f'{way} (load {load}): {value["seconds"]:.2f} s (plan + apply; {value["cpu"]:.2f} s CPU), peak '
          f'{value["run_peak"]:.0f} MB ({peak:.0f} MB with the next run in the same process; a process opening the '
          f'app: {start:.0f} MB)')
    print(f'  the first run writing into the exported file (adds the header note, one cell changed): '
          f'{prepared["first_write"]:.2f} s')
    print(f'  database writes: {value["db_rows"]:,} rows from the sheet in {value["db_seconds"]:.2f} s '
          f'= {value["db_rows"] / value["db_seconds"]:,.0f} rows/s')
    print(f'  totals {value["totals"]}')
    print(f'  next run {value["second_run_seconds"]:.2f} s: {value["second_run"]}')
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--rows', type=int, default=10_000)
    parser.add_argument('--changed', type=int, default=1_000)
    parser.add_argument('--conflicts', type=int, default=100)
    parser.add_argument('--dir', help='keep the files in this directory')
    parser.add_argument('--database-url', help='a throwaway PostgreSQL database (dropped and created again)')
    parser.add_argument('--compare', action='store_true',
                        help='run row by row (the path before batching), then batched, on the same data')
    args = parser.parse_args(argv)
    directory = workdir(args.dir)
    print(f'machine: {machine()}; database: {"PostgreSQL" if args.database_url else "SQLite"}')
    if not args.compare:
        run(directory, args, row_by_row=False)
        return
    single = run(directory / 'row-by-row', args, row_by_row=True)
    batched = run(directory / 'batched', args, row_by_row=False)
    print(f'database writes batched / row by row: '
          f'{single["db_seconds"] / batched["db_seconds"]:.1f}x faster')


if __name__ == '__main__':
    main()
