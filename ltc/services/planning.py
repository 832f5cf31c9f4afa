"""Product plans against pipeline and contracts; sales and collection targets with progress and ranking."""
import datetime
from decimal import Decimal

from peewee import JOIN, fn

from ..db import database
from ..models import (Contract, ContractLine, Department, Opportunity, OpportunityProduct, Payment,
                      Product, ProductPlan, Stage, Target, User)
from ..models.choices import TARGET_KINDS
from . import audit, scope
from .cash_common import money, setting_int
from .messages import invalid, refusal

SIGNED = ('effective', 'executing', 'completed', 'expired')
SHORTFALL_SETTING = 'planning.shortfall_pct'


def month_range(period):
    """Return (first day, first day of next month) of PERIOD 'YYYY-MM'."""
    try:
        start = datetime.date(int(period[:4]), int(period[5:7]), 1)
        if len(period) != 7 or period[4] != '-':
            raise ValueError
    except (ValueError, TypeError):
        raise invalid('Period {period!r} is not a month; write it as YYYY-MM, e.g. 2026-03.',
                      '期间 {period!r} 不是月份；请写成 YYYY-MM 格式，例如 2026-03。', period=period) from None
    nxt = datetime.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, nxt


def set_product_plan(product, period, quantity):
    """Set the quantity of PRODUCT the company can deliver in PERIOD (creates or updates the plan)."""
    month_range(period)
    quantity = Decimal(str(quantity))
    if quantity < 0:
        raise invalid('The planned quantity of {product} cannot be negative.', '{product} 的计划数量不能为负数。',
                      product=product.code)
    with database.atomic():
        plan = ProductPlan.get_or_none(ProductPlan.product == product.id, ProductPlan.period == period)
        plan = plan or ProductPlan(product=product, period=period)
        plan.planned_quantity = quantity
        return audit.save(plan)


def check_target_scope(by, user=None, department=None):
    """Refuse a target that is not for exactly one user or department, or that BY may not set.

    Admin and ops plan for everyone; a manager for the people and departments of their
    department tree; nobody else sets targets. The refusal reads the same whether or not the
    user or department exists.
    """
    if (user is None) == (department is None):
        raise invalid('A target is for either a user or a department; give exactly one.',
                      '目标只能属于一个用户或一个部门；请只指定其中之一。')
    if by is None:
        return
    role = scope.role_of(by)
    allowed = role in ('admin', 'ops') or (role == 'manager' and (
        (user is None or getattr(user, 'id', user) in scope.visible_user_ids(by))
        and (department is None or getattr(department, 'id', department) in scope._department_ids(by))))
    if not allowed:
        raise refusal('Rule {rule}: {user} may set targets only for people and departments in their own '
                      'department tree.', '规则 {rule}：{user} 只能为本部门及下级部门的人员和部门设置目标。',
                      rule='target-scope', user=by.username)


def set_target(kind, period, amount, user=None, department=None, by=None):
    """Set a sales or collection target for a user or a department in a month (BY: inside BY's scope)."""
    if kind not in TARGET_KINDS:
        raise invalid('Unknown target kind {kind!r}; use one of {choices}.', '未知的目标类型 {kind!r}；请使用以下之一：{choices}。',
                      kind=kind, choices=', '.join(TARGET_KINDS))
    month_range(period)
    check_target_scope(by, user, department)
    with database.atomic():
        target = Target.get_or_none(Target.kind == kind, Target.period == period,
                                    Target.user == getattr(user, 'id', None) if user else Target.user.is_null(),
                                    Target.department == department.id if department else Target.department.is_null())
        target = target or Target(kind=kind, period=period, user=user, department=department)
        target.amount = money(amount)
        return audit.save(target)


def _flag(planned, demand, shortfall_pct):
    if demand > planned:
        return 'overload'
    if demand < planned * Decimal(shortfall_pct) / 100:
        return 'shortfall'
    return 'ok'


