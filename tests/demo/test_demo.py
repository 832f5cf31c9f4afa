"""The demo company: coherent money, links and states; every choice shown; reproducible; scalable."""
import datetime
import hashlib
import json
from decimal import Decimal

import pytest
from peewee import ForeignKeyField
from werkzeug.security import check_password_hash

from ltc import db as db_module
from ltc import migrate
from ltc.demo import build_demo
from ltc.demo.delivery import plan_status
from ltc.errors import RuleViolation
from ltc.models import (AuditLog, CareTask, Contract, Customer, DeliveryMilestone, FollowUp, Lead,
                        Opportunity, OpportunityContact, Payment, PaymentPlan, Quote, Reminder, Role,
                        Stage, StageHistory, Target, User)
from ltc.models import choices as C
from ltc.services.reference import ensure_reference_data

from ..factories import make_customer

TODAY = datetime.date(2026, 11, 27)
SMALL = dict(seed=7, today=TODAY, customers=40)


@pytest.fixture
def demo(db):
    return build_demo(**SMALL)


def _values(model, field):
    return {v for (v,) in model.select(field).distinct().tuples()}


def test_money_adds_up(demo):
    contracts = list(Contract.select())
    assert contracts
    for contract in contracts:
        plans = list(contract.payment_plans)
        assert plans, contract.code
        assert sum(p.amount for p in plans) == contract.amount, contract.code
        assert sum(line.amount for line in contract.lines) == contract.amount, contract.code
        for plan in plans:
            paid = sum((p.amount for p in plan.payments), Decimal(0))
            assert paid == plan.paid_amount, plan.code
            assert plan.status == plan_status(plan.amount, plan.paid_amount, plan.due_on, TODAY,
                                              void=plan.status == 'void'), plan.code
            assert plan.status != 'void' or (plan.paid_amount == 0 and contract.status == 'terminated')
            assert all(p.received_on <= TODAY for p in plan.payments)
    for quote in Quote.select():
        assert sum(line.amount for line in quote.lines) == quote.total, quote.code
        assert quote.subtotal - quote.discount_amount == quote.total
    assert PaymentPlan.select().where(PaymentPlan.status == 'overdue', PaymentPlan.paid_amount > 0).exists()


def test_converted_leads_link_customer_contact_and_opportunity(demo):
    converted = list(Lead.select().where(Lead.status == 'converted'))
    assert converted
    for lead in converted:
        assert lead.converted_customer is not None and lead.converted_at is not None
        assert lead.converted_contact.customer_id == lead.converted_customer_id
        opp = Opportunity.get(Opportunity.lead == lead)
        assert opp.customer_id == lead.converted_customer_id
    for lead in Lead.select().where(Lead.status == 'disqualified'):
        assert lead.disqualify_reason
    for lead in Lead.select():
        assert lead.grade == ('high' if lead.score >= 55 else 'general' if lead.score >= 25 else 'worthless')
        points = [int(line.split(' ', 1)[0].replace('\u2212', '-')) for line in lead.score_reasons.split('\n') if line]
        assert lead.score == sum(points)
    duplicates = list(Lead.select().where(Lead.duplicate_of.is_null(False)))
    assert duplicates and all(d.company == d.duplicate_of.company for d in duplicates)


def test_pool_customers_have_no_owner(demo):
    pool = list(Customer.in_pool())
    assert pool and all(c.owner_id is None and c.department_id is None and c.pool_id for c in pool)
    assert any(c.previous_owner_id for c in pool)
    groups = list(Customer.select().where(Customer.kind == 'group'))
    assert groups and all(g.subsidiaries.count() >= 2 for g in groups)
    assert all(c.owner_id for c in Customer.select().where(Customer.kind == 'group'))


