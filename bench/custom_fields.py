"""What custom fields cost an import: the same lead workbook, with three extra columns, imported into a
fresh SQLite database twice — once with the columns not imported (no custom fields defined), once with a
text, a number and a date custom field taking them.

    python bench/custom_fields.py [--rows 20000] [--dir DIR]

The baseline is the import without custom fields, measured in the same run; each import runs in a
fresh process (`common.measure`), both twice in turn. The figure is the import's CPU time
(`time.process_time` around `run_import`; wall time on a shared machine varies by half), the
lower of each pair; `ratio` = CPU seconds with custom fields ÷ CPU seconds without.
"""
import argparse
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HEADER, lead_row, machine, measure, open_app, workdir  # noqa: E402

EXTRA = ['展位号', '员工人数', '见面日期']


def write_workbook(path, rows, seed=1):
    from openpyxl import Workbook
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet('线索')
    sheet.append(HEADER + EXTRA)
    start = datetime.date(2026, 1, 1)
    for i in range(rows):
        sheet.append(lead_row(i, rng) + [f'A-{i % 400}', rng.randint(1, 5000),
                                         start + datetime.timedelta(days=i % 365)])
    book.save(path)


def run(directory, path, define):
    from ltc.services import audit, custom_fields
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes.importer import run_import
    app, database = open_app(directory)
    with app.app_context(), audit.acting_as('bench', 'cli'):
        if define:
            custom_fields.define('leads', 'booth', '展位号', 'Booth')
            custom_fields.define('leads', 'employees', '员工人数', 'Employees', kind='number')
            custom_fields.define('leads', 'met_on', '见面日期', 'Met on', kind='date')
        started = time.process_time()
        result = run_import('leads', open_path(path))
        cpu = time.process_time() - started
    return result.totals()['created'], cpu


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=20000)
    parser.add_argument('--dir')
    args = parser.parse_args(argv)
    base = workdir(args.dir)
    path = base / 'leads.xlsx'
    write_workbook(path, args.rows)
    print(f'{machine()}; {args.rows:,} leads, {len(HEADER) + len(EXTRA)} columns')
    figures = {}
    for attempt in (1, 2):
        for label, define in (('without custom fields (3 columns not imported)', False),
                              ('with 3 custom fields (text, number, date)', True)):
            directory = base / f'{"custom" if define else "plain"}{attempt}'
            directory.mkdir(parents=True, exist_ok=True)
            seconds, peak, (created, cpu) = measure(run, directory, path, define)
            figures[define] = min(figures.get(define, cpu), cpu)
            print(f'{label}: {seconds:.2f} s wall, {cpu:.2f} s CPU ({created / cpu:,.0f} rows per CPU second), '
                  f'peak {peak:.0f} MB, {created:,} created')
    print(f'best of two, CPU: without {figures[False]:.2f} s, with {figures[True]:.2f} s; '
          f'ratio (with ÷ without): {figures[True] / figures[False]:.2f}')


if __name__ == '__main__':
    main()
