"""Import a generated lead workbook end to end; compare with reading it alone and with the
database's own floor for the rows the import writes.

    python bench/import_xlsx.py [--rows 100000] [--dir DIR] [--database-url URL]
                                [--again] [--dry-run] [--no-openpyxl]
    python bench/import_xlsx.py --phases [--again] [--rows 100000] [--database-url URL]
    python bench/import_xlsx.py --dry-run-cost REPS [--rows 100000] [--database-url URL]
    python bench/import_xlsx.py --reimport [--rows 20000] [--changed 10000] [--compare]
                                [--database-url URL] [--dir DIR]

--reimport: import N leads, export them, change C rows of the export (three sets of columns in
turn: city; requirement; company and budget) and import it again; the figure is that second
import and its write phase (`importer.apply_import`). The database is a SQLite file in DIR unless
--database-url names a PostgreSQL database, a throwaway one: it is dropped and created again.
--compare prepares the same data twice and re-imports it first row by row (every updated row
through `updates.write_update` in a savepoint of its own, the path before batching), then in
batches (`updates.write_updates`).

--database-url (without --reimport): import into that PostgreSQL database, a throwaway one
(dropped and created again), and measure its floor in a second throwaway database named like it
with `_floor` appended.
--again: then import the same workbook a second time (every row matches its lead by the natural
key: the unchanged path), in a fresh process, for its time and peak memory.
--dry-run: first run the import as a dry run on the empty database (the preview of the same rows).
--no-openpyxl: skip the openpyxl read baseline (slow, and not part of any ratio).
--phases: only import the file in a fresh process (with --again, then the same file again in another),
printing its memory after each phase: the resident set (VmRSS), its peak within the phase (VmHWM, reset
as the phase starts) and, on SQLite, what SQLite itself holds (sqlite3_memory_used: its page cache, mostly).
--dry-run-cost REPS: only plan the file, without and with the new leads' decisions the dry run
shows (grade, duplicate link, owner), alternately REPS times in one process, in CPU seconds (a
busy machine stretches wall time, not the CPU time of the work).

Baselines measured in the same run, each in a fresh process:
- calamine read only, openpyxl read-only read only: reading the file, nothing else;
- raw SQLite insert of the same rows: the lead rows and audit rows the import wrote, copied
  into a fresh database of the same schema (same indexes, pragmas and 500-row transactions)
  with plain `sqlite3` `executemany` — no reading, cleaning, matching or intake. No import
  of these rows into this schema can be faster than that; `ratio` = import rows/s ÷ raw rows/s.
  On SQLite both run in the measuring process, so the ratio is also printed in CPU seconds (a
  machine busy with other work stretches wall time, not the CPU time of the work).
  On PostgreSQL the floor is the faster of a multi-row `INSERT … VALUES` per 500 rows
  (psycopg2 `execute_values`) and `COPY … FROM STDIN` per 500 rows, in 500-row transactions.
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
    start, cpu = time.perf_counter(), time.process_time()
    for at in range(0, len(leads), batch):
        con.execute('BEGIN IMMEDIATE')
        con.executemany(lead_sql, leads[at:at + batch])
        con.executemany(audit_sql, audits[at:at + batch])
        con.execute('COMMIT')
    con.executemany(audit_sql, audits[len(leads):])   # dedupe-link audit rows
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    con.close()
    return {'import_seconds': round(seconds, 2), 'cpu_seconds': round(cpu, 2), 'leads': len(leads),
            'audit_rows': len(audits)}


def raw_insert_pg(directory, source_url, target_url, batch=500):
    """Insert the lead and audit rows of SOURCE_URL into a fresh TARGET_URL database of the same
    schema, by multi-row INSERTs and by COPY (the target emptied in between); return seconds of each."""
    import io
    import time
    import psycopg2
    from psycopg2.extras import execute_values
    from tests.production import recreate_database
    recreate_database(target_url)
    open_app(directory, target_url)[1].close()
    src, con = psycopg2.connect(source_url), psycopg2.connect(target_url)
    tables = {}
    with src.cursor() as cur:
        for table, where in (('lead', ''), ('audit_log', " WHERE batch LIKE 'RUN%'")):
            cur.execute('SELECT column_name FROM information_schema.columns WHERE table_name = %s '
                        "AND column_name <> %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
                        (table, 'id'))   # generated columns (the stored search document) are the server's
            names = [r[0] for r in cur.fetchall()]
            cols = ', '.join(f'"{n}"' for n in names)
            with con.cursor() as own:
                own.execute(f'SELECT count(*) FROM "{table}"')
                skip = own.fetchone()[0] if table == 'lead' else 0   # only the imported leads
            cur.execute(f'SELECT id, {cols} FROM "{table}"{where} ORDER BY id')
            rows = cur.fetchall()[skip:]
            tables[table] = (cols, rows)
    src.close()
    (lead_cols, leads), (audit_cols, audits) = tables['lead'], tables['audit_log']
    # Duplicate links point at leads of this file by id: keep the ids (and move the sequence past them).
    lead_cols = 'id, ' + lead_cols
    audits = [r[1:] for r in audits]

    def copy_rows(cur, table, cols, rows):
        def text(v):
            if v is None:
                return '\\N'
            if isinstance(v, bool):
                return 't' if v else 'f'
            return str(v).replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')
        data = io.StringIO(''.join('\t'.join(text(v) for v in row) + '\n' for row in rows))
        cur.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN', data)

    def insert_values(cur, table, cols, rows):
        execute_values(cur, f'INSERT INTO "{table}" ({cols}) VALUES %s', rows, page_size=batch)

    seconds = {}
    for label, write in (('multi-row INSERT', insert_values), ('COPY', copy_rows)):
        with con.cursor() as cur:
            cur.execute(f'DELETE FROM audit_log WHERE batch LIKE %s', ('RUN%',))
            cur.execute('DELETE FROM lead WHERE id >= %s', (leads[0][0],))
            con.commit()
        start = time.perf_counter()
        with con.cursor() as cur:
            for at in range(0, len(leads), batch):
                write(cur, 'lead', lead_cols, leads[at:at + batch])
                write(cur, 'audit_log', audit_cols, audits[at:at + batch])
                con.commit()
            if audits[len(leads):]:
                write(cur, 'audit_log', audit_cols, audits[len(leads):])   # dedupe-link audit rows
            con.commit()
        seconds[label] = round(time.perf_counter() - start, 2)
    con.close()
    best = min(seconds, key=seconds.get)
    return {'import_seconds': seconds[best], 'floor': best, 'seconds': seconds, 'leads': len(leads),
            'audit_rows': len(audits)}


def import_all(path, directory, database_url=None, dry_run=False):
    from ltc.services import audit
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes.importer import run_import
    import time
    app, database = open_app(directory, database_url)
    start, cpu = time.perf_counter(), time.process_time()
    with audit.acting_as('bench', 'cli'):
        result = run_import('leads', open_path(path, max_rows=app.config['IMPORT_MAX_ROWS']), dry_run=dry_run)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    from ltc.models import AuditLog, Lead
    return {'import_seconds': round(seconds, 2), 'cpu_seconds': round(cpu, 2),
            'totals': {k: v for k, v in result.totals().items() if v},
            'leads': Lead.select().count(), 'audit_rows': AuditLog.select().count()}


def dry_run_cost(path, directory, reps=3, database_url=None):
    """Return the CPU seconds of planning PATH without and with the new leads' decisions (grade, duplicate
    link, owner), alternating REPS times in one process: what the dry run costs now against before."""
    import gc
    import time
    from ltc.services import audit
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes import importer
    open_app(directory, database_url)
    seconds = {False: [], True: []}
    with audit.acting_as('bench', 'cli'):
        for _ in range(reps):
            for decisions in (False, True):
                gc.collect()
                with importer.no_gc():   # as run_import plans
                    start = time.process_time()
                    importer.plan_import('leads', open_path(path), decisions=decisions)
                    seconds[decisions].append(round(time.process_time() - start, 2))
    return {'plan only': seconds[False], 'with decisions': seconds[True],
            'ratio': round(min(seconds[True]) / min(seconds[False]), 2)}


def memory_phases(path, directory, database_url=None):
    """Import PATH and return [(phase, RSS MB, peak MB within the phase, SQLite MB)]."""
    import ctypes
    from ltc.services import audit
    from ltc.sync.formats import xlsx
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes import importer, requests
    open_app(directory, database_url)
    sqlite = None if database_url else ctypes.CDLL('libsqlite3.so.0')   # the library Python's sqlite3 uses
    marks = []

    def status(key):
        for line in open('/proc/self/status'):
            if line.startswith(key + ':'):
                return int(line.split()[1]) / 1024

    def mark(phase):
        held = None
        if sqlite is not None:
            current, highest = ctypes.c_int64(), ctypes.c_int64()
            sqlite.sqlite3_status64(0, ctypes.byref(current), ctypes.byref(highest), 0)   # SQLITE_STATUS_MEMORY_USED
            held = current.value / 1048576
        marks.append((phase, status('VmRSS'), status('VmHWM'), held))
        with open('/proc/self/clear_refs', 'w') as handle:
            handle.write('5')   # VmHWM starts again from VmRSS: the next mark shows that phase's own peak

    def wrap(owner, name, label, every=None):
        fn, calls = getattr(owner, name), [0]

        def run(*args, **kwargs):
            value = fn(*args, **kwargs)
            calls[0] += 1
            if every is None or calls[0] % every == 0:
                mark(label if every is None else f'{label} {calls[0]}')
            return value
        setattr(owner, name, run)
    mark('app loaded')
    wrap(xlsx.XlsxTable, 'read', 'sheet read (calamine)')
    wrap(importer, 'read_sheet', 'header located, rows kept')
    wrap(importer, 'resolve_in_file_refs', 'rows parsed and matched')
    wrap(requests, 'review', 'gate review')
    wrap(importer, 'plan_import', 'plan done')
    wrap(importer, 'write_creates', 'batches written:', every=50)
    wrap(importer, 'finish_run', 'run finished')
    with audit.acting_as('bench', 'cli'):
        importer.run_import('leads', open_path(path, max_rows=2_000_000))
    return marks


EDITS = (('region_city', lambda i: f'新城{i % 50}'), ('requirement', lambda i: f'修改后的需求{i}'),
         ('company', lambda i: f'改名科技有限公司{i:06d}'), ('budget', lambda i: (i % 90 + 10) * 1000))


def prepare_reimport(directory, rows, changed, database_url=None):
    """Import ROWS leads, export them and change CHANGED rows of the export; return its path."""
    import openpyxl
    from ltc.services import audit
    from ltc.sync.formats.tables import open_path
    from ltc.sync.mapping.entities import get
    from ltc.sync.writes.export import export_entity
    from ltc.sync.writes.importer import run_import
    if database_url:
        from tests.production import recreate_database
        recreate_database(database_url)
    open_app(directory, database_url)
    with audit.acting_as('bench', 'cli'):
        run_import('leads', open_path(write_leads_xlsx(directory / 'seed.xlsx', rows)))
    path = directory / 'edited.xlsx'
    export_entity('leads', path)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    mapping = get('leads')
    column = {(mapping.column_for(c.value) or mapping.key).attr: c.column for c in sheet[1] if c.value}
    for i in range(changed):   # city; requirement; company and budget: three statements per batch
        edits = EDITS[i % 3:i % 3 + 1] if i % 3 < 2 else EDITS[2:]
        for attr, value in edits:
            sheet.cell(2 + i, column[attr]).value = value(i)
    book.save(path)
    return str(path)


def reimport(directory, path, database_url=None, row_by_row=False):
    """Import the edited export PATH; return its totals, seconds and the write phase's seconds."""
    import time
    from ltc.services import audit
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes import importer, updates
    open_app(directory, database_url)
    if row_by_row:   # every updated row through updates.write_update, as before batching
        updates.batchable = lambda model: False
    writes, apply_import = {}, importer.apply_import

    def timed(plan, **kwargs):
        began = time.perf_counter()
        result = apply_import(plan, **kwargs)
        writes['seconds'] = time.perf_counter() - began
        return result
    importer.apply_import = timed
    start = time.perf_counter()
    with audit.acting_as('bench', 'cli'):
        result = importer.run_import('leads', open_path(path))
    return {'seconds': time.perf_counter() - start, 'write_seconds': writes['seconds'],
            'totals': {k: v for k, v in result.totals().items() if v}}


