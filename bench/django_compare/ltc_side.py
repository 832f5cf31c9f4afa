"""The LTC side of run.py, in the product's virtualenv, one action a process.

    python ltc_side.py migrate --dir DIR [--database-url URL]
    python ltc_side.py import --dir DIR --file leads.xlsx [--database-url URL]
    python ltc_side.py export --dir DIR --out export.xlsx [--database-url URL]
    python ltc_side.py floor --dir DIR --source SOURCE [--database-url URL]

Each action prints one JSON line: its wall and CPU seconds (creating the app and migrating
excluded), the process's peak memory (VmHWM) and what it did. The import is the product's own
path, as `flask ltc import` and the admin's upload run it (bench/import_xlsx.py): open_path, then
run_import as one actor; the export is export_entity (bench/export_xlsx.py). The floor is
bench/import_xlsx.py's: the lead and audit rows the import wrote into SOURCE (its SQLite file, or its
PostgreSQL database with --database-url naming the floor's throwaway one) written again into a fresh
database of the same schema by plain executemany (SQLite) or COPY / multi-row INSERT (PostgreSQL), the
faster, and nothing else.
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import open_app  # noqa: E402
from procmem import peak_mb  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('action', choices=('migrate', 'import', 'export', 'floor'))
    parser.add_argument('--dir', required=True, help='where the SQLite file lives')
    parser.add_argument('--database-url', help='a PostgreSQL database instead of SQLite')
    parser.add_argument('--file', help='the workbook to import')
    parser.add_argument('--out', help='the workbook to export to')
    parser.add_argument('--source', help='floor: the database the import wrote (SQLite file or PostgreSQL URL)')
    args = parser.parse_args(argv)
    if args.action == 'floor':
        from import_xlsx import raw_insert, raw_insert_pg
        cpu = time.process_time()
        if args.database_url:
            value = raw_insert_pg(Path(args.dir), args.source, args.database_url)
            value['cpu_seconds'] = round(time.process_time() - cpu, 2)   # the client's only
        else:
            value = raw_insert(Path(args.dir), Path(args.source))
        rest = {'each' if k == 'seconds' else k: v for k, v in value.items() if k not in ('import_seconds', 'cpu_seconds')}
        print(json.dumps({'seconds': value['import_seconds'], 'cpu': value['cpu_seconds'], 'peak_mb': peak_mb(),
                          **rest}))
        return
    app, database = open_app(Path(args.dir), args.database_url)
    if args.action == 'migrate':
        print(json.dumps({'migrated': True}))
        return
    from ltc.models import AuditLog, Lead
    if args.action == 'import':
        from ltc.services import audit
        from ltc.sync.formats.tables import open_path
        from ltc.sync.writes.importer import run_import
        start, cpu = time.perf_counter(), time.process_time()
        with audit.acting_as('bench', 'cli'):
            result = run_import('leads', open_path(args.file, max_rows=app.config['IMPORT_MAX_ROWS']))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        totals = {k: v for k, v in result.totals().items() if v}
        print(json.dumps({'seconds': round(seconds, 2), 'cpu': round(cpu, 2), 'peak_mb': peak_mb(), 'totals': totals,
                          'leads': Lead.select().count(), 'audit_rows': AuditLog.select().count()}))
        return
    from ltc.sync.writes.export import export_entity
    start, cpu = time.perf_counter(), time.process_time()
    rows = export_entity('leads', Path(args.out))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = peak_mb()
    import openpyxl
    book = openpyxl.load_workbook(args.out, read_only=True)
    columns = len(next(book.worksheets[0].iter_rows(max_row=1, values_only=True)))
    book.close()
    print(json.dumps({'seconds': round(seconds, 2), 'cpu': round(cpu, 2), 'peak_mb': peak, 'rows': rows,
                      'columns': columns, 'mb': round(Path(args.out).stat().st_size / 1048576, 1)}))


if __name__ == '__main__':
    main()
