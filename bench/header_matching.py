"""What header matching, description-row detection, date-order inference and value mapping cost
inside a 100,000-row lead import (the generated workbook of `import_xlsx.py`), on SQLite.

    python bench/header_matching.py [--rows 100000] [--dir DIR]

The import runs once end to end; the functions of the new steps are wrapped with timers in the
same run, so their share is measured against that very import: `Mapping.resolve` (per header,
fuzzy matching included), `reader.is_description` (rows under the header), `reader.settle`
(date-order inference per date column, --map-value), and the choice look-ups with synonyms
(`Choices.lookup`, reached for each distinct cell text of a choice column).
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, open_app, workdir, write_leads_xlsx  # noqa: E402


def timed(owner, name, totals):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - start
            totals[name + ' calls'] = totals.get(name + ' calls', 0) + 1
    setattr(owner, name, wrapper)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--dir')
    args = parser.parse_args(argv)
    directory = workdir(args.dir)
    path = write_leads_xlsx(directory / 'leads.xlsx', args.rows)
    app, _database = open_app(directory)
    from ltc.models.choices import Choices
    from ltc.services import audit
    from ltc.sync.formats import reader
    from ltc.sync.formats.tables import open_path
    from ltc.sync.mapping.entities import LEADS, Mapping
    from ltc.sync.writes import importer
    totals = {}
    timed(Mapping, 'resolve', totals)
    timed(reader, 'is_description', totals)
    timed(importer, 'settle', totals)
    timed(Choices, 'lookup', totals)
    start = time.perf_counter()
    with audit.acting_as('bench', 'cli'):
        result = importer.run_import('leads', open_path(path, max_rows=app.config['IMPORT_MAX_ROWS']))
    whole = time.perf_counter() - start
    totals = dict(totals)   # the repetitions below are not part of the import
    headers = result.sheet.headers
    reps = 1000
    start = time.perf_counter()
    for _ in range(reps):
        LEADS.resolve(headers)
    per_call = (time.perf_counter() - start) / reps
    steps = sum(v for k, v in totals.items() if not k.endswith('calls'))
    print(f'{machine()}; {args.rows:,} rows, {result.totals()["created"]:,} created')
    print(f'import end to end: {whole:.2f} s')
    for name in ('resolve', 'is_description', 'settle', 'lookup'):
        print(f'  {name}: {totals.get(name, 0) * 1000:.1f} ms in {totals.get(name + " calls", 0)} calls')
    print(f'  one resolve of the {len(headers)}-column header: {per_call * 1e6:.0f} µs')
    print(f'new steps together: {steps * 1000:.1f} ms = {100 * steps / whole:.3f} % of the import')


if __name__ == '__main__':
    main()
