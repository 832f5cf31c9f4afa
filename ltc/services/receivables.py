"""Receivables: payment plans per contract, payments against them, overdue marking and aging."""
import datetime
from decimal import Decimal

from peewee import Case, fn

from ..db import database, utcnow
from ..errors import RuleViolation, ValidationError
from ..models import Contract, DeliveryMilestone, Payment, PaymentPlan
from ..models.choices import PAYMENT_METHODS
from . import audit, scope
from .cash_common import as_date, get_by_code, get_user, money, setting_int, today_or

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
            raise RuleViolation(
                f'Rule plan-status: contract {contract.code} is {contract.status}; payment plans can '
                f'only be set while it is draft, pending approval, effective or executing.', rule='plan-status')
        paid = Payment.select().where(Payment.contract == contract.id).count()
        if paid:
            raise RuleViolation(
                f'Rule plan-paid: contract {contract.code} already has {paid} payment(s); its plans can '
                f'no longer be replaced.', rule='plan-paid')
        if not instalments:
            raise ValidationError(f'Give at least one instalment for contract {contract.code}.')
        rows = [_instalment(contract, n, item) for n, item in enumerate(instalments, 1)]
        _check_sum(contract, sum((r.amount for r in rows), Decimal('0')))
        for old in PaymentPlan.select().where(PaymentPlan.contract == contract.id):
            audit.delete(old, note='replaced')
        for row in rows:
            audit.save(row)
        return rows


def _check_sum(contract, total):
    if total != money(contract.amount):
        raise RuleViolation(
            f'Rule plan-sum: the payment plans of contract {contract.code} sum to {total} but the '
            f'contract amount is {money(contract.amount)}; make the instalments add up to the amount.',
            rule='plan-sum', plans=str(total), amount=str(money(contract.amount)))


def check_plan_sum(contract):
    """Refuse unless the contract's payment plans (if any, void ones aside) sum to its amount."""
    plans = list(PaymentPlan.select(PaymentPlan.amount).where(PaymentPlan.contract == contract.id,
                                                              PaymentPlan.status != 'void'))
    if plans:
        _check_sum(contract, sum((money(p.amount) for p in plans), Decimal('0')))


def _instalment(contract, sequence, item):
    amount = money(item['amount'])
    if amount <= 0:
        raise ValidationError(f'Instalment {sequence} of contract {contract.code} must be above zero, got {amount}.')
    milestone = item.get('milestone')
    if milestone is not None:
        milestone = get_by_code(DeliveryMilestone, milestone)
        if milestone.contract_id != contract.id:
            raise ValidationError(
                f'Milestone {milestone.code} belongs to another contract; choose one of {contract.code}.')
        due_on = None
        if milestone.status == 'accepted' and milestone.accepted_on:
            from .contracts import TERMS_DAYS_SETTING
            due_on = milestone.accepted_on + datetime.timedelta(days=setting_int(TERMS_DAYS_SETTING, 30))
    else:
        due_on = as_date(item.get('due_on'), f'instalment {sequence} due date')
        if due_on is None:
            raise ValidationError(
                f'Instalment {sequence} of contract {contract.code} needs a due date or a milestone.')
    return PaymentPlan(contract=contract, sequence=sequence, amount=amount, due_on=due_on,
                       trigger='milestone' if milestone else 'date', milestone=milestone,
                       currency=contract.currency, owner=contract.owner_id)


def split_amounts(total, percents):
    """Split TOTAL by PERCENTS (summing to 100) into cents; the last share takes the rounding."""
    percents = [Decimal(str(p)) for p in percents]
    if sum(percents) != 100 or any(p <= 0 for p in percents):
        raise ValidationError(
            f'The split {",".join(str(p) for p in percents)} must be positive percentages adding up to 100.')
    amounts = [money(money(total) * p / 100) for p in percents[:-1]]
    return amounts + [money(total) - sum(amounts, Decimal('0'))]


