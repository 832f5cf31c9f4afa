"""The django-import-export side of run.py, run in this folder's own virtualenv, one action a process.

    BENCH_DATABASE=<sqlite file or postgresql URL> .venv/bin/python dj_side.py migrate
    ... dj_side.py import --config default|tuned --file leads.xlsx
    ... dj_side.py export --out export.xlsx
    ... dj_side.py read --file leads.xlsx

Each action prints one JSON line: its wall and CPU seconds (setting Django up excluded), the process's
peak memory (VmHWM) and what it did. `read` only makes the import's dataset from the file. The
import and export follow the admin's own path: the format's create_dataset of the uploaded bytes,
then Resource.import_data; Resource.export of the queryset, then the format's export_data.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'djbench.settings')
from procmem import peak_mb  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('action', choices=('migrate', 'import', 'export', 'read'))
    parser.add_argument('--config', choices=('default', 'tuned'), default='default')
    parser.add_argument('--file', help='the workbook to import')
    parser.add_argument('--out', help='the workbook to export to')
    args = parser.parse_args(argv)
    import django
    django.setup()
    from django.core.management import call_command
    from import_export.formats.base_formats import XLSX
    from leads.models import Lead
    from leads.resources import LeadResource, TunedLeadResource
    if args.action == 'migrate':
        call_command('migrate', verbosity=0)
        print(json.dumps({'migrated': True}))
        return
    if args.action == 'read':
        start, cpu = time.perf_counter(), time.process_time()
        dataset = XLSX().create_dataset(Path(args.file).read_bytes())
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(json.dumps({'seconds': round(seconds, 2), 'cpu': round(cpu, 2), 'peak_mb': peak_mb(),
                          'rows': len(dataset)}))
        return
    if args.action == 'import':
        resource = (TunedLeadResource if args.config == 'tuned' else LeadResource)()
        start, cpu = time.perf_counter(), time.process_time()
        dataset = XLSX().create_dataset(Path(args.file).read_bytes())
        result = resource.import_data(dataset, dry_run=False, raise_errors=True)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        totals = {k: v for k, v in result.totals.items() if v}
        print(json.dumps({'seconds': round(seconds, 2), 'cpu': round(cpu, 2), 'peak_mb': peak_mb(), 'totals': totals,
                          'leads': Lead.objects.count()}))
        return
    start, cpu = time.perf_counter(), time.process_time()
    dataset = LeadResource().export(Lead.objects.order_by('id'))
    Path(args.out).write_bytes(XLSX().export_data(dataset))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({'seconds': round(seconds, 2), 'cpu': round(cpu, 2), 'peak_mb': peak_mb(),
                      'rows': len(dataset), 'columns': len(dataset.headers),
                      'mb': round(Path(args.out).stat().st_size / 1048576, 1)}))


if __name__ == '__main__':
    main()
