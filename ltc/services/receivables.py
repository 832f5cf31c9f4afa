"""Receivables: payment plans per contract, payments against them, overdue marking and aging."""
import datetime
from decimal import Decimal

from peewee import Case, fn

from ..db import database, utcnow
from ..models import Contract, DeliveryMilestone, Payment, PaymentPlan
from ..models.choices import PAYMENT_METHODS
from . import audit, scope
from .cash_common import as_date, get_by_code, get_user, money, setting_int, status_zh, today_or
from .messages import invalid, refusal

OPEN = ('pending', 'partial', 'overdue')
PLANNABLE = ('draft', 'pending_approval', 'effective', 'executing')
PAYABLE = ('effective', 'executing', 'completed', 'expired')
AGING_BUCKETS = (('0-30', 0, 30), ('31-60', 31, 60), ('61-90', 61, 90), ('>90', 91, None))


def plan_status(plan, today=None):
    """Return the status PLAN should have on TODAY from its amount, paid amount and due date."""
    if plan.status == 'void':
        return 'void'
    if money(plan.paid_amount) >= money(plan.amount):
        return 'paid'
    if plan.due_on is not None and plan.due_on < today_or(today):
        return 'overdue'
    return 'partial' if plan.paid_amount > 0 else 'pending'


def set_plans(contract, instalments, by=None):
    """Replace the contract's payment plans; INSTALMENTS are dicts of amount and due_on or milestone."""
    with database.atomic():
        if contract.status not in PLANNABLE:
            raise refusal('Rule {rule}: contract {code} is {status}; payment plans can only be set while it is '
                          'draft, pending approval, effective or executing.',
                          '规则 {rule}：合同 {code} 当前状态为「{status_zh}」；只有草稿、审批中、已生效或执行中的合同'
                          '才能设置回款计划。', rule='plan-status', code=contract.code, status=contract.status,
                          status_zh=status_zh('contract', contract.status))
        paid = Payment.select().where(Payment.contract == contract.id).count()
        if paid:
            raise refusal('Rule {rule}: contract {code} already has {paid} payment(s); its plans can no longer '
                          'be replaced.', '规则 {rule}：合同 {code} 已有 {paid} 笔回款；其回款计划不能再替换。',
                          rule='plan-paid', code=contract.code, paid=paid)
        if not instalments:
            raise invalid('Give at least one instalment for contract {code}.', '请为合同 {code} 至少设置一期回款。',
                          code=contract.code)
        rows = [_instalment(contract, n, item) for n, item in enumerate(instalments, 1)]
        _check_sum(contract, sum((r.amount for r in rows), Decimal('0')))
        for old in PaymentPlan.select().where(PaymentPlan.contract == contract.id):
            audit.delete(old, note='replaced')
        for row in rows:
            audit.save(row)
        return rows


def _check_sum(contract, total):
    if total != money(contract.amount):
        raise refusal('Rule {rule}: the payment plans of contract {code} sum to {plans} but the contract amount '
                      'is {amount}; make the instalments add up to the amount.',
                      '规则 {rule}：合同 {code} 的回款计划合计 {plans}，但合同金额为 {amount}；请使各期金额之和等于合同金额。',
                      rule='plan-sum', code=contract.code, plans=total, amount=money(contract.amount))


def check_plan_sum(contract):
    """Refuse unless the contract's payment plans (if any, void ones aside) sum to its amount."""
    plans = list(PaymentPlan.select(PaymentPlan.amount).where(PaymentPlan.contract == contract.id,
                                                              PaymentPlan.status != 'void'))
    if plans:
        _check_sum(contract, sum((money(p.amount) for p in plans), Decimal('0')))


def _instalment(contract, sequence, item):
    amount = money(item['amount'])
    if amount <= 0:
        raise invalid('Instalment {sequence} of contract {code} must be above zero, got {amount}.',
                      '合同 {code} 第 {sequence} 期回款金额必须大于零，当前为 {amount}。',
                      sequence=sequence, code=contract.code, amount=amount)
    milestone = item.get('milestone')
    if milestone is not None:
        milestone = get_by_code(DeliveryMilestone, milestone)
        if milestone.contract_id != contract.id:
            raise invalid('Milestone {milestone} belongs to another contract; choose one of {code}.',
                          '里程碑 {milestone} 属于其他合同；请选择合同 {code} 的里程碑。',
                          milestone=milestone.code, code=contract.code)
        due_on = None
        if milestone.status == 'accepted' and milestone.accepted_on:
            from .contracts import TERMS_DAYS_SETTING
            due_on = milestone.accepted_on + datetime.timedelta(days=setting_int(TERMS_DAYS_SETTING, 30))
    else:
        due_on = as_date(item.get('due_on'), f'instalment {sequence} due date', f'第 {sequence} 期到期日')
        if due_on is None:
            raise invalid('Instalment {sequence} of contract {code} needs a due date or a milestone.',
                          '合同 {code} 第 {sequence} 期回款需要到期日或里程碑。', sequence=sequence, code=contract.code)
    return PaymentPlan(contract=contract, sequence=sequence, amount=amount, due_on=due_on,
                       trigger='milestone' if milestone else 'date', milestone=milestone,
                       currency=contract.currency, owner=contract.owner_id)


