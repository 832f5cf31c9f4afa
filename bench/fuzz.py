"""Fuzz the import reader with random bytes and mutated real workbooks; then the codec properties at high counts.

Usage: python -m bench.fuzz [--cases 500] [--examples 2000] [--seed 1] [--timeout 20] [--quick]

Each case is a file (.xlsx or .csv) made from random bytes, a real file of tests/data with bytes
flipped, cut or spliced, or a real workbook whose XML parts were mutated and re-zipped. It is
imported (plan only, nothing written) into leads, customers or contacts in a forked child
process. A case passes when the child finishes within TIMEOUT seconds either with a plan or with
a refusal (an LTCError with its message); a traceback or a hang fails the run. The codec
properties of tests/test_fuzz_codecs.py then run with EXAMPLES examples each.
"""
import argparse
import io
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT / 'tests' / 'data'
ENTITIES = ('leads', 'customers', 'contacts')
NASTY = [b'<!DOCTYPE x [<!ENTITY a "aaaa">]>', b'&a;', b'\x00', b'\xff\xfe', b'9' * 400, b'1E+308',
         b'<c r="XFD1048576"><v>1</v></c>', b'<row r="1048576">', b'"', b',', b'\r\n', b'#N/A',
         b'=HYPERLINK("x")', '公司名称'.encode(), b'<f>1/0</f>', b'<is><t>x</t></is>']


def _flip(data, rng, n):
    data = bytearray(data)
    for _ in range(n):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _splice(data, rng):
    if len(data) < 4:
        return data + rng.choice(NASTY)
    a, b = sorted(rng.sample(range(len(data)), 2))
    choice = rng.randrange(4)
    if choice == 0:
        return data[:a] + data[b:]                       # cut a chunk
    if choice == 1:
        return data[:b] + data[a:b] * rng.randint(2, 50) + data[b:]   # repeat a chunk
    if choice == 2:
        return data[:a] + rng.choice(NASTY) + data[a:]   # insert something nasty
    return data[:a]                                      # truncate


