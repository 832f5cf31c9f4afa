"""`flask ltc rates` and a payment recorded in another currency from the command line."""
import datetime

from ltc.models import ExchangeRate, Payment
from ltc.services import receivables
from tests.services.cashkit import live_contract

D = datetime.date


def test_rates_and_foreign_payment(db, runner, tmp_path):
    contract = live_contract('100000')
    receivables.set_plans(contract, [{'amount': '100000', 'due_on': D(2026, 6, 1)}])
    result = runner.invoke(args=['ltc', 'payment', 'record', contract.code, '100', '--currency', 'usd',
                                 '--date', '2026-03-05'])
    assert result.exit_code == 1 and 'payment-currency' in result.output
    path = tmp_path / 'rates.csv'
    path.write_text('币种,日期,汇率\nUSD,2026-03-01,7.2\nEUR,2026-03-01,7.8\n', encoding='utf-8')
    assert '2 rates entered' in runner.invoke(args=['ltc', 'rates', 'import', str(path)]).output
    assert 'from 2026-03-04' in runner.invoke(args=['ltc', 'rates', 'set', 'usd', '2026-03-04', '7.3']).output
    assert ExchangeRate.select().count() == 3
    result = runner.invoke(args=['ltc', 'payment', 'record', contract.code, '100', '--currency', 'USD',
                                 '--date', '2026-03-05'])
    assert result.exit_code == 0, result.output
    assert Payment.get().amount == 730 and Payment.get().original_amount == 100
