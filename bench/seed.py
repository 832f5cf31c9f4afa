"""Benchmark `flask ltc demo --scale N` on SQLite against raw sqlite3.executemany of the same rows.

Each side runs in its own process so its peak RSS is its own:
  demo  fresh SQLite file, migrate, build_demo(scale=N); lead rows/s of the bulk phase and overall.
  raw   fresh SQLite file with the same base company (untimed), then the very same lead rows
        (same generator, same seed) inserted with plain sqlite3 executemany: same pragmas and
        page cache, same chunks and transactions, no audit and no code reservation. Its rate
        counts only the time inside BEGIN/executemany/COMMIT (making the rows is excluded);
        the rate with the rows made inline is printed too.

Usage: python bench/seed.py [--leads N] [--keep DIR]
"""
import argparse
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = datetime.date(2026, 11, 27)
SEED = 42


def _prepare(path):
    sys.path.insert(0, str(ROOT))
    from ltc import db as db_module, migrate
    from ltc.services.reference import ensure_reference_data
    database = db_module.bind(f'sqlite:///{path}')
    database.connect()
    migrate.upgrade()
    ensure_reference_data()
    return database


def _rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_demo(path, leads):
    """Time build_demo(scale=LEADS) on a fresh file; the bulk phase starts when the base is loaded."""
    _prepare(path)
    from ltc.demo import build_demo
    from ltc.services import audit
    marks = {}

    def progress(message):
        if message.startswith('demo company loaded'):
            marks['bulk_start'] = time.perf_counter()
            marks['base_leads'] = int(message.split('(')[1].split()[0].replace(',', ''))

    start, cpu = time.perf_counter(), _cpu()
    with audit.acting_as('bench', 'cli'):
        summary = build_demo(seed=SEED, scale=leads, today=TODAY, progress=progress)
    end = time.perf_counter()
    return {'leads': summary['lead'], 'seconds': end - start, 'base_seconds': marks['bulk_start'] - start,
            'bulk_rows': summary['lead'] - marks['base_leads'], 'bulk_seconds': end - marks['bulk_start'],
            'peak_rss_mb': _rss_mb(), 'cpu_seconds': _cpu() - cpu}


def child_raw(path, leads):
    """Insert the same lead rows as the demo's bulk phase with plain sqlite3.executemany."""
    import random
    import sqlite3
    database = _prepare(path)
    from ltc.db import SQLITE_PRAGMAS
    from ltc.demo import build_demo
    from ltc.demo.leads import BULK_CACHE_KB, CHUNK, FIELDS, TRANSACTION, LeadFactory
    from ltc.models import Lead
    build_demo(seed=SEED, today=TODAY)
    have = Lead.select().count()
    factory = LeadFactory(random.Random(SEED * 1_000_003 + have), TODAY, 'bench')
    database.close()
    conn = sqlite3.connect(path, isolation_level=None)
    for key, value in SQLITE_PRAGMAS.items():
        conn.execute(f'PRAGMA {key}={value}')
    sql = 'INSERT INTO "lead" ({}) VALUES ({})'.format(', '.join(f'"{f.column_name}"' for f in FIELDS),
                                                        ', '.join('?' * len(FIELDS)))   # no RETURNING
    conn.execute(f'PRAGMA cache_size=-{BULK_CACHE_KB}')   # what the demo's bulk load uses
    start, cpu = time.perf_counter(), _cpu()
    inserting = 0.0   # seconds inside BEGIN/executemany/COMMIT only, without making the rows
    done = have
    while done < leads:
        count = min(TRANSACTION - done % TRANSACTION, leads - done)
        began = time.perf_counter()
        conn.execute('BEGIN IMMEDIATE')
        inserting += time.perf_counter() - began
        first = done
        while first < done + count:   # the demo's chunks: ending on multiples of CHUNK
            last = min(first + CHUNK - first % CHUNK, done + count)
            rows = [factory.values(f'L{n + 1:06d}', n) for n in range(first, last)]
            began = time.perf_counter()
            conn.executemany(sql, rows)
            inserting += time.perf_counter() - began
            first = last
        began = time.perf_counter()
        conn.execute('COMMIT')
        inserting += time.perf_counter() - began
        done += count
    seconds = time.perf_counter() - start
    return {'rows': leads - have, 'seconds': seconds, 'insert_seconds': inserting,
            'generate_rows_per_s': (leads - have) / max(seconds - inserting, 1e-9), 'peak_rss_mb': _rss_mb(),
            'cpu_seconds': _cpu() - cpu}


