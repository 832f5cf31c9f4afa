"""When the periodic job runs a target: every N minutes (the default), only in working hours, or on a cron line.

A target's `schedule` is '' (every `every_minutes`), 'working hours' (every `every_minutes`, Monday to
Friday within LTC_WORKING_HOURS, default 09:00-18:00, in LTC_TIMEZONE, default Asia/Shanghai), or a
five-field cron line (`minute hour day month weekday`, e.g. `0 9,13 * * 1-5`) read in the same
timezone. The job itself runs every 5 minutes: a cron minute that passed since the target's last run
makes it due.
"""
import datetime
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import SyncError

WORKING = 'working hours'
WORKING_WORDS = ('working hours', 'workhours', 'hours', 'office hours', '工作时间', '上班时间')
DEFAULT_HOURS, DEFAULT_ZONE = '09:00-18:00', 'Asia/Shanghai'
HOURS = re.compile(r'^\s*(\d{1,2}):?(\d{2})?\s*-\s*(\d{1,2}):?(\d{2})?\s*$')
LOOKBACK = datetime.timedelta(days=8)   # a cron minute older than this is not caught up


def settings():
    """Return (timezone, (start, end) times) from the app's config, or the defaults outside one."""
    from flask import current_app, has_app_context
    config = current_app.config if has_app_context() else {}
    try:
        zone = ZoneInfo(config.get('TIMEZONE') or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_ZONE)
    match = HOURS.match(config.get('WORKING_HOURS') or DEFAULT_HOURS) or HOURS.match(DEFAULT_HOURS)
    start = datetime.time(int(match.group(1)), int(match.group(2) or 0))
    end = datetime.time(min(int(match.group(3)), 23), int(match.group(4) or 0))
    return zone, (start, end)


def check_schedule(text):
    """Return TEXT as a schedule ('' every N minutes, WORKING, or a cron line), or refuse it in one sentence."""
    text = ' '.join(str(text or '').split())
    if text.lower() in ('', 'every', 'always', 'minutes'):
        return ''
    if text.lower() in WORKING_WORDS:
        return WORKING
    try:
        _cron(text)
    except ValueError as exc:
        raise SyncError(f'{text!r} is not a schedule ({exc}); write "working hours" or a cron line of five fields, '
                        f'minute hour day month weekday, e.g. "0 9,13 * * 1-5".',
                        zh=f'{text!r} 不是有效的运行时间（{exc}）；请写 "working hours"（工作时间）或五段 cron：'
                           f'分 时 日 月 星期，例如 "0 9,13 * * 1-5"。') from None
    return text


def _cron(text):
    """Return huey's validator of a five-field cron line (a function of a datetime)."""
    from huey import crontab
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(f'{len(fields)} fields, not 5')
    for field in fields:
        if not re.fullmatch(r'[\d*/,\-]+', field):
            raise ValueError(f'{field!r} is not a cron field')
    return crontab(*fields)


def _local(moment, zone):
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(zone).replace(tzinfo=None)


def in_working_hours(now, zone=None, hours=None):
    """Return whether NOW (naive UTC) is Monday to Friday within the working hours of the timezone."""
    if zone is None or hours is None:
        zone, hours = settings()
    local = _local(now, zone)
    return local.weekday() < 5 and hours[0] <= local.time() < hours[1]


def is_due(target, now):
    """Return True when the periodic job should run TARGET at NOW (naive UTC)."""
    schedule = target.schedule or ''
    last = target.last_run_at
    if schedule and schedule != WORKING:
        zone, _ = settings()
        try:
            matches = _cron(schedule)
        except ValueError:
            return False   # refused when set; a line changed behind our back never runs
        start = max(last or now - datetime.timedelta(minutes=5), now - LOOKBACK)
        minute = start.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
        while minute <= now:
            if matches(_local(minute, zone)):
                return True
            minute += datetime.timedelta(minutes=1)
        return False
    if schedule == WORKING and not in_working_hours(now):
        return False
    if last is None:
        return True
    return now - last >= datetime.timedelta(minutes=target.every_minutes - 1)


def describe(target, lang='en'):
    """Return the target's schedule as people read it: `every 5 min`, `every 30 min in working hours`, `cron …`."""
    zh = lang.startswith('zh')
    if not target.active:
        return '已暂停' if zh else 'paused'
    schedule = target.schedule or ''
    if schedule == WORKING:
        return f'工作时间内每 {target.every_minutes} 分钟' if zh else f'every {target.every_minutes} min in working hours'
    if schedule:
        return f'按 cron {schedule}' if zh else f'cron {schedule}'
    return f'每 {target.every_minutes} 分钟' if zh else f'every {target.every_minutes} min'
