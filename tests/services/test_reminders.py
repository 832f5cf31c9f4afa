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


def test_a_reminder_reads_in_its_readers_language(db):
    """Kept as kind + fields: the recipient (zh) and an English admin each read it in their language, once."""
    owner = make_user(language='zh_Hans_CN')
    _world(owner)
    reminders.generate(D(2026, 5, 10))
    overdue = Reminder.get(Reminder.kind == 'payment_overdue')
    zh, en = reminders.render(overdue, owner.language), reminders.render(overdue, 'en')
    assert zh.startswith('合同 ') and '回款 400.00' in zh and '2026-05-01 起逾期' in zh and 'Payment' not in zh
    assert en.startswith('Payment 400.00 of contract ') and '逾期' not in en
    assert overdue.message == en   # the stored text is the English one, never both


def test_pool_warning_in_each_language_and_never_twice_and_old_rows_in_one_language(db):
    rep = make_user(language='en')
    customer = make_customer(owner=rep, name='杭州新测智能装备有限公司', name_en='Hangzhou Xince Intelligent Equipment')
    from ltc.services.pool import _warn
    assert _warn(customer, D(2026, 6, 1), 'no follow-up for 30 days', '30 天未跟进') == 1
    assert _warn(customer, D(2026, 6, 1), 'no follow-up for 30 days', '30 天未跟进') == 0
    warning = Reminder.get(Reminder.kind == 'pool_warning')
    assert reminders.render(warning, 'en') == ('Customer Hangzhou Xince Intelligent Equipment returns to the public '
                                               'pool on 2026-06-01 (no follow-up for 30 days); follow up before then')
    assert reminders.render(warning, 'zh') == '客户 杭州新测智能装备有限公司 将于 2026-06-01 掉入公海（30 天未跟进），请及时跟进'
    # Rows stored before the fields were kept ("中文 / English") show only the reader's half.
    owner = make_user()
    with audit.acting_as('demo', 'cli'):
        old = audit.save(Reminder(user=owner, kind='lead_waiting', entity='Lead', entity_code='L1', due_on=D(2026, 5, 1),
                                  message='线索待处理：新测智能 / Lead waiting: Xince', dedupe_key='old'))
    assert reminders.render(old, 'zh') == '线索待处理：新测智能'
    assert reminders.render(old, 'en_US') == 'Lead waiting: Xince'


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
