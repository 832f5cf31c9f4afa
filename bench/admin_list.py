"""Admin list speed: N leads (default 1,000,000) on SQLite, median of 20 requests per page via the test client.

Usage: python bench/admin_list.py [--leads N] [--database-url URL]
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.security import generate_password_hash  # noqa: E402

from ltc import create_app, db as db_module, migrate  # noqa: E402
from ltc.db import reserve_codes, utcnow  # noqa: E402
from ltc.models import Customer, Lead, Role, User  # noqa: E402
from ltc.services import audit  # noqa: E402
from ltc.services.reference import ensure_reference_data  # noqa: E402

INDUSTRIES = ['manufacturing', 'finance', 'energy', 'telecom', 'government', 'education']
PROVINCES = ['广东', '浙江', '江苏', '北京', '上海', '四川']


def fill(n):
    """Insert N leads in bulk (insert_many with reserved codes), plus an admin and a customer."""
    database = db_module.database
    with audit.acting_as('bench', 'cli'):
        admin = User.get_or_none(User.username == 'bench') or audit.save(User(
            username='bench', display_name='Bench', role=Role.get(Role.name == 'admin'),
            password_hash=generate_password_hash('bench-password-1')))
        customer = Customer.get_or_none(Customer.name == 'Bench customer') or audit.save(
            Customer(name='Bench customer', owner=admin))
    have = Lead.select().count()
    now = utcnow()
    batch = 5000
    while have < n:
        size = min(batch, n - have)
        with database.atomic():
            codes = reserve_codes('L', size)
            rows = []
            for i, code in enumerate(codes):
                k = have + i
                phone = f'139{k:08d}'
                rows.append({'code': code, 'company': f'Company {k}', 'company_norm': f'company{k}',
                             'phone': phone, 'phone_norm': phone, 'email': f'user{k}@example.com',
                             'email_norm': f'user{k}@example.com', 'source': 'website',
                             'industry': INDUSTRIES[k % 6], 'region_province': PROVINCES[k % 6],
                             'status': 'new', 'grade': 'ungraded', 'owner': admin.id if k % 3 else None,
                             'created_at': now, 'updated_at': now, 'version': 1, 'budget': 0})
            Lead.insert_many(rows).execute()
        have += size
    return customer, have


def median_ms(client, url, runs=20):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--leads', type=int, default=1_000_000)
    parser.add_argument('--database-url')
    args = parser.parse_args(argv)
    url = args.database_url or f'sqlite:///{tempfile.mkdtemp()}/bench.db'
    app = create_app({'DATABASE_URL': url, 'LTC_ENV': 'testing', 'SECRET_KEY': 'bench-' + 'x' * 40,
                      'INSTANCE_PATH': tempfile.mkdtemp(), 'WTF_CSRF_ENABLED': False})
    database = db_module.database
    with database.connection_context():
        migrate.upgrade()
        ensure_reference_data()
        start = time.perf_counter()
        customer, total = fill(args.leads)
        print(f'{total:,} leads ready in {time.perf_counter() - start:.0f} s ({url.split(":")[0]})')
        # Fresh statistics, as the nightly ANALYZE / autovacuum would leave them.
        database.execute_sql('ANALYZE' if url.startswith('sqlite') else 'VACUUM ANALYZE lead')
        sample = Lead.select().order_by(Lead.id).offset(total // 2).first()
    client = app.test_client()
    client.post('/login', data={'username': 'bench', 'password': 'bench-password-1'})
    pages = [('lead list page 1', '/admin/lead/'),
             ('filtered page (industry)', '/admin/lead/?flt0_0=energy'),
             ('search by code', f'/admin/lead/?search={sample.code}'),
             ('search by phone', f'/admin/lead/?search={sample.phone}'),
             ('search by e-mail', f'/admin/lead/?search={sample.email}'),
             ('customer 360', f'/admin/customer/360/?id={customer.id}')]
    for name, path in pages:
        print(f'{name:28} {median_ms(client, path):8.1f} ms')


if __name__ == '__main__':
    main(sys.argv[1:])
