"""Receivables: plans summing to the contract, payments, over-payment, statuses, overdue marking, aging."""
import datetime
from decimal import Decimal

import pytest

from ltc.errors import RuleViolation, ValidationError
from ltc.models import AuditLog, Payment, PaymentPlan
from ltc.services import receivables
from tests.factories import make_contract, make_user
from tests.services.cashkit import live_contract, unchanged

D = datetime.date


def _plans(contract):
    return list(PaymentPlan.select().where(PaymentPlan.contract == contract.id).order_by(PaymentPlan.sequence))


def test_plans_must_sum_to_contract_amount(db):
    contract = live_contract(amount='100000')
    with unchanged(PaymentPlan), pytest.raises(RuleViolation) as err:
        receivables.set_plans(contract, [{'amount': 30000, 'due_on': D(2026, 3, 1)},
                                         {'amount': 60000, 'due_on': D(2026, 6, 1)}])
    assert 'plan-sum' in str(err.value) and '90000.00' in str(err.value) and '100000.00' in str(err.value)
    with unchanged(PaymentPlan), pytest.raises(ValidationError, match='needs a due date or a milestone'):
        receivables.set_plans(contract, [{'amount': 100000}])


def test_split_rounds_into_the_last_instalment(db):
    contract = live_contract(amount='1000.00')
    plans = receivables.plan_by_split(contract, ['33.33', '33.33', '33.34'],
                                      ['2026-03-01', '2026-04-01', '2026-05-01'])
    assert [p.amount for p in plans] == [Decimal('333.30'), Decimal('333.30'), Decimal('333.40')]
    assert receivables.split_amounts(Decimal('100'), [1, 1, 98]) == [Decimal('1.00'), Decimal('1.00'), Decimal('98.00')]
    assert receivables.split_amounts(Decimal('10'), ['33.3', '33.3', '33.4'])[-1] == Decimal('3.34')
    with pytest.raises(ValidationError, match='adding up to 100'):
        receivables.split_amounts(Decimal('10'), [50, 40])
    with unchanged(PaymentPlan), pytest.raises(ValidationError, match='one per instalment'):
        receivables.plan_by_split(contract, [50, 50], ['2026-03-01'])


def test_partial_then_full_payment_keeps_status_current(db):
    contract = live_contract(amount='1000')
    receivables.set_plans(contract, [{'amount': 400, 'due_on': D(2026, 3, 1)},
                                     {'amount': 600, 'due_on': D(2026, 6, 1)}])
    first, _ = _plans(contract)
    receivables.record_payment(contract, 150, plan=first.code, received_on=D(2026, 2, 1), today=D(2026, 2, 1))
    assert [(p.paid_amount, p.status) for p in _plans(contract)] == [(Decimal('150.00'), 'partial'),
                                                                      (Decimal('0.00'), 'pending')]
    receivables.record_payment(contract.code, '250', received_on=D(2026, 2, 10), today=D(2026, 2, 10))
    assert [p.status for p in _plans(contract)] == ['paid', 'pending']
    assert Payment.select().where(Payment.contract == contract.id).count() == 2


def test_over_payment_refused_unless_split(db):
    contract = live_contract(amount='1000')
    receivables.set_plans(contract, [{'amount': 400, 'due_on': D(2026, 3, 1)},
                                     {'amount': 600, 'due_on': D(2026, 6, 1)}])
    with unchanged(PaymentPlan, Payment), pytest.raises(RuleViolation) as err:
        receivables.record_payment(contract, 500, received_on=D(2026, 2, 1), today=D(2026, 2, 1))
    assert 'over-payment' in str(err.value) and '400.00' in str(err.value) and '--split' not in str(err.value)
    with unchanged(PaymentPlan, Payment), pytest.raises(RuleViolation, match='over-payment'):
        receivables.record_payment(contract, 1000.01, split=True, received_on=D(2026, 2, 1))
    payments = receivables.record_payment(contract, 500, split=True, received_on=D(2026, 2, 1),
                                          today=D(2026, 2, 1), reference='BANK-1')
    assert [(p.plan.sequence, p.amount, p.reference) for p in payments] == [(1, Decimal('400.00'), 'BANK-1'),
                                                                           (2, Decimal('100.00'), 'BANK-1')]
    assert [p.status for p in _plans(contract)] == ['paid', 'partial']


