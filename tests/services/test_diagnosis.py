"""Opportunity diagnosis: a 0-100 health score with its reasons, stored on the opportunity."""
import datetime
from decimal import Decimal

from ltc.db import utcnow
from ltc.models import DecisionRole, Opportunity, OpportunityProduct, Stage
from ltc.services import audit, diagnosis, opportunities as opps

from ..factories import make_contact, make_contract, make_customer, make_opportunity, make_product

TODAY = datetime.date.today()


def _healthy():
    customer = make_customer(industry='manufacturing', size='large', yearly_category_spend=Decimal('5000000'))
    opp = make_opportunity(customer=customer, amount=Decimal('500000'),
                           expected_close_on=TODAY + datetime.timedelta(days=30),
                           first_close_on=TODAY + datetime.timedelta(days=30),
                           last_followup_at=utcnow(), stage_changed_at=utcnow())
    product = make_product(profile_industries='manufacturing,energy', profile_sizes='large,xlarge')
    audit.save(OpportunityProduct(opportunity=opp, product=product, amount=Decimal('500000')))
    dm = DecisionRole.get(DecisionRole.code == 'DR-DM')
    opps.add_decision_contact(opp, make_contact(customer=customer), dm, attitude='supporter')
    return opp, customer, product


def test_healthy_opportunity_scores_100(db):
    opp, _, _ = _healthy()
    opp = diagnosis.diagnose(opp)
    assert opp.health_score == 100 and opp.health_reasons == 'no risks found / 未发现风险'


def test_each_factor_lowers_the_score_with_a_reason(db):
    opp, customer, product = _healthy()
    customer.industry, customer.size = 'retail', 'micro'
    audit.save(customer)
    product.status = 'discontinued'
    audit.save(product)
    long_ago = utcnow() - datetime.timedelta(days=45)
    Opportunity.update(last_followup_at=long_ago, stage_changed_at=long_ago, amount=Decimal('9000000'),
                       expected_close_on=TODAY - datetime.timedelta(days=1),
                       first_close_on=TODAY - datetime.timedelta(days=100)).where(Opportunity.id == opp.id).execute()
    opp = diagnosis.diagnose(opp)
    reasons = opp.health_reasons.splitlines()
    assert any(r.startswith('\u221215 customer industry 零售') for r in reasons)
    assert any(r.startswith('\u221210 customer size') for r in reasons)
    assert any('is discontinued' in r for r in reasons)
    assert any(r.startswith('\u221220 45 days since the last follow-up') for r in reasons)
    assert any(r.startswith('\u221220 45 days in Validate, over twice the typical 14') for r in reasons)
    assert any('has passed' in r for r in reasons)
    assert any(r.startswith('\u221220 close date slipped 99 days') for r in reasons)
    assert any('exceeds the customer\'s yearly spend' in r for r in reasons)
    assert opp.health_score == 0   # the penalties exceed 100 and the score stops at 0


def test_decision_chain_coverage(db):
    opp, customer, _ = _healthy()
    bare = make_opportunity(customer=customer, expected_close_on=TODAY, last_followup_at=utcnow(),
                            stage_changed_at=utcnow())
    score, reasons = diagnosis.health(bare)
    assert '\u221225 no decision chain recorded / 未建立决策链' in reasons
    assert '\u221210 no products on the opportunity / 未选择产品' in reasons and score == 65
    tech = DecisionRole.get(DecisionRole.code == 'DR-TECH')
    opps.add_decision_contact(opp, make_contact(customer=customer), tech, attitude='opponent', influence='high')
    score, reasons = diagnosis.health(opp)
    assert score == 95 and reasons == ['\u22125 1 influential opponent(s) / 高影响力反对者']


def test_closed_opportunities_and_bulk_diagnosis(db):
    opp, _, _ = _healthy()
    stale = make_opportunity(stage_changed_at=utcnow())
    make_contract(customer=opp.customer, opportunity=opp)
    opps.move_stage(opp, 'ST-WON')
    assert diagnosis.health(Opportunity.get_by_id(opp.id)) == (100, ['+100 won / 已赢单'])
    assert diagnosis.diagnose_open() == 1
    assert diagnosis.diagnose_open() == 0
    assert Opportunity.get_by_id(stale.id).health_score < 100
    assert Opportunity.get_by_id(opp.id).health_score is None
    assert Stage.get(Stage.code == 'ST-LOST').probability == 0
