"""Reminders: generation per kind, idempotence, the user's language, unread counts, mark read."""
import datetime

import pytest

from ltc.errors import RuleViolation
from ltc.models import FollowUp, Reminder
from ltc.services import audit, care, reminders, receivables
from tests.factories import make_customer, make_lead, make_user
from tests.services.cashkit import live_contract, unchanged

D = datetime.date
T = datetime.datetime


def _world(owner):
    customer = make_customer(owner=owner)
    audit.save(FollowUp(customer=customer, owner=owner, happened_at=T(2026, 5, 1, 10), summary='报价沟通',
                        next_contact_on=D(2026, 5, 9)))
    done = make_customer(owner=owner)   # followed up again since: not due
    audit.save(FollowUp(customer=done, owner=owner, happened_at=T(2026, 5, 1, 10), next_contact_on=D(2026, 5, 8)))
    audit.save(FollowUp(customer=done, owner=owner, happened_at=T(2026, 5, 8, 10), next_contact_on=D(2026, 6, 8)))
    make_lead(owner=owner, status='assigned', assigned_at=T(2026, 5, 5, 9))      # waiting 5 days
    make_lead(owner=owner, status='assigned', assigned_at=T(2026, 5, 9, 9))      # only 1 day
    contract = live_contract(amount='1000', owner=owner, end_on=D(2026, 6, 1))
    receivables.set_plans(contract, [{'amount': 400, 'due_on': D(2026, 5, 1)},
                                     {'amount': 600, 'due_on': D(2026, 5, 15)}])
    care.schedule_return_visit(contract, after=D(2026, 5, 3))   # due 05-10
    return contract


def test_generate_covers_every_kind_and_is_idempotent(db):
    owner = make_user(language='en')
    _world(owner)
    counts = reminders.generate(D(2026, 5, 10))
    assert counts == {'followup_due': 1, 'lead_waiting': 1, 'contract_expiring': 1, 'payment_due': 1,
                      'payment_overdue': 1, 'care_task': 1}
    assert reminders.generate(D(2026, 5, 10)) == dict.fromkeys(counts, 0)
    assert reminders.unread_count(owner) == 6
    overdue = Reminder.get(Reminder.kind == 'payment_overdue')
    assert overdue.message.startswith('Payment 400.00 of contract') and overdue.due_on == D(2026, 5, 1)


def test_messages_follow_the_users_language(db):
    owner = make_user(language='zh_Hans_CN')
    _world(owner)
    reminders.generate(D(2026, 5, 10))
    assert '逾期' in Reminder.get(Reminder.kind == 'payment_overdue').message


def test_inbox_mark_read_and_counts(db):
    owner, other = make_user(language='en'), make_user()
    _world(owner)
    reminders.generate(D(2026, 5, 10))
    rows = reminders.inbox(owner)
    assert len(rows) == 6 and reminders.unread_counts() == {owner.id: 6}
    with unchanged(Reminder), pytest.raises(RuleViolation, match='reminder-owner'):
        reminders.mark_read(other, [rows[0].code])
    assert reminders.mark_read(owner, [rows[0].code]) == 1
    assert reminders.unread_count(owner) == 5
    assert reminders.inbox(owner)[-1].code == rows[0].code   # read ones sink to the bottom
    assert reminders.mark_read(owner) == 5
    assert reminders.unread_counts() == {}
    assert reminders.mark_read(owner) == 0


def test_inactive_users_get_no_reminders(db):
    owner = make_user(active=False)
    _world(owner)
    assert sum(reminders.generate(D(2026, 5, 10)).values()) == 0


def test_one_key_whoever_creates_the_reminder(db):
    """A reminder another creator (the demo, a pool warning) made is the one the generator would make."""
    owner = make_user(language='en')
    contract = live_contract(amount='1000', owner=owner)
    receivables.set_plans(contract, [{'amount': 1000, 'due_on': D(2026, 5, 1)}])
    plan = contract.payment_plans.get()
    with audit.acting_as('demo', 'cli'):
        audit.save(Reminder(user=owner, kind='payment_overdue', entity='PaymentPlan', entity_code=plan.code,
                            message='made elsewhere', due_on=plan.due_on,
                            dedupe_key=reminders.dedupe_key('payment_overdue', plan.code, plan.due_on, owner.id)))
    assert reminders.generate(D(2026, 5, 10))['payment_overdue'] == 0
    assert Reminder.select().where(Reminder.entity_code == plan.code).count() == 1
