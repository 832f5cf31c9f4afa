"""Follow-ups: recording one keeps the counters of its lead, customer and opportunity current."""
import datetime

import pytest

from ltc.errors import ValidationError
from ltc.models import Customer, FollowUp, Lead, Opportunity
from ltc.services.followups import record_followup

from ..factories import make_lead, make_opportunity, make_user
from .unchanged import unchanged


def test_followup_updates_lead_counters_and_status(db):
    user = make_user()
    lead = make_lead(owner=user, status='assigned')
    at = datetime.datetime(2026, 1, 5, 9, 0)
    record_followup(lead=lead, by=user, kind='call', summary='intro', happened_at=at)
    record_followup(lead=lead, by=user, kind='email', happened_at=at - datetime.timedelta(days=2))
    lead = Lead.get_by_id(lead.id)
    assert lead.followup_count == 2 and lead.last_followup_at == at and lead.status == 'contacted'


def test_followup_refusals(db):
    with unchanged(tables=[FollowUp]), pytest.raises(ValidationError, match='needs a lead, customer'):
        record_followup(kind='call')
    lead = make_lead()
    with unchanged(lead, tables=[FollowUp]), pytest.raises(ValidationError, match='Unknown follow-up kind'):
        record_followup(lead=lead, kind='fax')
    future = datetime.datetime.now() + datetime.timedelta(days=2)
    with unchanged(lead, tables=[FollowUp]), pytest.raises(ValidationError, match='cannot happen in the future'):
        record_followup(lead=lead, happened_at=future)


def test_followup_updates_opportunity_and_customer(db):
    opp = make_opportunity()
    record_followup(opportunity=opp, kind='meeting', summary='demo')
    opp = Opportunity.get_by_id(opp.id)
    assert opp.followup_count == 1 and opp.last_followup_at is not None
    assert Customer.get_by_id(opp.customer_id).last_followup_at == opp.last_followup_at