def test_every_stage_source_grade_and_status_is_represented(demo):
    assert _values(Opportunity, Opportunity.stage) == {s.id for s in Stage.select()}
    assert _values(Lead, Lead.source) == set(C.SOURCES.values)
    # The demo's grading rules are active from the start, so no lead is left ungraded.
    assert _values(Lead, Lead.grade) == set(C.LEAD_GRADES.values) - {'ungraded'}
    assert _values(Lead, Lead.status) == set(C.LEAD_STATUSES.values)
    assert _values(Contract, Contract.status) == set(C.CONTRACT_STATUSES.values)
    assert _values(PaymentPlan, PaymentPlan.status) == set(C.PLAN_STATUSES.values)
    assert _values(DeliveryMilestone, DeliveryMilestone.status) == set(C.MILESTONE_STATUSES.values)
    assert _values(User.select().join(Role), Role.name) >= {'manager', 'sales', 'ops', 'finance'}


def test_opportunities_are_consistent(demo):
    for opp in Opportunity.select():
        assert opp.weighted_amount == (opp.amount * opp.stage.probability / 100).quantize(Decimal('0.01'))
        assert bool(opp.lost_reason) == opp.stage.is_lost
        assert (opp.closed_on is not None) == (opp.stage.is_won or opp.stage.is_lost)
        history = list(opp.stage_history.order_by(StageHistory.changed_at))
        assert history and history[-1].to_stage_id == opp.stage_id
        assert opp.followup_count == FollowUp.select().where(FollowUp.opportunity == opp).count()
    chain = OpportunityContact.select().join(Opportunity)
    assert all(c.contact.customer_id == c.opportunity.customer_id for c in chain)
    open_late = Opportunity.select().where(Opportunity.expected_close_on < TODAY, Opportunity.closed_on.is_null())
    assert not open_late.exists()


def test_users_share_one_password_and_activities_exist(demo):
    users = list(User.select())
    assert all('.' in u.username and u.display_name_en for u in users)
    hashes = {u.password_hash for u in users}
    assert len(hashes) == 1 and check_password_hash(hashes.pop(), demo.password)
    assert demo.password not in json.dumps([a.changes for a in AuditLog.select()])
    assert CareTask.select().where(CareTask.status == 'done', CareTask.satisfaction.is_null(False)).exists()
    assert Reminder.select().where(Reminder.kind == 'payment_overdue').exists()
    assert Target.select().where(Target.department.is_null(False)).exists()
    for customer in Customer.select().where(Customer.owner.is_null(False)):
        latest = FollowUp.select().where(FollowUp.customer == customer).order_by(FollowUp.happened_at.desc()).first()
        assert latest.happened_at == customer.last_followup_at
    assert demo['customer'] == 40 and demo['lead'] == Lead.select().count()
    # One audit row per demo record.
    assert AuditLog.select().where(AuditLog.entity == 'Lead', AuditLog.action == 'create').count() == demo['lead']


def _digest():
    """Hash the codes and key fields of the main tables (amounts to cents, references by code, not id)."""
    digest = hashlib.sha256()
    codes = {}
    tables = [(Customer, [Customer.name, Customer.owner, Customer.region_city, Customer.credit_code]),
              (Lead, [Lead.company, Lead.status, Lead.grade, Lead.score, Lead.phone, Lead.created_at]),
              (Opportunity, [Opportunity.name, Opportunity.stage, Opportunity.amount, Opportunity.lead]),
              (Contract, [Contract.status, Contract.amount, Contract.signed_on]),
              (PaymentPlan, [PaymentPlan.amount, PaymentPlan.paid_amount, PaymentPlan.status, PaymentPlan.due_on]),
              (Payment, [Payment.amount, Payment.received_on]), (User, [User.username])]
    for model, fields in tables:
        refs = {i + 1: f.rel_model for i, f in enumerate(fields) if isinstance(f, ForeignKeyField)}
        for rel in refs.values():
            codes.setdefault(rel, dict(rel.select(rel.id, rel.code).tuples()))
        for row in model.select(model.code, *fields).order_by(model.code).tuples():
            row = [codes[refs[i]].get(v) if i in refs else v for i, v in enumerate(row)]
            digest.update(repr(tuple(f'{v:.2f}' if isinstance(v, Decimal) else v for v in row)).encode())
    return digest.hexdigest()


