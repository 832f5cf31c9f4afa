"""API list speed: GET /api/v1/leads over N leads (default 1,000,000), p50 of 50 requests per query
through the test client, beside /healthz as the baseline of the same run (the machine is noisy).

Usage: python bench/api_list.py [--leads N] [--database-url URL]
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from admin_list import fill  # noqa: E402

from ltc import create_app, db as db_module, migrate  # noqa: E402
from ltc.models import Lead, Role, User  # noqa: E402
from ltc.services import audit, tokens  # noqa: E402
from ltc.services.reference import ensure_reference_data  # noqa: E402


def p50_ms(client, url, headers, runs=50):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    return statistics.median(times)


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--leads', type=int, default=1_000_000)
    parser.add_argument('--database-url')
    args = parser.parse_args(argv)
    url = args.database_url or f'sqlite:///{tempfile.mkdtemp()}/bench.db'
    app = create_app({'DATABASE_URL': url, 'LTC_ENV': 'testing', 'SECRET_KEY': 'bench-' + 'x' * 40,
                      'INSTANCE_PATH': tempfile.mkdtemp(), 'API_RATE_LIMIT': '1000000 per minute'})
    database = db_module.database
    with database.connection_context():
        migrate.upgrade()
        ensure_reference_data()
        start = time.perf_counter()
        _customer, total = fill(args.leads)
        print(f'{total:,} leads ready in {time.perf_counter() - start:.0f} s ({url.split(":")[0]})')
        database.execute_sql('ANALYZE' if url.startswith('sqlite') else 'VACUUM ANALYZE lead')
        with audit.acting_as('bench', 'cli'):
            admin = User.get(User.username == 'bench')
            sales = User.get_or_none(User.username == 'bench-sales') or audit.save(User(
                username='bench-sales', display_name='Bench sales', role=Role.get(Role.name == 'sales')))
            # The sales user owns one lead in 100: their list is a scoped one over the same table.
            Lead.update(owner=sales.id).where(Lead.id - (Lead.id / 100) * 100 == 0).execute()   # peewee's % is LIKE
            _t, admin_secret = tokens.create_token(admin, 'bench', 'leads:read')
            _t, sales_secret = tokens.create_token(sales, 'bench', 'leads:read')
        sample = Lead.select().order_by(Lead.id).offset(total // 2).first()
    client = app.test_client()
    as_admin = {'Authorization': f'Bearer {admin_secret}'}
    as_sales = {'Authorization': f'Bearer {sales_secret}'}
    first = client.get('/api/v1/leads?limit=50', headers=as_admin).json
    cursor = first['next_cursor']
    baseline = p50_ms(client, '/healthz', {})
    print(f'{"baseline GET /healthz":40} {baseline:8.1f} ms')
    queries = [('admin: first page (50)', '/api/v1/leads?limit=50', as_admin),
               ('admin: next page by cursor', f'/api/v1/leads?limit=50&cursor={cursor}', as_admin),
               ('admin: filter industry=energy', '/api/v1/leads?industry=energy&limit=50', as_admin),
               ('admin: sort by code, 200 rows', '/api/v1/leads?sort=code&limit=200', as_admin),
               ('admin: one lead by code', f'/api/v1/leads/{sample.code}', as_admin),
               ('sales (own 1%): first page (50)', '/api/v1/leads?limit=50', as_sales)]
    for name, path, headers in queries:
        ms = p50_ms(client, path, headers)
        print(f'{name:40} {ms:8.1f} ms  ({ms / baseline:.1f}x baseline)')


if __name__ == '__main__':
    main(sys.argv[1:])
