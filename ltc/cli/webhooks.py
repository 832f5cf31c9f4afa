"""`flask ltc webhooks …`: the outgoing webhooks' delivery log, replays and a send of what is due."""
import click

from ..db import database
from ..models import WebhookDelivery
from ..models.choices import DELIVERY_STATUSES
from ..services import audit, webhooks


def register(ltc):
    group = click.Group('webhooks', help='Outgoing webhooks: deliveries, replays.')
    ltc.add_command(group)

    @group.command('list')
    @click.option('--status', type=click.Choice(DELIVERY_STATUSES.values), help='Only deliveries in this status.')
    @click.option('--event', help='Only this event, e.g. lead.created.')
    @click.option('--limit', default=20, show_default=True, help='How many, newest first.')
    def list_deliveries(status, event, limit):
        """List webhook deliveries, newest first."""
        query = WebhookDelivery.select().order_by(WebhookDelivery.id.desc()).limit(limit)
        if status:
            query = query.where(WebhookDelivery.status == status)
        if event:
            query = query.where(WebhookDelivery.event == event)
        for d in query:
            when = d.delivered_at or d.next_attempt_at or d.created_at
            click.echo(f'{d.id:>7}  {d.status:<9} {d.attempts:>2} tries  {d.response_code or "-":>3}  '
                       f'{d.event:<25} {d.entity_code:<12} {d.subscription.code}  {when:%Y-%m-%d %H:%M}  '
                       f'{(d.last_error or "")[:60]}')

    @group.command('replay')
    @click.argument('ids', nargs=-1, type=int, required=True)
    def replay(ids):
        """Send the deliveries IDS again (their payload unchanged) at the next run of the job."""
        with audit.acting_as('cli', 'cli'), database.atomic():
            for pk in ids:
                delivery = WebhookDelivery.get_or_none(WebhookDelivery.id == pk)
                if delivery is None:
                    raise click.ClickException(f'There is no webhook delivery {pk}; see `flask ltc webhooks list`.')
                webhooks.replay(delivery)
        click.echo(f'{len(ids)} delivery(ies) queued again; `flask ltc webhooks deliver` sends them now.')

    @group.command('deliver')
    def deliver():
        """Send the deliveries that are due now (the job deliver_webhooks does this every minute)."""
        counts = webhooks.deliver_due()
        click.echo(', '.join(f'{k} {v}' for k, v in counts.items()))
        if counts['failed']:
            raise SystemExit(1)
