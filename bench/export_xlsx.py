"""Export generated leads to .xlsx (write-only, streaming) on SQLite; time and peak memory.

    python bench/export_xlsx.py [--rows 100000] [--dir DIR]
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, measure, open_app, workdir, write_leads_xlsx  # noqa: E402


def seed(directory, rows):
    """Fill the database with ROWS leads through the importer (outside the measured process)."""
    from ltc.services import audit
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes.importer import run_import
    path = write_leads_xlsx(directory / 'seed.xlsx', rows)
    app, database = open_app(directory)
    with audit.acting_as('bench', 'cli'):
        run_import('leads', open_path(path, max_rows=app.config['IMPORT_MAX_ROWS']))
    database.close()
    return rows


def export(directory):
    from ltc.sync.writes.export import export_entity
    app, database = open_app(directory)
    start = time.perf_counter()
    count = export_entity('leads', directory / 'export.xlsx')
    return {'seconds': round(time.perf_counter() - start, 2), 'rows': count,
            'mb': round((directory / 'export.xlsx').stat().st_size / 1048576, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--dir', help='keep the files in this directory')
    args = parser.parse_args(argv)
    directory = workdir(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    measure(seed, directory, args.rows)
    _, peak, value = measure(export, directory)
    print(f'machine: {machine()}')
    print(f'export {value["rows"]:,} leads: {value["seconds"]:.2f} s, {value["rows"] / value["seconds"]:,.0f} rows/s, '
          f'peak {peak:.0f} MB, file {value["mb"]} MB')


if __name__ == '__main__':
    main()
