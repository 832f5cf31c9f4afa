"""The public pool (公海): reclaim rules and warnings, claiming and releasing customers."""
import datetime

from peewee import fn

from ..db import database, utcnow
from ..models import AuditLog, Customer, PublicPool, User
from . import audit
from .messages import refusal

DEFAULT_POOL_CODE = 'PL-DEFAULT'


def default_pool():
    return (PublicPool.by_code(DEFAULT_POOL_CODE)
            or PublicPool.select().where(PublicPool.active).order_by(PublicPool.id).first())


def pool_of(customer):
    """Return the pool whose rules apply to CUSTOMER (its own, else the default pool)."""
    return PublicPool.get_by_id(customer.pool_id) if customer.pool_id else default_pool()


def _date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def reclaim_due(customer, pool):
    """Return (date, English reason, Chinese reason) when CUSTOMER falls back into POOL, or None if exempt."""
    if customer.owner_id is None or customer.locked or customer.last_won_on is not None \
            or pool is None or not pool.active:
        return None
    since = customer.owner_since or _date(customer.created_at)
    dues = []
    if pool.reclaim_no_followup_days:
        last = max(filter(None, [_date(customer.last_followup_at), since]))
        dues.append((last + datetime.timedelta(days=pool.reclaim_no_followup_days),
                     f'no follow-up for {pool.reclaim_no_followup_days} days since {last}',
                     f'自 {last} 起 {pool.reclaim_no_followup_days} 天未跟进'))
    if pool.reclaim_no_deal_days:
        dues.append((since + datetime.timedelta(days=pool.reclaim_no_deal_days),
                     f'no won deal for {pool.reclaim_no_deal_days} days since {since}',
                     f'自 {since} 起 {pool.reclaim_no_deal_days} 天未成交'))
    return min(dues) if dues else None


def _to_pool(customer, pool, action, note):
    customer.previous_owner = customer.owner_id
    customer.owner = None
    customer.owner_since = None
    customer.released_at = utcnow()
    customer.pool = customer.pool_id or (pool.id if pool else None)
    audit.save(customer, action=action, note=note[:255])


def run_reclaim(today=None):
    """Reclaim customers whose pool rules have run out and warn owners N days ahead; return counts."""
    today = today or datetime.date.today()
    counts = {'reclaimed': 0, 'warned': 0}
    pools = {p.id: p for p in PublicPool.select()}
    fallback = default_pool()
    query = (Customer.select().where(Customer.owner.is_null(False), ~Customer.locked,
                                     Customer.last_won_on.is_null()).order_by(Customer.id))
    with database.atomic():
        for customer in query:
            pool = pools.get(customer.pool_id) or fallback
            due = reclaim_due(customer, pool)
            if due is None:
                continue
            on, reason_en, reason_zh = due
            if on <= today:
                _to_pool(customer, pool, 'reclaim', f'reclaimed: {reason_en} / 回收：{reason_zh}')
                counts['reclaimed'] += 1
            elif on - datetime.timedelta(days=pool.warn_days_before or 0) <= today:
                counts['warned'] += _warn(customer, on, reason_en, reason_zh)
    return counts


def _warn(customer, on, reason_en, reason_zh):
    from .reminders import add
    return int(add(customer.owner_id, 'pool_warning', 'Customer', customer.code, on,
                   {'name': customer.name, 'name_en': customer.name_en, 'reason': reason_en,
                    'reason_zh': reason_zh}) is not None)


def _day_start_utc(today):
    """Return the UTC moment the local calendar day TODAY began (audit times are UTC)."""
    local = datetime.datetime.combine(today, datetime.time.min).astimezone()
    return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def claims_today(user, today=None):
    """Return how many pool customers USER claimed today (counted from the audit log)."""
    start = _day_start_utc(today or datetime.date.today())
    return (AuditLog.select(fn.COUNT(AuditLog.id))
            .where(AuditLog.entity == 'Customer', AuditLog.action == 'claim',
                   AuditLog.actor == user.username, AuditLog.at >= start).scalar())


