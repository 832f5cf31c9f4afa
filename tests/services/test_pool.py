"""The public pool: reclaim and warnings, claim limits, cooldown, release with a reason."""
import datetime

import pytest

from ltc.db import utcnow
from ltc.errors import NotFound, RuleViolation
from ltc.models import AuditLog, Customer, PublicPool, Reminder
from ltc.services import audit, pool
from ltc.services.customers import set_locked, timeline
from ltc.services.followups import record_followup

from ..factories import make_customer, make_department, make_user
from .unchanged import unchanged

TODAY = datetime.date(2026, 3, 1)


def _pool(**kw):
    row = PublicPool.get(PublicPool.code == 'PL-DEFAULT')
    for key, value in kw.items():
        setattr(row, key, value)
    return audit.save(row)


def _owned(owner, days_ago, **kw):
    return make_customer(owner=owner, owner_since=TODAY - datetime.timedelta(days=days_ago), **kw)


def test_reclaim_after_days_without_followup(db):
    _pool(reclaim_no_followup_days=30, warn_days_before=3)
    rep = make_user()
    due = _owned(rep, 30)
    fresh = _owned(rep, 20)
    assert pool.run_reclaim(TODAY) == {'reclaimed': 1, 'warned': 0}
    due = Customer.get_by_id(due.id)
    assert due.owner_id is None and due.previous_owner_id == rep.id and due.released_at
    assert due.pool.code == 'PL-DEFAULT' and due.owner_since is None
    row = AuditLog.get(AuditLog.entity_code == due.code, AuditLog.action == 'reclaim')
    assert 'no follow-up for 30 days' in row.note and '未跟进' in row.note
    assert timeline(due)[0]['kind'] == 'reclaim'
    assert Customer.get_by_id(fresh.id).owner_id == rep.id


def test_followup_counts_from_the_later_date(db):
    _pool(reclaim_no_followup_days=30)
    rep = make_user()
    customer = _owned(rep, 100)
    record_followup(customer=customer, kind='visit', happened_at=datetime.datetime(2026, 2, 10, 10))
    assert pool.run_reclaim(TODAY)['reclaimed'] == 0
    assert pool.run_reclaim(datetime.date(2026, 3, 12))['reclaimed'] == 1


def test_reclaim_without_won_deal(db):
    _pool(reclaim_no_followup_days=0, reclaim_no_deal_days=90)
    rep = make_user()
    old = _owned(rep, 90, last_followup_at=utcnow())
    assert pool.run_reclaim(TODAY)['reclaimed'] == 1
    assert 'no won deal for 90 days' in AuditLog.get(AuditLog.entity_code == old.code,
                                                     AuditLog.action == 'reclaim').note


def test_won_and_locked_customers_are_exempt(db):
    _pool(reclaim_no_followup_days=10)
    rep = make_user()
    won = _owned(rep, 400, last_won_on=datetime.date(2025, 1, 1))
    locked = _owned(rep, 400)
    set_locked(locked, True)
    assert pool.run_reclaim(TODAY) == {'reclaimed': 0, 'warned': 0}
    assert Customer.get_by_id(won.id).owner_id == rep.id and Customer.get_by_id(locked.id).owner_id == rep.id


def test_warning_before_reclaim_is_idempotent(db):
    _pool(reclaim_no_followup_days=30, warn_days_before=3)
    rep = make_user()
    customer = _owned(rep, 27)
    assert pool.run_reclaim(TODAY) == {'reclaimed': 0, 'warned': 1}
    before = AuditLog.select().count()
    assert pool.run_reclaim(TODAY) == {'reclaimed': 0, 'warned': 0}
    assert AuditLog.select().count() == before
    reminder = Reminder.get()
    assert reminder.user_id == rep.id and reminder.kind == 'pool_warning'
    assert reminder.entity_code == customer.code and reminder.due_on == TODAY + datetime.timedelta(days=3)
    assert pool.run_reclaim(TODAY + datetime.timedelta(days=3))['reclaimed'] == 1
    assert pool.run_reclaim(TODAY + datetime.timedelta(days=3)) == {'reclaimed': 0, 'warned': 0}


