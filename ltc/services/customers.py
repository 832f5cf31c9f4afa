"""Customers: group trees with roll-ups, share of wallet, locking and the customer timeline."""
import datetime
from decimal import Decimal

from peewee import fn

from ..db import database
from ..models import (AuditLog, Contract, Customer, FollowUp, Opportunity, Payment, Stage)
from . import audit
from .messages import refusal

CENT = Decimal('0.01')
# Contracts that count as business we have won (drafts, approvals in progress and terminations do not).
CONTRACTED = ('effective', 'executing', 'completed', 'expired')
TIMELINE_ACTIONS = ('create', 'claim', 'release', 'reclaim', 'lock', 'unlock', 'group')


def set_parent(customer, parent, by=None):
    """Make CUSTOMER a subsidiary of PARENT (None detaches it); refuse cycles."""
    customer = Customer.get_by_id(customer.id)
    if parent is not None:
        if parent.id == customer.id:
            raise refusal('Group refused: customer {code} cannot be its own parent.',
                          '集团设置被拒绝：客户 {code} 不能是自己的上级。', code=customer.code)
        node, seen = Customer.get_by_id(parent.id), set()
        while node.parent_id is not None and node.id not in seen:
            seen.add(node.id)
            if node.parent_id == customer.id:
                raise refusal('Group refused: {parent} is already below {code} in the group tree; '
                              'a group cannot contain itself.',
                              '集团设置被拒绝：{parent} 已是 {code} 的下级；集团关系不能成环。',
                              parent=parent.code, code=customer.code)
            node = Customer.get_by_id(node.parent_id)
    with database.atomic():
        customer.parent = parent.id if parent is not None else None
        audit.save(customer, action='group')
        if parent is not None and parent.kind != 'group':
            top = Customer.get_by_id(parent.id)
            top.kind = 'group'   # a customer with subsidiaries is a group customer
            audit.save(top, action='group')
    return customer


ASSIGNERS = ('admin', 'ops', 'manager')


def check_owner_change(customer, owner_id, by=None):
    """Refuse an owner change BY may not ask for: a pool customer is claimed only by its taker, and only
    a manager, ops or an admin hands a customer to someone else (the claim and cap rules run later)."""
    from . import gate
    act = gate.as_actor(by)
    if owner_id is None or owner_id == customer.owner_id or act.is_system or act.role in ASSIGNERS:
        return
    if customer.owner_id is None and owner_id == act.user.id:
        return   # a claim
    if customer.owner_id is None:
        raise refusal('Refused: a pool customer is claimed by the user who takes it; claim {code} yourself.',
                      '已拒绝：公海客户只能由领取人本人领取；请自己领取 {code}。',
                      error_class=gate.PermissionDenied, code=customer.code)
    raise _handover_refusal(customer)


def _handover_refusal(customer):
    from . import gate
    return refusal('Refused: only a manager or an admin hands customer {code} to another owner; release it '
                   'to the pool or ask your manager.',
                   '已拒绝：只有经理或管理员可以把客户 {code} 交给其他负责人；请释放到公海或联系经理。',
                   error_class=gate.PermissionDenied, code=customer.code)


def assign_owner(customer, to, by=None):
    """Hand CUSTOMER to TO (a manager's or admin's decision; a pool customer is claimed instead)."""
    from . import gate
    act = gate.as_actor(by)
    customer = Customer.get_by_id(customer.id)
    if not act.is_system and act.role not in ASSIGNERS:
        raise _handover_refusal(customer)
    if to is None or to.id not in gate.may_own(act, [to.id]):
        raise gate.owner_refusal(to or '?')
    if customer.owner_id == to.id:
        return customer
    with database.atomic():
        if customer.owner_id:
            customer.previous_owner = customer.owner_id
        customer.owner = to
        customer.owner_since = datetime.date.today()
        customer.department = to.department_id or customer.department_id
        audit.save(customer, action='assign', note=f'assigned to {to.username} by {act.name}')
    return customer


def change_owner(customer, owner_id, by=None):
    """Give CUSTOMER the owner OWNER_ID the way the pool rules say: a pool customer taken by the actor
    is a claim (daily limit, cap, cooldown), no owner is a release, anything else an assignment."""
    from . import gate, pool
    act = gate.as_actor(by)
    customer = Customer.get_by_id(customer.id)
    if owner_id == customer.owner_id:
        return customer
    check_owner_change(customer, owner_id, act)
    if owner_id is None:
        return pool.release(customer, act.user, reason=f'released by {act.name}')
    if customer.owner_id is None and not act.is_system and owner_id == act.user.id:
        return pool.claim(customer, act.user)
    from ..models import User
    return assign_owner(customer, User.get_or_none(User.id == owner_id), by=act)


def group_ids(customer):
    """Return the ids of CUSTOMER and every subsidiary below it."""
    rows = list(Customer.select(Customer.id, Customer.parent).where(Customer.parent.is_null(False)).tuples())
    children = {}
    for cid, pid in rows:
        children.setdefault(pid, []).append(cid)
    out, stack = [], [customer.id]
    while stack:
        node = stack.pop()
        if node not in out:
            out.append(node)
            stack.extend(children.get(node, ()))
    return out


def group_root(customer):
    node, seen = customer, set()
    while node.parent_id is not None and node.id not in seen:
        seen.add(node.id)
        node = Customer.get_by_id(node.parent_id)
    return node


def _window(today):
    return today - datetime.timedelta(days=365), today


