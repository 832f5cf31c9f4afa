"""Totals across records in the base currency: a customer with CNY and USD contracts (and a USD target, a
USD yearly spend) sums them at today's rate on the customer 360° totals, the group roll-up, the share of
wallet, the aging buckets, the pipeline board, target progress and the dashboard lists; each record keeps
its own currency."""
import datetime
from decimal import Decimal

from ltc.admin import customer360
from ltc.models import Contract, Setting, Stage, Target
from ltc.services import customers, dashboard, pipeline, planning, rates, receivables
from tests.factories import make_customer, make_department, make_opportunity, make_user
from tests.services.cashkit import live_contract

TODAY = datetime.date.today()
AGO = TODAY - datetime.timedelta(days=40)


def test_mixed_currencies_sum_in_the_base_currency(db):
    rates.set_rate('USD', datetime.date(2020, 1, 1), '7')
    dept = make_department()
    owner = make_user('sales', department=dept)
    boss = make_user('admin')
    customer = make_customer(yearly_category_spend=Decimal('100000'), currency='USD', target_share=Decimal('50'),
                             owner=owner)
    cny = live_contract('100000', owner=owner, customer=customer, signed_on=AGO)
    usd = live_contract('10000', owner=owner, customer=customer, currency='USD', signed_on=AGO,
                        end_on=TODAY + datetime.timedelta(days=5))
    for contract in (cny, usd):
        receivables.set_plans(contract, [{'amount': contract.amount, 'due_on': AGO}])
    receivables.record_payment(cny, '40000', received_on=TODAY)
    receivables.record_payment(usd, '4000', received_on=TODAY)
    assert Contract.get_by_id(usd.id).currency == 'USD'   # the record keeps its own currency

    totals = customer360.totals(customer, owner)
    assert totals['currency'] == 'CNY'
    assert (totals['contracted'], totals['collected'], totals['overdue']) == (170000, 68000, 102000)
    wallet = customers.share_of_wallet(customer, TODAY)
    assert (wallet['yearly_spend'], wallet['contracted_12m'], wallet['gap']) == (700000, 170000, 180000)
    rollup = customers.group_rollup(customer, TODAY)
    assert (rollup['contracted_total'], rollup['collected_total']) == (170000, 68000)
    assert sum(b['amount'] for b in receivables.aging(TODAY, boss)) == 102000

    stage = Stage.get(Stage.code == 'ST-VALIDATE')
    make_opportunity(customer=customer, stage=stage, amount=Decimal('1000'), owner=owner)
    make_opportunity(customer=customer, stage=stage, amount=Decimal('100'), currency='USD', owner=owner)
    assert pipeline.totals(pipeline.filters(boss))[stage.id]['amount'] == 1700

    Target.create(kind='sales', period=AGO.strftime('%Y-%m'), user=owner, amount=Decimal('34000'), currency='USD')
    [row] = [r for r in planning.target_progress(AGO.strftime('%Y-%m'), boss) if r['kind'] == 'sales']
    assert (row['target'], row['achieved'], row['progress_pct']) == (238000, 170000, 71.4)
    [expiring] = dashboard.contracts_expiring(boss, TODAY)['items']
    assert expiring['amount'] == 70000
    [gap] = dashboard.share_of_wallet_gaps(boss, TODAY)
    assert (gap['spend'], gap['ours'], gap['gap']) == (700000, 170000, 180000)
    # Another base currency: the same figures in USD.
    Setting.create(code='currency.base', value='USD')
    rates.set_rate('CNY', datetime.date(2020, 1, 1), '0.14')
    assert customer360.totals(customer, owner)['currency'] == 'USD'
    assert round(customer360.totals(customer, owner)['contracted']) == 24000