def _run_child(kind, path, leads):
    # Flush the previous run's writes first, so no run pays for another's disk writeback.
    os.sync()
    time.sleep(2)
    out = subprocess.run([sys.executable, __file__, '--child', kind, '--db', str(path), '--leads', str(leads)],
                         capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f'bench/seed.py: the {kind} run failed:\n{out.stderr}')
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    """Run both sides, print the figures and return them as a dict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--leads', type=int, default=1_000_000)
    parser.add_argument('--keep', help='Keep the databases in this directory.')
    parser.add_argument('--child', choices=['demo', 'raw'], help=argparse.SUPPRESS)
    parser.add_argument('--db', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = (child_demo if args.child == 'demo' else child_raw)(args.db, args.leads)
        print(json.dumps(result))
        return result
    work = Path(args.keep or tempfile.mkdtemp(prefix='ltc-bench-seed-'))
    work.mkdir(parents=True, exist_ok=True)
    try:
        demo = _run_child('demo', work / 'demo.db', args.leads)
        raw = _run_child('raw', work / 'raw.db', args.leads)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    demo_rate = demo['bulk_rows'] / demo['bulk_seconds']
    raw_rate = raw['rows'] / raw['insert_seconds']
    figures = {'leads': demo['leads'], 'demo_seconds': round(demo['seconds'], 1),
               'base_seconds': round(demo['base_seconds'], 1),
               'demo_bulk_rows_per_s': round(demo_rate),
               'demo_overall_leads_per_s': round(demo['leads'] / demo['seconds']),
               'demo_peak_rss_mb': round(demo['peak_rss_mb']), 'raw_rows_per_s': round(raw_rate),
               'raw_with_generation_rows_per_s': round(raw['rows'] / raw['seconds']),
               'raw_peak_rss_mb': round(raw['peak_rss_mb']), 'generate_rows_per_s': round(raw['generate_rows_per_s']),
               'ratio_demo_to_raw': round(demo_rate / raw_rate, 2),
               'demo_cpu_seconds': round(demo['cpu_seconds'], 1), 'raw_cpu_seconds': round(raw['cpu_seconds'], 1)}
    print(f"flask ltc demo --scale {args.leads:,}: {figures['leads']:,} leads in {figures['demo_seconds']} s "
          f"(base company {figures['base_seconds']} s)")
    print(f"  bulk phase        {figures['demo_bulk_rows_per_s']:>8,} lead rows/s   "
          f"peak RSS {figures['demo_peak_rss_mb']} MB")
    print(f"  overall           {figures['demo_overall_leads_per_s']:>8,} leads/s")
    print(f"  raw executemany   {figures['raw_rows_per_s']:>8,} rows/s (insert time only)   "
          f"peak RSS {figures['raw_peak_rss_mb']} MB")
    print(f"  raw + generation  {figures['raw_with_generation_rows_per_s']:>8,} rows/s (same rows made inline)")
    print(f"  row generation    {figures['generate_rows_per_s']:>8,} rows/s (making the rows alone)")
    print(f"  ratio demo/raw    {figures['ratio_demo_to_raw']}")
    print(f"  CPU seconds       demo {figures['demo_cpu_seconds']} (with the base company), "
          f"raw {figures['raw_cpu_seconds']} (inserts and making the rows)")
    return figures


if __name__ == '__main__':
    main(sys.argv[1:])
