"""Periodic jobs: queue by URL, schedules, lock, run records, idempotence, and the consumer entry point."""
import datetime
import os
import subprocess
import sys

import pytest

from ltc import jobs
from ltc.errors import ConfigError, NotFound, RuleViolation
from ltc.models import AuditLog, Customer, JobRun, Lead, Opportunity, PaymentPlan, Setting
from ltc.services import audit, receivables
from tests.factories import make_customer, make_user
from tests.services.cashkit import live_contract

D = datetime.date
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def huey(app, db):
    instance = jobs.get_huey(app)
    instance.flush()
    yield instance
    instance.flush()


def _overdue_world():
    contract = live_contract(amount='1000')
    receivables.set_plans(contract, [{'amount': 1000, 'due_on': D(2026, 3, 1)}])
    return contract


def test_queue_is_sqlite_by_default_and_redis_by_url(app, tmp_path):
    from huey import RedisHuey, SqliteHuey
    assert isinstance(jobs.get_huey(app), SqliteHuey)
    assert jobs.get_huey(app) is jobs.get_huey(app)
    assert isinstance(jobs.make_huey('redis://127.0.0.1:6379/15'), RedisHuey)
    with pytest.raises(ConfigError, match='unsupported scheme'):
        jobs.make_huey('amqp://localhost')


def test_every_job_is_a_periodic_task_on_its_schedule(huey):
    assert set(jobs.JOBS) == {'pool_reclaim', 'mark_overdue', 'expire_contracts', 'regrade_leads',
                              'diagnose_opportunities', 'care_tasks', 'generate_reminders', 'sync_targets',
                              'send_notifications', 'deliver_webhooks'}
    due = {t.name for t in huey.read_periodic(datetime.datetime(2026, 5, 1, 1, 10))}
    assert due == {'ltc.mark_overdue', 'ltc.sync_targets', 'ltc.send_notifications', 'ltc.deliver_webhooks'}
    due = {t.name for t in huey.read_periodic(datetime.datetime(2026, 5, 1, 9, 5))}
    assert due == {'ltc.generate_reminders', 'ltc.sync_targets', 'ltc.send_notifications', 'ltc.deliver_webhooks'}
    due = {t.name for t in huey.read_periodic(datetime.datetime(2026, 5, 1, 9, 7))}
    assert due == {'ltc.send_notifications', 'ltc.deliver_webhooks'}


def test_run_records_counts_and_is_idempotent(huey):
    contract = _overdue_world()
    assert jobs.run_job('mark_overdue', huey, today=D(2026, 3, 5)) == {'overdue': 1}
    audits = AuditLog.select().count()
    assert jobs.run_job('mark_overdue', huey, today=D(2026, 3, 5)) == {'overdue': 0}
    assert AuditLog.select().count() == audits
    runs = list(JobRun.select().order_by(JobRun.id))
    assert [(r.status, r.counts_dict(), r.trigger) for r in runs] == [
        ('ok', {'overdue': 1}, 'manual'), ('ok', {'overdue': 0}, 'manual')]
    assert PaymentPlan.get(PaymentPlan.contract == contract.id).status == 'overdue'
    row = AuditLog.get(AuditLog.entity == 'PaymentPlan', AuditLog.action == 'overdue')
    assert (row.actor, row.source) == ('job:mark_overdue', 'job')
    assert JobRun.last_runs()['mark_overdue'].id == runs[-1].id


def test_each_own_job_runs_twice_without_changing_more(huey):
    owner = make_user(language='en')
    live_contract(owner=owner, end_on=D(2026, 3, 10), status='executing')
    make_customer(owner=owner, level='key')
    for name in ('expire_contracts', 'care_tasks', 'generate_reminders'):
        first = jobs.run_job(name, huey, today=D(2026, 3, 1))
        audits = AuditLog.select().count()
        second = jobs.run_job(name, huey, today=D(2026, 3, 1))
        assert sum(second.values()) == 0 and AuditLog.select().count() == audits, (name, first, second)
    assert jobs.run_job('expire_contracts', huey, today=D(2026, 3, 11)) == {'expired': 1, 'quotes_expired': 0}


def test_locked_job_is_skipped_and_recorded(huey):
    lock = huey.ltc_locks['mark_overdue']
    lock.acquire()
    try:
        with pytest.raises(RuleViolation, match='job-lock'):
            jobs.run_job('mark_overdue', huey)
    finally:
        lock.release()
    assert JobRun.get().status == 'locked'
    jobs.run_job('mark_overdue', huey)
    assert not lock.is_locked()