def contracted_amount(ids, today=None, last_12_months=True, user=None):
    """Return the amount contracted with customers IDS in the base currency; with USER, only from the contracts
    USER may see."""
    from . import rates
    amount = rates.in_base(Contract.amount, Contract.currency, today or datetime.date.today())
    query = Contract.select(fn.COALESCE(fn.SUM(amount), 0)).where(
        Contract.customer.in_(ids), Contract.status.in_(CONTRACTED))
    if user is not None:
        from .scope import condition
        query = query.where(condition(Contract, user))
    if last_12_months:
        start, end = _window(today or datetime.date.today())
        query = query.where(Contract.signed_on > start, Contract.signed_on <= end)
    return Decimal(query.scalar() or 0).quantize(CENT)


def _wallet(spend, ours, target_share):
    spend, target_share = Decimal(spend or 0), Decimal(target_share or 0)
    share = (ours / spend * 100).quantize(CENT) if spend > 0 else None
    target_amount = (spend * target_share / 100).quantize(CENT)
    return {'yearly_spend': spend.quantize(CENT), 'contracted_12m': ours, 'share_pct': share,
            'target_share_pct': target_share, 'target_amount': target_amount,
            'gap': max(Decimal('0.00'), target_amount - ours)}


def share_of_wallet(customer, today=None, user=None):
    """Return our last-12-months contracted amount against the customer's yearly spend and target share.

    With USER, "ours" counts only the contracts USER may see, so the figure never reveals the
    amounts of other owners' contracts with the same customer.
    """
    from . import rates
    spend = rates.base_value(customer.yearly_category_spend, customer.currency, today or datetime.date.today())
    return _wallet(spend, contracted_amount([customer.id], today, user=user), customer.target_share)


def group_share_of_wallet(customer, today=None):
    """Return the share of wallet of a whole group (spends and targets summed over its members)."""
    from . import rates
    on = today or datetime.date.today()
    members = list(Customer.select().where(Customer.id.in_(group_ids(customer))))
    spends = {m.id: rates.base_value(m.yearly_category_spend, m.currency, on) for m in members}
    spend = sum(spends.values(), Decimal(0))
    target = sum((spends[m.id] * Decimal(m.target_share or 0) / 100 for m in members), Decimal(0))
    share = (target / spend * 100).quantize(CENT) if spend > 0 else Decimal(0)
    return _wallet(spend, contracted_amount([m.id for m in members], today), share)


def group_rollup(customer, today=None):
    """Return contracted, collected, opportunity and share-of-wallet totals of CUSTOMER's group, in the base currency."""
    from . import rates
    on = today or datetime.date.today()
    ids = group_ids(customer)
    open_stages = Stage.select(Stage.id).where(~Stage.is_won, ~Stage.is_lost)
    opps = (Opportunity.select(fn.COUNT(Opportunity.id),
                               fn.COALESCE(fn.SUM(rates.in_base(Opportunity.amount, Opportunity.currency, on)), 0),
                               fn.COALESCE(fn.SUM(rates.in_base(Opportunity.weighted_amount, Opportunity.currency,
                                                                on)), 0))
            .where(Opportunity.customer.in_(ids), Opportunity.stage.in_(open_stages)).tuples().get())
    collected = (Payment.select(fn.COALESCE(fn.SUM(rates.in_base(Payment.amount, Payment.currency, on)), 0))
                 .join(Contract)
                 .where(Contract.customer.in_(ids)).scalar())
    return {'members': len(ids),
            'contracted_total': contracted_amount(ids, today, last_12_months=False),
            'collected_total': Decimal(collected or 0).quantize(CENT),
            'open_opportunities': opps[0],
            'pipeline_amount': Decimal(opps[1] or 0).quantize(CENT),
            'weighted_pipeline': Decimal(opps[2] or 0).quantize(CENT),
            'share_of_wallet': group_share_of_wallet(customer, today)}


def set_locked(customer, locked, by=None, reason=None):
    """Lock CUSTOMER (exempt from reclaim and release) or unlock it; refused when already so."""
    with database.atomic():
        customer = Customer.get_by_id(customer.id)
        if customer.locked == bool(locked):
            if locked:
                raise refusal('Rule {rule}: customer {code} is already locked; nothing to do.',
                              '规则 {rule}：客户 {code} 已锁定；无需重复锁定。', rule='customer-lock', code=customer.code)
            raise refusal('Rule {rule}: customer {code} is not locked; nothing to unlock.',
                          '规则 {rule}：客户 {code} 未锁定；无需解锁。', rule='customer-lock', code=customer.code)
        customer.locked = bool(locked)
        audit.save(customer, action='lock' if locked else 'unlock', note=(reason or '')[:255] or None)
    return customer


def timeline(customer, limit=100):
    """Return the follow-ups and ownership events (claim, release, reclaim…) of CUSTOMER, newest first."""
    items = [{'at': f.happened_at, 'kind': f.kind, 'text': f.summary, 'code': f.code}
             for f in FollowUp.of_customer(customer.id)
             .order_by(FollowUp.happened_at.desc()).limit(limit)]
    events = (AuditLog.select().where(AuditLog.entity == 'Customer', AuditLog.entity_code == customer.code,
                                      AuditLog.action.in_(TIMELINE_ACTIONS))
              .order_by(AuditLog.at.desc()).limit(limit))
    items += [{'at': e.at, 'kind': e.action, 'text': e.note or e.action, 'code': customer.code,
               'actor': e.actor} for e in events]
    items.sort(key=lambda item: item['at'], reverse=True)
    return items[:limit]
