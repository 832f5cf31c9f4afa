"""Contracts: approval flow, amount against lines, expiry, renewals and delivery milestones."""
import datetime
from decimal import Decimal

from peewee import fn

from ..db import database, is_sqlite, utcnow
from ..errors import LTCError
from ..models import (Contract, ContractLine, DeliveryMilestone, Opportunity, PaymentPlan,
                      Stage)
from . import approvals, audit
from .cash_common import EXPIRY_DAYS_SETTING, LIVE, expiring  # noqa: F401  (contracts.expiring, contracts.LIVE)
from .cash_common import as_date, get_user, money, require_status, setting_int, status_zh, today_or
from .messages import invalid, refusal, text

RENEWABLE = LIVE + ('completed', 'expired')
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
        raise refusal('Rule {rule}: contract {code} has no lines; add its products first.',
                      '规则 {rule}：合同 {code} 没有明细；请先添加产品。', rule='contract-lines', code=contract.code)
    total = lines_total(contract)
    if money(contract.amount) != total:
        raise refusal('Rule {rule}: contract {code} amount {amount} does not equal the sum of its lines '
                      '{lines}; correct the amount or the lines.',
                      '规则 {rule}：合同 {code} 的金额 {amount} 与明细合计 {lines} 不一致；请更正金额或明细。',
                      rule='contract-amount', code=contract.code, amount=money(contract.amount), lines=total)


def add_line(contract, product, quantity=1, unit_price=None, delivery_on=None, description=None):
    """Add a line to a draft contract; the amount is quantity × unit price."""
    with database.atomic():
        require_status(contract, ('draft',), 'changing its lines')
        quantity = Decimal(str(quantity))
        if quantity <= 0:
            raise invalid('The quantity of {product} must be above zero, got {quantity}.',
                          '{product} 的数量必须大于零，当前为 {quantity}。', product=product.code, quantity=quantity)
        unit_price = product.list_price if unit_price is None else money(unit_price)
        return audit.save(ContractLine(contract=contract, product=product, quantity=quantity,
                                       unit_price=unit_price, amount=money(quantity * unit_price),
                                       delivery_on=as_date(delivery_on, 'date', '交付日期'), description=description))


def _transition(contract, allowed, status, action, note=None, **fields):
    require_status(contract, allowed, action)
    contract.status = status
    for name, value in fields.items():
        setattr(contract, name, value)
    return audit.save(contract, action=action.split()[0], note=note)


def submit(contract, by=None):
    """Send a draft contract for approval: its amount must equal its lines; the approval rules give
    the steps (ltc/services/approvals.py)."""
    by = get_user(by)
    from . import gate
    gate.require(by, contract)
    with database.atomic():
        require_status(contract, ('draft',), 'submit')
        check_amount(contract)
        approvals.open_round(contract, by=by)
        return _transition(contract, ('draft',), 'pending_approval', 'submit')


def _decide(contract, by, decision, comment):
    by = approvals.check_decider(contract, get_user(by))
    action = {'approved': 'approve', 'rejected': 'reject'}[decision]
    require_status(contract, ('pending_approval',), action)
    return by, approvals.decide(contract, by, decision, comment)


def approve(contract, by, comment=None):
    """Approve the current step of a contract pending approval; after the last step it becomes
    effective, with approver and time.

    While steps remain, the contract stays pending approval and `contract.remaining` lists them.
    On the last step its opportunity (if any, and not won yet) moves to Won through the stage
    rules; a move the rules refuse does not stop the approval: the refusal is noted on the
    opportunity's audit trail and returned as `contract.opportunity_note` (None when the
    opportunity moved or had nothing to do).
    """
    with database.atomic():
        by, approval = _decide(contract, by, 'approved', comment)
        left = approvals.remaining(contract)
        if left:
            contract = Contract.get_by_id(contract.id)
            audit.record('Contract', contract.code, 'approve-step', {},
                         note=f'step {approval.step} approved by {by.username}; next: '
                              + ', '.join(approvals.describe_step(s) for s in left))
            contract.remaining, contract.opportunity_note = left, None
            return contract
        check_amount(contract)
        contract = _transition(contract, ('pending_approval',), 'effective', 'approve',
                               approved_by=by, approved_at=approval.decided_at,
                               signed_on=contract.signed_on or approval.decided_at.date())
        contract.remaining = []
        contract.opportunity_note = win_opportunity(contract, by)
        return contract


