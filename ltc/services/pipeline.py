"""The pipeline board: opportunities by stage with count, amount and weighted amount, in the user's scope."""
import datetime
from decimal import Decimal

from peewee import fn

from ..models import Customer, Department, Opportunity, Stage, User
from . import scope
from .messages import invalid

CARDS_PER_COLUMN = 50


def month_range(month):
    """Return (first day, first day of the next month) for 'YYYY-MM'; ValidationError otherwise."""
    try:
        first = datetime.datetime.strptime((month or '').strip(), '%Y-%m').date()
    except ValueError:
        raise invalid('Close month must look like 2026-03, got {month!r}.',
                      '预计成交月份的格式应为 2026-03，收到的是 {month!r}。', month=month) from None
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first, following


def filters(user, owner=None, department=None, month=None):
    """Return the conditions of the board for USER: the scope, then the chosen owner, department and close month."""
    conds = [scope.condition(Opportunity, user)]
    if owner:
        conds.append(Opportunity.owner == int(owner))
    if department:
        dept = Department.get_or_none(Department.id == int(department))
        ids = dept.subtree_ids() if dept is not None else [0]
        conds.append(Opportunity.department.in_(ids)
                     | Opportunity.owner.in_(User.select(User.id).where(User.department.in_(ids))))
    if month:
        first, following = month_range(month)
        conds.append((Opportunity.expected_close_on >= first) & (Opportunity.expected_close_on < following))
    return conds


def totals(conds):
    """Return {stage id: {'count', 'amount', 'weighted'}} of the opportunities matching CONDS, in the base currency."""
    from . import rates
    today = datetime.date.today()
    query = (Opportunity.select(Opportunity.stage, fn.COUNT(Opportunity.id).alias('n'),
                                fn.SUM(rates.in_base(Opportunity.amount, Opportunity.currency, today)).alias('amount'),
                                fn.SUM(rates.in_base(Opportunity.weighted_amount, Opportunity.currency,
                                                     today)).alias('weighted'))
             .where(*conds).group_by(Opportunity.stage))
    return {r['stage']: {'count': r['n'], 'amount': Decimal(r['amount'] or 0),
                         'weighted': Decimal(r['weighted'] or 0)} for r in query.dicts()}


def board(user, owner=None, department=None, month=None, cap=CARDS_PER_COLUMN):
    """Return the columns of the board: each stage with its totals and at most CAP cards.

    Cards are the opportunities closing soonest first (no close date last); `more` says how
    many matching opportunities the column does not show.
    """
    conds = filters(user, owner, department, month)
    sums = totals(conds)
    columns = []
    for stage in Stage.select().order_by(Stage.sequence, Stage.id):
        numbers = sums.get(stage.id, {'count': 0, 'amount': Decimal(0), 'weighted': Decimal(0)})
        cards = []
        if numbers['count']:
            cards = list(Opportunity.select(Opportunity, Customer).join(Customer)
                         .where(Opportunity.stage == stage.id, *conds)
                         .order_by(Opportunity.expected_close_on.is_null(), Opportunity.expected_close_on,
                                   Opportunity.id)
                         .limit(cap))
        columns.append({'stage': stage, 'cards': cards, 'more': numbers['count'] - len(cards), **numbers})
    owners = {u.id: u for u in User.select().where(User.id.in_({c.owner_id for col in columns
                                                                for c in col['cards'] if c.owner_id}))}
    for col in columns:
        for card in col['cards']:
            card.owner_user = owners.get(card.owner_id)
    return columns


def owner_choices(user):
    """Return the users whose opportunities USER may see (everyone active for an all-rows scope)."""
    ids = scope.visible_user_ids(user)
    query = User.select().where(User.active)
    if ids is not None:
        query = query.where(User.id.in_(ids))
    return list(query.order_by(User.username).limit(500))