def test_same_seed_gives_the_same_data(db, tmp_path):
    build_demo(**SMALL)
    first = _digest()
    original = db_module.database.obj
    other = db_module.bind(f"sqlite:///{tmp_path / 'second.db'}")
    try:
        with other.connection_context():
            migrate.upgrade()
            ensure_reference_data()
            build_demo(**SMALL)
            second = _digest()
            other_users = {u.username for u in User.select()}
    finally:
        db_module.database.initialize(original)
    assert first == second
    assert {u.username for u in User.select()} == other_users   # the fixture's database is back


def test_scale_grows_leads_in_audited_batches(db):
    lines = []
    build_demo(seed=3, today=TODAY, customers=10, scale=5000, progress=lines.append)
    assert Lead.select().count() == 5000
    assert len({code for (code,) in Lead.select(Lead.code).tuples()}) == 5000
    batches = list(AuditLog.select().where(AuditLog.action == 'bulk_create'))
    assert len(batches) == 1 and '..' in batches[0].note
    assert json.loads(batches[0].changes)['count'] == 5000 - AuditLog.select().where(
        AuditLog.entity == 'Lead', AuditLog.action == 'create').count()
    assert lines[-1] == 'leads: 5,000 of 5,000'
    grown = Lead.get(Lead.code == json.loads(batches[0].changes)['last'])
    assert grown.status in C.LEAD_STATUSES and grown.company and grown.created_at.date() <= TODAY
    assert (grown.owner_id is None) == (grown.status == 'new')
    # An existing demo grows further; a smaller target adds nothing.
    build_demo(seed=3, scale=12000)
    assert Lead.select().count() == 12000
    assert AuditLog.select().where(AuditLog.action == 'bulk_create').count() == 2
    build_demo(seed=3, scale=100)
    assert Lead.select().count() == 12000


def test_refuses_a_database_with_business_data(db):
    make_customer()
    with pytest.raises(RuleViolation, match='already holds business data'):
        build_demo(**SMALL)
    assert User.select().count() == 0


def test_refuses_a_second_load(demo):
    with pytest.raises(RuleViolation, match='already loaded'):
        build_demo(**SMALL)


def test_cli_demo_prints_password_once(runner, db):
    result = runner.invoke(args=['ltc', 'demo', '--customers', '12', '--seed', '5', '--today', '2026-11-27',
                                 '--scale', '300'])
    assert result.exit_code == 0, result.output
    assert result.output.count('demo users password:') == 1
    password = result.output.split('demo users password: ')[1].split()[0]
    sales = User.select().join(Role).where(Role.name == 'sales').first()
    assert check_password_hash(sales.password_hash, password)
    assert Lead.select().count() == 300 and 'customer' in result.output
    again = runner.invoke(args=['ltc', 'demo'])
    assert again.exit_code == 1 and 'already loaded' in again.output and 'Traceback' not in again.output


def test_cli_setup_loads_the_demo_and_prints_both_passwords(runner, db):
    result = runner.invoke(args=['ltc', 'setup'])
    assert result.exit_code == 0, result.output
    demo_password = result.output.split('demo users password: ')[1].split()[0]
    admin_password = result.output.split('admin password: ')[1].split()[0]
    manager = User.select().join(Role).where(Role.name == 'manager').first()
    assert check_password_hash(manager.password_hash, demo_password)
    assert check_password_hash(User.get(User.username == 'admin').password_hash, admin_password)
    assert Customer.select().count() == 300 and Lead.select().count() == 2000
    again = runner.invoke(args=['ltc', 'setup'])
    assert again.exit_code == 0 and 'password' not in again.output