def split_amounts(total, percents):
    """Split TOTAL by PERCENTS (summing to 100) into cents; the last share takes the rounding."""
    percents = [Decimal(str(p)) for p in percents]
    if sum(percents) != 100 or any(p <= 0 for p in percents):
        raise invalid('The split {split} must be positive percentages adding up to 100.',
                      '分期比例 {split} 必须都是正数且合计为 100。', split=','.join(str(p) for p in percents))
    amounts = [money(money(total) * p / 100) for p in percents[:-1]]
    return amounts + [money(total) - sum(amounts, Decimal('0'))]


def plan_by_split(contract, percents, dues, by=None):
    """Set plans splitting the contract amount by PERCENTS; each DUE is a date or a milestone code."""
    amounts = split_amounts(contract.amount, percents)
    dues = list(dues or [])
    if len(dues) != len(amounts):
        raise invalid('The split has {instalments} instalments but {dues} due dates or milestones were given; '
                      'give one per instalment.',
                      '分期共 {instalments} 期，但给出了 {dues} 个到期日或里程碑；请每期给出一个。',
                      instalments=len(amounts), dues=len(dues))
    instalments = []
    for amount, due in zip(amounts, dues):
        is_date = isinstance(due, datetime.date) or str(due)[:1].isdigit()
        instalments.append({'amount': amount, 'due_on' if is_date else 'milestone': due})
    return set_plans(contract, instalments, by=by)


def record_payment(contract, amount, plan=None, received_on=None, method='bank_transfer',
                   reference=None, by=None, split=False, today=None, currency=None):
    """Record a payment against PLAN (default: the earliest open plan); split the excess only when asked.

    A payment in another CURRENCY than the contract's is converted at the rate of the day it was
    received (and refused without one); the payment keeps what came in as its original amount.
    """
    contract = get_by_code(Contract, contract)
    by = get_user(by)
    amount = money(amount)
    received_on = today_or(received_on)
    original = None
    if currency and currency != contract.currency:
        from .rates import convert
        original = (amount, currency)
        amount = convert(amount, currency, contract.currency, received_on)
    today = today_or(today) if today else max(received_on, datetime.date.today())
    if method not in PAYMENT_METHODS:
        raise invalid('Unknown payment method {method!r}; use one of {choices}.',
                      '未知的付款方式 {method!r}；请使用以下之一：{choices}。',
                      method=method, choices=', '.join(PAYMENT_METHODS))
    if amount <= 0:
        raise invalid('A payment must be above zero, got {amount}.', '回款金额必须大于零，当前为 {amount}。',
                      amount=amount)
    from . import gate
    if by is not None:   # finance, ops or an admin, on a contract inside their scope
        gate.check_role(by, Payment, 'create')
        gate.require(by, contract)
    with database.atomic():
        if contract.status not in PAYABLE:
            raise refusal('Rule {rule}: contract {code} is {status}; payments are recorded only on effective, '
                          'executing, completed or expired contracts.',
                          '规则 {rule}：合同 {code} 当前状态为「{status_zh}」；只能对已生效、执行中、已完成或已过期的合同'
                          '登记回款。', rule='payment-contract', code=contract.code, status=contract.status,
                          status_zh=status_zh('contract', contract.status))
        open_plans = list(PaymentPlan.select().where(PaymentPlan.contract == contract.id,
                                                     PaymentPlan.status.in_(OPEN))
                          .order_by(PaymentPlan.sequence, PaymentPlan.id))
        if plan is not None:
            plan = get_by_code(PaymentPlan, plan)
            if plan.contract_id != contract.id:
                raise invalid('Plan {plan} belongs to another contract; choose one of {code}.',
                              '回款计划 {plan} 属于其他合同；请选择合同 {code} 的回款计划。',
                              plan=plan.code, code=contract.code)
            if plan.status not in OPEN:
                raise refusal('Rule {rule}: plan {plan} is {status}; record the payment against an open plan.',
                              '规则 {rule}：回款计划 {plan} 当前状态为「{status_zh}」；请针对未结清的回款计划登记回款。',
                              rule='plan-open', plan=plan.code, status=plan.status,
                              status_zh=status_zh('payment plan', plan.status))
            open_plans = [p for p in open_plans if p.id == plan.id] + \
                [p for p in open_plans if (p.sequence, p.id) > (plan.sequence, plan.id)]
        if not open_plans:
            raise refusal('Rule {rule}: contract {code} has no open payment plan; set its payment plans first.',
                          '规则 {rule}：合同 {code} 没有未结清的回款计划；请先设置回款计划。',
                          rule='plan-open', code=contract.code)
        first = open_plans[0]
        first_due = money(first.amount) - money(first.paid_amount)
        if amount > first_due and not split:
            # Neutral wording (the web form and the CLI both show it); the CLI adds its --split hint.
            raise refusal('Rule {rule}: {amount:,} exceeds the {due:,} still due on plan {plan}; record at most '
                          '{due:,} against it, and the rest as another payment against the next plan.',
                          '规则 {rule}：{amount:,} 超过回款计划 {plan} 尚欠的 {due:,}；请对该期最多登记 {due:,}，'
                          '其余金额另行登记到下一期。',
                          rule='over-payment', amount=amount, due=first_due, plan=first.code, split=True)
        outstanding = sum((money(p.amount) - money(p.paid_amount) for p in open_plans), Decimal('0'))
        if amount > outstanding:
            raise refusal('Rule {rule}: {amount:,} exceeds the {due:,} still due on plan {plan} and the later plans '
                          'of contract {code}; record at most {due:,}.',
                          '规则 {rule}：{amount:,} 超过合同 {code} 的回款计划 {plan} 及后续各期尚欠的 {due:,}；最多登记 {due:,}。',
                          rule='over-payment', amount=amount, due=outstanding, plan=first.code, code=contract.code)
        payments, left = [], amount
        for target in open_plans:
            if left <= 0:
                break
            share = min(left, money(target.amount) - money(target.paid_amount))
            kept = {}
            if original is not None:   # the share of what came in, in its own currency
                kept = {'original_currency': original[1],
                        'original_amount': original[0] if share == amount else money(original[0] * share / amount)}
            payments.append(audit.save(Payment(contract=contract, plan=target, received_on=received_on,
                                               amount=share, currency=contract.currency, method=method,
                                               reference=reference, recorded_by=by, **kept)))
            target.paid_amount = money(target.paid_amount) + share
            target.status = plan_status(target, today)
            audit.save(target, action='payment')
            left -= share
        return payments