def test_failed_run_is_recorded_and_releases_the_lock(huey):
    audit.save(Setting(code='reminders.lead_wait_days', value='three'))
    with pytest.raises(Exception, match='whole number'):
        jobs.run_job('generate_reminders', huey)
    run = JobRun.get()
    assert run.status == 'failed' and 'whole number' in run.message and run.finished_at
    assert not huey.ltc_locks['generate_reminders'].is_locked()
    with pytest.raises(NotFound, match='no job'):
        jobs.run_job('nope', huey)


def test_scheduled_task_goes_through_the_queue(huey):
    _overdue_world()
    task = next(t for t in huey.read_periodic(datetime.datetime(2026, 5, 1, 1, 10)))
    huey.enqueue(task)
    assert huey.pending_count() == 1
    huey.execute(huey.dequeue())
    run = JobRun.get()
    assert (run.name, run.trigger, run.status) == ('mark_overdue', 'schedule', 'ok')
    assert run.counts_dict() == {'overdue': 1}


@pytest.mark.skipif(not os.environ.get('LTC_TEST_REDIS_URL'), reason='set LTC_TEST_REDIS_URL to test Redis')
def test_redis_queue_smoke(app, db):
    instance = jobs.make_huey(os.environ['LTC_TEST_REDIS_URL'], name='ltc-test')
    instance.flush()
    try:
        _overdue_world()
        task = next(t for t in instance.read_periodic(datetime.datetime(2026, 5, 1, 1, 10)))
        instance.enqueue(task)
        instance.execute(instance.dequeue())
        assert JobRun.get().counts_dict() == {'overdue': 1}
        lock = instance.ltc_locks['mark_overdue']
        lock.acquire()
        with pytest.raises(RuleViolation, match='job-lock'):
            jobs.run_job('mark_overdue', instance)
        lock.release()
    finally:
        instance.flush()


def test_consumer_entry_point_builds_the_app_queue(db_url, tmp_path):
    env = dict(os.environ, LTC_DATABASE_URL=db_url, LTC_INSTANCE_PATH=str(tmp_path / 'inst'),
               LTC_QUEUE_URL=f'sqlite:///{tmp_path}/q.db', LTC_ENV='testing')
    code = ('from huey.utils import load_class; h = load_class("ltc.jobs.huey"); '
            'print(type(h).__name__, h.storage.filename, len(h._registry._periodic_tasks))')
    out = subprocess.run([sys.executable, '-c', code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ['SqliteHuey', f'{tmp_path}/q.db', str(len(jobs.JOBS))]


def test_pool_reclaim_job(huey):
    owner = make_user()
    customer = make_customer(owner=owner, owner_since=D(2025, 1, 1),
                             last_followup_at=datetime.datetime(2025, 1, 1, 9))
    jobs.run_job('pool_reclaim', huey, today=D(2026, 5, 1))
    assert Customer.get_by_id(customer.id).owner_id is None
    audits = AuditLog.select().count()
    jobs.run_job('pool_reclaim', huey, today=D(2026, 5, 1))
    assert AuditLog.select().count() == audits
    assert [r.status for r in JobRun.select().order_by(JobRun.id)] == ['ok', 'ok']


def test_regrade_job(huey):
    from ltc.services.leads import install_default_rules
    from tests.factories import make_lead
    install_default_rules()
    lead = make_lead(industry='manufacturing')
    jobs.run_job('regrade_leads', huey)
    assert 'target industry' in Lead.get_by_id(lead.id).score_reasons
    audits = AuditLog.select().count()
    jobs.run_job('regrade_leads', huey)
    assert AuditLog.select().count() == audits
    assert JobRun.select().where(JobRun.status == 'ok').count() == 2


def test_diagnosis_job_scores_opportunities_that_went_stale(huey):
    from tests.services.test_diagnosis import _healthy
    from ltc.services import diagnosis
    opp, _customer, _product = _healthy()
    assert diagnosis.diagnose(opp).health_score == 100
    later = datetime.date.today() + datetime.timedelta(days=45)   # no follow-up since, still in its stage
    assert jobs.run_job('diagnose_opportunities', huey, today=later) == {'rediagnosed': 1}
    stale = Opportunity.get_by_id(opp.id)
    assert stale.health_score < 100 and '天未跟进' in stale.health_reasons
    assert jobs.run_job('diagnose_opportunities', huey, today=later) == {'rediagnosed': 0}


def test_missing_service_gives_a_clear_error(huey, monkeypatch):
    import importlib
    real = importlib.import_module

    def fake(name, *args):
        if name == 'ltc.services.pool':
            raise ImportError(name)
        return real(name, *args)
    monkeypatch.setattr(importlib, 'import_module', fake)
    with pytest.raises(ConfigError, match='ltc.services.pool.run_reclaim'):
        jobs.run_job('pool_reclaim', huey)
    assert JobRun.get().status == 'failed'