def win_opportunity(contract, by=None):
    """Move CONTRACT's opportunity to Won by the stage rules; return the refusal (an LTCError) or None."""
    from .opportunities import move_stage
    if not contract.opportunity_id:
        return None
    opportunity = Opportunity.get_by_id(contract.opportunity_id)
    won = Stage.select().where(Stage.is_won).order_by(Stage.sequence).first()
    if won is None or Stage.get_by_id(opportunity.stage_id).is_won:
        return None
    try:
        with database.atomic():   # a savepoint: a refused move leaves the approval standing
            move_stage(opportunity, won, by=by)
    except LTCError as exc:
        audit.record('Opportunity', opportunity.code, 'note', {},
                     note=f'not moved to Won on approval of contract {contract.code}: {exc} / '
                          f'合同 {contract.code} 审批通过，但商机未能转为赢单：{text(exc, "zh")}'[:255])
        return exc
    return None


def reject(contract, by, comment=None):
    """Reject the current step of a contract pending approval: it goes back to draft with the reason
    recorded; the round's later steps are cancelled."""
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
            raise refusal('Rule {rule}: contract {code} has {count} delivery milestone(s) not yet accepted; '
                          'accept them before completing it.',
                          '规则 {rule}：合同 {code} 还有 {count} 个交付里程碑未验收；请先验收后再完成合同。',
                          rule='contract-delivery', code=contract.code, count=open_ms)
        return _transition(contract, ('executing',), 'completed', 'complete')


def terminate(contract, by=None, reason=None):
    """Terminate a contract before its end; its unpaid payment plans become void."""
    if not (reason or '').strip():
        raise invalid('Terminating contract {code} needs a reason; pass --reason.',
                      '终止合同 {code} 需要填写原因；请传入 --reason。', code=contract.code)
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


def current_renewal(contract):
    """Return the renewal of CONTRACT that still stands (any status but terminated), or None."""
    return (Contract.select().where(Contract.renewal_of == contract.id, Contract.status != 'terminated')
            .order_by(Contract.id).first())


def _lock(contract):
    # Two renewals at once: on PostgreSQL the second waits here and then sees the first one's
    # renewal; SQLite write transactions are serialised already (BEGIN IMMEDIATE).
    if not is_sqlite():
        Contract.select(Contract.id).where(Contract.id == contract.id).for_update().execute()


def renew(contract, by=None, start_on=None, end_on=None, title=None):
    """Create a draft renewal of CONTRACT with the same lines, linked by renewal_of; once only."""
    by = get_user(by)
    with database.atomic():
        require_status(contract, RENEWABLE, 'renew')
        _lock(contract)
        existing = current_renewal(contract)
        if existing is not None:
            raise refusal('Rule {rule}: contract {code} was already renewed by {renewal} ({status}); '
                          'continue with {renewal}, or terminate it before renewing {code} again.',
                          '规则 {rule}：合同 {code} 已续签为 {renewal}（{status_zh}）；请继续处理 {renewal}，'
                          '或先终止它再重新续签 {code}。',
                          rule='contract-renewed', code=contract.code, renewal=existing.code,
                          status=existing.status, status_zh=status_zh('contract', existing.status))
        start_on = as_date(start_on, 'start', '开始日期') or (contract.end_on + datetime.timedelta(days=1)
                                                  if contract.end_on else None)
        end_on = as_date(end_on, 'end', '结束日期')
        if start_on and end_on and end_on < start_on:
            raise invalid('The renewal ends ({end_on}) before it starts ({start_on}); fix the dates.',
                          '续签合同的结束日期（{end_on}）早于开始日期（{start_on}）；请更正日期。',
                          end_on=end_on, start_on=start_on)
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
                                            planned_on=as_date(planned_on, 'planned date', '计划日期')))


def accept_milestone(milestone, accepted_on=None, by=None):
    """Record the customer's acceptance of a milestone; its payment plans fall due, a return visit is planned."""
    from . import care
    accepted_on = today_or(accepted_on)
    with database.atomic():
        contract = Contract.get_by_id(milestone.contract_id)
        require_status(contract, LIVE, 'accepting a delivery')
        if milestone.status == 'accepted':
            raise refusal('Rule {rule}: milestone {code} was already accepted on {accepted_on}; nothing to do.',
                          '规则 {rule}：里程碑 {code} 已于 {accepted_on} 验收；无需重复操作。',
                          rule='milestone-accepted', code=milestone.code, accepted_on=milestone.accepted_on)
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
