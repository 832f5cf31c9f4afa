"""Periodic jobs on a Huey queue (SQLite file by default, Redis by URL), each locked, logged and recorded.

Start the consumer with `python -m ltc.jobs` (or `huey_consumer ltc.jobs.huey`); both build the app
from the LTC_* environment, so the jobs use the same database and queue as the web app.
"""
import contextlib
import json
import logging
import sys
from collections import namedtuple
from datetime import date
from urllib.parse import urlparse

from huey import RedisHuey, SqliteHuey, crontab
from huey.exceptions import TaskLockedException

from .db import database, utcnow
from .errors import ConfigError, LTCError, NotFound, RuleViolation
from .services import audit

log = logging.getLogger('ltc.jobs')
Job = namedtuple('Job', 'name schedule cron func description')
JOBS = {}


def job(name, schedule, description, **cron):
    """Register FUNC(today) as the periodic job NAME running on the crontab CRON."""
    def decorator(func):
        JOBS[name] = Job(name, schedule, cron, func, description)
        return func
    return decorator


def _optional(module, function):
    """Return a service function that another part of LTC provides, or explain that it is missing."""
    import importlib
    try:
        return getattr(importlib.import_module(f'ltc.services.{module}'), function)
    except (ImportError, AttributeError):
        raise ConfigError(f'This installation has no ltc.services.{module}.{function}; '
                          f'update LTC to a version that includes it.') from None


@job('pool_reclaim', 'daily 01:00', 'Return customers without follow-up to the public pool', minute='0', hour='1')
def pool_reclaim(today=None):
    return _optional('pool', 'run_reclaim')(today=today)


@job('mark_overdue', 'daily 01:10', 'Mark payment plans past their due date as overdue', minute='10', hour='1')
def mark_overdue(today=None):
    from .services import receivables
    return {'overdue': receivables.mark_overdue(today)}


@job('expire_contracts', 'daily 01:20', 'Mark contracts and quotes past their end or validity as expired',
     minute='20', hour='1')
def expire_contracts(today=None):
    from .services import contracts, quotes
    return {'expired': contracts.mark_expired(today), 'quotes_expired': quotes.expire_quotes(today)}


@job('regrade_leads', 'daily 02:00', 'Re-grade open leads with the current grading rules', minute='0', hour='2')
def regrade_leads(today=None):
    return _optional('leads', 'regrade_open_leads')()


@job('diagnose_opportunities', 'daily 02:30', 'Re-diagnose open opportunities (recency and stage age grow daily)',
     minute='30', hour='2')
def diagnose_opportunities(today=None):
    from .services import diagnosis
    return {'rediagnosed': diagnosis.diagnose_open(today)}


@job('care_tasks', 'daily 06:00', 'Create birthday and holiday care tasks', minute='0', hour='6')
def care_tasks(today=None):
    from .services import care
    return care.generate_care_tasks(today)


@job('generate_reminders', 'hourly at :05', 'Fill the reminders inboxes', minute='5')
def generate_reminders(today=None):
    from .services import reminders
    return reminders.generate(today)


@job('send_notifications', 'every minute', 'Send reminders by e-mail and to group chats as each user chose '
     '(retries with backoff)', minute='*')
def send_notifications(today=None):
    from .services import notify
    return notify.run()


@job('sync_targets', 'every 5 minutes', 'Keep team sheets in step with their departments, then sync the active '
     'spreadsheet and Google Sheet targets that are due', minute='*/5')
def sync_targets(today=None):
    from .sync.engine.scheduled import run_active_targets
    from .sync.engine.team import keep_teams_in_step
    teams = keep_teams_in_step()   # a joiner's sheet runs in this very cycle; a leaver's is paused
    counts = run_active_targets()
    counts['teams_changed'] = len(teams)
    return counts


@job('deliver_webhooks', 'every minute', 'Send the webhook deliveries that are due (retries with backoff)',
     minute='*')
def deliver_webhooks(today=None):
    from .services import webhooks
    return webhooks.deliver_due()


def _counts(result):
    if isinstance(result, dict):
        return {str(k): v for k, v in result.items()}
    if isinstance(result, int):
        return {'changed': result}
    if isinstance(result, (list, tuple, set)):
        return {'changed': len(result)}
    return {} if result is None else {'result': str(result)}


def make_huey(url, name='ltc'):
    """Return a Huey for URL (sqlite:///file or redis://host:port/db) with every job registered."""
    scheme = urlparse(url).scheme
    if scheme in ('sqlite', 'sqlite3'):
        path = url.split('://', 1)[1][1:]
        if not path or path == ':memory:':
            raise ConfigError('LTC_QUEUE_URL must name a SQLite file, e.g. sqlite:///instance/queue.db.')
        huey = SqliteHuey(name, filename=path, utc=False)
    elif scheme in ('redis', 'rediss', 'unix'):
        huey = RedisHuey(name, url=url, utc=False)
    else:
        raise ConfigError(f'LTC_QUEUE_URL has an unsupported scheme {scheme!r}; use sqlite:///path or redis://host/db.')
    huey.ltc_locks = {}
    for spec in JOBS.values():
        huey.ltc_locks[spec.name] = huey.lock_task(f'ltc.{spec.name}')
        huey.periodic_task(crontab(**spec.cron), name=f'ltc.{spec.name}')(_scheduled(huey, spec.name))
    huey.ltc_queued = huey.task(name='ltc.queued')(_queued(huey))
    return huey


