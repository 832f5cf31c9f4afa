"""LTC against django-import-export on the same lead workbook: import and export, time and peak memory.

    python bench/django_compare/run.py [--rows 100000] [--dir DIR] [--database-url URL] [--only ...]

Run with the product's virtualenv. django-import-export runs in a virtualenv of its own,
bench/django_compare/.venv, made on the first run from bench/django_compare/requirements.txt (and
again when that file changes); nothing of it enters the product's requirements.

One run, each step in a fresh process, one after the other:
1. the workbook: bench/common.py's generator (the one bench/import_xlsx.py imports), with the
   sheet's size (`<dimension>`) written in as Excel writes it; both sides import this same file;
   then django-import-export's reading of it alone (XLSX.create_dataset), the first part of its
   import, as a baseline;
2. LTC import (open_path + run_import, as the admin upload and `flask ltc import` run it) into a
   fresh database;
   then LTC's floor: the lead and audit rows that import wrote, written again into a fresh database
   of the same schema with nothing else (bench/import_xlsx.py's raw insert: executemany on SQLite, the
   faster of COPY and multi-row INSERT on PostgreSQL) — no import writing LTC's rows is faster;
3. django-import-export import, default ModelResource (save() per row, diff, row results), into a
   fresh database;
4. django-import-export import, tuned ModelResource (bulk_create in batches of 1,000, no diff, no
   instance look-up), into a fresh database;
5. LTC export of the leads of step 2 to .xlsx (export_entity);
6. django-import-export export of the leads of step 4 to .xlsx (Resource.export + XLSX.export_data).
Migrations run in processes of their own before, untimed. Each step's figure is the time of the
import or export call alone (process start, imports and app set-up excluded), wall and CPU; peak
memory is the whole process's peak RSS (VmHWM, from process start: interpreter, libraries and
app included). Ratios are against LTC's figure in the
same run.

--database-url: a PostgreSQL database URL; the steps use throwaway databases beside it
(<name>_ltc, <name>_dj_default, <name>_dj_tuned), dropped and created again.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))
from common import HEADER, machine, measure, workdir, write_leads_xlsx  # noqa: E402

VENV = HERE / '.venv'
REQUIREMENTS = HERE / 'requirements.txt'
STEPS = ('ltc-import', 'ltc-floor', 'dj-read', 'dj-import-default', 'dj-import-tuned', 'ltc-export', 'dj-export')


def django_python():
    """Return the comparison virtualenv's python, made or refreshed from requirements.txt."""
    python = VENV / 'bin' / 'python'
    stamp = VENV / '.requirements.sha256'
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f'making {VENV.relative_to(ROOT)} from {REQUIREMENTS.relative_to(ROOT)} ...', flush=True)
    subprocess.run([sys.executable, '-m', 'venv', str(VENV)], check=True)
    subprocess.run([str(python), '-m', 'pip', 'install', '-q', '-r', str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted)
    return python


def sized_workbook(directory, rows):
    """Write the generated workbook, then give its sheet a <dimension> as Excel's own files have.

    openpyxl's write-only sheets have none; django-import-export reads .xlsx with openpyxl in
    read-only mode, which then returns a row without its trailing empty cells (the empty owner
    column here), and tablib refuses rows shorter than the header (InvalidDimensions). The sheet
    is copied in 1 MB pieces, the element put in before <sheetViews>.
    """
    from openpyxl.utils import get_column_letter
    plain = write_leads_xlsx(directory / 'leads-unsized.xlsx', rows)
    path = directory / 'leads.xlsx'
    element = f'<dimension ref="A1:{get_column_letter(len(HEADER))}{rows + 1}" />'.encode()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            with source.open(item) as reader, target.open(item, 'w', force_zip64=True) as writer:
                head = reader.read(1 << 16)
                if item.filename == 'xl/worksheets/sheet1.xml':
                    assert b'<dimension' not in head and b'<sheetViews>' in head
                    head = head.replace(b'<sheetViews>', element + b'<sheetViews>', 1)
                writer.write(head)
                while chunk := reader.read(1 << 20):
                    writer.write(chunk)
    plain.unlink()
    return path


def run(command, env=None):
    """Run COMMAND in a fresh process; return its JSON line."""
    done = subprocess.run(command, stdout=subprocess.PIPE, env={**os.environ, **(env or {})}, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f'{" ".join(map(str, command))} failed with exit code {done.returncode}')
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def databases(directory, url):
    """Return the database each side uses, each new: SQLite files in DIRECTORY, or PostgreSQL siblings of URL."""
    for old in [*directory.glob('dj-*.sqlite3*'), *(directory / 'ltc').glob('bench.db*'),
                *(directory / 'ltc-floor').glob('bench.db*')]:
        old.unlink()
    names = {'ltc': None, 'ltc-floor': None, 'dj-default': str(directory / 'dj-default.sqlite3'),
             'dj-tuned': str(directory / 'dj-tuned.sqlite3')}
    if url:
        from tests.production import recreate_database, sibling_database
        names = {'ltc': sibling_database(url, '_ltc'), 'ltc-floor': sibling_database(url, '_ltc_floor'),
                 'dj-default': sibling_database(url, '_dj_default'), 'dj-tuned': sibling_database(url, '_dj_tuned')}
        for name, target in names.items():
            if name != 'ltc-floor':   # the floor step makes its own
                recreate_database(target)
    return names


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--dir', help='keep the files in this directory (default: a new temporary one)')
    parser.add_argument('--database-url', help='PostgreSQL instead of SQLite (throwaway databases beside it)')
    parser.add_argument('--only', help=f'comma-separated steps, from {", ".join(STEPS)} (exports need their import)')
    args = parser.parse_args(argv)
    steps = args.only.split(',') if args.only else list(STEPS)
    if set(steps) - set(STEPS):
        parser.error(f'unknown step(s) {", ".join(sorted(set(steps) - set(STEPS)))}')
    dj = str(django_python())
    directory = workdir(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    for name in ('ltc', 'ltc-floor', 'dj-default', 'dj-tuned'):
        (directory / name).mkdir(exist_ok=True)
    _, _, path = measure(sized_workbook, directory, args.rows)   # a child: this process stays small
    versions = subprocess.run([dj, '-c', 'import django, import_export, tablib; print(django.__version__, '
                               'import_export.__version__, tablib.__version__)'],
                              capture_output=True, text=True, check=True).stdout.split()
    target = databases(directory, args.database_url)
    ltc = [sys.executable, str(HERE / 'ltc_side.py')]
    ltc_db = ['--dir', str(directory / 'ltc')] + (['--database-url', target['ltc']] if target['ltc'] else [])
    side = [dj, str(HERE / 'dj_side.py')]
    print(f'machine: {machine()}; {"PostgreSQL" if args.database_url else "SQLite"}; Django {versions[0]}, '
          f'django-import-export {versions[1]}, tablib {versions[2]}')
    print(f'workbook: {args.rows:,} rows, {path.stat().st_size / 1048576:.1f} MB; files in {directory}')
    print(f'load average at start: {" ".join(f"{x:.2f}" for x in os.getloadavg())}', flush=True)
    run(ltc + ['migrate'] + ltc_db)
    for config in ('default', 'tuned'):
        run(side + ['migrate'], {'BENCH_DATABASE': target[f'dj-{config}']})
    commands = {
        'ltc-import': (ltc + ['import', '--file', str(path)] + ltc_db, None),
        'dj-read': (side + ['read', '--file', str(path)], {'BENCH_DATABASE': target['dj-default']}),
        'dj-import-default': (side + ['import', '--config', 'default', '--file', str(path)],
                              {'BENCH_DATABASE': target['dj-default']}),
        'dj-import-tuned': (side + ['import', '--config', 'tuned', '--file', str(path)],
                            {'BENCH_DATABASE': target['dj-tuned']}),
        'ltc-floor': (ltc + ['floor', '--dir', str(directory / 'ltc-floor'),
                             '--source', target['ltc'] or str(directory / 'ltc' / 'bench.db')]
                      + (['--database-url', target['ltc-floor']] if target['ltc-floor'] else []), None),
        'ltc-export': (ltc + ['export', '--out', str(directory / 'ltc-export.xlsx')] + ltc_db, None),
        'dj-export': (side + ['export', '--out', str(directory / 'dj-export.xlsx')],
                      {'BENCH_DATABASE': target['dj-tuned']}),
    }
    results = {}
    for step in steps:
        began = time.perf_counter()
        value = results[step] = run(*commands[step])
        rest = {k: v for k, v in value.items() if k not in ('seconds', 'cpu', 'peak_mb')}
        print(f'  {step:18} {value["seconds"]:8.2f} s  cpu {value["cpu"]:8.2f} s  peak {value["peak_mb"]:6} MB  '
              f'(process {time.perf_counter() - began:.0f} s)  {json.dumps(rest, ensure_ascii=False)}', flush=True)
    print(f'load average at end: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    print()
    print('ratios: the step\'s figure / LTC\'s (import steps against its import, exports against its export)')
    print('| step | seconds | rows/s | CPU s | peak RSS MB | × LTC time | × LTC CPU | × LTC memory |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|')
    for step in steps:
        value = results[step]
        base = results.get('ltc-export' if 'export' in step else 'ltc-import')
        ratios = ('—', '—', '—') if base is None else (
            f'{value["seconds"] / base["seconds"]:.1f}', f'{value["cpu"] / base["cpu"]:.1f}',
            f'{value["peak_mb"] / base["peak_mb"]:.1f}')
        print(f'| {step} | {value["seconds"]:.2f} | {args.rows / value["seconds"]:,.0f} | {value["cpu"]:.2f} | '
              f'{value["peak_mb"]} | {" | ".join(ratios)} |')
    floor, tuned = results.get('ltc-floor'), results.get('dj-import-tuned')
    if floor and tuned:   # an import that wrote LTC's rows and did nothing else would reach this
        print(f'\nLTC\'s floor against django-import-export tuned: tuned import / floor = '
              f'{tuned["seconds"] / floor["seconds"]:.2f} (time)'
              + ('' if args.database_url else f', {tuned["cpu"] / floor["cpu"]:.2f} (CPU)'))
    (directory / 'results.json').write_text(json.dumps(results, indent=1))


if __name__ == '__main__':
    main()