def test_nothing_is_created_after_today(demo):
    """Records are created and leads assigned no later than the demo's today, and never before they exist."""
    end = datetime.datetime.combine(TODAY, datetime.time.max)
    for model in (Lead, Customer, Opportunity, Contract, Quote, FollowUp, Payment):
        latest = model.select(model.created_at).order_by(model.created_at.desc()).scalar()
        assert latest is None or latest <= end, (model.__name__, latest)
    late = Lead.select().where(Lead.assigned_at.is_null(False), Lead.assigned_at < Lead.created_at)
    assert not [lead.code for lead in late]
    assert Lead.select().where(Lead.created_at > end).count() == 0


def test_first_regrade_and_rediagnosis_change_nothing(demo):
    """The demo stores the thresholds it grades with and loads its opportunities diagnosed."""
    from ltc.services import diagnosis, leads
    assert leads.thresholds() == {'high': 55, 'general': 25}
    assert leads.regrade_open_leads() == 0
    open_opps = Opportunity.select().join(Stage).where(~Stage.is_won, ~Stage.is_lost)
    assert open_opps.count() and all(o.health_reasons for o in open_opps)
    assert diagnosis.diagnose_open(today=TODAY, now=diagnosis.day_end(TODAY)) == 0
    # The demo's reminders carry the generator's keys: generating adds no second reminder of anything.
    from ltc.services import reminders
    reminders.generate(TODAY)
    rows = Reminder.select(Reminder.kind, Reminder.entity_code, Reminder.user, Reminder.due_on).tuples()
    assert len(set(rows)) == len(rows)
    overdue = {(r.entity_code, r.user_id) for r in Reminder.select().where(Reminder.kind == 'payment_overdue')}
    assert len(overdue) == Reminder.select().where(Reminder.kind == 'payment_overdue').count()
    # Each reads in one language: the reader's, from the kind's message and the stored fields.
    sample = Reminder.select().where(Reminder.kind.in_(('pool_warning', 'payment_overdue', 'followup_due'))).limit(30)
    for reminder in sample:
        zh, en = reminders.render(reminder, 'zh'), reminders.render(reminder, 'en')
        assert reminder.params and ' / ' not in zh and ' / ' not in en and zh != en
        assert not any('\u4e00' <= ch <= '\u9fff' for ch in en.split(' ')[0])


def test_a_demo_loaded_today_fits_today(db, db_url):
    """Loaded on the current day: nothing happened later today, and no owned customer is overdue for
    the pool (the reclaim job would already have taken it)."""
    if not db_url.startswith('sqlite'):
        pytest.skip('date logic only; the demo writes are tested on both databases above')
    from ltc.db import utcnow
    from ltc.services import pool
    today = utcnow().date()
    build_demo(seed=7, today=today, customers=10)
    now = utcnow()
    assert not FollowUp.select().where((FollowUp.happened_at > now) | (FollowUp.created_at > now)).exists()
    assert not Lead.select().where((Lead.created_at > now) | (Lead.assigned_at > now)).exists()
    assert not Customer.select().where(Customer.last_followup_at > now).exists()
    overdue = [(c.code, due[0]) for c in Customer.select().where(Customer.owner.is_null(False))
               for due in [pool.reclaim_due(c, pool.pool_of(c))] if due and due[0] < today]
    assert not overdue
    soon = pool.about_to_reclaim(within_days=7, today=today)
    assert all(due >= today for _c, due, _reason in soon)


def test_names_never_say_technology_twice(demo):
    names = [(c.name, c.name_en or '') for c in Customer.select(Customer.name, Customer.name_en)]
    names += [(lead.company, '') for lead in Lead.select(Lead.company)]
    assert not [n for n in names if '科技科技' in n[0] or 'Technology Technology' in n[1]]
    assert any('电子科技有限公司' in zh or 'Electronics Technology Co., Ltd.' in en for zh, en in names)