def _queued(huey):
    def run_queued(name, today=None):
        try:
            run_job(name, huey, today=date.fromisoformat(today) if today else None, trigger='queue')
        except RuleViolation as exc:   # already running elsewhere: the skip is recorded
            log.warning('%s', exc)
    return run_queued


def enqueue(name, huey, today=None):
    """Hand job NAME to the consumer (run as of TODAY) and return Huey's result handle."""
    if name not in JOBS:
        raise NotFound(f"There is no job {name!r}; choose one of {', '.join(JOBS)}.")
    return huey.ltc_queued(name, today.isoformat() if today else None)


def _scheduled(huey, name):
    def run_scheduled():
        try:
            run_job(name, huey, trigger='schedule')
        except RuleViolation as exc:   # already running elsewhere: skip this tick
            log.warning('%s', exc)
    run_scheduled.__name__ = f'run_{name}'
    return run_scheduled


def get_huey(app):
    """Return the app's queue, built once from its QUEUE_URL."""
    if 'ltc_huey' not in app.extensions:
        app.extensions['ltc_huey'] = make_huey(app.config['QUEUE_URL'])
    return app.extensions['ltc_huey']


def run_job(name, huey, today=None, trigger='manual'):
    """Run job NAME now under its lock, record the run and return its counts."""
    from .models import JobRun
    spec = JOBS.get(name)
    if spec is None:
        raise NotFound(f"There is no job {name!r}; choose one of {', '.join(JOBS)}.")
    lock = huey.ltc_locks[name]
    opened = database.connection_context() if database.is_closed() else contextlib.nullcontext()
    with opened:
        try:
            lock.acquire()
        except TaskLockedException:
            JobRun.create(name=name, trigger=trigger, status='locked', finished_at=utcnow(),
                          message='skipped: another run holds the lock')
            raise RuleViolation(f'Rule job-lock: job {name} is already running; wait for it to finish '
                                f'(or restart the consumer, which clears stale locks).', rule='job-lock') from None
        run = JobRun.create(name=name, trigger=trigger)
        try:
            with audit.acting_as(f'job:{name}', 'job'):
                counts = _counts(spec.func(today=today))
        except Exception as exc:
            run.status, run.message, run.finished_at = 'failed', str(exc)[:2000], utcnow()
            run.save()
            if isinstance(exc, LTCError):   # a refusal explained in its message: no traceback
                log.error('job %s failed: %s', name, exc)
            else:
                log.exception('job %s failed', name)
            raise
        else:
            run.status, run.counts, run.finished_at = 'ok', json.dumps(counts, default=str), utcnow()
            run.save()
            log.info('job %s done: %s', name, ', '.join(f'{k}={v}' for k, v in counts.items()) or 'nothing to do')
            return counts
        finally:
            lock.release()


def close_interrupted_runs():
    """Mark runs still 'running' as failed: their consumer died; return how many.

    Called by the consumer on start, together with Huey's flush of stale locks, so it assumes
    no other consumer is running a job at that moment (one consumer service per database).
    """
    from .models import JobRun
    return (JobRun.update(status='failed', finished_at=utcnow(),
                          message='interrupted: the consumer stopped during the run; run the job again')
            .where(JobRun.status == 'running').execute())


def job_table():
    """Return [(job, its last run or None)] in registration order."""
    from .models import JobRun
    last = JobRun.last_runs()
    return [(spec, last.get(spec.name)) for spec in JOBS.values()]


def __getattr__(attr):
    # `huey_consumer ltc.jobs.huey` imports this module and reads `huey`: build the app on demand.
    if attr == 'huey':
        from . import create_app
        instance = get_huey(create_app())
        globals()['huey'] = instance
        return instance
    raise AttributeError(attr)


def main(argv=None):
    """Run the consumer for the app's queue; options are huey_consumer's (e.g. -w 2 -k thread)."""
    from huey.consumer_options import ConsumerConfig, OptionParserHandler
    from . import create_app
    options, _ = OptionParserHandler().get_option_parser().parse_args(argv)
    values = {k: v for k, v in options.__dict__.items() if v is not None}
    values.setdefault('flush_locks', True)   # a crashed run must not block its job forever
    config = ConsumerConfig(**values)
    config.validate()
    config.setup_logger(logging.getLogger('huey'))
    config.setup_logger(log)
    from .sync.runs.interrupted import close_interrupted_runs as close_interrupted_sync_runs
    huey = get_huey(create_app())
    if config.flush_locks:
        with database.connection_context():
            interrupted = close_interrupted_runs()
            runs, _ = close_interrupted_sync_runs()
        if interrupted:
            log.warning('%d job run(s) interrupted by a stopped consumer marked failed', interrupted)
        if runs:
            log.warning('%d import/sync run(s) of stopped processes marked interrupted', len(runs))
    huey.create_consumer(**config.values).run()


if __name__ == '__main__':
    # Delegate to the imported module so the registry and tasks exist once, under `ltc.jobs`.
    from ltc.jobs import main as _main
    sys.exit(_main())
