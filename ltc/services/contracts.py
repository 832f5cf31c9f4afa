"""Contracts: approval flow, amount against lines, expiry, renewals and delivery milestones."""
import datetime
from decimal import Decimal

from peewee import fn

from ..db import database, utcnow
from ..errors import RuleViolation, ValidationError
from ..models import (Contract, ContractApproval, ContractLine, DeliveryMilestone, PaymentPlan)
from . import audit
from .cash_common import as_date, get_user, money, require_status, setting_int, today_or

LIVE = ('effective', 'executing')
EXPIRY_DAYS_SETTING = 'contracts.expiry_reminder_days'
TERMS_DAYS_SETTING = 'receivables.milestone_terms_days'


def lines_total(contract):
    """Return the sum of the contract's line amounts."""
    total = (ContractLine.select(fn.SUM(ContractLine.amount))
             .where(ContractLine.contract == contract.id).scalar())
    return money(total or 0)


def check_amount(contract):
    """Refuse unless the contract amount equals the sum of its lines."""
    count = ContractLine.select().where(ContractLine.contract == contract.id).count()
    if not count:
        raise RuleViolation(
            f'Rule contract-lines: contract {contract.code} has no lines; add its products first.',
            rule='contract-lines')
    total = lines_total(contract)
    if money(contract.amount) != total:
        raise RuleViolation(
            f'Rule contract-amount: contract {contract.code} amount {money(contract.amount)} does not '
            f'equal the sum of its lines {total}; correct the amount or the lines.',
            rule='contract-amount', amount=str(contract.amount), lines=str(total))


def add_line(contract, product, quantity=1, unit_price=None, delivery_on=None, description=None):
    """Add a line to a draft contract; the amount is quantity × unit price."""
    with database.atomic():
        require_status(contract, ('draft',), 'changing its lines')
        quantity = Decimal(str(quantity))
        if quantity <= 0:
            raise ValidationError(f'The quantity of {product.code} must be above zero, got {quantity}.')
        unit_price = product.list_price if unit_price is None else money(unit_price)
        return audit.save(ContractLine(contract=contract, product=product, quantity=quantity,
                                       unit_price=unit_price, amount=money(quantity * unit_price),
                                       delivery_on=as_date(delivery_on), description=description))


def _transition(contract, allowed, status, action, note=None, **fields):
    require_status(contract, allowed, action)
    contract.status = status
    for name, value in fields.items():
        setattr(contract, name, value)
    return audit.save(contract, action=action.split()[0], note=note)


def submit(contract, by=None):
    """Send a draft contract for approval; its amount must equal its lines."""
    by = get_user(by)
    with database.atomic():
        require_status(contract, ('draft',), 'submit')
        check_amount(contract)
        step = (ContractApproval.select(fn.MAX(ContractApproval.step))
                .where(ContractApproval.contract == contract.id).scalar() or 0) + 1
        audit.save(ContractApproval(contract=contract, step=step, decision='pending',
                                    comment=f'submitted by {by.username}' if by else None))
        return _transition(contract, ('draft',), 'pending_approval', 'submit')


def _pending_approval(contract):
    return (ContractApproval.select().where(ContractApproval.contract == contract.id,
                                            ContractApproval.decision == 'pending')
            .order_by(ContractApproval.step.desc()).first())


def _decide(contract, by, decision, comment):
    by = get_user(by)
    if by is None:
        raise ValidationError('An approval needs the approving user; pass --user.')
    if by.role.name not in ('admin', 'manager'):
        raise RuleViolation(
            f'Rule contract-approver: {by.username} is {by.role.name}; only a manager or an admin '
            f'may approve or reject contracts.', rule='contract-approver')
    action = {'approved': 'approve', 'rejected': 'reject'}[decision]
    require_status(contract, ('pending_approval',), action)
    approval = _pending_approval(contract)
    approval.approver, approval.decision = by, decision
    approval.decided_at, approval.comment = utcnow(), comment or approval.comment
    audit.save(approval, action=action)
    return by, approval


def approve(contract, by, comment=None):
    """Approve a contract pending approval: it becomes effective, with approver and time."""
    with database.atomic():
        by, approval = _decide(contract, by, 'approved', comment)
        check_amount(contract)
        return _transition(contract, ('pending_approval',), 'effective', 'approve',
                           approved_by=by, approved_at=approval.decided_at,
                           signed_on=contract.signed_on or approval.decided_at.date())


def reject(contract, by, comment=None):
    """Reject a contract pending approval: it goes back to draft with the reason recorded."""
    with database.atomic():
        _decide(contract, by, 'rejected', comment)
        return _transition(contract, ('pending_approval',), 'draft', 'reject', note=comment)


def activate(contract, by=None):
    """Start executing an effective contract."""
    with database.atomic():
        return _transition(contract, ('effective',), 'executing', 'activate')


