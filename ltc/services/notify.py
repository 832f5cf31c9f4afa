"""Notifications: reminders go out by e-mail and to group chats as each user chose (each one, or a daily
digest), from a job with retries and exponential backoff, never from a web request.

The in-app reminder is the record; a notification is one delivery of it, kept in the outbox, which
is also the delivery log. A failed channel retries and at last gives up, and the reminder stays
in the inbox whatever happens to its deliveries. Each reminder is handed to the outbox once per
channel and webhook (a unique key), so nothing is sent twice.
"""
import dataclasses
import datetime
import zoneinfo

from ..db import database, utcnow
from ..errors import NotFound
from ..models import ChatWebhook, Department, Notification, NotificationPreference, Reminder, User
from ..models.choices import NOTIFY_CHANNELS, REMINDER_KINDS
from . import audit
from .messages import invalid, refusal
from .notify_formats import DeliveryError, compose, email_message, post_chat, send_email

KINDS = REMINDER_KINDS.values
CHANNELS = NOTIFY_CHANNELS.values
MODES = ('off', 'each', 'digest')
BATCH = 500


@dataclasses.dataclass
class Settings:
    smtp_host: str = ''
    smtp_port: int = 25
    smtp_security: str = 'none'
    smtp_user: str = ''
    smtp_password: str = ''
    smtp_from: str = 'LTC <ltc@localhost>'
    timeout: int = 20
    max_attempts: int = 6
    backoff_seconds: int = 60
    digest_hour: int = 8
    timezone: str = 'Asia/Shanghai'
    public_url: str = ''

    @classmethod
    def from_config(cls, config):
        return cls(config['SMTP_HOST'], config['SMTP_PORT'], config['SMTP_SECURITY'], config['SMTP_USER'],
                   config['SMTP_PASSWORD'], config['SMTP_FROM'], config['SMTP_TIMEOUT'],
                   config['NOTIFY_MAX_ATTEMPTS'], config['NOTIFY_BACKOFF_SECONDS'], config['NOTIFY_DIGEST_HOUR'],
                   config['TIMEZONE'], config['PUBLIC_URL'])


def settings():
    """Return the notification settings of the running app (or, in a job without one, of the environment)."""
    from flask import current_app, has_app_context
    if has_app_context():
        return Settings.from_config(current_app.config)
    from .. import config
    return Settings.from_config(config.load())


# -- preferences -------------------------------------------------------------------------------
def preferences(user):
    """Return {(kind, channel): 'each' | 'digest'} of USER (a missing pair is off)."""
    return {(p.kind, p.channel): p.mode for p in
            NotificationPreference.select().where(NotificationPreference.user == user.id)}


def _check_own(user, by):
    """Refuse unless BY (a user or an actor) is USER themself or an admin (rule notify-own)."""
    by = getattr(by, 'record', by)
    if by is None or (by.id != user.id and by.role.name != 'admin'):
        raise refusal('Rule {rule}: only {user} or an administrator may change their notifications.',
                      '规则 {rule}：只有 {user} 本人或管理员可以修改其通知设置。', rule='notify-own', user=user.username)


def set_preferences(user, choices, by):
    """Set USER's CHOICES {(kind, channel): 'off' | 'each' | 'digest'}; only USER themself or an admin may.

    Returns how many pairs changed; one audit row on the user records them.
    """
    _check_own(user, by)
    for (kind, channel), mode in choices.items():
        if kind not in KINDS or channel not in CHANNELS or mode not in MODES:
            raise invalid('Unknown notification choice {kind}/{channel}/{mode}; kinds: {kinds}; channels: email, chat; '
                          'modes: off, each, digest.', '未知的通知设置 {kind}/{channel}/{mode}；类型：{kinds}；'
                          '渠道：email、chat；方式：off、each、digest。', kind=kind, channel=channel, mode=mode,
                          kinds=', '.join(KINDS))
    current = preferences(user)
    changes = {}
    with database.atomic():
        for (kind, channel), mode in sorted(choices.items()):
            before = current.get((kind, channel), 'off')
            if before == mode:
                continue
            query = NotificationPreference.delete().where(NotificationPreference.user == user.id,
                                                          NotificationPreference.kind == kind,
                                                          NotificationPreference.channel == channel)
            query.execute()
            if mode != 'off':
                NotificationPreference.create(user=user.id, kind=kind, channel=channel, mode=mode)
            changes[f'notify:{kind}:{channel}'] = [before, mode]
        if changes:
            audit.record('User', user.code, 'notifications', changes)
    return len(changes)


# -- webhooks ------------------------------------------------------------------------------------
def webhooks_for(user, hooks=None, parents=None):
    """Return the active chat webhooks of USER's department, else of the nearest department above, else company-wide."""
    hooks = hooks if hooks is not None else list(ChatWebhook.select().where(ChatWebhook.active))
    parents = parents if parents is not None else dict(Department.select(Department.id, Department.parent).tuples())
    by_department = {}
    for hook in hooks:
        by_department.setdefault(hook.department_id, []).append(hook)
    department, seen = user.department_id, set()
    while department is not None and department not in seen:
        if department in by_department:
            return by_department[department]
        seen.add(department)
        department = parents.get(department)
    return by_department.get(None, [])


