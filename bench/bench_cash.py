"""Time dashboard_data, mark_overdue, reminder generation and aging on a large generated data set.

Usage: python bench/bench_cash.py [N] [DATABASE_URL]   (default 20000 customers on a temporary SQLite file)
"""
import datetime
import os
import random
import sys
import tempfile
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ltc import db as db_module, migrate  # noqa: E402
from ltc.models import (Contract, Customer, Lead, Opportunity, PaymentPlan, Role, Stage, User)  # noqa: E402
from ltc.services import audit, dashboard, receivables, reminders  # noqa: E402
from ltc.services.reference import ensure_reference_data  # noqa: E402

TODAY = datetime.date(2026, 6, 15)


def _bulk(model, rows):
    now = db_module.utcnow()
    for row in rows:
        row.setdefault('created_at', now)
        row.setdefault('updated_at', now)
    with db_module.database.atomic():
        for start in range(0, len(rows), 1000):
            model.insert_many(rows[start:start + 1000]).execute()


def build(n, rnd):
    sales = Role.get(Role.name == 'sales')
    _bulk(User, [{'code': f'UB{i:04d}', 'username': f'bench{i}', 'display_name': f'销售{i}', 'role': sales,
                  'language': 'en' if i % 2 else 'zh_Hans_CN'} for i in range(20)])
    users = [u.id for u in User.select(User.id).where(User.username.startswith('bench'))]
    stages = list(Stage.select())
    day = lambda spread: TODAY + datetime.timedelta(days=rnd.randint(-spread, spread))  # noqa: E731
    _bulk(Customer, [{'code': f'CB{i:07d}', 'name': f'客户{i}', 'owner': rnd.choice(users + [None]),
                      'owner_since': day(200), 'yearly_category_spend': Decimal(rnd.randint(0, 10**7)),
                      'target_share': Decimal(rnd.choice([0, 10, 30, 50]))} for i in range(n)])
    customers = [c for (c,) in Customer.select(Customer.id).tuples()]
    _bulk(Lead, [{'code': f'LB{i:07d}', 'company': f'线索{i}', 'owner': rnd.choice(users),
                  'source': rnd.choice(['website', 'exhibition', 'referral']),
                  'status': rnd.choice(['assigned', 'contacted', 'converted']),
                  'grade': rnd.choice(['high', 'general', 'worthless'])} for i in range(n)])
    _bulk(Opportunity, [{'code': f'OB{i:07d}', 'name': f'商机{i}', 'customer': rnd.choice(customers),
                         'owner': rnd.choice(users), 'stage': rnd.choice(stages).id,
                         'amount': Decimal(rnd.randint(10**4, 10**6)), 'expected_close_on': day(180),
                         'closed_on': day(180)} for i in range(n)])
    _bulk(Contract, [{'code': f'HB{i:07d}', 'title': f'合同{i}', 'customer': rnd.choice(customers),
                      'owner': rnd.choice(users), 'status': rnd.choice(['effective', 'executing', 'completed']),
                      'amount': Decimal(100000), 'signed_on': day(300), 'end_on': day(300)} for i in range(n // 2)])
    contracts = [c for (c,) in Contract.select(Contract.id).tuples()]
    plans = []
    for i, contract in enumerate(contracts):
        for seq in (1, 2):
            paid = Decimal(rnd.choice([0, 0, 20000, 50000]))
            plans.append({'code': f'PB{i:07d}{seq}', 'contract': contract, 'sequence': seq, 'amount': Decimal(50000),
                          'paid_amount': paid, 'due_on': day(200), 'status': 'paid' if paid == 50000 else
                          ('partial' if paid else 'pending')})
    _bulk(PaymentPlan, plans)


def timed(label, func):
    start = time.perf_counter()
    result = func()
    print(f'{label:<40} {time.perf_counter() - start:8.3f} s')
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 20000
    url = argv[1] if len(argv) > 1 else f'sqlite:///{tempfile.mkdtemp()}/bench.db'
    database = db_module.bind(url)
    with database.connection_context(), audit.acting_as('bench', 'system'):
        migrate.upgrade()
        ensure_reference_data()
        timed(f'build {n} customers/leads/opps, {n // 2} contracts', lambda: build(n, random.Random(7)))
        admin = User.create(code='UBADMIN', username='bench-admin', display_name='admin',
                            role=Role.get(Role.name == 'admin'))
        seller = User.get(User.username == 'bench1')
        timed('dashboard_data(admin)', lambda: dashboard.dashboard_data(admin, TODAY))
        timed('dashboard_data(sales user)', lambda: dashboard.dashboard_data(seller, TODAY))
        changed = timed('mark_overdue (first run)', lambda: receivables.mark_overdue(TODAY))
        timed('mark_overdue (second run)', lambda: receivables.mark_overdue(TODAY))
        counts = timed('reminders.generate (first run)', lambda: reminders.generate(TODAY))
        timed('reminders.generate (second run)', lambda: reminders.generate(TODAY))
        timed('reminders.unread_counts', reminders.unread_counts)
        print(f'{changed} plans marked overdue; reminders created: {sum(counts.values())}')


if __name__ == '__main__':
    main(sys.argv[1:])
