"""Opportunities: stage moves and history, weighted amounts, Won/Lost rules, decision chain, feed."""
import datetime
from decimal import Decimal

import pytest

from ltc.db import utcnow
from ltc.errors import RuleViolation, ValidationError
from ltc.models import (Customer, DecisionRole, Opportunity, OpportunityContact, Quote, Stage,
                        StageHistory)
from ltc.services import audit, opportunities as opps
from ltc.services.followups import record_followup

from ..factories import (make_contact, make_contract, make_customer, make_department, make_opportunity,
                         make_stage_moves, make_user)
from .unchanged import unchanged


def _stage(code):
    return Stage.get(Stage.code == code)


def test_save_opportunity_weights_and_records_first_stage(db):
    customer = make_customer()
    opp = opps.save_opportunity(Opportunity(name='扩容', customer=customer, stage=_stage('ST-PROPOSE'),
                                            amount=Decimal('300000'),
                                            expected_close_on=datetime.date(2026, 9, 1)))
    assert opp.weighted_amount == Decimal('150000.00') and opp.first_close_on == datetime.date(2026, 9, 1)
    assert StageHistory.get(StageHistory.opportunity == opp.id).from_stage_id is None
    with unchanged(tables=[Opportunity]), pytest.raises(ValidationError, match='cannot be negative'):
        opps.save_opportunity(Opportunity(name='x', customer=customer, stage=_stage('ST-PROPOSE'), amount=-1))


def test_move_stage_records_history_and_days(db):
    rep = make_user()
    opp = make_opportunity(amount=Decimal('200000'), owner=rep)
    Opportunity.update(stage_changed_at=utcnow() - datetime.timedelta(days=12)).where(
        Opportunity.id == opp.id).execute()
    opps.move_stage(opp, 'ST-ANALYSE', by=rep)
    opp = Opportunity.get_by_id(opp.id)
    assert opp.stage.code == 'ST-ANALYSE' and opp.weighted_amount == Decimal('50000.00')
    row = StageHistory.get(StageHistory.opportunity == opp.id)
    assert (row.from_stage.code, row.to_stage.code, row.changed_by_id, row.days_in_previous) == \
        ('ST-VALIDATE', 'ST-ANALYSE', rep.id, 12)


def test_move_to_same_stage_or_unknown_is_refused(db):
    opp = make_opportunity()
    with unchanged(opp, tables=[StageHistory]), pytest.raises(RuleViolation, match='already in stage Validate'):
        opps.move_stage(opp, _stage('ST-VALIDATE'))
    with unchanged(opp, tables=[StageHistory]), pytest.raises(ValidationError, match="no stage 'ST-NOPE'"):
        opps.move_stage(opp, 'ST-NOPE')


def test_won_needs_contract_or_quote_and_marks_customer(db):
    opp = make_opportunity()
    with unchanged(opp, opp.customer, tables=[StageHistory]), \
            pytest.raises(RuleViolation, match='to Won needs a contract or a sent or accepted quote'):
        opps.move_stage(opp, 'ST-WON')
    audit.save(Quote(title='报价', customer=opp.customer, opportunity=opp, status='draft',
                     quoted_on=datetime.date.today()))
    with unchanged(opp, tables=[StageHistory]), pytest.raises(RuleViolation, match='to Won needs'):
        opps.move_stage(opp, 'ST-WON')
    make_contract(customer=opp.customer, opportunity=opp)
    opps.move_stage(opp, 'ST-WON')
    opp = Opportunity.get_by_id(opp.id)
    assert opp.closed_on == datetime.date.today() and opp.weighted_amount == opp.amount
    assert Customer.get_by_id(opp.customer_id).last_won_on == datetime.date.today()


def test_sent_quote_is_enough_to_win(db):
    opp = make_opportunity()
    audit.save(Quote(title='报价', customer=opp.customer, opportunity=opp, status='sent',
                     quoted_on=datetime.date.today()))
    assert opps.move_stage(opp, 'ST-WON').stage.is_won


def test_lost_needs_reason_and_reopen_clears_it(db):
    opp = make_opportunity()
    with unchanged(opp, tables=[StageHistory]), pytest.raises(RuleViolation, match='to Lost needs a lost reason'):
        opps.move_stage(opp, 'ST-LOST', reason=' ')
    opps.move_stage(opp, 'ST-LOST', reason='price too high')
    opp = Opportunity.get_by_id(opp.id)
    assert opp.lost_reason == 'price too high' and opp.weighted_amount == 0 and opp.closed_on
    opps.move_stage(opp, 'ST-ANALYSE')
    opp = Opportunity.get_by_id(opp.id)
    assert opp.lost_reason is None and opp.closed_on is None