def coverage(period, user=None):
    """Return per product: planned, weighted pipeline and contracted quantity in PERIOD, and a flag."""
    start, end = month_range(period)
    pipeline = (OpportunityProduct
                .select(OpportunityProduct.product,
                        fn.SUM(OpportunityProduct.quantity * Stage.probability / 100).alias('qty'))
                .join(Opportunity).join(Stage)
                .where(~Stage.is_won, ~Stage.is_lost, Opportunity.expected_close_on >= start,
                       Opportunity.expected_close_on < end))
    contracted = (ContractLine.select(ContractLine.product, fn.SUM(ContractLine.quantity).alias('qty'))
                  .join(Contract)
                  .where(Contract.status.in_(SIGNED), Contract.signed_on >= start, Contract.signed_on < end))
    if user is not None:
        pipeline = scope.scoped(pipeline, Opportunity, user)
        contracted = scope.scoped(contracted, Contract, user)
    piped = {r['product']: Decimal(str(r['qty'] or 0)) for r in pipeline.group_by(OpportunityProduct.product).dicts()}
    signed = {r['product']: Decimal(str(r['qty'] or 0)) for r in contracted.group_by(ContractLine.product).dicts()}
    planned = {p.product_id: p.planned_quantity for p in ProductPlan.select().where(ProductPlan.period == period)}
    ids = set(piped) | set(signed) | set(planned)
    products = {p.id: p for p in Product.select().where(Product.id.in_(list(ids or {0})))}
    shortfall_pct = setting_int(SHORTFALL_SETTING, 80)
    out = []
    for pid in sorted(ids, key=lambda i: products[i].code):
        plan_q, pipe_q, sign_q = planned.get(pid, Decimal(0)), piped.get(pid, Decimal(0)), signed.get(pid, Decimal(0))
        demand = pipe_q + sign_q
        out.append({'product': products[pid].code, 'name': products[pid].name, 'period': period,
                    'planned': float(plan_q), 'pipeline': round(float(pipe_q), 2), 'contracted': float(sign_q),
                    'coverage_pct': round(float(demand / plan_q * 100), 1) if plan_q else None,
                    'flag': _flag(plan_q, demand, shortfall_pct)})
    return out


def _actuals(kind, start, end, column, user=None):
    """Return {owner or department id: achieved amount} for KIND in [start, end) grouped by COLUMN.

    With USER, only the contracts (and their payments) USER may see count, so nobody reads the
    achievement of people outside their scope through a target.
    """
    from . import rates
    if kind == 'sales':
        amount = rates.in_base(Contract.amount, Contract.currency, min(end, datetime.date.today()))
        query = (Contract.select(column.alias('key'), fn.SUM(amount).alias('total'))
                 .where(Contract.status.in_(SIGNED), Contract.signed_on >= start, Contract.signed_on < end))
    else:
        amount = rates.in_base(Payment.amount, Payment.currency, min(end, datetime.date.today()))
        query = (Payment.select(column.alias('key'), fn.SUM(amount).alias('total')).join(Contract)
                 .where(Payment.received_on >= start, Payment.received_on < end))
    if user is not None:
        query = query.where(scope.condition(Contract, user))
    return {r['key']: money(r['total'] or 0) for r in query.group_by(column).dicts()}


def target_progress(period, user=None):
    """Return targets of PERIOD with achieved amount, progress % and rank among users and departments (in the
    base currency: a target and the contracts it counts may be in different currencies)."""
    from . import rates
    start, end = month_range(period)
    query = (Target.select(Target, User, Department).join(User, JOIN.LEFT_OUTER, on=(Target.user == User.id))
             .switch(Target).join(Department, JOIN.LEFT_OUTER, on=(Target.department == Department.id))
             .where(Target.period == period))
    if user is not None:
        query = scope.scoped(query, Target, user)
    targets = list(query)
    out = []
    for kind in TARGET_KINDS:
        by_owner = _actuals(kind, start, end, Contract.owner, user)
        by_dept = _actuals(kind, start, end, Contract.department, user)
        children = {}
        for dept_id, parent_id in Department.select(Department.id, Department.parent).tuples():
            children.setdefault(parent_id, []).append(dept_id)
        rows = []
        for target in (t for t in targets if t.kind == kind):
            if target.user_id:
                achieved, who = by_owner.get(target.user_id, Decimal(0)), ('user', target.user.username)
                shown = (target.user.display_name, target.user.display_name_en or target.user.username)
            else:
                achieved = sum((by_dept.get(d, Decimal(0)) for d in _subtree(target.department_id, children)),
                               Decimal(0))
                who = ('department', target.department.name)
                shown = (target.department.name, target.department.name_en or target.department.name)
            goal = rates.base_value(target.amount, target.currency, min(end, datetime.date.today()))
            pct = round(float(achieved / goal * 100), 1) if goal else None
            rows.append({'kind': kind, 'label': TARGET_KINDS.label(kind, 'en'),
                         'label_zh': TARGET_KINDS.label(kind, 'zh'), 'shown': shown[0], 'shown_en': shown[1],
                         'period': period, 'level': who[0], 'name': who[1],
                         'target': float(goal), 'achieved': float(achieved), 'progress_pct': pct})
        for level in ('user', 'department'):
            ranked = sorted((r for r in rows if r['level'] == level), key=lambda r: -(r['progress_pct'] or 0))
            for rank, row in enumerate(ranked, 1):
                row['rank'] = rank
                out.append(row)
    return out


def _subtree(root, children):
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        if node not in out:
            out.append(node)
            stack.extend(children.get(node, ()))
    return out