def test_inactive_pool_reclaims_nothing(db):
    _pool(reclaim_no_followup_days=1, active=False)
    _owned(make_user(), 50)
    assert pool.run_reclaim(TODAY) == {'reclaimed': 0, 'warned': 0}


def test_about_to_reclaim_lists_due_customers(db):
    _pool(reclaim_no_followup_days=30)
    rep = make_user()
    soon = _owned(rep, 25)
    _owned(rep, 1)
    listed = pool.about_to_reclaim(within_days=7, today=TODAY)
    assert [(c.id, d) for c, d, _ in listed] == [(soon.id, TODAY + datetime.timedelta(days=5))]


def test_claim_sets_owner_and_counts_per_day(db):
    _pool(daily_claim_limit=2)
    rep = make_user()
    first, second, third = (make_customer() for _ in range(3))
    pool.claim(first, by=rep)
    pool.claim(second, by=rep)
    claimed = Customer.get_by_id(first.id)
    assert claimed.owner_id == rep.id and claimed.owner_since == datetime.date.today()
    assert pool.claims_today(rep) == 2
    with unchanged(third), pytest.raises(RuleViolation, match='daily claim limit of 2 reached for today'):
        pool.claim(third, by=rep)


def test_claim_refused_by_ownership_cap(db):
    _pool(ownership_cap=1)
    rep = make_user()
    make_customer(owner=rep)
    target = make_customer()
    with unchanged(target), pytest.raises(RuleViolation, match='ownership cap of 1 customers reached'):
        pool.claim(target, by=rep)


def test_claim_refused_during_cooldown(db):
    _pool(cooldown_days=7)
    rep, other = make_user(), make_user()
    customer = make_customer(owner=rep)
    pool.release(customer, rep, 'no budget this year')
    with unchanged(customer), pytest.raises(RuleViolation, match='cooldown of 7 days for the previous owner'):
        pool.claim(customer, by=rep)
    later = datetime.date.today() + datetime.timedelta(days=7)
    assert pool.claim(customer, by=rep, today=later).owner_id == rep.id
    pool.release(customer, rep, 'again')
    assert pool.claim(customer, by=other).owner_id == other.id


def test_claim_refused_when_owned(db):
    rep = make_user()
    customer = make_customer(owner=make_user())
    with unchanged(customer), pytest.raises(RuleViolation, match='is owned by'):
        pool.claim(customer, by=rep)


def test_release_needs_owner_reason_and_unlocked(db):
    team = make_department()
    rep, stranger = make_user(department=team), make_user(department=team)
    boss = make_user('manager', department=team)
    customer = make_customer(owner=rep)
    with unchanged(customer), pytest.raises(RuleViolation, match='give a reason'):
        pool.release(customer, rep, ' ')
    with unchanged(customer), pytest.raises(NotFound, match='not found among the records you may change'):
        pool.release(customer, stranger, 'x')   # another owner's customer is not theirs to see
    set_locked(customer, True)
    with unchanged(customer), pytest.raises(RuleViolation, match='is locked'):
        pool.release(customer, rep, 'x')
    set_locked(customer, False)
    pool.release(customer, boss, 'moved to another team')
    customer = Customer.get_by_id(customer.id)
    assert customer.owner_id is None and customer.previous_owner_id == rep.id
    assert AuditLog.get(AuditLog.entity_code == customer.code, AuditLog.action == 'release').note \
        == 'released: moved to another team'
    with unchanged(customer), pytest.raises(RuleViolation, match='already in the public pool'):
        pool.release(customer, rep, 'x')


def test_claim_refused_for_inactive_or_missing_user(db):
    customer, gone = make_customer(), make_user(active=False)
    with unchanged(customer), pytest.raises(RuleViolation, match='user .* is inactive'):
        pool.claim(customer, by=gone)
    with unchanged(customer), pytest.raises(RuleViolation, match='needs the user who claims'):
        pool.claim(customer, by=None)


def test_claims_by_others_do_not_count(db):
    _pool(daily_claim_limit=1)
    rep, other = make_user(), make_user()
    pool.claim(make_customer(), by=other)
    assert pool.claims_today(rep) == 0
    assert pool.claim(make_customer(), by=rep).owner_id == rep.id
