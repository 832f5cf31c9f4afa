"""Import a generated lead workbook end to end on SQLite; compare with reading it alone and
with SQLite's own floor for the rows the import writes.

    python bench/import_xlsx.py [--rows 100000] [--dir DIR]

Baselines measured in the same run, each in a fresh process:
- calamine read only, openpyxl read-only read only: reading the file, nothing else;
- raw SQLite insert of the same rows: the lead rows and audit rows the import wrote, copied
  into a fresh database of the same schema (same indexes, pragmas and 500-row transactions)
  with plain `sqlite3` `executemany` — no reading, cleaning, matching or intake. No import
  of these rows into this schema can be faster than that; `ratio` = import rows/s ÷ raw rows/s.
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


def raw_insert(directory, source_db, batch=500):
    """Insert the lead and audit rows of SOURCE_DB into a fresh database like the import does; return seconds."""
    import sqlite3
    import time
    app, database = open_app(directory)
    target = database.database
    database.close()
    con = sqlite3.connect(target, isolation_level=None)
    for pragma in ('journal_mode=wal', 'synchronous=normal', 'cache_size=-64000', 'foreign_keys=1'):
        con.execute(f'pragma {pragma}')
    con.execute('ATTACH DATABASE ? AS src', (str(source_db),))
    tables = {}
    for table, where in (('lead', ''), ('audit_log', " WHERE batch LIKE 'RUN%'")):
        names = [r[1] for r in con.execute(f'pragma src.table_info("{table}")') if r[1] != 'id']
        cols = ', '.join(f'"{n}"' for n in names)
        rows = con.execute(f'SELECT {cols} FROM src."{table}"{where} ORDER BY id').fetchall()
        own = con.execute(f'SELECT count(*) FROM main."{table}"').fetchone()[0]
        if table == 'lead':   # only the imported leads (the fresh database has none of its own)
            rows = rows[own:]
        tables[table] = (f'INSERT INTO main."{table}" ({cols}) VALUES ({", ".join("?" * len(names))})', rows)
    con.execute('DETACH DATABASE src')
    (lead_sql, leads), (audit_sql, audits) = tables['lead'], tables['audit_log']
    # Duplicate links point at leads of this file by id: the same ids come back in the same order.
    start = time.perf_counter()
    for at in range(0, len(leads), batch):
        con.execute('BEGIN IMMEDIATE')
        con.executemany(lead_sql, leads[at:at + batch])
        con.executemany(audit_sql, audits[at:at + batch])
        con.execute('COMMIT')
    con.executemany(audit_sql, audits[len(leads):])   # dedupe-link audit rows
    seconds = time.perf_counter() - start
    con.close()
    return {'import_seconds': round(seconds, 2), 'leads': len(leads), 'audit_rows': len(audits)}


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
    raw_dir = directory / 'raw'
    raw_dir.mkdir(exist_ok=True)
    rates = {}
    for label, fn, fargs in (('calamine read only', read_calamine, (path,)),
                             ('openpyxl read-only only', read_openpyxl, (path,)),
                             ('import end to end', import_all, (path, directory)),
                             ('raw SQLite insert', raw_insert, (raw_dir, directory / 'bench.db'))):
        seconds, peak, value = measure(fn, *fargs)
        if isinstance(value, dict):
            seconds = value['import_seconds']   # without creating and migrating the database
        rates[label] = args.rows / seconds
        print(f'{label:26} {seconds:7.2f} s  {args.rows / seconds:10,.0f} rows/s  peak {peak:6.0f} MB  {value}')
    print(f'ratio import / raw SQLite insert: {rates["import end to end"] / rates["raw SQLite insert"]:.2f}')


if __name__ == '__main__':
    main()
