"""Dashboard data: aggregate, scoped, JSON-serialisable series for the charts."""
import datetime

from peewee import JOIN, Case, fn

from ..db import is_sqlite
from ..models import (Contract, Customer, Lead, Opportunity, Payment, PaymentPlan, PublicPool, Stage,
                      User)
from ..models.choices import LEAD_GRADES, SOURCES
from . import planning, rates, receivables, scope
from .cash_common import setting_int, today_or
from .contracts import EXPIRY_DAYS_SETTING, LIVE
from .planning import SIGNED


TOP = 10   # rows of a ranked chart; the rest is counted ("and 5 more")


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


def _opp_amount(today=None):
    """Opportunity amounts in the base currency (setting currency.base) at today's rates."""
    return rates.in_base(Opportunity.amount, Opportunity.currency, today_or(today))


def funnel(user):
    """Count, amount and weighted amount (in the base currency) of opportunities per stage."""
    amount = _opp_amount()
    weighted = amount * Stage.probability / 100
    query = (Stage.select(Stage.code, Stage.name, Stage.name_en, Stage.probability,
                          fn.COUNT(Opportunity.id).alias('n'), fn.SUM(amount).alias('amount'),
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
    amount = _opp_amount(today)
    query = (Opportunity.select(month.alias('month'), fn.SUM(amount).alias('amount'),
                                fn.SUM(amount * Stage.probability / 100).alias('weighted'))
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
    amount = _opp_amount(today)
    query = (Opportunity.select(
        fn.SUM(Case(None, [(won, 1)], 0)).alias('won'), fn.SUM(Case(None, [(lost, 1)], 0)).alias('lost'),
        fn.SUM(Case(None, [(won, amount)], 0)).alias('won_amount'),
        fn.SUM(Case(None, [(lost, amount)], 0)).alias('lost_amount'))
        .join(Stage).where(won | lost, (Opportunity.closed_on >= since) | Opportunity.closed_on.is_null(),
                           scope.condition(Opportunity, user)))
    r = query.dicts().get()
    n_won, n_lost = int(r['won'] or 0), int(r['lost'] or 0)
    a_won, a_lost = _num(r['won_amount']), _num(r['lost_amount'])
    return {'won': n_won, 'lost': n_lost, 'won_amount': a_won, 'lost_amount': a_lost,
            'rate_pct': round(n_won * 100 / (n_won + n_lost), 1) if n_won + n_lost else None,
            'amount_rate_pct': round(a_won * 100 / (a_won + a_lost), 1) if a_won + a_lost else None}


def receivables_by_month(user, today, back=5, ahead=6):
    """Planned (plans due) against collected (payments received) per month around TODAY, in the base currency."""
    labels = _months(_shift_month(today, -back), back + 1 + ahead)
    due = _month(PaymentPlan.due_on)
    plan_amount = rates.in_base(PaymentPlan.amount, PaymentPlan.currency, today)
    paid_amount = rates.in_base(Payment.amount, Payment.currency, today)
    planned = {r['m']: r['s'] for r in PaymentPlan.select(due.alias('m'), fn.SUM(plan_amount).alias('s'))
               .where(PaymentPlan.status != 'void', due.in_(labels), scope.condition(PaymentPlan, user))
               .group_by(due).dicts()}
    got = _month(Payment.received_on)
    collected = {r['m']: r['s'] for r in Payment.select(got.alias('m'), fn.SUM(paid_amount).alias('s'))
                 .where(got.in_(labels), scope.condition(Payment, user)).group_by(got).dicts()}
    return [{'month': m, 'planned': _num(planned.get(m)), 'collected': _num(collected.get(m))} for m in labels]


def contracts_expiring(user, today, limit=TOP):
    """Live contracts ending within the reminder window, soonest first (the first LIMIT and the count);
    amounts in the base currency."""
    days = setting_int(EXPIRY_DAYS_SETTING, 30)
    query = (Contract.select(Contract.code, Contract.title, Contract.end_on,
                             rates.in_base(Contract.amount, Contract.currency, today).alias('amount'), Customer.name,
                             Customer.name_en)
             .join(Customer, JOIN.LEFT_OUTER, on=(Contract.customer == Customer.id))
             .where(Contract.status.in_(LIVE), Contract.end_on >= today,
                    Contract.end_on <= today + datetime.timedelta(days=days), scope.condition(Contract, user)))
    return {'days': days, 'count': query.count(),
            'items': [{'code': c.code, 'title': c.title, 'customer': c.customer.name if c.customer else '',
                       'customer_en': (c.customer.name_en or c.customer.name) if c.customer else '',
                       'end_on': c.end_on.isoformat(), 'amount': _num(c.amount),
                       'days_left': (c.end_on - today).days} for c in query.order_by(Contract.end_on).limit(limit)]}


def share_of_wallet_gaps(user, today, limit=TOP):
    """Customers with the largest gap between their target share of wallet and what we sold them in 12 months
    (spend and sales in the base currency)."""
    since = today - datetime.timedelta(days=365)
    sold = (Contract.select(Contract.customer, fn.SUM(rates.in_base(Contract.amount, Contract.currency,
                                                                    today)).alias('total'))
            .where(Contract.status.in_(SIGNED), Contract.signed_on >= since,
                   scope.condition(Contract, user))   # "ours": only contracts the reader may see
            .group_by(Contract.customer)
            .alias('sold'))
    ours = fn.COALESCE(sold.c.total, 0)
    spend = rates.in_base(Customer.yearly_category_spend, Customer.currency, today)
    gap = spend * Customer.target_share / 100 - ours
    query = (Customer.select(Customer.code, Customer.name, Customer.name_en, spend.alias('yearly_category_spend'),
                             Customer.target_share,
                             ours.alias('ours'), gap.alias('gap'))
             .join(sold, JOIN.LEFT_OUTER, on=(sold.c.customer_id == Customer.id))
             .where(Customer.yearly_category_spend > 0, gap > 0, scope.condition(Customer, user))
             .order_by(gap.desc()).limit(limit))
    out = []
    for r in query.dicts():
        spend, ours_v = _num(r['yearly_category_spend']), _num(r['ours'])
        out.append({'code': r['code'], 'name': r['name'], 'name_en': r['name_en'] or r['name'],
                    'spend': spend, 'ours': ours_v,
                    'share_pct': round(ours_v * 100 / spend, 1), 'target_pct': _num(r['target_share']),
                    'gap': round(_num(r['gap']), 2)})
    return out


def about_to_reclaim(user, today, limit=TOP):
    """Owned customers USER may see that fall back into the pool within the pools' warning window."""
    from .pool import about_to_reclaim as due_soon
    window = (PublicPool.select(fn.MAX(PublicPool.warn_days_before))
              .where(PublicPool.active).scalar() or 0)
    rows = due_soon(within_days=window, today=today,
                    customers=Customer.select().where(scope.condition(Customer, user)))
    items = [{'code': c.code, 'name': c.name, 'name_en': c.name_en or c.name, 'owner': c.owner.username,
              'owner_shown': c.owner.display_name or c.owner.username,
              'owner_shown_en': c.owner.display_name_en or c.owner.username, 'due': due.isoformat(),
              'reason': reason, 'days_left': max((due - today).days, 0)}
             for c, due, reason in rows[:limit]]
    return {'count': len(rows), 'items': items}


def plan_coverage(period, user, limit=TOP):
    """Return the products with the most planned or expected demand in PERIOD (the top LIMIT and the count)."""
    rows = [r for r in planning.coverage(period, user) if r['planned'] or r['pipeline'] or r['contracted']]
    rows.sort(key=lambda r: (-max(r['planned'], r['pipeline'] + r['contracted']), r['product']))
    return {'count': len(rows), 'items': rows[:limit]}


def targets_by_owner(period, user, limit=TOP):
    """Return target progress with one row per person or department (both kinds side by side), the top LIMIT.

    Departments come first (a manager's team at a glance), then people by their best progress;
    `count` says how many rows there are in all, so the chart can say how many it left out.
    """
    rows = {}
    for r in planning.target_progress(period, user):
        row = rows.setdefault((r['level'], r['name']), {
            'level': r['level'], 'name': r['name'], 'shown': r['shown'], 'shown_en': r['shown_en']})
        row[r['kind']] = r['progress_pct']
        row[r['kind'] + '_target'], row[r['kind'] + '_achieved'] = r['target'], r['achieved']
    ordered = sorted(rows.values(), key=lambda r: (r['level'] != 'department',
                                                     -max(r.get('sales') or 0, r.get('collection') or 0), r['name']))
    return {'count': len(ordered), 'items': ordered[:limit]}


# What each role's home page shows, most useful first. Finance works the receivables and has no
# leads or pipeline in its scope; sales and managers start from their pipeline; ops from the
# intake. Admins see everything.
CHARTS = ('funnel', 'forecast', 'conversion_source', 'conversion_grade', 'win_rate', 'receivables', 'aging',
          'expiring', 'wallet', 'reclaim', 'coverage', 'targets')
LAYOUTS = {
    'admin': CHARTS,
    'manager': ('funnel', 'forecast', 'targets', 'win_rate', 'receivables', 'aging', 'reclaim', 'expiring',
                'conversion_source', 'conversion_grade', 'wallet', 'coverage'),
    'sales': ('funnel', 'forecast', 'targets', 'reclaim', 'win_rate', 'expiring', 'receivables', 'aging',
              'conversion_source', 'wallet'),
    'ops': ('conversion_source', 'conversion_grade', 'funnel', 'reclaim', 'coverage', 'forecast', 'win_rate',
            'expiring', 'receivables', 'aging'),
    'finance': ('receivables', 'aging', 'expiring', 'targets', 'wallet'),
}


def layout(user):
    """Return the chart keys USER's home page shows, in order."""
    return LAYOUTS.get(scope.role_of(user), CHARTS)


def _series(user, today):
    period = today.strftime('%Y-%m')
    return {
        'funnel': ('funnel', lambda: funnel(user)),
        'forecast': ('forecast', lambda: forecast(user, today)),
        'conversion_source': ('lead_conversion_by_source', lambda: lead_conversion(user, Lead.source, SOURCES)),
        'conversion_grade': ('lead_conversion_by_grade', lambda: lead_conversion(user, Lead.grade, LEAD_GRADES)),
        'win_rate': ('win_rate', lambda: win_rate(user, today)),
        'receivables': ('receivables_by_month', lambda: receivables_by_month(user, today)),
        'aging': ('overdue_aging', lambda: receivables.aging(today, user)),
        'expiring': ('contracts_expiring', lambda: contracts_expiring(user, today)),
        'wallet': ('share_of_wallet_gaps', lambda: share_of_wallet_gaps(user, today)),
        'reclaim': ('about_to_reclaim', lambda: about_to_reclaim(user, today)),
        'coverage': ('product_plan_coverage', lambda: plan_coverage(period, user)),
        'targets': ('target_progress', lambda: targets_by_owner(period, user)),
    }


def _has_data(key, data):
    """Return whether chart KEY has anything to draw (all zeros draws blank axes: say "No data yet")."""
    if key == 'funnel':
        return any(r['count'] for r in data)
    if key == 'forecast':
        return any(r['amount'] for r in data)
    if key == 'receivables':
        return any(r['planned'] or r['collected'] for r in data)
    if key == 'aging':
        return any(r['amount'] for r in data)
    if key == 'win_rate':
        return bool(data['won'] or data['lost'])
    if isinstance(data, dict):
        return bool(data.get('items'))
    return bool(data)


def dashboard_data(user, today=None, charts=None):
    """Return the series of USER's charts (CHARTS: keys, default the role's layout), scoped to what USER may see.

    `charts` lists the keys in order with whether each has data to draw.
    """
    today = today_or(today)
    keys = layout(user) if charts is None else charts
    series = _series(user, today)
    out = {'today': today.isoformat(), 'charts': []}
    for key in keys:
        name, compute = series[key]
        out[name] = compute()
        out['charts'].append({'key': key, 'series': name, 'has_data': _has_data(key, out[name])})
    return out