def plan_by_split(contract, percents, dues, by=None):
    """Set plans splitting the contract amount by PERCENTS; each DUE is a date or a milestone code."""
    amounts = split_amounts(contract.amount, percents)
    dues = list(dues or [])
    if len(dues) != len(amounts):
        raise ValidationError(
            f'The split has {len(amounts)} instalments but {len(dues)} due dates or milestones were '
            f'given; give one per instalment.')
    instalments = []
    for amount, due in zip(amounts, dues):
        is_date = isinstance(due, datetime.date) or str(due)[:1].isdigit()
        instalments.append({'amount': amount, 'due_on' if is_date else 'milestone': due})
    return set_plans(contract, instalments, by=by)


def record_payment(contract, amount, plan=None, received_on=None, method='bank_transfer',
                   reference=None, by=None, split=False, today=None):
    """Record a payment against PLAN (default: the earliest open plan); split the excess only when asked."""
    contract = get_by_code(Contract, contract)
    by = get_user(by)
    amount = money(amount)
    received_on = today_or(received_on)
    today = today_or(today) if today else max(received_on, datetime.date.today())
    if method not in PAYMENT_METHODS:
        raise ValidationError(f"Unknown payment method {method!r}; use one of {', '.join(PAYMENT_METHODS)}.")
    if amount <= 0:
        raise ValidationError(f'A payment must be above zero, got {amount}.')
    with database.atomic():
        if contract.status not in PAYABLE:
            raise RuleViolation(
                f'Rule payment-contract: contract {contract.code} is {contract.status}; payments are '
                f'recorded only on effective, executing, completed or expired contracts.',
                rule='payment-contract')
        open_plans = list(PaymentPlan.select().where(PaymentPlan.contract == contract.id,
                                                     PaymentPlan.status.in_(OPEN))
                          .order_by(PaymentPlan.sequence, PaymentPlan.id))
        if plan is not None:
            plan = get_by_code(PaymentPlan, plan)
            if plan.contract_id != contract.id:
                raise ValidationError(f'Plan {plan.code} belongs to another contract; choose one of {contract.code}.')
            if plan.status not in OPEN:
                raise RuleViolation(f'Rule plan-open: plan {plan.code} is {plan.status}; record the payment '
                                    f'against an open plan.', rule='plan-open')
            open_plans = [p for p in open_plans if p.id == plan.id] + \
                [p for p in open_plans if (p.sequence, p.id) > (plan.sequence, plan.id)]
        if not open_plans:
            raise RuleViolation(f'Rule plan-open: contract {contract.code} has no open payment plan; '
                                f'set its payment plans first.', rule='plan-open')
        first = open_plans[0]
        first_due = money(first.amount) - money(first.paid_amount)
        if amount > first_due and not split:
            raise RuleViolation(
                f'Rule over-payment: {amount} exceeds the {first_due} still due on plan {first.code}; '
                f'record at most {first_due}, or split the excess across the later plans (--split).',
                rule='over-payment')
        outstanding = sum((money(p.amount) - money(p.paid_amount) for p in open_plans), Decimal('0'))
        if amount > outstanding:
            raise RuleViolation(
                f'Rule over-payment: {amount} exceeds the {outstanding} still due on plan {first.code} '
                f'and the later plans of contract {contract.code}; record at most {outstanding}.',
                rule='over-payment')
        payments, left = [], amount
        for target in open_plans:
            if left <= 0:
                break
            share = min(left, money(target.amount) - money(target.paid_amount))
            payments.append(audit.save(Payment(contract=contract, plan=target, received_on=received_on,
                                               amount=share, currency=contract.currency, method=method,
                                               reference=reference, recorded_by=by)))
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
    """Return [{bucket, count, amount}] of overdue outstanding amounts by days past due."""
    today = today_or(today)
    outstanding = PaymentPlan.amount - PaymentPlan.paid_amount
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
