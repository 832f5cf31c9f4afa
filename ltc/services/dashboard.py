"""Dashboard data: aggregate, scoped, JSON-serialisable series for the charts."""
import datetime

from peewee import JOIN, Case, fn

from ..db import is_sqlite
from ..models import (Contract, Customer, Lead, Opportunity, Payment, PaymentPlan, PublicPool, Stage,
                      User)
from ..models.choices import LEAD_GRADES, SOURCES
from . import planning, receivables, scope
from .cash_common import setting_int, today_or
from .contracts import EXPIRY_DAYS_SETTING, LIVE
from .planning import SIGNED


def _num(value):
    return float(value or 0)


def _month(field):
    return fn.strftime('%Y-%m', field) if is_sqlite() else fn.to_char(field, 'YYYY-MM')


def _months(first, count):
    out, year, month = [], first.year, first.month
    for _ in range(count):
        out.append(f'{year:04d}-{month:02d}')
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _shift_month(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def funnel(user):
    """Count, amount and weighted amount of opportunities per stage."""
    weighted = Opportunity.amount * Stage.probability / 100
    query = (Stage.select(Stage.code, Stage.name, Stage.name_en, Stage.probability,
                          fn.COUNT(Opportunity.id).alias('n'), fn.SUM(Opportunity.amount).alias('amount'),
                          fn.SUM(weighted).alias('weighted'))
             .join(Opportunity, JOIN.LEFT_OUTER, on=(Opportunity.stage == Stage.id) & scope.condition(Opportunity, user))
             .group_by(Stage.id, Stage.code, Stage.name, Stage.name_en, Stage.probability, Stage.sequence)
             .order_by(Stage.sequence))
    return [{'stage': r['code'], 'name': r['name'], 'name_en': r['name_en'], 'probability': _num(r['probability']),
             'count': r['n'], 'amount': _num(r['amount']), 'weighted': round(_num(r['weighted']), 2)}
            for r in query.dicts()]


def forecast(user, today, months=6):
    """Amount and weighted amount of open opportunities by expected close month."""
    labels = _months(today, months)
    month = _month(Opportunity.expected_close_on)
    query = (Opportunity.select(month.alias('month'), fn.SUM(Opportunity.amount).alias('amount'),
                                fn.SUM(Opportunity.amount * Stage.probability / 100).alias('weighted'))
             .join(Stage).where(~Stage.is_won, ~Stage.is_lost, month.in_(labels),
                                scope.condition(Opportunity, user)).group_by(month))
    rows = {r['month']: r for r in query.dicts()}
    return [{'month': m, 'amount': _num(rows.get(m, {}).get('amount')),
             'weighted': round(_num(rows.get(m, {}).get('weighted')), 2)} for m in labels]


def lead_conversion(user, column, choices):
    """Leads, converted leads and conversion rate grouped by COLUMN."""
    converted = fn.SUM(Case(None, [(Lead.status == 'converted', 1)], 0))
    query = (Lead.select(column.alias('key'), fn.COUNT(Lead.id).alias('n'), converted.alias('converted'))
             .where(scope.condition(Lead, user)).group_by(column))
    out = []
    for r in query.dicts():
        n, won = r['n'], int(r['converted'] or 0)
        out.append({'key': r['key'], 'label': choices.label(r['key']), 'label_zh': choices.label(r['key'], 'zh'),
                    'leads': n, 'converted': won, 'rate_pct': round(won * 100 / n, 1) if n else 0.0})
    return sorted(out, key=lambda r: -r['leads'])


def win_rate(user, today):
    """Won and lost opportunities closed in the last 12 months and the win rate by count and amount."""
    since = today - datetime.timedelta(days=365)
    won, lost = Stage.is_won, Stage.is_lost
    query = (Opportunity.select(
        fn.SUM(Case(None, [(won, 1)], 0)).alias('won'), fn.SUM(Case(None, [(lost, 1)], 0)).alias('lost'),
        fn.SUM(Case(None, [(won, Opportunity.amount)], 0)).alias('won_amount'),
        fn.SUM(Case(None, [(lost, Opportunity.amount)], 0)).alias('lost_amount'))
        .join(Stage).where(won | lost, (Opportunity.closed_on >= since) | Opportunity.closed_on.is_null(),
                           scope.condition(Opportunity, user)))
    r = query.dicts().get()
    n_won, n_lost = int(r['won'] or 0), int(r['lost'] or 0)
    a_won, a_lost = _num(r['won_amount']), _num(r['lost_amount'])
    return {'won': n_won, 'lost': n_lost, 'won_amount': a_won, 'lost_amount': a_lost,
            'rate_pct': round(n_won * 100 / (n_won + n_lost), 1) if n_won + n_lost else None,
            'amount_rate_pct': round(a_won * 100 / (a_won + a_lost), 1) if a_won + a_lost else None}


def receivables_by_month(user, today, back=5, ahead=6):
    """Planned (plans due) against collected (payments received) per month around TODAY."""
    labels = _months(_shift_month(today, -back), back + 1 + ahead)
    due = _month(PaymentPlan.due_on)
    planned = {r['m']: r['s'] for r in PaymentPlan.select(due.alias('m'), fn.SUM(PaymentPlan.amount).alias('s'))
               .where(PaymentPlan.status != 'void', due.in_(labels), scope.condition(PaymentPlan, user))
               .group_by(due).dicts()}
    got = _month(Payment.received_on)
    collected = {r['m']: r['s'] for r in Payment.select(got.alias('m'), fn.SUM(Payment.amount).alias('s'))
                 .where(got.in_(labels), scope.condition(Payment, user)).group_by(got).dicts()}
    return [{'month': m, 'planned': _num(planned.get(m)), 'collected': _num(collected.get(m))} for m in labels]


def contracts_expiring(user, today, limit=20):
    """Live contracts ending within the reminder window, soonest first."""
    days = setting_int(EXPIRY_DAYS_SETTING, 30)
    query = Contract.select(Contract.code, Contract.title, Contract.end_on, Contract.amount).where(
        Contract.status.in_(LIVE), Contract.end_on >= today, Contract.end_on <= today + datetime.timedelta(days=days),
        scope.condition(Contract, user))
    return {'days': days, 'count': query.count(),
            'items': [{'code': c.code, 'title': c.title, 'end_on': c.end_on.isoformat(), 'amount': _num(c.amount),
                       'days_left': (c.end_on - today).days} for c in query.order_by(Contract.end_on).limit(limit)]}


def share_of_wallet_gaps(user, today, limit=10):
    """Customers with the largest gap between their target share of wallet and what we sold them in 12 months."""
    since = today - datetime.timedelta(days=365)
    sold = (Contract.select(Contract.customer, fn.SUM(Contract.amount).alias('total'))
            .where(Contract.status.in_(SIGNED), Contract.signed_on >= since,
                   scope.condition(Contract, user))   # "ours": only contracts the reader may see
            .group_by(Contract.customer)
            .alias('sold'))
    ours = fn.COALESCE(sold.c.total, 0)
    gap = Customer.yearly_category_spend * Customer.target_share / 100 - ours
    query = (Customer.select(Customer.code, Customer.name, Customer.yearly_category_spend, Customer.target_share,
                             ours.alias('ours'), gap.alias('gap'))
             .join(sold, JOIN.LEFT_OUTER, on=(sold.c.customer_id == Customer.id))
             .where(Customer.yearly_category_spend > 0, gap > 0, scope.condition(Customer, user))
             .order_by(gap.desc()).limit(limit))
    out = []
    for r in query.dicts():
        spend, ours_v = _num(r['yearly_category_spend']), _num(r['ours'])
        out.append({'code': r['code'], 'name': r['name'], 'spend': spend, 'ours': ours_v,
                    'share_pct': round(ours_v * 100 / spend, 1), 'target_pct': _num(r['target_share']),
                    'gap': round(_num(r['gap']), 2)})
    return out


def about_to_reclaim(user, today, limit=20):
    """Owned customers USER may see that fall back into the pool within the pools' warning window."""
    from .pool import about_to_reclaim as due_soon
    window = (PublicPool.select(fn.MAX(PublicPool.warn_days_before))
              .where(PublicPool.active).scalar() or 0)
    rows = due_soon(within_days=window, today=today,
                    customers=Customer.select().where(scope.condition(Customer, user)))
    items = [{'code': c.code, 'name': c.name, 'owner': c.owner.username, 'due': due.isoformat(),
              'reason': reason, 'days_left': max((due - today).days, 0)}
             for c, due, reason in rows[:limit]]
    return {'count': len(rows), 'items': items}


def dashboard_data(user, today=None):
    """Return every dashboard series for USER, scoped to what USER may see."""
    today = today_or(today)
    period = today.strftime('%Y-%m')
    return {
        'today': today.isoformat(),
        'funnel': funnel(user),
        'forecast': forecast(user, today),
        'lead_conversion_by_source': lead_conversion(user, Lead.source, SOURCES),
        'lead_conversion_by_grade': lead_conversion(user, Lead.grade, LEAD_GRADES),
        'win_rate': win_rate(user, today),
        'receivables_by_month': receivables_by_month(user, today),
        'overdue_aging': receivables.aging(today, user),
        'contracts_expiring': contracts_expiring(user, today),
        'share_of_wallet_gaps': share_of_wallet_gaps(user, today),
        'about_to_reclaim': about_to_reclaim(user, today),
        'product_plan_coverage': planning.coverage(period, user),
        'target_progress': planning.target_progress(period, user),
    }