def test_decision_chain_and_warnings(db):
    customer = make_customer()
    opp = make_opportunity(customer=customer)
    tech = DecisionRole.get(DecisionRole.code == 'DR-TECH')
    boss = DecisionRole.get(DecisionRole.code == 'DR-DM')
    engineer = make_contact(customer=customer)
    opps.add_decision_contact(opp, engineer, tech, attitude='neutral')
    assert opps.decision_chain_warnings(opp) == [
        'No decision maker identified / 未识别决策者',
        'Nobody in the decision chain supports us / 决策链中没有支持者']
    ceo = make_contact(customer=customer)
    opps.add_decision_contact(opp, ceo, boss, attitude='opponent', influence='high')
    assert opps.decision_chain_warnings(opp)[0] == 'The decision maker opposes us / 决策者持反对态度'
    opps.add_decision_contact(opp, ceo, boss, attitude='supporter', influence='high')
    assert opps.decision_chain_warnings(opp) == []
    assert OpportunityContact.select().count() == 2
    stranger = make_contact()
    with unchanged(tables=[OpportunityContact]), pytest.raises(RuleViolation, match='works for another customer'):
        opps.add_decision_contact(opp, stranger, tech)
    with unchanged(tables=[OpportunityContact]), pytest.raises(ValidationError, match='Attitude must be one of'):
        opps.add_decision_contact(opp, engineer, tech, attitude='hostile')


def busy_team():
    """A sales rep whose colleagues' moves and major follow-ups outnumber and interleave the rep's own."""
    east, west = make_department(), make_department()
    rep, colleague, outsider = make_user(department=east), make_user(department=east), make_user(department=west)
    mine, theirs = make_opportunity(owner=rep), make_opportunity(owner=colleague)
    far = make_opportunity(owner=outsider)
    now = utcnow() - datetime.timedelta(minutes=1)
    minutes = datetime.timedelta(minutes=1)
    # 60 moves a minute apart; every 6th is the rep's own (10), the rest a colleague's (50).
    make_stage_moves([(mine, rep, now - i * minutes) if i % 6 == 5 else (theirs, colleague, now - i * minutes)
                      for i in range(60)] + [(far, outsider, now)])
    # 20 major follow-ups between them; every 5th is the rep's (4).
    for j in range(20):
        by, opp = (rep, mine) if j % 5 == 4 else (colleague, theirs)
        record_followup(opportunity=opp, by=by, kind='visit', summary=f'visit {j}', is_major=True,
                        happened_at=now - (3 * j + 0.5) * minutes)
    return east, rep, colleague


def test_department_feed_keeps_to_the_users_scope_in_the_query(db):
    east, rep, colleague = busy_team()
    everything = opps.department_feed(east, limit=100)
    assert len(everything) == 80
    own = [i for i in everything if i['user'] == rep.display_name]
    assert len(own) == 14
    feed = opps.department_feed(east, limit=10, user=rep)
    assert feed == own[:10]   # the newest ten the rep may see, not what is left of the newest ten
    assert {i['kind'] for i in feed} == {'stage', 'followup'}
    assert len(opps.department_feed(east, limit=50, user=rep)) == 14   # all there are
    manager = make_user(role='manager', department=east)
    assert opps.department_feed(east, limit=10, user=manager) == everything[:10]
    assert opps.department_feed(east, limit=10, user=make_user(role='admin')) == everything[:10]
    assert opps.department_feed(east, limit=10, user=make_user(department=east)) == []


def test_department_feed(db):
    east, west = make_department(), make_department()
    rep, outsider = make_user(department=east), make_user(department=west)
    mine = make_opportunity(owner=rep, name='华东项目')
    theirs = make_opportunity(owner=outsider)
    opps.move_stage(mine, 'ST-ANALYSE', by=rep)
    opps.move_stage(mine, 'ST-LOST', by=rep, reason='budget cut')
    opps.move_stage(theirs, 'ST-ANALYSE', by=outsider)
    record_followup(opportunity=mine, by=rep, kind='visit', summary='met the CIO', is_major=True)
    record_followup(opportunity=mine, by=rep, kind='call', summary='routine')
    feed = opps.department_feed(east)
    assert [item['kind'] for item in feed] == ['followup', 'lost', 'stage']
    assert 'budget cut' in feed[1]['text'] and feed[2]['text'] == '华东项目: 验证机会 → 需求分析'
