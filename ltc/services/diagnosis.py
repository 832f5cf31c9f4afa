"""Opportunity diagnosis: a 0-100 health score and the reasons behind it."""
import datetime
from decimal import Decimal

from ..db import database, utcnow
from ..models import (Customer, DecisionRole, Opportunity, OpportunityContact, OpportunityProduct,
                      Product, Stage)
from ..models import choices as C
from . import audit
from .changes import update
from .opportunities import decision_chain_warnings

MINUS = '\u2212'


def _reason(points, text):
    sign = '+' if points >= 0 else MINUS
    return points, f'{sign}{abs(points)} {text}'


def _profile_fit(customer, products):
    out = []
    if not products:
        return [_reason(-10, 'no products on the opportunity / 未选择产品')]
    for product in products:
        industries = [v.strip() for v in product.profile_industries.split(',') if v.strip()]
        sizes = [v.strip() for v in product.profile_sizes.split(',') if v.strip()]
        if industries and customer.industry not in industries:
            out.append(_reason(-15, f'customer industry {C.INDUSTRIES.label(customer.industry, "zh") or "-"} '
                                    f'outside the profile of {product.name} / 客户行业不在产品画像内'))
        if sizes and customer.size not in sizes:
            out.append(_reason(-10, f'customer size {C.COMPANY_SIZES.label(customer.size, "zh") or "-"} '
                                    f'outside the profile of {product.name} / 客户规模不在产品画像内'))
        if product.status != 'active':
            out.append(_reason(-10, f'product {product.name} is {product.status} / 产品已停售'))
    return out


def _chain(opportunity):
    rows = list(OpportunityContact.select(OpportunityContact, DecisionRole).join(DecisionRole)
                .where(OpportunityContact.opportunity == opportunity.id))
    if not rows:
        return [_reason(-25, 'no decision chain recorded / 未建立决策链')]
    out = []
    for warning in decision_chain_warnings(opportunity):
        points = -20 if warning.startswith('No decision maker') else -15 \
            if warning.startswith('The decision maker') else -5
        out.append(_reason(points, warning))
    opponents = [r for r in rows if r.attitude == 'opponent' and r.influence == 'high'
                 and not r.role.is_decision_maker]
    if opponents:
        out.append(_reason(-5 * len(opponents), f'{len(opponents)} influential opponent(s) / 高影响力反对者'))
    return out


def _recency(opportunity, now):
    last = opportunity.last_followup_at or opportunity.created_at
    days = (now - last).days
    for limit, points in ((60, -30), (30, -20), (14, -10)):
        if days > limit:
            what = 'since the last follow-up' if opportunity.last_followup_at else 'without any follow-up'
            return [_reason(points, f'{days} days {what} / {days} 天未跟进')]
    return []


def _stage_age(opportunity, stage, now):
    since = opportunity.stage_changed_at or opportunity.created_at
    days = (now - since).days
    typical = stage.typical_days or 0
    if typical and days > 2 * typical:
        return [_reason(-20, f'{days} days in {stage.name_en}, over twice the typical {typical} / 阶段停留过久')]
    if typical and days > typical:
        return [_reason(-10, f'{days} days in {stage.name_en}, typical {typical} / 阶段停留超出常规')]
    return []


def _slippage(opportunity, today):
    out = []
    expected, first = opportunity.expected_close_on, opportunity.first_close_on
    if expected and expected < today:
        out.append(_reason(-15, f'close date {expected} has passed / 预计成交日期已过'))
    if expected and first and expected > first:
        days = (expected - first).days
        points = -20 if days > 90 else -10 if days > 30 else -5
        out.append(_reason(points, f'close date slipped {days} days from {first} / 成交日期推迟 {days} 天'))
    if expected is None:
        out.append(_reason(-5, 'no expected close date / 未填写预计成交日期'))
    return out


def _amount(opportunity, customer):
    spend = Decimal(customer.yearly_category_spend or 0)
    amount = Decimal(opportunity.amount or 0)
    if spend > 0 and amount > spend:
        return [_reason(-10, f'amount {amount:,.0f} exceeds the customer\'s yearly spend {spend:,.0f} '
                             f'/ 金额超过客户年度品类支出')]
    if amount <= 0:
        return [_reason(-5, 'no amount estimated / 未估算金额')]
    return []


def day_end(today):
    """Return the last minute of TODAY: a fixed moment to diagnose as of (the demo's, a test's)."""
    return datetime.datetime.combine(today, datetime.time(23, 59))


def health(opportunity, today=None, now=None, stages=None):
    """Return (score 0-100, [reason, ...]) for OPPORTUNITY without saving anything.

    STAGES: {id: Stage} already read (a bulk run reads them once).
    """
    today = today or (now.date() if now else datetime.date.today())
    now = now or datetime.datetime.combine(today, utcnow().time())
    stage = stages[opportunity.stage_id] if stages else Stage.get_by_id(opportunity.stage_id)
    if stage.is_won:
        return 100, ['+100 won / 已赢单']
    if stage.is_lost:
        return 0, [f'{MINUS}100 lost / 已输单']
    customer = Customer.get_by_id(opportunity.customer_id)
    products = list(Product.select().join(OpportunityProduct).where(
        OpportunityProduct.opportunity == opportunity.id))
    found = (_profile_fit(customer, products) + _chain(opportunity) + _recency(opportunity, now)
             + _stage_age(opportunity, stage, now) + _slippage(opportunity, today)
             + _amount(opportunity, customer))
    score = max(0, min(100, 100 + sum(points for points, _ in found)))
    reasons = [text for _, text in found] or ['no risks found / 未发现风险']
    return score, reasons


def diagnose(opportunity, by=None, today=None, now=None):
    """Compute and store the health score and reasons of OPPORTUNITY."""
    with database.atomic():
        opportunity = Opportunity.get_by_id(opportunity.id)
        score, reasons = health(opportunity, today, now)
        if update(opportunity, health_score=score, health_reasons='\n'.join(reasons)):
            audit.save(opportunity, action='diagnose')
    return opportunity


def diagnose_open(today=None, now=None):
    """Diagnose every open opportunity; return how many scores or reasons changed.

    Recency and stage age grow with every day, so the nightly job runs this to keep the scores
    current (ltc/jobs.py `diagnose_opportunities`).
    """
    stages = {s.id: s for s in Stage.select()}
    open_ids = [i for i, s in stages.items() if not s.is_won and not s.is_lost]
    changed = 0
    with database.atomic():
        for opportunity in Opportunity.select().where(Opportunity.stage.in_(open_ids)).order_by(Opportunity.id):
            score, reasons = health(opportunity, today, now, stages)
            if update(opportunity, health_score=score, health_reasons='\n'.join(reasons)):
                audit.save(opportunity, action='diagnose')
                changed += 1
    return changed
