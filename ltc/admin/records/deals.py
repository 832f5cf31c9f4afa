"""The sections of the lead, opportunity and quote pages: lines, decision chain, quotes, contracts, history."""
from flask_babel import gettext as _
from flask_login import current_user

from ...models import (Contact, Contract, DecisionRole, FollowUp, Lead, Opportunity, OpportunityContact,
                       OpportunityProduct, Product, Quote, QuoteLine, Stage, StageHistory)
from ...services import teams
from .. import formatters
from ..listing import in_scope
from . import timeline
from .page import LIMIT


def _visible(model, query):
    return in_scope(query, model, current_user)


def followups_where(condition):
    """Return the follow-ups matching CONDITION the user may see, newest first."""
    return list(_visible(FollowUp, FollowUp.select().where(condition))
                .order_by(FollowUp.happened_at.desc()).limit(LIMIT))


def opportunity_page(view, opportunity):
    oid = opportunity.id
    stage = Stage.get_by_id(opportunity.stage_id)
    products = list(OpportunityProduct.select(OpportunityProduct, Product).join(Product)
                    .where(OpportunityProduct.opportunity == oid).order_by(OpportunityProduct.id).limit(LIMIT))
    chain = list(OpportunityContact.select(OpportunityContact, Contact, DecisionRole)
                 .join(Contact).switch(OpportunityContact).join(DecisionRole)
                 .where(OpportunityContact.opportunity == oid)
                 .order_by(DecisionRole.sequence, OpportunityContact.id).limit(LIMIT))
    quotes = list(_visible(Quote, Quote.select().where(Quote.opportunity == oid)).order_by(Quote.id.desc())
                  .limit(LIMIT))
    contracts = list(_visible(Contract, Contract.select().where(Contract.opportunity == oid))
                     .order_by(Contract.id.desc()).limit(LIMIT))
    followups = followups_where(FollowUp.opportunity == oid)
    history = list(StageHistory.select().where(StageHistory.opportunity == oid)
                   .order_by(StageHistory.changed_at.desc(), StageHistory.id.desc()).limit(LIMIT))
    currency = opportunity.currency
    health = opportunity.health_score
    return {
        'stage': stage,
        'figures': [
            ('amount', _('Amount'), formatters.money(opportunity.amount, currency)),
            ('weighted', _('Weighted amount'), formatters.money(opportunity.weighted_amount, currency)),
            ('health', _('Health'), '—' if health is None else f'{health} / 100'),
            ('close', _('Expected close'), formatters.date(opportunity.expected_close_on) or '—'),
        ],
        'health_kind': 'secondary' if health is None else 'success' if health >= 70 else
                       'warning' if health >= 40 else 'danger',
        'related': [r for r in (opportunity.customer, opportunity.lead if opportunity.lead_id else None,
                                opportunity.contact if opportunity.contact_id else None) if r is not None],
        'products': products, 'chain': chain, 'quotes': quotes, 'contracts': contracts,
        'followups': followups, 'history': history,
        'team': teams.members(opportunity), 'may_manage_team': teams.may_manage(current_user.record, opportunity),
        'timeline': timeline.merge(timeline.followups(followups), timeline.stage_changes(history),
                                   timeline.audit(opportunity, covered=('stage',))),
    }


def quote_page(view, quote):
    lines = list(QuoteLine.select(QuoteLine, Product).join(Product).where(QuoteLine.quote == quote.id)
                 .order_by(QuoteLine.id).limit(LIMIT))
    contracts = list(_visible(Contract, Contract.select().where(Contract.quote == quote.id))
                     .order_by(Contract.id.desc()).limit(LIMIT))
    followups = followups_where(FollowUp.opportunity == quote.opportunity_id if quote.opportunity_id
                                else FollowUp.customer == quote.customer_id)
    currency = quote.currency
    return {
        'figures': [
            ('subtotal', _('Subtotal'), formatters.money(quote.subtotal, currency)),
            ('discount', _('Discount'), formatters.money(quote.discount_amount, currency)),
            ('total', _('Total'), formatters.money(quote.total, currency)),
            ('valid', _('Valid until'), formatters.date(quote.valid_until) or '—'),
        ],
        'related': [r for r in (quote.customer, quote.opportunity if quote.opportunity_id else None)
                    if r is not None],
        'lines': lines, 'contracts': contracts, 'followups': followups,
        'timeline': timeline.merge(timeline.followups(followups), timeline.audit(quote)),
    }


def lead_page(view, lead):
    followups = followups_where(FollowUp.lead == lead.id)
    opportunities = list(_visible(Opportunity, Opportunity.select().where(Opportunity.lead == lead.id))
                         .order_by(Opportunity.id.desc()).limit(LIMIT))
    duplicates = list(_visible(Lead, Lead.select().where(Lead.duplicate_of == lead.id))
                      .order_by(Lead.id).limit(LIMIT))
    return {
        'figures': [
            ('budget', _('Budget'), formatters.money(lead.budget, lead.currency)),
            ('score', _('Score'), f'{lead.score}'),
            ('followups', _('Follow-ups'), str(lead.followup_count)),
            ('last', _('Last follow-up'), formatters.date(lead.last_followup_at) or '—'),
        ],
        'related': [r for r in (lead.converted_customer if lead.converted_customer_id else None,
                                lead.converted_contact if lead.converted_contact_id else None,
                                lead.duplicate_of if lead.duplicate_of_id else None,
                                lead.campaign if lead.campaign_id else None) if r is not None],
        'followups': followups, 'opportunities': opportunities, 'duplicates': duplicates,
        'timeline': timeline.merge(timeline.followups(followups), timeline.audit(lead)),
    }
