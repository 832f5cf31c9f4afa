"""Import a generated lead workbook end to end on SQLite; compare with reading it alone.

    python bench/import_xlsx.py [--rows 100000] [--dir DIR]
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, measure, open_app, workdir, write_leads_xlsx  # noqa: E402


def read_calamine(path):
    import python_calamine
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return len(book.get_sheet_by_index(0).to_python(skip_empty_area=False))


def read_openpyxl(path):
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return count


def import_all(path, directory):
    from ltc.services import audit
    from ltc.sync.importer import run_import
    from ltc.sync.tables import open_path
    import time
    app, database = open_app(directory)
    start = time.perf_counter()
    with audit.acting_as('bench', 'cli'):
        result = run_import('leads', open_path(path, max_rows=app.config['IMPORT_MAX_ROWS']))
    seconds = time.perf_counter() - start
    from ltc.models import AuditLog, Lead
    return {'import_seconds': round(seconds, 2), 'created': result.totals()['created'],
            'leads': Lead.select().count(), 'audit_rows': AuditLog.select().count()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--dir', help='keep the files in this directory')
    args = parser.parse_args(argv)
    directory = workdir(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = write_leads_xlsx(directory / 'leads.xlsx', args.rows)
    print(f'machine: {machine()}; file: {path.stat().st_size / 1048576:.1f} MB, {args.rows:,} rows')
    for label, fn, fargs in (('calamine read only', read_calamine, (path,)),
                             ('openpyxl read-only only', read_openpyxl, (path,)),
                             ('import end to end', import_all, (path, directory))):
        seconds, peak, value = measure(fn, *fargs)
        if isinstance(value, dict):
            seconds = value['import_seconds']   # without creating and migrating the database
        print(f'{label:26} {seconds:7.2f} s  {args.rows / seconds:10,.0f} rows/s  peak {peak:6.0f} MB  {value}')


if __name__ == '__main__':
    main()
