"""Collection: follow-ups naming a contract and a plan, dunning one level at a time on overdue plans with
dates, who and the manager it escalates to, and a statement whose balance is the ledger's."""
import datetime
from decimal import Decimal

import pytest

from ltc.errors import RuleViolation, ValidationError
from ltc.models import DunningStep, FollowUp, Reminder
from ltc.services import collection, followups, invoices, receivables
from tests.factories import make_customer, make_department, make_user
from tests.services.cashkit import live_contract, unchanged

D = datetime.date
TODAY = D(2026, 5, 1)


@pytest.fixture
def deal(db):
    dept = make_department()
    boss = make_user('manager', department=dept, username='boss')
    owner = make_user('sales', department=dept, manager=boss, username='rep')
    customer = make_customer(name='华东制造有限公司', credit_code='91310000MA1FL0XX1X')
    contract = live_contract('300000', owner=owner, customer=customer)
    plans = receivables.set_plans(contract, [{'amount': '100000', 'due_on': D(2026, 3, 1)},
                                             {'amount': '200000', 'due_on': D(2026, 9, 1)}])
    return {'boss': boss, 'owner': owner, 'customer': customer, 'contract': contract, 'plans': plans}


def test_followups_name_a_contract_and_a_plan(deal):
    plan = deal['plans'][0]
    row = followups.record_followup(by=deal['owner'], plan=plan, kind='call', summary='催款')
    assert (row.customer_id, row.contract_id, row.plan_id) == (deal['customer'].id, deal['contract'].id, plan.id)
    other = live_contract('1000')
    with unchanged(FollowUp), pytest.raises(ValidationError, match='belongs to another contract'):
        followups.record_followup(by=deal['owner'], contract=other, plan=plan)
    with unchanged(FollowUp), pytest.raises(ValidationError, match='is not a contract of customer'):
        followups.record_followup(by=deal['owner'], customer=deal['customer'], contract=other)


def test_dunning_goes_up_one_level_at_a_time_and_escalates_to_the_manager(deal):
    plan, later = deal['plans']
    with unchanged(DunningStep), pytest.raises(RuleViolation, match='dunning-overdue'):
        collection.dun(later, on=TODAY)
    with unchanged(DunningStep), pytest.raises(RuleViolation, match='dunning-order'):
        collection.dun(plan, level='letter', on=TODAY)
    steps = [collection.dun(plan, by=deal['owner'], on=TODAY + datetime.timedelta(days=n), note=f'第{n}次')
             for n in range(4)]
    assert [s.level for s in steps] == ['reminder', 'call', 'letter', 'escalation']
    assert steps[1].done_on == D(2026, 5, 2) and steps[0].done_by_id == deal['owner'].id
    assert steps[3].escalated_to_id == deal['boss'].id
    assert Reminder.get(Reminder.user == deal['boss'], Reminder.kind == 'payment_overdue').entity_code == plan.code
    collection.dun(plan, level='escalation', by=deal['owner'], on=TODAY + datetime.timedelta(days=5))
    [escalated] = Reminder.select().where(Reminder.user == deal['boss'],   # escalated twice, reminded once
                                          Reminder.kind == 'payment_overdue')
    assert escalated.kind == 'payment_overdue' and escalated.due_on == plan.due_on
    assert collection.dun(plan, level='call', on=TODAY).level == 'call'   # a second call is fine
    assert collection.current_level(plan) == 'escalation'
    [(row, level, days)] = collection.overdue_with_levels(TODAY)
    assert (row.id, level, days) == (plan.id, 'escalation', 61)


def test_statement_balance_equals_the_ledger(deal):
    first, second = deal['plans']
    invoices.issue(invoices.request_invoice(first), 'N1')
    receivables.record_payment(deal['contract'], '60000', received_on=D(2026, 3, 5), today=D(2026, 3, 5))
    live_contract('5000', customer=deal['customer'])   # no plans: adds nothing owed
    data = collection.statement(deal['customer'], on=TODAY)
    assert data['balance'] == collection.ledger_balance(deal['customer']) == {'CNY': Decimal('240000.00')}
    assert data['overdue'] == {'CNY': Decimal('40000.00')}
    assert [p.code for p in data['payments']] and [i.number for i in data['invoices']] == ['N1']
    outsider = make_user('manager', department=make_department())
    assert collection.statement(deal['customer'], on=TODAY, user=outsider)['balance'] == {}