def claim(customer, by, today=None):
    """Take CUSTOMER out of the pool for BY, within the daily limit, ownership cap and cooldown."""
    if by is None:
        raise refusal('Claim refused: a claim needs the user who claims.', '领取被拒绝：必须指定领取人。')
    customer = Customer.get_by_id(customer.id)
    today = today or datetime.date.today()
    pool = pool_of(customer)
    if customer.owner_id is not None:
        owner = User.get_by_id(customer.owner_id)
        raise refusal('Claim refused: customer {code} is owned by {owner}, not in the public pool.',
                      '领取被拒绝：客户 {code} 属于 {owner}，不在公海中。', code=customer.code,
                      owner=owner.display_name)
    if not by.active:
        raise refusal('Claim refused: user {user} is inactive.', '领取被拒绝：用户 {user} 已停用。',
                      user=by.username)
    if pool is not None:
        taken = claims_today(by, today)
        if taken >= pool.daily_claim_limit:
            raise refusal('Claim refused: daily claim limit of {limit} reached for today.',
                          '领取被拒绝：今日已达每日领取上限 {limit} 个。', limit=pool.daily_claim_limit)
        owned = Customer.select(fn.COUNT(Customer.id)).where(Customer.owner == by.id).scalar()
        if owned >= pool.ownership_cap:
            raise refusal('Claim refused: ownership cap of {cap} customers reached ({user} owns {owned}); '
                          'release a customer first.',
                          '领取被拒绝：已达客户拥有上限 {cap} 个（{user} 当前拥有 {owned} 个）；请先释放客户。',
                          cap=pool.ownership_cap, user=by.username, owned=owned)
        if customer.previous_owner_id == by.id and customer.released_at and pool.cooldown_days:
            until = _date(customer.released_at) + datetime.timedelta(days=pool.cooldown_days)
            if today < until:
                raise refusal('Claim refused: cooldown of {days} days for the previous owner; '
                              '{user} may claim {code} again from {until}.',
                              '领取被拒绝：原负责人冷却期 {days} 天；{user} 自 {until} 起才能再次领取 {code}。',
                              days=pool.cooldown_days, user=by.username, code=customer.code, until=until)
    _, source, batch = audit.current()
    # The claimant is the actor, so the daily count is a count of their audit rows.
    with audit.acting_as(by, source, batch), database.atomic():
        customer.owner = by
        customer.owner_since = today
        customer.department = by.department_id or customer.department_id
        audit.save(customer, action='claim', note=f'claimed from the pool by {by.username}')
    return customer


def release(customer, by, reason):
    """Give CUSTOMER back to the pool with a reason; only its owner, a manager or an admin may."""
    customer = Customer.get_by_id(customer.id)
    reason = (reason or '').strip()
    if customer.owner_id is None:
        raise refusal('Release refused: customer {code} is already in the public pool.',
                      '释放被拒绝：客户 {code} 已在公海中。', code=customer.code)
    from . import gate
    if by is not None:
        gate.require(by, customer)   # a manager releases only customers of their department tree
    if by is not None and by.id != customer.owner_id and by.role.name not in ('admin', 'manager'):
        raise refusal('Release refused: only the owner of {code}, a manager or an admin may release it.',
                      '释放被拒绝：只有客户 {code} 的负责人、经理或管理员可以释放。', code=customer.code)
    if not reason:
        raise refusal('Release refused: give a reason for releasing {code}.',
                      '释放被拒绝：请填写释放客户 {code} 的原因。', code=customer.code)
    if customer.locked:
        raise refusal('Release refused: customer {code} is locked; unlock it first.',
                      '释放被拒绝：客户 {code} 已锁定；请先解锁。', code=customer.code)
    with database.atomic():
        _to_pool(customer, pool_of(customer), 'release', f'released: {reason}')
    return customer


def about_to_reclaim(within_days=7, today=None, customers=None):
    """Return [(customer, date, reason)] of owned customers reclaimed within WITHIN_DAYS.

    CUSTOMERS narrows the candidates (e.g. to a user's scope); SQL keeps only customers that
    some pool rule could reach, and reclaim_due() decides.
    """
    today = today or datetime.date.today()
    pools = {p.id: p for p in PublicPool.select()}
    fallback = default_pool()
    horizon = today + datetime.timedelta(days=within_days)
    followup_days = [p.reclaim_no_followup_days for p in pools.values() if p.active and p.reclaim_no_followup_days]
    deal_days = [p.reclaim_no_deal_days for p in pools.values() if p.active and p.reclaim_no_deal_days]
    reachable = []
    if followup_days:
        edge = horizon - datetime.timedelta(days=min(followup_days) - 1)
        reachable.append(Customer.last_followup_at.is_null() | (Customer.last_followup_at < edge))
    if deal_days:
        edge = horizon - datetime.timedelta(days=min(deal_days))
        reachable.append(Customer.owner_since.is_null() | (Customer.owner_since <= edge))
    if not reachable:
        return []
    query = customers if customers is not None else Customer.select()
    condition = reachable[0] if len(reachable) == 1 else reachable[0] | reachable[1]
    query = query.where(Customer.owner.is_null(False), ~Customer.locked,
                        Customer.last_won_on.is_null(), condition)
    out = []
    for customer in query:
        due = reclaim_due(customer, pools.get(customer.pool_id) or fallback)
        if due and due[0] <= horizon:
            out.append((customer, due[0], due[1]))
    return sorted(out, key=lambda item: item[1])
