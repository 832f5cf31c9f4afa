"""Run every bench script in bench/ (reduced sizes by default, `--full` for the sizes in bench/README.md).

Usage: python bench/run_all.py [--full] [--only NAME[,NAME...]] [--pg-url URL] [--budget SECONDS]

Each script runs as `python -m bench.<name> ARGS` from the project root, in its own process, with
its output streamed. Scripts not listed in SIZES run with `--quick` (reduced) when they accept it,
else with their defaults. Prints a summary of durations and exit codes; exits 1 when any failed.
"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

# name: (reduced arguments, full arguments). Reduced sizes keep `make bench` under 15 minutes on 2 cores.
SIZES = {
    'admin_list': (['--leads', '50000'], ['--leads', '1000000']),
    'bench_cash': (['5000'], ['20000']),
    'bench_leadsvc': (['2000'], ['5000']),
    'bench_reconcile': (['2000', '1000'], ['10000', '5000']),
    'gsheets_ops': (['100', '10000'], ['100', '10000', '50000']),
    'crash': (['--quick'], ['--runs', '20']),
    'crash_sync': (['--quick'], ['--runs', '20']),
    'crash_import': (['--quick'], ['--runs', '20']),
    'load': (['--quick', '--backends', 'sqlite'], ['--leads', '1000000']),
    'fuzz': (['--quick'], []),
    'contention': (['--quick'], ['--rows', '100000']),
    'import_xlsx': (['--rows', '20000'], ['--rows', '100000']),
    'header_matching': (['--rows', '20000'], ['--rows', '100000']),
    'custom_fields': (['--rows', '5000'], ['--rows', '20000']),
    'export_xlsx': (['--rows', '20000'], ['--rows', '100000']),
    'seed': (['--leads', '50000'], ['--leads', '1000000']),
    'search': (['--leads', '20000', '--runs', '3'], ['--leads', '1000000']),
    'web_to_lead': (['--seconds', '5'], ['--seconds', '30']),
    'sync_gsheets': (['100', '10000'], ['100', '10000', '50000']),
    'sync_xlsx': (['--rows', '5000', '--changed', '500', '--conflicts', '50'],
                  ['--rows', '10000', '--changed', '1000', '--conflicts', '100']),
}
# Extra arguments when a PostgreSQL URL is given (--pg-url): the scripts that compare both. Each
# gets its own database next to it (<name>_crash, ...), created by the script when missing.
PG_ARGS = {
    'crash': lambda url: ['--database-url', _sibling(url, '_crash')],
    'crash_sync': lambda url: ['--database-url', _sibling(url, '_crash_sync')],
    'crash_import': lambda url: ['--database-url', _sibling(url, '_crash_import')],
    'load': lambda url: ['--pg-url', _sibling(url, '_load'), '--backends', 'sqlite,postgres'],
    'contention': lambda url: ['--database-url', _sibling(url, '_contention')],
}


def _sibling(url, suffix):
    sys.path.insert(0, str(ROOT))
    from tests.production import sibling_database
    return sibling_database(url, suffix)


def scripts():
    """Return the bench script names present (modules with a main), in a stable order."""
    return sorted(p.stem for p in HERE.glob('*.py')
                  if p.stem != 'run_all' and 'def main(' in p.read_text(encoding='utf-8'))


def arguments(name, full, pg_url=None):
    if name in SIZES:
        args = list(SIZES[name][1 if full else 0])
    else:
        source = (HERE / f'{name}.py').read_text(encoding='utf-8')
        args = [] if full or '--quick' not in source else ['--quick']
    if pg_url and name in PG_ARGS:
        extra = PG_ARGS[name](pg_url)
        # A later --backends wins in argparse, so the PostgreSQL variant replaces the reduced one.
        args += extra
    return args


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--full', action='store_true', help='full sizes (takes much longer)')
    parser.add_argument('--only', help='comma-separated script names, e.g. load,crash')
    parser.add_argument('--pg-url', help='a PostgreSQL server URL; the scripts that compare backends use '
                        'throwaway databases named after it (<db>_crash, <db>_load, <db>_contention)')
    parser.add_argument('--budget', type=float, default=None,
                        help='seconds allowed per script (default: 600 reduced, none with --full)')
    args = parser.parse_args(argv)
    names = scripts()
    if args.only:
        wanted = args.only.split(',')
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            parser.error(f"no bench script named {', '.join(unknown)}; choose from {', '.join(names)}")
        names = [n for n in names if n in wanted]
    budget = args.budget or (None if args.full else 600)
    summary, started = [], time.perf_counter()
    for name in names:
        command = [sys.executable, '-m', f'bench.{name}', *arguments(name, args.full, args.pg_url)]
        print(f"\n=== {name}: {' '.join(command[2:])}")
        began = time.perf_counter()
        try:
            code = subprocess.run(command, cwd=ROOT, timeout=budget).returncode
        except subprocess.TimeoutExpired:
            code = 'timeout'
        summary.append((name, time.perf_counter() - began, code))
    print(f'\n| script | seconds | exit |\n|---|---:|---|')
    for name, seconds, code in summary:
        print(f'| {name} | {seconds:.0f} | {code} |')
    print(f'total {time.perf_counter() - started:.0f} s')
    return 0 if all(code == 0 for _, _, code in summary) else 1


if __name__ == '__main__':
    sys.exit(main())