def mark_overdue(today=None):
    """Mark open plans past their due date as overdue; return how many changed."""
    today = today_or(today)
    with database.atomic():
        query = PaymentPlan.select(PaymentPlan.id, PaymentPlan.code, PaymentPlan.status).where(
            PaymentPlan.status.in_(('pending', 'partial')), PaymentPlan.due_on < today,
            PaymentPlan.paid_amount < PaymentPlan.amount)
        rows = list(query.tuples())
        if rows:
            ids = [r[0] for r in rows]
            for start in range(0, len(ids), 500):
                (PaymentPlan.update(status='overdue', version=PaymentPlan.version + 1,
                                    updated_at=utcnow())
                 .where(PaymentPlan.id.in_(ids[start:start + 500])).execute())
            audit.record_many([('PaymentPlan', code, 'overdue', {'status': [status, 'overdue']})
                               for _, code, status in rows])
        return len(rows)


def overdue_plans(today=None, user=None):
    """Return open plans past their due date, oldest first (scoped to USER when given)."""
    query = PaymentPlan.select().where(PaymentPlan.status.in_(OPEN),
                                       PaymentPlan.due_on < today_or(today)).order_by(PaymentPlan.due_on)
    return scope.scoped(query, PaymentPlan, user) if user is not None else query


def aging(today=None, user=None):
    """Return [{bucket, count, amount}] of overdue outstanding amounts by days past due, in the base currency."""
    from . import rates
    today = today_or(today)
    outstanding = rates.in_base(PaymentPlan.amount - PaymentPlan.paid_amount, PaymentPlan.currency, today)
    columns = []
    for name, low, high in AGING_BUCKETS:
        cond = PaymentPlan.due_on <= today - datetime.timedelta(days=max(low, 1))
        if high is not None:
            cond &= PaymentPlan.due_on >= today - datetime.timedelta(days=high)
        columns += [fn.SUM(Case(None, [(cond, 1)], 0)).alias(f'n{low}'),
                    fn.SUM(Case(None, [(cond, outstanding)], 0)).alias(f'a{low}')]
    query = PaymentPlan.select(*columns).where(PaymentPlan.status.in_(OPEN), PaymentPlan.due_on < today)
    if user is not None:
        query = scope.scoped(query, PaymentPlan, user)
    row = query.dicts().get()
    return [{'bucket': name, 'count': int(row[f'n{low}'] or 0), 'amount': float(money(row[f'a{low}'] or 0))}
            for name, low, _ in AGING_BUCKETS]
