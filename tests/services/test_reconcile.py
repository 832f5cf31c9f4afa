"""Bank receipts: statements in the common Chinese layouts, each line once; suggestions by contract code,
known account, payer name and amount; confirmed 1:1, 1:n and n:1 through the receivables rules; nothing
matched twice; unmatched receipts stay listed."""
import datetime
from decimal import Decimal

import pytest

from ltc.errors import LTCError, RuleViolation, ValidationError
from ltc.models import BankReceipt, Payment, PaymentPlan, ReceiptMatch
from ltc.services import receivables, reconcile
from tests.factories import make_customer, make_user
from tests.services.cashkit import live_contract, unchanged

D = datetime.date

ICBC = [['中国工商银行账户明细', None, None, None, None, None],
        ['账号', '1001234509000001', None, None, None, None],
        ['交易日期', '对方户名', '对方账号', '借方发生额', '贷方发生额', '摘要'],
        ['2026-03-02 10:12:00', '华东制造有限公司', '6222 0000 1111', '', '100,000.00', '货款 HT-EAST-01 首付'],
        ['2026/3/3', '北方机械股份有限公司', '6222000022222', '', '50000', '付款'],
        ['2026-03-03', '某供应商', '6222000099999', '8,000.00', '', '采购付款'],
        ['合计', '', '', '8,000.00', '150,000.00', '']]


@pytest.fixture
def world(db):
    east = make_customer(name='华东制造有限公司')
    north = make_customer(name='北方机械股份有限公司')
    c1 = live_contract('300000', customer=east, code='HT-EAST-01')
    c2 = live_contract('80000', customer=north)
    p1 = receivables.set_plans(c1, [{'amount': '100000', 'due_on': D(2026, 3, 1)},
                                    {'amount': '200000', 'due_on': D(2026, 6, 1)}])
    p2 = receivables.set_plans(c2, [{'amount': '30000', 'due_on': D(2026, 3, 1)},
                                    {'amount': '50000', 'due_on': D(2026, 4, 1)}])
    return {'c1': c1, 'c2': c2, 'p1': p1, 'p2': p2, 'fin': make_user('finance', username='fin')}


def test_statement_layouts_and_each_line_once(world):
    created, known, skipped = reconcile.import_statement(ICBC, 'icbc.xlsx', by=world['fin'])
    assert (created, known) == (2, 0)
    assert [n for n, *_ in skipped] == [7]   # the total row; the debit line is no receipt and no error
    first = BankReceipt.get(BankReceipt.payer_name == '华东制造有限公司')
    assert (first.received_on, first.amount, first.payer_account, first.status) == \
        (D(2026, 3, 2), Decimal('100000.00'), '622200001111', 'unmatched')
    assert reconcile.import_statement(ICBC, 'icbc.xlsx')[:2] == (0, 2)
    ccb = [['交易时间', '付款人名称', '付款人账号', '收入金额', '附言', '币种'],
           ['20260305', '华东制造有限公司', '622200001111', '¥2,000.50', 'HT-EAST-01', '人民币']]
    assert reconcile.import_statement(ccb)[0] == 1
    assert BankReceipt.get(BankReceipt.amount == Decimal('2000.50')).currency == 'CNY'
    with pytest.raises(ValidationError, match='No statement header'):
        reconcile.import_statement([['a', 'b'], ['1', '2']])
    with pytest.raises(LTCError, match='may not create'):
        reconcile.import_statement(ICBC, by=make_user('sales'))


def test_suggestions_by_code_name_account_and_amount(world):
    reconcile.import_statement(ICBC)
    found = dict((r.payer_name, c) for r, c in reconcile.suggestions())
    score, plan, reasons = found['华东制造有限公司'][0]
    assert plan['id'] == world['p1'][0].id and reasons == ['code', 'name', 'amount'] and score == 105
    north = found['北方机械股份有限公司']
    assert north[0][1]['id'] == world['p2'][1].id and north[0][2] == ['name', 'amount']
    assert {c[1]['id'] for c in north} == {p.id for p in world['p2']}


