"""`flask ltc notify ...`: send the notifications now, test a channel, see and set choices, read the log."""
import click
from flask.cli import AppGroup

from ..errors import LTCError
from ..services.cash_common import get_user

notify_group = AppGroup('notify', help='Reminders by e-mail and group chat.')


@notify_group.command('send')
@click.option('--digests-now', is_flag=True, help='Send the daily digests now instead of at the digest hour.')
def notify_send(digests_now):
    """Queue new reminders and deliver the notifications due (the send_notifications job, under its lock)."""
    from flask import current_app
    from ..jobs import get_huey, run_job
    from ..services import notify
    if digests_now:
        click.echo(f'{notify.release_digests()} digest deliveries made due now')
    counts = run_job('send_notifications', get_huey(current_app))
    click.echo(', '.join(f'{k}: {v}' for k, v in counts.items()))
    if counts.get('failed'):
        raise SystemExit(1)


@notify_group.command('test')
@click.option('--user', required=True, help='Who receives the test (username).')
@click.option('--channel', type=click.Choice(['email', 'chat']), required=True,
              help="email: the user's address; chat: the webhooks of the user's department (or company-wide).")
def notify_test(user, channel):
    """Send a user a test message now, to check the SMTP settings or a chat webhook."""
    from ..services import notify
    from ..services.notify_formats import DeliveryError
    try:
        places = notify.send_test(get_user(user), channel)
    except DeliveryError as exc:
        raise click.ClickException(f'not delivered: {exc}') from None
    click.echo('sent to ' + ', '.join(places))


@notify_group.command('prefs')
@click.option('--user', required=True, help='Whose choices (username).')
@click.option('--set', 'pairs', multiple=True, metavar='KIND:CHANNEL:MODE',
              help='e.g. payment_overdue:email:each, contract_expiring:chat:digest, lead_assigned:email:off; '
                   'KIND may be * for every kind.')
@click.option('--timezone', metavar='ZONE', default=None,
              help="The user's time zone for the daily digest (an IANA name such as Europe/Berlin; '' for the "
                   "company's LTC_TIMEZONE).")
def notify_prefs(user, pairs, timezone):
    """Show (and with --set change) which reminders a user gets by e-mail and chat, each one or as a digest."""
    from ..services import audit, notify
    found = get_user(user)
    if pairs:
        choices = {}
        for pair in pairs:
            try:
                kind, channel, mode = pair.split(':')
            except ValueError:
                raise click.BadParameter(f'{pair!r}: write KIND:CHANNEL:MODE.', param_hint='--set') from None
            for k in (notify.KINDS if kind == '*' else (kind,)):
                choices[(k, channel)] = mode
        with audit.acting_as(found, 'cli'):
            click.echo(f'{notify.set_preferences(found, choices, by=found)} choice(s) changed')
    if timezone is not None:
        with audit.acting_as(found, 'cli'):
            try:
                notify.set_timezone(found, timezone, by=found)
            except LTCError as exc:
                raise click.UsageError(str(exc)) from None
    cfg = notify.settings()
    zone = found.timezone or f"{cfg.timezone} (the company's)"
    click.echo(f'time zone: {zone}; digest at {cfg.digest_hour}:00 on that clock')
    prefs = notify.preferences(found)
    for kind in notify.KINDS:
        click.echo(f'{kind:<18} ' + '  '.join(f'{c}: {prefs.get((kind, c), "off"):<6}' for c in notify.CHANNELS))


@notify_group.command('log')
@click.option('--status', type=click.Choice(['pending', 'sent', 'failed', 'skipped']), help='Only these.')
@click.option('--user', help='Only this recipient (username).')
@click.option('--limit', default=50, show_default=True)
def notify_log(status, user, limit):
    """List the latest deliveries: when, to whom, where, status, attempts and the last error."""
    from ..models import Notification, Reminder
    query = Notification.select()
    if status:
        query = query.where(Notification.status == status)
    if user:
        query = query.where(Notification.user == get_user(user).id)
    rows = list(query.order_by(Notification.id.desc()).limit(limit))
    codes = dict(Reminder.select(Reminder.id, Reminder.code)
                 .where(Reminder.id.in_([n.reminder_id for n in rows if n.reminder_id])).tuples())
    for n in rows:
        click.echo(f'{n.id:>6} {n.created_at:%Y-%m-%d %H:%M} {codes.get(n.reminder_id, "-"):<10} {n.channel:<5} '
                   f'{n.mode:<6} {n.address or "-":<30} {n.status:<7} {n.attempts} {n.last_error or ""}')


@notify_group.command('retry')
@click.argument('ids', nargs=-1, type=int, required=True)
@click.option('--as', 'as_user', required=True, help='The administrator who asks (username).')
def notify_retry(ids, as_user):
    """Send failed or skipped deliveries again at the next run."""
    from ..services import audit, notify
    admin = get_user(as_user)
    with audit.acting_as(admin, 'cli'):
        click.echo(f'{notify.retry(ids, by=admin)} delivery(ies) queued again')


def register(group):
    """Add `notify` to the `flask ltc` group."""
    group.add_command(notify_group)
