"""Quote-to-cash refusals carry natural Chinese beside the unchanged English, figures and codes included."""
import datetime
import re
from decimal import Decimal

import pytest

from ltc.errors import LTCError, NotFound
from ltc.models import Contract, Quote, Reminder
from ltc.services import care, contracts, planning, quotes, receivables, reminders, users
from ltc.services.cash_common import get_by_code, money
from ltc.services.messages import text
from ltc.sync.gsheets import ops as gsheets_ops
from tests.factories import make_contract, make_contract_line, make_customer, make_product, make_user
from tests.services.cashkit import live_contract

D = datetime.date
CJK = re.compile(r'[\u4e00-\u9fff]')


def chinese(call, *figures, error=LTCError):
    """Run CALL, expecting ERROR; return its Chinese text after checking it holds every FIGURE."""
    with pytest.raises(error) as caught:
        call()
    zh, en = text(caught.value, 'zh_Hans_CN'), str(caught.value)
    assert CJK.search(zh) and not CJK.search(en), (zh, en)
    assert text(caught.value, 'en') == en
    for figure in figures:
        assert figure in zh and figure in en, (figure, zh)
    return zh


def test_lookups_and_status_flow_in_chinese(db):
    zh = chinese(lambda: get_by_code(Contract, 'HT-NOPE'), 'HT-NOPE', error=NotFound)
    assert zh == '不存在编号为 HT-NOPE 的合同；请检查编号。'
    zh = chinese(lambda: money('abc'), "'abc'")
    quote = quotes.create_quote(make_customer(), 'MES', quoted_on=D(2026, 3, 1),
                                lines=[{'product': make_product(), 'quantity': 1, 'unit_price': '100'}])
    quotes.reject_quote(quote)
    zh = chinese(lambda: quotes.send_quote(Quote.get_by_id(quote.id)), quote.code, 'status-flow')
    assert zh.startswith('规则 status-flow：报价单') and '「已拒绝」' in zh and '只有状态为「草稿」或「已批准」时才能发送' in zh


def test_quote_refusals_in_chinese(db):
    quote = quotes.create_quote(make_customer(), 'MES', quoted_on=D(2026, 3, 1), valid_until=D(2026, 3, 10))
    zh = chinese(lambda: quotes.accept_quote(quote, today=D(2026, 3, 20)), quote.code, '2026-03-10')
    assert zh.startswith('规则 quote-validity：') and '延长有效期' in zh
    assert '没有明细' in chinese(lambda: quotes.send_quote(quote), quote.code, 'quote-lines')
    product = make_product()
    assert '折扣' in chinese(lambda: quotes.add_line(quote, product, discount_pct=120), product.code, '120')


def test_contract_refusals_in_chinese(db):
    contract = make_contract(amount=Decimal('1000'))
    make_contract_line(contract=contract, quantity=2, unit_price=Decimal('450'), amount=Decimal('900'))
    zh = chinese(lambda: contracts.submit(contract), contract.code, '1000.00', '900.00')
    assert zh.startswith('规则 contract-amount：合同') and '不一致' in zh
    seller = make_user(role='sales')
    zh = chinese(lambda: contracts.approve(contract, seller), seller.username)
    assert '「销售」' in zh and '销售经理或管理员' in zh
    assert '原因' in chinese(lambda: contracts.terminate(contract, reason=''), contract.code)


def test_receivable_refusals_in_chinese(db):
    contract = live_contract(amount='1000')
    zh = chinese(lambda: receivables.set_plans(contract, [{'amount': 300, 'due_on': D(2026, 3, 1)}]),
                 contract.code, '300.00', '1000.00')
    assert zh.startswith('规则 plan-sum：') and '回款计划合计 300.00' in zh
    receivables.set_plans(contract, [{'amount': 400, 'due_on': D(2026, 3, 1)},
                                     {'amount': 600, 'due_on': D(2026, 6, 1)}])
    zh = chinese(lambda: receivables.record_payment(contract, 500, received_on=D(2026, 2, 1)), '500.00', '400.00')
    assert zh.startswith('规则 over-payment：') and '其余金额另行登记到下一期' in zh and '--split' not in zh
    zh = chinese(lambda: receivables.record_payment(contract, 1500, split=True, received_on=D(2026, 2, 1)),
                 '1,500.00', '1,000.00', contract.code)
    assert '后续各期' in zh
    draft = make_contract(amount=Decimal('10'))
    zh = chinese(lambda: receivables.record_payment(draft, 10), draft.code, 'payment-contract')
    assert '「草稿」' in zh
    assert '合计为 100' in chinese(lambda: receivables.split_amounts(Decimal('10'), [50, 40]), '50,40')


def test_care_planning_and_reminder_refusals_in_chinese(db):
    task = care.schedule_return_visit(live_contract(), after=D(2026, 4, 1))
    assert '回访需要' in chinese(lambda: care.complete_task(task), '1', '5')
    care.cancel_task(task, 'asked not to be called')
    zh = chinese(lambda: care.complete_task(task, satisfaction=4), task.code, 'care-open')
    assert '「已取消」' in zh and '只有待办任务才能完成' in zh
    assert '月份' in chinese(lambda: planning.month_range('2026/03'), "'2026/03'")
    assert '目标类型' in chinese(lambda: planning.set_target('bogus', '2026-03', 1, user=make_user()), "'bogus'")
    owner, other = make_user(), make_user()
    mine = Reminder.create(user=owner, kind='followup_due', entity='Lead', entity_code='XS-1',
                           message='x', due_on=D(2026, 5, 1), dedupe_key='k1')
    zh = chinese(lambda: reminders.mark_read(other, [mine.code]), mine.code, 'reminder-owner')
    assert '属于其他用户' in zh


def test_user_and_sheet_refusals_in_chinese(db):
    assert '密码太短' in chinese(lambda: users.create_user('amy', 'sales', 'short'), '10')
    assert '不存在用户' in chinese(lambda: users.set_password('ghost', 'long-enough-pass'), "'ghost'", error=NotFound)
    assert '表格地址' in chinese(lambda: gsheets_ops.extract_key('not a key!'), "'not a key!'")