def _mutate_zip(data, rng):
    """Re-zip a workbook with one or two XML parts mutated (the zip itself stays valid)."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        members = [(i, source.read(i.filename)) for i in source.infolist()]
    except Exception:   # not a zip (a CSV or an already broken file): mutate the bytes instead
        return _splice(data, rng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as target:
        chosen = {rng.randrange(len(members)) for _ in range(rng.randint(1, 2))}
        for index, (info, body) in enumerate(members):
            if index in chosen:
                body = _splice(body, rng) if rng.random() < 0.7 else _flip(body, rng, rng.randint(1, 20))
            target.writestr(info.filename, body)
    return out.getvalue()


def real_files():
    return sorted(p for p in DATA.iterdir() if p.suffix.lower() in ('.xlsx', '.csv') and 'password' not in p.name)


def make_case(rng, files):
    """Return (label, suffix, bytes) for one fuzz case."""
    kind = rng.random()
    if kind < 0.1:
        suffix = rng.choice(['.xlsx', '.csv'])
        return 'random bytes', suffix, os.urandom(rng.randint(0, 4096)) if rng.random() < 0.5 else \
            bytes(rng.randrange(256) for _ in range(rng.randint(0, 2048)))
    path = rng.choice(files)
    data = path.read_bytes()
    if kind < 0.35:
        return f'{path.name}: bytes flipped', path.suffix, _flip(data, rng, rng.randint(1, 50))
    if kind < 0.55:
        return f'{path.name}: spliced', path.suffix, _splice(data, rng)
    return f'{path.name}: XML mutated', path.suffix, _mutate_zip(data, rng)


def _child(path, entity, database_url, conn):
    from ltc import db as db_module
    from ltc.errors import LTCError
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes.importer import plan_import
    database = db_module.bind(database_url)
    try:
        with database.connection_context():
            plan = plan_import(entity, open_path(path))
            outcome = ('plan', f'{len(plan.rows)} rows')
    except LTCError as exc:
        outcome = ('refused', str(exc)[:200])
    except BaseException:   # the failure this fuzz looks for
        outcome = ('traceback', traceback.format_exc()[-3000:])
    conn.send(outcome)
    conn.close()


def prepare_database(workdir):
    """Return the URL of a migrated SQLite database with reference data for the children."""
    from ltc import db as db_module, migrate
    from ltc.services.reference import ensure_reference_data
    url = f'sqlite:///{workdir}/fuzz.db'
    database = db_module.bind(url)
    with database.connection_context():
        migrate.upgrade()
        ensure_reference_data()
    database.close()
    return url


def fuzz_reader(cases, seed, workdir, timeout=20):
    """Run CASES fuzz cases; return {'plan': n, 'refused': n, 'traceback': [...], 'hang': [...], 'slowest': s}."""
    import ltc.sync.writes.importer  # noqa: F401  (imported once, before forking)
    workdir = Path(workdir)
    url = prepare_database(workdir)
    rng = random.Random(seed)
    files = real_files()
    context = multiprocessing.get_context('fork')
    results = {'plan': 0, 'refused': 0, 'traceback': [], 'hang': [], 'slowest': 0.0}
    for number in range(cases):
        label, suffix, data = make_case(rng, files)
        path = workdir / f'case{number % 8}{suffix}'
        path.write_bytes(data)
        entity = ENTITIES[number % len(ENTITIES)]
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(path, entity, url, send))
        began = time.monotonic()
        child.start()
        send.close()
        ready = receive.poll(timeout)
        elapsed = time.monotonic() - began
        results['slowest'] = max(results['slowest'], elapsed)
        if not ready:
            child.kill()
            child.join()
            saved = workdir / f'hang-{number}{suffix}'
            saved.write_bytes(data)
            results['hang'].append(f'case {number} ({label}) > {timeout} s, kept as {saved.name}')
            continue
        try:
            kind, detail = receive.recv()
        except EOFError:   # the child died without answering (a crash in native code)
            kind, detail = 'traceback', f'child exited with code {child.exitcode}'
        child.join()
        if kind == 'traceback':
            saved = workdir / f'crash-{number}{suffix}'
            saved.write_bytes(data)
            results['traceback'].append(f'case {number} ({label}, {entity}), kept as {saved.name}:\n{detail}')
        else:
            results[kind] += 1
    return results


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cases', type=int, default=500)
    parser.add_argument('--examples', type=int, default=2000, help='Hypothesis examples per codec property')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--timeout', type=float, default=20, help='seconds one case may take')
    parser.add_argument('--quick', action='store_true', help='100 cases, 200 examples')
    args = parser.parse_args(argv)
    if args.quick:
        args.cases, args.examples = min(args.cases, 100), min(args.examples, 200)
    workdir = Path(tempfile.mkdtemp(prefix='ltc-fuzz-'))
    began = time.monotonic()
    results = fuzz_reader(args.cases, args.seed, workdir, args.timeout)
    print(f"reader: {args.cases} cases in {time.monotonic() - began:.0f} s: {results['plan']} planned, "
          f"{results['refused']} refused with a message, {len(results['traceback'])} tracebacks, "
          f"{len(results['hang'])} hangs; slowest case {results['slowest']:.2f} s (bound {args.timeout:.0f} s)")
    for problem in results['traceback'] + results['hang']:
        print(problem)
    began = time.monotonic()
    env = dict(os.environ, LTC_FUZZ_EXAMPLES=str(args.examples))
    code = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                           'tests/test_fuzz_codecs.py'], cwd=ROOT, env=env).returncode
    print(f'codec properties with {args.examples} examples each: '
          f"{'passed' if code == 0 else 'FAILED'} in {time.monotonic() - began:.0f} s")
    return 1 if results['traceback'] or results['hang'] or code else 0


if __name__ == '__main__':
    sys.exit(main())
