"""`flask ltc quote|contract|payment|receivables|reminders|jobs`: the whole quote-to-cash chain from the CLI."""
import datetime
import re
from decimal import Decimal

from ltc.models import AuditLog, CareTask, Contract, DeliveryMilestone, JobRun, Payment, PaymentPlan, Reminder
from ltc.services import quotes
from tests.factories import (make_contract, make_contract_line, make_customer, make_department, make_product,
                             make_user)

D = datetime.date


def _ok(runner, *args):
    result = runner.invoke(args=['ltc', *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_quote_to_cash_chain(runner, db):
    dept = make_department()
    seller, boss = make_user(department=dept, language='en'), make_user(role='manager', department=dept)
    quote = quotes.create_quote(make_customer(owner=seller), 'MES 项目', quoted_on=D(2026, 3, 1), owner=seller,
                                lines=[{'product': make_product(), 'quantity': 2, 'unit_price': '50000'}])
    out = _ok(runner, 'quote', 'accept', quote.code, '--user', seller.username, '--today', '2026-03-02')
    contract = Contract.get(Contract.quote == quote.id)
    assert f'contract draft {contract.code} amount 100000.00' in out
    _ok(runner, 'contract', 'submit', contract.code, '--user', seller.username)
    refused = runner.invoke(args=['ltc', 'contract', 'approve', contract.code, '--user', seller.username])
    assert refused.exit_code == 1 and 'contract-approver' in refused.output and 'Traceback' not in refused.output
    assert 'is now effective' in _ok(runner, 'contract', 'approve', contract.code, '--user', boss.username)
    _ok(runner, 'contract', 'activate', contract.code)
    out = _ok(runner, 'contract', 'milestone', contract.code, '终验', '--planned', '2026-05-01')
    milestone = DeliveryMilestone.get(DeliveryMilestone.contract == contract.id)
    out = _ok(runner, 'contract', 'plan', contract.code, '--split', '30,40,30',
              '--due', f'2026-03-31,2026-04-30,{milestone.code}')
    assert '30,000.00' in out and f'on acceptance of {milestone.code}' in out
    plans = list(PaymentPlan.select().order_by(PaymentPlan.sequence))
    _ok(runner, 'payment', 'record', contract.code, '30000', '--plan', plans[0].code, '--date', '2026-03-30')
    over = runner.invoke(args=['ltc', 'payment', 'record', contract.code, '50000', '--date', '2026-04-20'])
    assert over.exit_code == 1 and 'over-payment' in over.output and 'add --split' in over.output
    # the second instalment is paid late
    out = runner.invoke(args=['ltc', 'receivables', 'overdue', '--today', '2026-05-10'])
    assert out.exit_code == 1 and plans[1].code in out.output and '1 newly marked overdue' in out.output
    _ok(runner, 'payment', 'record', contract.code, '40000', '--date', '2026-05-12')
    _ok(runner, 'contract', 'accept-milestone', milestone.code, '--date', '2026-05-15')
    assert PaymentPlan.get_by_id(plans[2].id).due_on == D(2026, 6, 14)
    _ok(runner, 'payment', 'record', contract.code, '30000', '--date', '2026-06-01')
    assert [p.status for p in PaymentPlan.select().order_by(PaymentPlan.sequence)] == ['paid'] * 3
    assert _ok(runner, 'receivables', 'overdue', '--today', '2026-07-01').strip().endswith('0 overdue in all')
    assert 'is now completed' in _ok(runner, 'contract', 'complete', contract.code)
    assert CareTask.select().where(CareTask.contract == contract.id).count() == 1
    assert Payment.select().count() == 3
    assert AuditLog.select().where(AuditLog.source == 'cli', AuditLog.actor == boss.username).count() >= 2


def test_terminate_needs_reason_and_renew(runner, db):
    contract = Contract.create(code='HT-X', title='x', customer=make_customer(), amount=Decimal('0'))
    result = runner.invoke(args=['ltc', 'contract', 'terminate', 'HT-X'])
    assert result.exit_code == 2 and '--comment' in result.output
    _ok(runner, 'contract', 'terminate', 'HT-X', '--reason', 'duplicate entry')
    assert Contract.get_by_id(contract.id).status == 'terminated'
    missing = runner.invoke(args=['ltc', 'contract', 'submit', 'HT-NOPE'])
    assert missing.exit_code == 1 and 'no contract with code HT-NOPE' in missing.output


def test_renew_twice_exits_1_naming_the_renewal(runner, db):
    from tests.services.cashkit import live_contract
    contract = live_contract(end_on=D(2026, 12, 31))
    out = _ok(runner, 'contract', 'renew', contract.code, '--end', '2027-12-31')
    renewal = Contract.get(Contract.renewal_of == contract.id)
    assert f'renewal {renewal.code} of {contract.code} created as draft' in out
    again = runner.invoke(args=['ltc', 'contract', 'renew', contract.code, '--end', '2028-12-31'])
    assert again.exit_code == 1 and 'Traceback' not in again.output
    assert (f'Rule contract-renewed: contract {contract.code} was already renewed by {renewal.code} (draft)'
            in again.output)
    assert Contract.select().where(Contract.renewal_of == contract.id).count() == 1


def test_reminders_generate_list_and_mark_read(runner, db):
    from tests.services.cashkit import live_contract
    from ltc.services import receivables
    owner = make_user(language='en')
    contract = live_contract(owner=owner)
    receivables.set_plans(contract, [{'amount': contract.amount, 'due_on': D(2026, 3, 1)}])
    assert 'payment_overdue: 1' in _ok(runner, 'reminders', 'generate', '--today', '2026-03-10')
    assert 'payment_overdue: 0' in _ok(runner, 'reminders', 'generate', '--today', '2026-03-10')
    out = _ok(runner, 'reminders', 'list', '--user', owner.username, '--mark-read')
    assert 'overdue since 2026-03-01' in out and '1 unread' in out and '1 marked read' in out
    assert Reminder.get().read_at is not None
    assert '0 unread' in _ok(runner, 'reminders', 'list', '--user', owner.username, '--unread')


def test_jobs_list_and_run(runner, db):
    out = _ok(runner, 'jobs', 'list')
    assert 'mark_overdue' in out and 'daily 01:10' in out and 'never run' in out
    assert 'mark_overdue: {"overdue": 0}' in _ok(runner, 'jobs', 'run', 'mark_overdue', '--today', '2026-03-01')
    out = _ok(runner, 'jobs', 'list')
    assert 'last ' in out and ' ok (overdue=0)' in out
    assert JobRun.select().count() == 1
    bad = runner.invoke(args=['ltc', 'jobs', 'run', 'nope'])
    assert bad.exit_code == 1 and "no job 'nope'" in bad.output


def test_quote_create_care_plans_targets_dashboard(runner, db):
    import json
    from ltc.models import Quote
    from tests.services.cashkit import live_contract
    from ltc.services import care
    seller = make_user()
    customer, product = make_customer(owner=seller), make_product(list_price=Decimal('1000'))
    out = _ok(runner, 'quote', 'create', customer.code, '年度框架', '--line', f'{product.code}:3::10',
              '--line', f'{product.code}:1:500', '--date', '2026-03-01', '--valid-until', '2026-03-31',
              '--user', seller.username)
    assert 'subtotal 3500.00, discount 300.00, total 3200.00' in out
    assert Quote.get().owner_id == seller.id
    bad = runner.invoke(args=['ltc', 'quote', 'create', customer.code, 'x', '--line', 'nonsense'])
    assert bad.exit_code == 1 and 'PRODUCT:QTY' in bad.output
    task = care.schedule_return_visit(live_contract(owner=seller), after=D(2026, 4, 1))
    refused = runner.invoke(args=['ltc', 'care', 'done', task.code])
    assert refused.exit_code == 1 and 'satisfaction' in refused.output
    _ok(runner, 'care', 'done', task.code, '--satisfaction', '5')
    assert CareTask.get_by_id(task.id).satisfaction == 5
    assert 'birthday: 0, holiday: 0' in _ok(runner, 'care', 'generate', '--today', '2026-03-01')
    _ok(runner, 'product-plan', 'set', product.code, '2026-03', '10')
    coverage = runner.invoke(args=['ltc', 'product-plan', 'coverage', '2026-03'])
    assert coverage.exit_code == 1 and 'shortfall' in coverage.output
    _ok(runner, 'target', 'set', 'sales', '2026-03', '50000', '--user', seller.username)
    assert f'#1   {seller.username}' in _ok(runner, 'target', 'progress', '2026-03')
    data = json.loads(_ok(runner, 'dashboard', '--user', seller.username, '--today', '2026-03-15'))
    assert data['today'] == '2026-03-15' and data['target_progress']['items'][0]['name'] == seller.username


def test_cli_refusals_stay_english(runner, db):
    contract = make_contract(amount=Decimal('1000'))
    make_contract_line(contract=contract, quantity=1, unit_price=Decimal('900'), amount=Decimal('900'))
    refused = runner.invoke(args=['ltc', 'contract', 'submit', contract.code])
    assert refused.exit_code == 1 and (f'Rule contract-amount: contract {contract.code} amount 1000.00 does not '
                                       'equal the sum of its lines 900.00') in refused.output
    missing = runner.invoke(args=['ltc', 'contract', 'submit', 'HT-NOPE'])
    assert 'There is no contract with code HT-NOPE; check the code.' in missing.output
    assert not re.search(r'[\u4e00-\u9fff]', refused.output + missing.output)