def complete(contract, by=None):
    """Complete an executing contract; every delivery milestone must be accepted."""
    with database.atomic():
        require_status(contract, ('executing',), 'complete')
        open_ms = (DeliveryMilestone.select().where(DeliveryMilestone.contract == contract.id,
                                                    DeliveryMilestone.status != 'accepted').count())
        if open_ms:
            raise RuleViolation(
                f'Rule contract-delivery: contract {contract.code} has {open_ms} delivery milestone(s) '
                f'not yet accepted; accept them before completing it.', rule='contract-delivery')
        return _transition(contract, ('executing',), 'completed', 'complete')


def terminate(contract, by=None, reason=None):
    """Terminate a contract before its end; its unpaid payment plans become void."""
    if not (reason or '').strip():
        raise ValidationError(f'Terminating contract {contract.code} needs a reason; pass --reason.')
    with database.atomic():
        require_status(contract, ('draft', 'pending_approval') + LIVE, 'terminate')
        _void_open_plans(contract, reason)
        return _transition(contract, ('draft', 'pending_approval') + LIVE, 'terminated', 'terminate',
                           note=reason)


def _void_open_plans(contract, reason):
    plans = PaymentPlan.select().where(PaymentPlan.contract == contract.id,
                                       PaymentPlan.status.not_in(('paid', 'void')))
    for plan in plans:
        plan.status = 'void'
        audit.save(plan, action='void', note=reason)


def mark_expired(today=None):
    """Mark effective or executing contracts whose end date has passed as expired; return the count."""
    today = today_or(today)
    with database.atomic():
        rows = list(Contract.select().where(Contract.status.in_(LIVE), Contract.end_on < today))
        for contract in rows:
            contract.status = 'expired'
            audit.save(contract, action='expire', note=f'end date {contract.end_on} passed')
        return len(rows)


def expiring(today=None, days=None):
    """Return live contracts ending within DAYS (setting contracts.expiry_reminder_days, 30)."""
    today = today_or(today)
    days = setting_int(EXPIRY_DAYS_SETTING, 30) if days is None else days
    return (Contract.select().where(Contract.status.in_(LIVE), Contract.end_on >= today,
                                    Contract.end_on <= today + datetime.timedelta(days=days))
            .order_by(Contract.end_on))


def renew(contract, by=None, start_on=None, end_on=None, title=None):
    """Create a draft renewal of CONTRACT with the same lines, linked by renewal_of."""
    by = get_user(by)
    with database.atomic():
        require_status(contract, LIVE + ('completed', 'expired'), 'renew')
        start_on = as_date(start_on, 'start') or (contract.end_on + datetime.timedelta(days=1)
                                                  if contract.end_on else None)
        end_on = as_date(end_on, 'end')
        if start_on and end_on and end_on < start_on:
            raise ValidationError(f'The renewal ends ({end_on}) before it starts ({start_on}); fix the dates.')
        owner = contract.owner_id or (by.id if by else None)
        renewal = audit.save(Contract(
            title=title or contract.title, customer=contract.customer_id,
            opportunity=contract.opportunity_id, owner=owner, department=contract.department_id,
            amount=contract.amount, currency=contract.currency, start_on=start_on, end_on=end_on,
            renewal_of=contract, customer_signer=contract.customer_signer,
            our_signer=contract.our_signer), action='renew')
        for line in ContractLine.select().where(ContractLine.contract == contract.id).order_by(ContractLine.id):
            audit.save(ContractLine(contract=renewal, product=line.product_id, description=line.description,
                                    quantity=line.quantity, unit_price=line.unit_price, amount=line.amount))
        return renewal


def add_milestone(contract, name, planned_on=None, sequence=None):
    """Add a delivery milestone with its planned date to a contract not yet closed."""
    with database.atomic():
        require_status(contract, ('draft', 'pending_approval') + LIVE, 'adding a milestone')
        if sequence is None:
            sequence = (DeliveryMilestone.select(fn.MAX(DeliveryMilestone.sequence))
                        .where(DeliveryMilestone.contract == contract.id).scalar() or 0) + 1
        return audit.save(DeliveryMilestone(contract=contract, name=name, sequence=sequence,
                                            planned_on=as_date(planned_on, 'planned date')))


def accept_milestone(milestone, accepted_on=None, by=None):
    """Record the customer's acceptance of a milestone; its payment plans fall due, a return visit is planned."""
    from . import care
    accepted_on = today_or(accepted_on)
    with database.atomic():
        contract = Contract.get_by_id(milestone.contract_id)
        require_status(contract, LIVE, 'accepting a delivery')
        if milestone.status == 'accepted':
            raise RuleViolation(
                f'Rule milestone-accepted: milestone {milestone.code} was already accepted on '
                f'{milestone.accepted_on}; nothing to do.', rule='milestone-accepted')
        milestone.status, milestone.accepted_on = 'accepted', accepted_on
        audit.save(milestone, action='accept')
        terms = datetime.timedelta(days=setting_int(TERMS_DAYS_SETTING, 30))
        plans = PaymentPlan.select().where(PaymentPlan.milestone == milestone.id,
                                           PaymentPlan.status != 'void')
        for plan in plans:
            plan.due_on = accepted_on + terms
            audit.save(plan, action='milestone-due', note=f'milestone {milestone.code} accepted')
        care.schedule_return_visit(contract, after=accepted_on, by=by)
        return milestone
