"""Two-way sync of an .xlsx target: N rows, C changed in the sheet, C in the database, K conflicting.

    python bench/sync_xlsx.py [--rows 10000] [--changed 1000] [--conflicts 100] [--dir DIR]
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, measure, open_app, workdir, write_leads_xlsx  # noqa: E402


def prepare(directory, rows, changed, conflicts):
    """Seed, export, register and sync once; then edit the sheet and the database."""
    import openpyxl
    from ltc.models import Lead
    from ltc.services import audit
    from ltc.sync.engine import run_sync
    from ltc.sync.export import export_entity
    from ltc.sync.importer import run_import
    from ltc.sync.tables import open_path
    from ltc.sync.targets import add_target
    app, database = open_app(directory)
    with audit.acting_as('bench', 'cli'):
        run_import('leads', open_path(write_leads_xlsx(directory / 'seed.xlsx', rows)))
        path = directory / 'target.xlsx'
        export_entity('leads', path)
        target = add_target('bench', 'leads', path)
        run_sync(target)
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
    return str(path)


def sync(directory):
    from ltc.models.sync import SyncTarget
    from ltc.services import audit
    from ltc.sync.engine import run_sync
    app, database = open_app(directory)
    target = SyncTarget.get(SyncTarget.name == 'bench')
    start = time.perf_counter()
    with audit.acting_as('bench', 'cli'):
        result = run_sync(target)
    seconds = time.perf_counter() - start
    again = time.perf_counter()
    with audit.acting_as('bench', 'cli'):
        second = run_sync(target)
    return {'seconds': round(seconds, 2), 'totals': result.totals(), 'second_run_seconds':
            round(time.perf_counter() - again, 2), 'second_run': {k: v for k, v in second.totals().items() if v}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--rows', type=int, default=10_000)
    parser.add_argument('--changed', type=int, default=1_000)
    parser.add_argument('--conflicts', type=int, default=100)
    parser.add_argument('--dir', help='keep the files in this directory')
    args = parser.parse_args(argv)
    directory = workdir(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    measure(prepare, directory, args.rows, args.changed, args.conflicts)
    _, peak, value = measure(sync, directory)
    print(f'machine: {machine()}')
    print(f'sync {args.rows:,} rows, {args.changed:,} changed per side, {args.conflicts} conflicting: '
          f'{value["seconds"]:.2f} s (plan + apply), peak {peak:.0f} MB')
    print(f'  totals {value["totals"]}')
    print(f'  next run {value["second_run_seconds"]:.2f} s: {value["second_run"]}')


if __name__ == '__main__':
    main()
