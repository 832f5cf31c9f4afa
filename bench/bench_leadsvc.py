"""Time lead intake, bulk re-grading, assignment, pool reclaim and diagnosis on a fresh SQLite file.

Run from the project root: python -m bench.bench_leadsvc [N]   (default 5000 leads and customers)
"""
import datetime
import random
import sys
import tempfile
import time
from decimal import Decimal

from ltc import db as db_module, migrate
from ltc.models import AssignmentRule, Customer, Department, Lead, Role, User
from ltc.services import audit
from ltc.services.diagnosis import diagnose_open
from ltc.services.leads import install_default_rules, regrade_open_leads, save_lead
from ltc.services.pool import run_reclaim
from ltc.services.reference import ensure_reference_data

INDUSTRIES = ['manufacturing', 'finance', 'energy', 'retail', 'other']
PROVINCES = ['上海', '江苏', '浙江', '广东', '四川']


def timed(label, func, count):
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    print(f'{label:<40} {seconds:8.2f} s  {count / seconds:10.0f} rows/s  -> {result}')
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 5000
    rng = random.Random(42)
    path = tempfile.mkdtemp() + '/bench.db'
    database = db_module.bind(f'sqlite:///{path}')
    with database.connection_context(), audit.acting_as('bench', 'system'):
        migrate.upgrade()
        ensure_reference_data()
        install_default_rules()
        team = audit.save(Department(name='销售一部'))
        sales = Role.get(Role.name == 'sales')
        for i in range(10):
            audit.save(User(username=f'rep{i}', display_name=f'销售{i}', role=sales, department=team))
        audit.save(AssignmentRule(name='round robin', method='round_robin', target_department=team))

        def intake():
            with database.atomic():
                for i in range(n):
                    save_lead(Lead(company=f'公司{rng.randrange(n)}有限公司', industry=rng.choice(INDUSTRIES),
                                   region_province=rng.choice(PROVINCES), phone=f'138{rng.randrange(10**8):08d}',
                                   budget=Decimal(rng.randrange(0, 2_000_000))))
            return Lead.select().where(Lead.owner.is_null(False)).count()

        timed(f'save_lead x{n} (grade+dedupe+assign)', intake, n)
        from ltc.models import GradingRule
        GradingRule.update(points=GradingRule.points + 5).where(GradingRule.field == 'industry').execute()
        timed('regrade_open_leads (rules changed)', regrade_open_leads, n)
        timed('regrade_open_leads (nothing changed)', regrade_open_leads, n)
        today = datetime.date.today()
        with database.atomic():
            owners = list(User.select())
            rows = [{'code': f'CB{i:07d}', 'name': f'客户{i}', 'owner': rng.choice(owners).id,
                     'owner_since': today - datetime.timedelta(days=rng.randrange(60))} for i in range(n)]
            for start in range(0, n, 500):
                Customer.insert_many(rows[start:start + 500]).execute()
        timed(f'run_reclaim over {n} owned customers', lambda: run_reclaim(today), n)
        timed('run_reclaim again (idempotent)', lambda: run_reclaim(today), n)
        timed('diagnose_open (no opportunities)', diagnose_open, 1)


if __name__ == '__main__':
    main(sys.argv[1:])