# -- the outbox ------------------------------------------------------------------------------------
def zone_of(user, cfg):
    """Return the ZoneInfo of USER's clock: their own time zone, else the company's (LTC_TIMEZONE)."""
    name = getattr(user, 'timezone', None) or cfg.timezone
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):   # a zone this server's tz database lacks
        return zoneinfo.ZoneInfo(cfg.timezone)


def check_timezone(name):
    """Return NAME, an IANA time zone (e.g. Europe/Berlin), or '' for the company's; refuse anything else."""
    name = (name or '').strip()
    if name and name not in zoneinfo.available_timezones():
        raise invalid('Unknown time zone {zone}: use an IANA name such as Asia/Shanghai, Europe/Berlin or '
                      'America/New_York.', '未知的时区 {zone}：请使用 IANA 时区名，例如 Asia/Shanghai、Europe/Berlin、'
                      'America/New_York。', zone=name)
    return name


def set_timezone(user, name, by):
    """Set USER's time zone (NAME, '' for the company's); only USER themself or an admin may. Returns whether
    it changed (one audit row on the user)."""
    _check_own(user, by)
    name = check_timezone(name) or None
    if name == user.timezone:
        return False
    before, user.timezone = user.timezone, name
    with database.atomic():
        User.update(timezone=name).where(User.id == user.id).execute()
        audit.record('User', user.code, 'notifications', {'timezone': [before, name]})
    return True


def next_digest(now, cfg, zone=None):
    """Return the UTC time of the first digest hour after NOW (UTC) on the clock of ZONE (a ZoneInfo; default
    the configured timezone)."""
    zone = zone or zoneinfo.ZoneInfo(cfg.timezone)
    local = now.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
    at = local.replace(hour=cfg.digest_hour, minute=0, second=0, microsecond=0)
    if at <= local:
        at += datetime.timedelta(days=1)
    return at.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def queue(now=None, cfg=None):
    """Hand the reminders not handed over yet to the outbox, as their users chose; return counts.

    A reminder already read, or whose user chose nothing for its kind, is only marked as handed over.
    """
    now, cfg = now or utcnow(), cfg or settings()
    counts = {'queued': 0, 'skipped': 0, 'reminders': 0}
    hooks = list(ChatWebhook.select().where(ChatWebhook.active))
    parents = dict(Department.select(Department.id, Department.parent).tuples())
    while True:
        batch = list(Reminder.select().where(Reminder.notified_at.is_null()).order_by(Reminder.id).limit(BATCH))
        if not batch:
            return counts
        users = {u.id: u for u in User.select().where(User.id.in_(list({r.user_id for r in batch})))}
        prefs = {}
        for p in NotificationPreference.select().where(NotificationPreference.user.in_(list(users))):
            prefs.setdefault(p.user_id, {})[(p.kind, p.channel)] = p.mode
        rows = []
        for reminder in batch:
            user = users.get(reminder.user_id)
            if user is None or not user.active or reminder.read_at is not None:
                continue
            for channel in CHANNELS:
                mode = prefs.get(user.id, {}).get((reminder.kind, channel))
                if mode not in ('each', 'digest'):
                    continue
                send_after = now if mode == 'each' else next_digest(now, cfg, zone_of(user, cfg))
                base = {'reminder': reminder.id, 'user': user.id, 'channel': channel, 'mode': mode,
                        'send_after': send_after, 'created_at': now, 'status': 'pending', 'attempts': 0}
                if channel == 'email':
                    targets = [(None, user.email)]
                else:
                    targets = [(h.id, _host(h.url)) for h in webhooks_for(user, hooks, parents)] or [(None, None)]
                for webhook_id, address in targets:
                    row = dict(base, webhook=webhook_id, address=address,
                               dedupe_key=f'{reminder.id}:{channel}:{webhook_id or 0}')
                    if not address:
                        row.update(status='skipped', last_error=(
                            'the user has no e-mail address' if channel == 'email'
                            else "no chat webhook for the user's department or the company"))
                    rows.append(row)
        with database.atomic():
            for start in range(0, len(rows), BATCH):
                Notification.insert_many(rows[start:start + BATCH]).on_conflict_ignore().execute()
            Reminder.update(notified_at=now).where(Reminder.id.in_([r.id for r in batch])).execute()
        counts['reminders'] += len(batch)
        counts['queued'] += sum(r['status'] == 'pending' for r in rows)
        counts['skipped'] += sum(r['status'] == 'skipped' for r in rows)


def _host(url):
    from urllib.parse import urlsplit
    return urlsplit(url).netloc or url[:60]


def _groups(rows):
    """Group due outbox rows: each 'each' row alone; a user's digest rows per channel and address together."""
    groups = {}
    for row in rows:
        key = (row.id,) if row.mode != 'digest' else ('digest', row.user_id, row.channel, row.webhook_id, row.address)
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def deliver(user, reminders, channel, address=None, webhook=None, cfg=None, test=False):
    """Send USER one message about REMINDERS on CHANNEL; raise DeliveryError when it does not arrive."""
    cfg = cfg or settings()
    message = compose(user, reminders, cfg.public_url, test=test)
    if channel == 'email':
        send_email(cfg, email_message(message, address or user.email, cfg.smtp_from))
    else:
        if webhook is None:
            raise DeliveryError("no chat webhook for the user's department or the company")
        post_chat(webhook, message, user, timeout=cfg.timeout)
    return message


