"""`flask ltc bank`: a statement file in, suggestions, matches confirmed as payments, what stays unmatched."""
import csv
import datetime

from openpyxl import Workbook

from ltc.models import BankReceipt, PaymentPlan
from ltc.services import receivables
from tests.factories import make_customer, make_user
from tests.services.cashkit import live_contract

D = datetime.date


def run(runner, *args):
    return runner.invoke(args=['ltc', *args])


def test_statement_to_payments(db, runner, tmp_path):
    contract = live_contract('300000', customer=make_customer(name='华东制造有限公司'), code='HT-EAST-01')
    first, second = receivables.set_plans(contract, [{'amount': '100000', 'due_on': D(2026, 3, 1)},
                                                     {'amount': '200000', 'due_on': D(2026, 6, 1)}])
    make_user('finance', username='fin')
    book = Workbook()
    sheet = book.active
    for row in (['招商银行交易明细'], ['交易日', '对方名称', '对方账号', '贷方金额', '借方金额', '用途'],
                [datetime.datetime(2026, 3, 2), '华东制造有限公司', '6222', 250000, None, 'HT-EAST-01'],
                [datetime.datetime(2026, 3, 4), '不认识的公司', '7777', 1234.5, None, '咨询费']):
        sheet.append(row)
    path = tmp_path / 'cmb.xlsx'
    book.save(path)
    result = run(runner, 'bank', 'import', str(path), '--user', 'fin')
    assert result.exit_code == 0 and '2 receipts imported' in result.output, result.output
    assert '0 receipts imported, 2 already imported' in run(runner, 'bank', 'import', str(path)).output
    receipt = BankReceipt.get(BankReceipt.payer_account == '6222')
    suggested = run(runner, 'bank', 'suggest').output
    assert f'{first.code}  HT-EAST-01' in suggested and 'no suggestion' in suggested
    result = run(runner, 'bank', 'match', f'{receipt.code}:{first.code}', f'{receipt.code}:{second.code}:150000',
                 '--user', 'fin')
    assert result.exit_code == 0, result.output
    assert PaymentPlan.get_by_id(first.id).status == 'paid'
    assert PaymentPlan.get_by_id(second.id).paid_amount == 150000
    result = run(runner, 'bank', 'match', f'{receipt.code}:{second.code}', '--user', 'fin')
    assert result.exit_code == 1 and 'receipt-matched' in result.output
    result = run(runner, 'bank', 'unmatched')
    assert result.exit_code == 1 and '不认识的公司' in result.output and '1 receipts' in result.output
    assert run(runner, 'bank', 'match', 'nonsense', '--user', 'fin').exit_code == 2
    csv_path = tmp_path / 'boc.csv'
    with open(csv_path, 'w', newline='', encoding='gbk') as handle:
        csv.writer(handle).writerows([['交易日期', '对方户名', '对方账号', '交易金额', '附言'],
                                      ['2026-03-05', '华东制造有限公司', '6222', '50000', '尾款 HT-EAST-01']])
    assert '1 receipts imported' in run(runner, 'bank', 'import', str(csv_path), '--user', 'fin').output
