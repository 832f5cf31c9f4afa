"""Product plans against weighted pipeline and signed contracts; targets with progress and ranking."""
import datetime
from decimal import Decimal

import pytest

from ltc.errors import ValidationError
from ltc.models import OpportunityProduct, Stage, Target
from ltc.services import audit, planning, receivables
from tests.factories import make_contract_line, make_department, make_opportunity, make_product, make_user
from tests.services.cashkit import live_contract, unchanged

D = datetime.date


def _pipeline(product, quantity, stage_code, close_on, owner=None):
    opp = make_opportunity(stage=Stage.get(Stage.code == stage_code), expected_close_on=close_on, owner=owner)
    audit.save(OpportunityProduct(opportunity=opp, product=product, quantity=quantity))
    return opp


def test_coverage_flags_shortfall_and_overload(db):
    busy, idle, balanced = make_product(), make_product(), make_product()
    for product, qty in ((busy, 10), (idle, 100), (balanced, 10)):
        planning.set_product_plan(product, '2026-05', qty)
    _pipeline(busy, 8, 'ST-NEGOTIATE', D(2026, 5, 10))            # 6 weighted
    _pipeline(busy, 100, 'ST-LOST', D(2026, 5, 10))                # lost: not counted
    _pipeline(balanced, 4, 'ST-PROPOSE', D(2026, 5, 20))           # 2 weighted
    _pipeline(balanced, 4, 'ST-PROPOSE', D(2026, 6, 20))           # other month
    contract = live_contract(amount='5000', signed_on=D(2026, 5, 3))
    line = contract.lines.get()
    line.product, line.quantity = busy, Decimal('6')
    audit.save(line)
    extra = live_contract(amount='1000', signed_on=D(2026, 5, 4))
    make_contract_line(contract=extra, product=balanced, quantity=7, amount=0, unit_price=0)
    rows = {r['product']: r for r in planning.coverage('2026-05')}
    assert (rows[busy.code]['pipeline'], rows[busy.code]['contracted'], rows[busy.code]['flag']) == (6.0, 6.0, 'overload')
    assert rows[idle.code]['flag'] == 'shortfall' and rows[idle.code]['coverage_pct'] == 0.0
    assert (rows[balanced.code]['pipeline'], rows[balanced.code]['contracted']) == (2.0, 7.0)
    assert rows[balanced.code]['flag'] == 'ok' and rows[balanced.code]['coverage_pct'] == 90.0


def test_plan_and_target_input_checks(db):
    product = make_product()
    with unchanged(), pytest.raises(ValidationError, match='YYYY-MM'):
        planning.set_product_plan(product, '2026-5', 1)
    with unchanged(Target), pytest.raises(ValidationError, match='exactly one'):
        planning.set_target('sales', '2026-05', 1000)
    seller = make_user()
    with unchanged(Target), pytest.raises(ValidationError, match='Unknown target kind'):
        planning.set_target('profit', '2026-05', 1000, user=seller)
    planning.set_product_plan(product, '2026-05', 5)
    planning.set_product_plan(product, '2026-05', 7)   # updates, no duplicate
    assert [float(p.planned_quantity) for p in product.plans] == [7.0]


def test_target_progress_and_ranking(db):
    dept = make_department()
    sub = make_department(parent=dept)
    ann, bob = make_user(department=dept), make_user(department=sub)
    planning.set_target('sales', '2026-05', 100000, user=ann)
    planning.set_target('sales', '2026-05', 10000, user=bob)
    planning.set_target('sales', '2026-05', 200000, department=dept)
    planning.set_target('collection', '2026-05', 50000, user=ann)
    planning.set_target('sales', '2026-05', 10000, user=ann)   # updates the first target
    assert Target.select().count() == 4
    a = live_contract(amount='30000', owner=ann, signed_on=D(2026, 5, 2))
    live_contract(amount='20000', owner=bob, signed_on=D(2026, 5, 9))
    live_contract(amount='99999', owner=bob, signed_on=D(2026, 4, 30))   # other month
    receivables.set_plans(a, [{'amount': 30000, 'due_on': D(2026, 5, 31)}])
    receivables.record_payment(a, 12500, received_on=D(2026, 5, 20), today=D(2026, 5, 20))
    rows = planning.target_progress('2026-05')
    sales_users = [(r['name'], r['achieved'], r['progress_pct'], r['rank'])
                   for r in rows if r['kind'] == 'sales' and r['level'] == 'user']
    assert sales_users == [(ann.username, 30000.0, 300.0, 1), (bob.username, 20000.0, 200.0, 2)]
    dept_row = next(r for r in rows if r['level'] == 'department')
    assert dept_row['achieved'] == 50000.0 and dept_row['progress_pct'] == 25.0   # includes the sub-department
    collection = next(r for r in rows if r['kind'] == 'collection')
    assert collection['achieved'] == 12500.0 and collection['progress_pct'] == 25.0
    assert [r['name'] for r in planning.target_progress('2026-05', user=bob)] == [bob.username]