def test_payment_refusals(db):
    draft = make_contract()
    with unchanged(Payment), pytest.raises(RuleViolation, match='payment-contract'):
        receivables.record_payment(draft, 10)
    contract = live_contract(amount='1000')
    with unchanged(Payment), pytest.raises(RuleViolation, match='plan-open'):
        receivables.record_payment(contract, 10)
    receivables.set_plans(contract, [{'amount': 1000, 'due_on': D(2026, 3, 1)}])
    with unchanged(Payment), pytest.raises(ValidationError, match='above zero'):
        receivables.record_payment(contract, 0)
    receivables.record_payment(contract, 1000, received_on=D(2026, 3, 1), today=D(2026, 3, 1))
    with unchanged(Payment, PaymentPlan), pytest.raises(RuleViolation, match='plan-open'):
        receivables.record_payment(contract, 1, plan=_plans(contract)[0].code)
    with unchanged(PaymentPlan), pytest.raises(RuleViolation, match='plan-paid'):
        receivables.set_plans(contract, [{'amount': 1000, 'due_on': D(2026, 4, 1)}])


def test_mark_overdue_is_idempotent_and_audited(db):
    contract = live_contract(amount='1000')
    receivables.set_plans(contract, [{'amount': 400, 'due_on': D(2026, 3, 1)},
                                     {'amount': 600, 'due_on': D(2026, 6, 1)}])
    receivables.record_payment(contract, 100, received_on=D(2026, 2, 1), today=D(2026, 2, 1))
    assert receivables.mark_overdue(D(2026, 3, 1)) == 0          # due today is not late
    assert receivables.mark_overdue(D(2026, 3, 2)) == 1
    assert [p.status for p in _plans(contract)] == ['overdue', 'pending']
    assert receivables.mark_overdue(D(2026, 3, 2)) == 0
    assert AuditLog.select().where(AuditLog.entity == 'PaymentPlan', AuditLog.action == 'overdue').count() == 1
    # paying the rest of an overdue plan makes it paid
    receivables.record_payment(contract, 300, received_on=D(2026, 3, 5), today=D(2026, 3, 5))
    assert _plans(contract)[0].status == 'paid'


def test_aging_buckets(db):
    today = D(2026, 6, 30)
    contract = live_contract(amount='10000')
    dues = [today - datetime.timedelta(days=d) for d in (1, 30, 31, 75, 91)] + [today]
    amounts = [1000, 2000, 1500, 500, 4000, 1000]
    receivables.set_plans(contract, [{'amount': a, 'due_on': d} for a, d in zip(amounts, dues)])
    receivables.record_payment(contract, 200, received_on=today, today=today)   # on the 1-day-late plan
    buckets = {b['bucket']: (b['count'], b['amount']) for b in receivables.aging(today)}
    assert buckets == {'0-30': (2, 2800.0), '31-60': (1, 1500.0), '61-90': (1, 500.0), '>90': (1, 4000.0)}
    outsider = make_user(role='sales')
    assert sum(b['count'] for b in receivables.aging(today, outsider)) == 0
    assert sum(b['count'] for b in receivables.aging(today, contract.owner)) == 5


def test_plan_refusals_on_closed_or_foreign_records(db):
    contract, other = live_contract(amount='1000'), live_contract(amount='1000')
    from ltc.services import contracts
    foreign_ms = contracts.add_milestone(other, '到货')
    with unchanged(PaymentPlan), pytest.raises(ValidationError, match='belongs to another contract'):
        receivables.set_plans(contract, [{'amount': 1000, 'milestone': foreign_ms.code}])
    receivables.set_plans(other, [{'amount': 1000, 'due_on': D(2026, 3, 1)}])
    foreign_plan = _plans(other)[0]
    receivables.set_plans(contract, [{'amount': 1000, 'due_on': D(2026, 3, 1)}])
    with unchanged(PaymentPlan, Payment), pytest.raises(ValidationError, match='belongs to another contract'):
        receivables.record_payment(contract, 10, plan=foreign_plan.code)
    contracts.terminate(contract, reason='cancelled')
    with unchanged(PaymentPlan), pytest.raises(RuleViolation, match='plan-status'):
        receivables.set_plans(contract, [{'amount': 1000, 'due_on': D(2026, 4, 1)}])
