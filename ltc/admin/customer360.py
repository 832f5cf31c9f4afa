"""The customer 360° page: everything about one customer on one screen, within the user's scope."""
import datetime
from decimal import Decimal

from flask_login import current_user
from peewee import fn

from ..models import (CareTask, Contact, Contract, Customer, FollowUp, Lead, Opportunity,
                      Payment, PaymentPlan, Quote, Stage)
from ..services import customers, rates, scope
from .custom import definitions, shown
from .i18n import lang
from .listing import in_scope

LIMIT = 50
CONTRACTED = customers.CONTRACTED   # one definition of "business we have won"
OPEN_PLAN = ('pending', 'partial', 'overdue')


def _visible(model, query):
    return in_scope(query, model, current_user)


def _sum(query):
    return query.scalar() or Decimal('0')


def totals(customer, user, today=None):
    """Return contracted, collected, overdue and share of wallet (from customers.share_of_wallet), each in the
    base currency (`currency`) at today's rates: a customer's contracts may be in several currencies."""
    today = today or datetime.date.today()
    visible = scope.condition(Contract, user)
    contracts = Contract.select(Contract.id).where(Contract.customer == customer.id,
                                                   Contract.status.in_(CONTRACTED), visible)
    contracted = _sum(Contract.select(fn.SUM(rates.in_base(Contract.amount, Contract.currency, today)))
                      .where(Contract.id.in_(contracts)))
    collected = _sum(Payment.select(fn.SUM(rates.in_base(Payment.amount, Payment.currency, today))).join(Contract)
                     .where(Contract.customer == customer.id, visible))
    owed = rates.in_base(PaymentPlan.amount - PaymentPlan.paid_amount, PaymentPlan.currency, today)
    overdue = _sum(PaymentPlan.select(fn.SUM(owed))
                   .join(Contract).where(Contract.customer == customer.id, visible,
                                         PaymentPlan.due_on < today,
                                         PaymentPlan.status.in_(OPEN_PLAN)))
    wallet = customers.share_of_wallet(customer, today, user=user)
    return {'currency': rates.base_currency(), 'contracted': Decimal(contracted), 'collected': Decimal(collected),
            'overdue': Decimal(overdue), 'last_12_months': wallet['contracted_12m'],
            'share': wallet['share_pct'], 'target_share': wallet['target_share_pct'], 'gap': wallet['gap']}


def group(customer, user):
    """Return the parent (None when out of USER's scope), whether one is hidden, visible subsidiaries and the rest's count."""
    parent = hidden_parent = None
    if customer.parent_id:
        parent = in_scope(Customer.select(), Customer, user).where(Customer.id == customer.parent_id).first()
        hidden_parent = parent is None
    members = Customer.select().where(Customer.parent == customer.id)
    subsidiaries = list(in_scope(members, Customer, user).order_by(Customer.code).limit(LIMIT))
    hidden = members.count() - in_scope(members, Customer, user).count()
    return {'parent': parent, 'hidden_parent': bool(hidden_parent), 'subsidiaries': subsidiaries,
            'hidden_subsidiaries': hidden}


def context(customer):
    """Return the sections of the 360° page, each limited to what the user may see."""
    cid = customer.id
    opportunities = list(_visible(Opportunity, Opportunity.select(Opportunity, Stage).join(Stage)
                                  .where(Opportunity.customer == cid))
                         .order_by(Opportunity.id.desc()).limit(LIMIT))
    contracts = list(_visible(Contract, Contract.select().where(Contract.customer == cid))
                     .order_by(Contract.id.desc()).limit(LIMIT))
    contract_ids = [c.id for c in contracts]
    return {
        'customer': customer,
        'custom': [(d.title(lang()), shown(d, customer.custom)) for d in definitions(Customer)
                   if shown(d, customer.custom) != ''],
        **group(customer, current_user),   # names of other owners' group members stay hidden
        'contacts': list(_visible(Contact, Contact.select().where(Contact.customer == cid))
                         .order_by(Contact.is_key_decision_maker.desc(), Contact.id).limit(LIMIT)),
        'followups': list(_visible(FollowUp, FollowUp.of_customer(cid))
                          .order_by(FollowUp.happened_at.desc()).limit(LIMIT)),
        'leads': list(_visible(Lead, Lead.select().where(Lead.converted_customer == cid))
                      .order_by(Lead.id.desc()).limit(LIMIT)),
        'opportunities': opportunities,
        'quotes': list(_visible(Quote, Quote.select().where(Quote.customer == cid))
                       .order_by(Quote.id.desc()).limit(LIMIT)),
        'contracts': contracts,
        'plans': list(PaymentPlan.select().where(PaymentPlan.contract.in_(contract_ids))
                      .order_by(PaymentPlan.due_on).limit(LIMIT)) if contract_ids else [],
        'payments': list(Payment.select().where(Payment.contract.in_(contract_ids))
                         .order_by(Payment.received_on.desc()).limit(LIMIT)) if contract_ids else [],
        'care_tasks': list(_visible(CareTask, CareTask.select().where(CareTask.customer == cid))
                           .order_by(CareTask.due_on.desc()).limit(LIMIT)),
        'totals': totals(customer, current_user),
        'in_pool': customer.owner_id is None,
    }