def send_pending(now=None, cfg=None, limit=2000):
    """Deliver the outbox rows now due; a failure waits backoff × 2^(attempts-1) and is given up after the
    last attempt. Returns counts of sent, retried and failed deliveries."""
    now, cfg = now or utcnow(), cfg or settings()
    counts = {'sent': 0, 'retry': 0, 'failed': 0}
    due = list(Notification.select().where(Notification.status == 'pending', Notification.send_after <= now)
               .order_by(Notification.id).limit(limit))
    if not due:
        return counts
    reminders = {r.id: r for r in Reminder.select().where(Reminder.id.in_([n.reminder_id for n in due if n.reminder_id]))}
    users = {u.id: u for u in User.select().where(User.id.in_(list({n.user_id for n in due})))}
    hooks = {h.id: h for h in ChatWebhook.select()}
    for group in _groups(due):
        if group[0].mode == 'digest':   # read in the app since: no need to send them any more
            read = [n.id for n in group if n.reminder_id not in reminders or reminders[n.reminder_id].read_at]
            if read:
                Notification.update(status='skipped', last_error='read in LTC before the digest went out').where(
                    Notification.id.in_(read)).execute()
            group = [n for n in group if n.id not in read]
            if not group:
                continue
        first = group[0]
        items = [reminders[n.reminder_id] for n in group if n.reminder_id in reminders]
        ids = [n.id for n in group]
        webhook = hooks.get(first.webhook_id)
        try:
            if first.channel == 'chat' and (webhook is None or not webhook.active):
                raise DeliveryError('the chat webhook was removed or switched off')
            message = deliver(users[first.user_id], items, first.channel, first.address, webhook, cfg)
        except DeliveryError as exc:
            attempts = first.attempts + 1
            if attempts >= cfg.max_attempts:
                Notification.update(status='failed', attempts=attempts, last_error=str(exc)[:2000]).where(
                    Notification.id.in_(ids)).execute()
                counts['failed'] += len(ids)
            else:
                wait = datetime.timedelta(seconds=cfg.backoff_seconds * 2 ** (attempts - 1))
                Notification.update(attempts=attempts, last_error=str(exc)[:2000], send_after=now + wait).where(
                    Notification.id.in_(ids)).execute()
                counts['retry'] += len(ids)
        else:
            Notification.update(status='sent', attempts=first.attempts + 1, sent_at=utcnow(), last_error=None,
                                subject=message.subject[:300]).where(Notification.id.in_(ids)).execute()
            counts['sent'] += len(ids)
    return counts


def run(now=None, cfg=None):
    """Queue the new reminders, then deliver what is due (the notifications job); return counts."""
    cfg = cfg or settings()
    counts = queue(now, cfg)
    counts.update(send_pending(now, cfg))
    return counts


def release_digests(now=None):
    """Make the pending digest deliveries due NOW (instead of at the digest hour); return how many."""
    now = now or utcnow()
    return (Notification.update(send_after=now)
            .where(Notification.status == 'pending', Notification.mode == 'digest', Notification.send_after > now)
            .execute())


def retry(ids, by):
    """Send failed or skipped deliveries IDS again at the next run (an admin's "retry now"); return how many."""
    by = getattr(by, 'record', by)
    if by is None or by.role.name != 'admin':
        raise refusal('Rule {rule}: only an administrator may send deliveries again.', '规则 {rule}：只有管理员可以重新发送通知。',
                      rule='notify-admin')
    with database.atomic():
        rows = list(Notification.select().where(Notification.id.in_(list(ids)), Notification.status != 'sent'))
        if rows:
            Notification.update(status='pending', attempts=0, send_after=utcnow()).where(
                Notification.id.in_([r.id for r in rows])).execute()
            audit.record_many([('Notification', str(r.id), 'retry', {'status': [r.status, 'pending']}) for r in rows])
    return len(rows)


def send_test(user, channel, cfg=None):
    """Send USER a test message on CHANNEL now (the CLI's check of the settings); return where it went."""
    cfg = cfg or settings()
    if channel not in CHANNELS:
        raise invalid('Unknown channel {channel}; use email or chat.', '未知的渠道 {channel}；请使用 email 或 chat。',
                      channel=channel)
    if channel == 'email':
        if not user.email:
            raise NotFound(f'User {user.username} has no e-mail address; set it first.')
        deliver(user, [], 'email', user.email, cfg=cfg, test=True)
        return [user.email]
    hooks = webhooks_for(user)
    if not hooks:
        raise NotFound(f"No chat webhook for {user.username}'s department or the company; add one under Chat webhooks.")
    for hook in hooks:
        deliver(user, [], 'chat', webhook=hook, cfg=cfg, test=True)
    return [f'{h.name} ({h.kind})' for h in hooks]
