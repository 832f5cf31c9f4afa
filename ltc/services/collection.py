"""Collection: dunning levels on overdue plans, and the per-customer statement (对账单) whose balance is the ledger's.

Dunning goes up one level at a time — reminder, call, formal letter, escalation to the manager —
each step dated and signed; the escalation names the manager it went to (the plan owner's
manager, else a manager of the contract's department). A level may be repeated (a second call),
never skipped.
"""
from decimal import Decimal

from ..db import database
from ..models import (Contract, Customer, DunningStep, Invoice, Payment, PaymentPlan, Role, User)
from ..models.choices import DUNNING_LEVELS
from . import audit, gate, scope
from .cash_common import as_date, get_by_code, get_user, money, today_or
from .messages import invalid, refusal

OPEN = ('pending', 'partial', 'overdue')
LEVELS = list(DUNNING_LEVELS)


def current_level(plan):
    """Return the highest dunning level reached on PLAN, or None."""
    rows = [lvl for (lvl,) in DunningStep.select(DunningStep.level).where(DunningStep.plan == plan.id).tuples()]
    return max(rows, key=LEVELS.index) if rows else None


def _manager_for(plan, contract):
    owner = User.get_or_none(User.id == (plan.owner_id or contract.owner_id))
    if owner is not None and owner.manager_id:
        return owner.manager_id
    if contract.department_id:
        return (User.select(User.id).join(Role).where(Role.name == 'manager', User.active,
                                                      User.department == contract.department_id)
                .order_by(User.id).scalar())
    return None


def dun(plan, level=None, by=None, note=None, on=None):
    """Record a dunning step on an overdue PLAN: LEVEL (default: the next one), dated ON, by BY."""
    plan = get_by_code(PaymentPlan, plan)
    by = get_user(by)
    contract = Contract.get_by_id(plan.contract_id)
    gate.require(by, contract)
    if by is not None:
        gate.check_role(by, DunningStep, 'create')
    on = as_date(on, 'date', '日期') or today_or(None)
    with database.atomic():
        if plan.status not in OPEN or plan.due_on is None or plan.due_on >= on:
            raise refusal('Rule {rule}: plan {plan} is not overdue on {on} (due {due}, {status}); dunning is for '
                          'overdue plans.', '规则 {rule}：回款计划 {plan} 在 {on} 未逾期（到期日 {due}，{status}）；'
                          '只有逾期的回款计划才能催收。', rule='dunning-overdue', plan=plan.code, on=on,
                          due=plan.due_on, status=plan.status)
        reached = current_level(plan)
        allowed = LEVELS[:LEVELS.index(reached) + 2] if reached else LEVELS[:1]
        level = level or (allowed[-1] if reached != LEVELS[-1] else LEVELS[-1])
        if level not in DUNNING_LEVELS:
            raise invalid('Unknown dunning level {level!r}; use one of {choices}.', '未知的催收级别 {level!r}；请使用：{choices}。',
                          level=level, choices=', '.join(LEVELS))
        if level not in allowed:
            raise refusal('Rule {rule}: plan {plan} is at {reached}; the next level is {next}, not {level}.',
                          '规则 {rule}：回款计划 {plan} 当前催收级别为「{reached_zh}」；下一级是「{next_zh}」，不能直接到'
                          '「{level_zh}」。', rule='dunning-order', plan=plan.code, reached=reached or 'none',
                          next=allowed[-1], level=level, reached_zh=DUNNING_LEVELS.label(reached, 'zh') or '无',
                          next_zh=DUNNING_LEVELS.label(allowed[-1], 'zh'), level_zh=DUNNING_LEVELS.label(level, 'zh'))
        escalated = _manager_for(plan, contract) if level == 'escalation' else None
        if level == 'escalation' and escalated is None:
            raise refusal('Rule {rule}: nobody to escalate plan {plan} to: its owner has no manager and its contract\'s '
                          'department none; set the owner\'s manager first.',
                          '规则 {rule}：回款计划 {plan} 无人可升级：负责人没有上级，合同所属部门也没有经理；请先设置负责人的上级。',
                          rule='dunning-escalation', plan=plan.code)
        step = audit.save(DunningStep(plan=plan, level=level, done_on=on, done_by=by, escalated_to=escalated,
                                      note=(note or '')[:255] or None), action='dun')
        if escalated:
            from .reminders import add
            add(escalated, 'payment_overdue', 'PaymentPlan', plan.code, plan.due_on,
                {'name': contract.code, 'amount': f'{money(plan.amount) - money(plan.paid_amount):,.2f}'})
        return step


