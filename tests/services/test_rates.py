"""Currencies: rates by date; a payment in another currency than its contract's is refused unless a rate
applies, converted at the rate of its day, and keeps what came in."""
import datetime
from decimal import Decimal

import pytest

from ltc.errors import LTCError, RuleViolation
from ltc.models import Payment, Setting
from ltc.services import rates, receivables
from tests.factories import make_user
from tests.services.cashkit import live_contract, unchanged

D = datetime.date


def test_rates_by_date_and_conversion(db):
    rates.set_rate('USD', D(2026, 1, 1), '7.10')
    rates.set_rate('USD', D(2026, 3, 1), '7.20')
    rates.set_rate('EUR', D(2026, 1, 1), '7.80')
    assert rates.rate_on('USD', D(2026, 2, 28)) == Decimal('7.10')
    assert rates.rate_on('USD', D(2026, 3, 1)) == Decimal('7.20')
    assert rates.rate_on('USD', D(2025, 12, 31)) is None
    assert rates.convert('100', 'USD', 'CNY', D(2026, 3, 5)) == Decimal('720.00')
    assert rates.convert('780', 'CNY', 'EUR', D(2026, 3, 5)) == Decimal('100.00')
    assert rates.to_base({'CNY': Decimal('1000'), 'USD': Decimal('10')}, D(2026, 3, 5)) == Decimal('1072.00')
    rates.set_rate('USD', D(2026, 3, 1), '7.25')   # a correction replaces the day's rate
    assert rates.rate_on('USD', D(2026, 3, 1)) == Decimal('7.25')
    with pytest.raises(LTCError, match='may not enter'):
        rates.set_rate('USD', D(2026, 4, 1), '7', by=make_user('sales'))
    with pytest.raises(LTCError, match='base currency'):
        rates.set_rate('CNY', D(2026, 4, 1), '1')
    Setting.create(code='currency.base', value='USD')
    assert rates.base_currency() == 'USD' and rates.rate_on('USD', D(2020, 1, 1)) == 1


def test_payment_in_another_currency_needs_a_rate(db):
    contract = live_contract('100000')
    receivables.set_plans(contract, [{'amount': '100000', 'due_on': D(2026, 6, 1)}])
    with unchanged(Payment), pytest.raises(RuleViolation, match='payment-currency') as err:
        receivables.record_payment(contract, '1000', currency='USD', received_on=D(2026, 3, 5))
    assert 'flask ltc rates set USD 2026-03-05' in str(err.value)
    rates.set_rate('USD', D(2026, 3, 1), '7.20')
    [payment] = receivables.record_payment(contract, '1000', currency='USD', received_on=D(2026, 3, 5))
    assert (payment.amount, payment.currency, payment.original_amount, payment.original_currency) == \
        (Decimal('7200.00'), 'CNY', Decimal('1000.00'), 'USD')
    [same] = receivables.record_payment(contract, '500', currency='CNY', received_on=D(2026, 3, 5))
    assert same.original_currency is None and same.amount == Decimal('500.00')


def test_dashboard_totals_in_the_base_currency(db):
    from ltc.services import dashboard
    from tests.factories import make_opportunity
    admin = make_user('admin')
    make_opportunity(amount=Decimal('1000'), currency='USD')
    make_opportunity(amount=Decimal('1000'))
    before = sum(r['amount'] for r in dashboard.funnel(admin))
    assert before == 2000.0   # no rate yet: each counts as written
    rates.set_rate('USD', D(2026, 1, 1), '7')
    assert sum(r['amount'] for r in dashboard.funnel(admin)) == 8000.0
    usd = live_contract('1000', currency='USD')
    receivables.set_plans(usd, [{'amount': '1000', 'due_on': D(2026, 3, 1)}])
    cny = live_contract('500')
    receivables.set_plans(cny, [{'amount': '500', 'due_on': D(2026, 3, 20)}])
    month = {r['month']: r for r in dashboard.receivables_by_month(admin, D(2026, 3, 15))}['2026-03']
    assert month['planned'] == 7500.0