def run_reimport(directory, args, row_by_row):
    directory.mkdir(parents=True, exist_ok=True)
    _, _, path = measure(prepare_reimport, directory, args.rows, args.changed, args.database_url)
    _, peak, value = measure(reimport, directory, path, args.database_url, row_by_row)
    way = 'row by row' if row_by_row else 'batched'
    updated = value['totals'].get('updated', 0)
    print(f're-import of {args.rows:,} leads, {args.changed:,} changed, {way}: {value["seconds"]:.2f} s '
          f'(plan + write), peak {peak:.0f} MB; write phase {value["write_seconds"]:.2f} s = '
          f'{updated / value["write_seconds"]:,.0f} updated rows/s; totals {value["totals"]}')
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=None, help='100,000; 20,000 with --reimport')
    parser.add_argument('--dir', help='keep the files in this directory')
    parser.add_argument('--reimport', action='store_true', help='re-import an edited export (see above)')
    parser.add_argument('--changed', type=int, default=10_000, help='rows changed for --reimport')
    parser.add_argument('--database-url',
                        help='a throwaway PostgreSQL database (dropped and created again)')
    parser.add_argument('--again', action='store_true', help='then import the same workbook again (unchanged path)')
    parser.add_argument('--dry-run', action='store_true', help='first preview the import (dry run)')
    parser.add_argument('--no-openpyxl', action='store_true', help='skip the openpyxl read baseline')
    parser.add_argument('--phases', action='store_true',
                        help='only: the memory of the import (and with --again of the same file again) after each '
                             'phase (see above)')
    parser.add_argument('--dry-run-cost', type=int, metavar='REPS',
                        help='only: CPU time of planning the file without and with the dry run\'s decisions, '
                             'alternating REPS times in one process')
    parser.add_argument('--compare', action='store_true',
                        help='--reimport row by row (the path before batching), then batched, on the same data')
    args = parser.parse_args(argv)
    directory = workdir(args.dir)
    if args.reimport:
        args.rows = args.rows or 20_000
        print(f'machine: {machine()}; database: {"PostgreSQL" if args.database_url else "SQLite"}')
        if not args.compare:
            run_reimport(directory, args, row_by_row=False)
            return
        single = run_reimport(directory / 'row-by-row', args, row_by_row=True)
        batched = run_reimport(directory / 'batched', args, row_by_row=False)
        print(f'write phase batched / row by row: {single["write_seconds"] / batched["write_seconds"]:.1f}x faster')
        return
    args.rows = args.rows or 100_000
    directory.mkdir(parents=True, exist_ok=True)
    path = write_leads_xlsx(directory / 'leads.xlsx', args.rows)
    if args.dry_run_cost:
        if args.database_url:
            from tests.production import recreate_database
            recreate_database(args.database_url)
        _, peak, value = measure(dry_run_cost, path, directory, args.dry_run_cost, args.database_url)
        print(f'{machine()}; {args.rows:,} rows; CPU seconds of the plan: {value}; peak {peak:.0f} MB')
        return
    url = args.database_url
    print(f'machine: {machine()}; database: {"PostgreSQL" if url else "SQLite"}; '
          f'file: {path.stat().st_size / 1048576:.1f} MB, {args.rows:,} rows')
    if args.phases:
        if url:
            from tests.production import recreate_database
            recreate_database(url)
        for label in ('import', 'same file again')[:2 if args.again else 1]:
            _, _, marks = measure(memory_phases, path, directory, url)
            print(f'{label:40} {"RSS MB":>7} {"peak within":>12} {"SQLite MB":>10}')
            for phase, rss, within, held in marks:
                print(f'  {phase:38} {rss:7.0f} {within:12.0f} {"" if held is None else f"{held:10.1f}"}')
            print(f'  peak: {max(within for _p, _r, within, _h in marks):.0f} MB', flush=True)
        return
    raw_dir = directory / 'raw'
    raw_dir.mkdir(exist_ok=True)
    if url:
        from tests.production import recreate_database
        recreate_database(url)
        floor = ('raw PostgreSQL insert', raw_insert_pg, (raw_dir, url, url + '_floor'))
    else:
        floor = ('raw SQLite insert', raw_insert, (raw_dir, directory / 'bench.db'))
    steps = [('calamine read only', read_calamine, (path,))]
    if not args.no_openpyxl:
        steps.append(('openpyxl read-only only', read_openpyxl, (path,)))
    if args.dry_run:
        steps.append(('dry run', import_all, (path, directory, url, True)))
    steps.append(('import end to end', import_all, (path, directory, url)))
    if args.again:
        steps.append(('same file again', import_all, (path, directory, url)))
    steps.append(floor)
    rates, cpu = {}, {}
    for label, fn, fargs in steps:
        seconds, peak, value = measure(fn, *fargs)
        if isinstance(value, dict):
            seconds = value['import_seconds']   # without creating and migrating the database
        rates[label] = args.rows / seconds
        if isinstance(value, dict) and 'cpu_seconds' in value:
            cpu[label] = value['cpu_seconds']
        print(f'{label:26} {seconds:7.2f} s  {args.rows / seconds:10,.0f} rows/s  peak {peak:6.0f} MB  {value}',
              flush=True)
    print(f'ratio import / {floor[0]}: {rates["import end to end"] / rates[floor[0]]:.2f}')
    if not url:   # SQLite works in this process: CPU time is what a busy machine does not stretch
        print(f'ratio in CPU seconds: {cpu["raw SQLite insert"] / cpu["import end to end"]:.2f}')
    if args.dry_run:
        print(f'dry run / import: {rates["import end to end"] / rates["dry run"]:.2f} of its time')

if __name__ == '__main__':
    main()