def steps_of(plan):
    """Return PLAN's dunning steps, oldest first."""
    return list(DunningStep.select().where(DunningStep.plan == plan.id).order_by(DunningStep.done_on, DunningStep.id))


def is_overdue(plan, on=None):
    """Return whether PLAN is open and past its due date on ON (default today): what dunning is for."""
    return plan.status in OPEN and plan.due_on is not None and plan.due_on < today_or(on)


def overdue_with_levels(today=None, user=None):
    """Return [(plan, level reached or None, days overdue)] of plans overdue on TODAY, oldest first."""
    today = today_or(today)
    query = (PaymentPlan.select().where(PaymentPlan.status.in_(OPEN), PaymentPlan.due_on < today)
             .order_by(PaymentPlan.due_on, PaymentPlan.id))
    if user is not None:
        query = scope.scoped(query, PaymentPlan, user)
    return [(p, current_level(p), (today - p.due_on).days) for p in query]


def statement(customer, on=None, user=None):
    """Return the statement (对账单) of CUSTOMER on ON: contracts, plans, invoices, payments and the balance.

    The balance is what the ledger says is still owed: the plans (void ones aside) less the
    payments recorded against them, per currency.
    """
    customer = get_by_code(Customer, customer)
    on = today_or(on)
    contracts = Contract.select().where(Contract.customer == customer.id,
                                        Contract.status.not_in(('draft', 'pending_approval')))
    if user is not None:
        contracts = scope.scoped(contracts, Contract, user)
    contracts = list(contracts.order_by(Contract.signed_on, Contract.id))
    ids = [c.id for c in contracts] or [0]
    plans = list(PaymentPlan.select().where(PaymentPlan.contract.in_(ids), PaymentPlan.status != 'void')
                 .order_by(PaymentPlan.contract, PaymentPlan.sequence))
    payments = list(Payment.select().where(Payment.contract.in_(ids), Payment.received_on <= on)
                    .order_by(Payment.received_on, Payment.id))
    invoices = list(Invoice.select().where(Invoice.contract.in_(ids)).order_by(Invoice.issued_on, Invoice.id))
    balance = {}
    for plan in plans:
        balance[plan.currency] = balance.get(plan.currency, Decimal('0')) + money(plan.amount)
    for pay in payments:
        if pay.plan_id is None or any(p.id == pay.plan_id for p in plans):
            balance[pay.currency] = balance.get(pay.currency, Decimal('0')) - money(pay.amount)
    overdue = {}
    for plan in plans:
        if plan.status in OPEN and plan.due_on and plan.due_on < on:
            overdue[plan.currency] = overdue.get(plan.currency, Decimal('0')) + money(plan.amount) - money(plan.paid_amount)
    return {'customer': customer, 'on': on, 'contracts': contracts, 'plans': plans, 'payments': payments,
            'invoices': invoices, 'balance': {k: money(v) for k, v in balance.items()},
            'overdue': {k: money(v) for k, v in overdue.items()},
            'levels': {p.id: current_level(p) for p in plans}}


def ledger_balance(customer):
    """Return {currency: plans less paid} of CUSTOMER straight from the plans (the check of the statement)."""
    out = {}
    rows = (PaymentPlan.select(PaymentPlan.currency, PaymentPlan.amount, PaymentPlan.paid_amount)
            .join(Contract, on=(PaymentPlan.contract == Contract.id))
            .where(Contract.customer == get_by_code(Customer, customer).id, PaymentPlan.status != 'void',
                   Contract.status.not_in(('draft', 'pending_approval'))).tuples())
    for currency, amount, paid in rows:
        out[currency] = money(out.get(currency, Decimal('0')) + money(amount) - money(paid))
    return out