def test_confirm_one_to_one_records_the_payment_and_nothing_twice(world):
    reconcile.import_statement(ICBC)
    receipt = BankReceipt.get(BankReceipt.payer_name == '华东制造有限公司')
    [match] = reconcile.confirm([(receipt, world['p1'][0], None)], by=world['fin'])
    plan = PaymentPlan.get_by_id(world['p1'][0].id)
    assert (plan.status, plan.paid_amount) == ('paid', Decimal('100000.00'))
    assert Payment.get_by_id(match.payment_id).reference.startswith(receipt.code)
    assert BankReceipt.get_by_id(receipt.id).status == 'matched'
    with unchanged(BankReceipt, ReceiptMatch, Payment), pytest.raises(RuleViolation, match='receipt-matched'):
        reconcile.confirm([(receipt.code, world['p1'][1].code, None)], by=world['fin'])
    # A known account now points at the customer even without its name.
    index = reconcile.PlanIndex()
    found = index.candidates({'amount': Decimal('5'), 'matched_amount': 0, 'payer_account': '622200001111',
                              'payer_name': '别名', 'reference': '', 'currency': 'CNY'})
    assert found and found[0][2] == ['account'] and found[0][1]['id'] == world['p1'][1].id


def test_one_receipt_to_many_plans_and_many_receipts_to_one_plan(world):
    rows = [['交易日期', '对方户名', '金额', '摘要'],
            ['2026-03-02', '北方机械股份有限公司', '80000', '全款'],
            ['2026-03-02', '华东制造有限公司', '150000', '一部分'],
            ['2026-03-09', '华东制造有限公司', '150000', '余款']]
    reconcile.import_statement(rows)
    north, part1, part2 = BankReceipt.select().order_by(BankReceipt.id)
    p1a, p1b = world['p1']
    reconcile.confirm([(north, world['p2'][0], None), (north, world['p2'][1], None)], by=world['fin'])
    assert [PaymentPlan.get_by_id(p.id).status for p in world['p2']] == ['paid', 'paid']
    reconcile.confirm([(part1, p1a, None), (part1, p1b, '50000'), (part2, p1b, None)], by=world['fin'])
    assert PaymentPlan.get_by_id(p1b.id).paid_amount == Decimal('200000.00')
    assert [BankReceipt.get_by_id(r.id).status for r in (north, part1, part2)] == ['matched'] * 3
    assert list(reconcile.unmatched()) == []


def test_refusals_roll_back_the_whole_confirmation(world):
    reconcile.import_statement([['交易日期', '对方户名', '金额'], ['2026-03-02', 'x', '120000']])
    receipt = BankReceipt.get()
    with unchanged(BankReceipt, ReceiptMatch, Payment, PaymentPlan), pytest.raises(RuleViolation):
        # the first fits; the second would over-pay plan 1 of contract 2 (30,000 due)
        reconcile.confirm([(receipt, world['p1'][0], None), (receipt, world['p2'][0], '20000.01'),
                           (receipt, world['p2'][0], '10000')], by=world['fin'])
    sales = make_user('sales')
    with unchanged(BankReceipt, ReceiptMatch, Payment), pytest.raises(LTCError, match='may not match'):
        reconcile.confirm([(receipt, world['p1'][0], None)], by=sales)
    usd = [['交易日期', '对方户名', '金额', '币种'], ['2026-03-02', 'x', '100', 'USD']]
    reconcile.import_statement(usd)
    with pytest.raises(RuleViolation, match='payment-currency'):
        reconcile.confirm([(BankReceipt.get(BankReceipt.currency == 'USD'), world['p1'][1], None)], by=world['fin'])
    assert [r.code for r in reconcile.unmatched()] == [receipt.code, BankReceipt.get(BankReceipt.currency == 'USD').code]
