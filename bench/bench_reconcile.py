"""Reconcile a 10,000-line bank statement against 5,000 open payment plans: read, import, suggest, confirm.

Usage: python bench/bench_reconcile.py [LINES] [PLANS] [DATABASE_URL]
(default 10000 lines, 5000 plans, a temporary SQLite file). The baseline is reading the same
statement file alone (the project's xlsx reader), measured in the same run.
"""
import datetime
import os
import random
import sys
import tempfile
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from openpyxl import Workbook  # noqa: E402

from ltc import db as db_module, migrate  # noqa: E402
from ltc.models import Contract, Customer, PaymentPlan, Role, User  # noqa: E402
from ltc.services import audit, reconcile  # noqa: E402
from ltc.services.reference import ensure_reference_data  # noqa: E402
from ltc.sync.formats.tables import open_path  # noqa: E402

TODAY = datetime.date(2026, 6, 15)


def _bulk(model, rows):
    now = db_module.utcnow()
    for row in rows:
        row.setdefault('created_at', now)
        row.setdefault('updated_at', now)
    with db_module.database.atomic():
        for start in range(0, len(rows), 1000):
            model.insert_many(rows[start:start + 1000]).execute()


def build(plans):
    """PLANS open plans: two per contract, one contract per customer."""
    n = plans // 2
    _bulk(Customer, [{'code': f'CR{i:06d}', 'name': f'客户{i}有限公司'} for i in range(n)])
    customers = [c for (c,) in Customer.select(Customer.id).order_by(Customer.id).tuples()]
    _bulk(Contract, [{'code': f'HR{i:06d}', 'title': f'合同{i}', 'customer': customers[i], 'status': 'executing',
                      'amount': Decimal(100000 + i)} for i in range(n)])
    contracts = [c for (c,) in Contract.select(Contract.id).order_by(Contract.id).tuples()]
    rows = []
    for i, contract in enumerate(contracts):
        for seq, amount in ((1, Decimal(40000 + i)), (2, Decimal(60000))):
            rows.append({'code': f'PR{i:06d}{seq}', 'contract': contract, 'sequence': seq, 'amount': amount,
                         'due_on': TODAY + datetime.timedelta(days=seq * 30), 'status': 'pending'})
    _bulk(PaymentPlan, rows)


def statement(path, lines, plans, rnd):
    """Write a statement in the ICBC layout: 60% name the contract, 20% only the payer, 20% strangers."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet('明细')
    sheet.append(['中国工商银行 账户明细'])
    sheet.append(['交易日期', '对方户名', '对方账号', '借方发生额', '贷方发生额', '摘要'])
    for n in range(lines):
        i = rnd.randrange(plans // 2)
        kind = rnd.random()
        day = datetime.datetime(2026, 3, 1) + datetime.timedelta(days=n % 90)
        if kind < 0.6:
            sheet.append([day, f'客户{i}有限公司', f'6222{i:08d}', None, 40000 + i, f'货款 HR{i:06d} 第{n}笔'])
        elif kind < 0.8:
            sheet.append([day, f'客户{i}有限公司', f'6222{i:08d}', None, 60000, f'付款{n}'])
        else:
            sheet.append([day, f'陌生单位{n}', f'9999{n:08d}', None, rnd.randint(100, 99999), '往来款'])
    book.save(path)


def timed(label, func, baseline=None):
    start = time.perf_counter()
    result = func()
    took = time.perf_counter() - start
    ratio = f'   {took / baseline:6.1f}x baseline' if baseline else ''
    print(f'{label:<48} {took:8.3f} s{ratio}')
    return result, took


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    lines = int(argv[0]) if argv else 10000
    plans = int(argv[1]) if len(argv) > 1 else 5000
    folder = tempfile.mkdtemp()
    url = argv[2] if len(argv) > 2 else f'sqlite:///{folder}/bench.db'
    database = db_module.bind(url)
    path = os.path.join(folder, 'statement.xlsx')
    with database.connection_context(), audit.acting_as('bench', 'system'):
        migrate.upgrade()
        ensure_reference_data()
        timed(f'build {plans} open plans', lambda: build(plans))
        statement(path, lines, plans, random.Random(7))
        fin = User.create(code='UBFIN', username='bench-fin', display_name='fin', role=Role.get(Role.name == 'finance'))
        rows, base = timed(f'baseline: read the {lines}-line statement', lambda: open_path(path).read())
        total = 0.0
        (created, _known, _skipped), took = timed('import_statement (parse, dedupe, insert)',
                                                   lambda: reconcile.import_statement(rows, 'statement.xlsx', by=fin),
                                                   base)
        total += took
        found, took = timed('suggestions for every receipt (index + score)', lambda: reconcile.suggestions(), base)
        total += took
        print(f'{"read + import + suggest":<48} {base + total:8.3f} s   (target: 10 s)')
        top = [(r, c[0][1]['id']) for r, c in found if c and c[0][0] >= 50][:1000]
        _, took = timed(f'confirm {len(top)} top suggestions (one each)',
                        lambda: [reconcile.confirm([(r, PaymentPlan.get_by_id(p), None)], by=fin) for r, p in top
                                 if PaymentPlan.get_by_id(p).status != 'paid'], base)
        suggested = sum(1 for _r, c in found if c)
        print(f'{created} receipts; {suggested} with a suggestion; {len(found) - suggested} without')
        timed('import the same statement again (all known)', lambda: reconcile.import_statement(rows, by=fin), base)


if __name__ == '__main__':
    main(sys.argv[1:])
