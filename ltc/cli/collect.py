"""`flask ltc collect ...`: dunning levels on overdue plans and the customer statement (对账单) as xlsx."""
import contextlib
import sys

import click
from flask.cli import AppGroup

from ..models.choices import DUNNING_LEVELS
from ..services import audit
from ..services.cash_common import get_user
from ..sync.writes.statement import write_statement_xlsx

collect_group = AppGroup('collect', help='Collection: dunning levels and customer statements.')
DATE = click.DateTime(formats=['%Y-%m-%d'])


def _acting(user):
    found = get_user(user)
    return found, (audit.acting_as(found, 'cli') if found else contextlib.nullcontext())


@collect_group.command('dun')
@click.argument('plan')
@click.option('--level', type=click.Choice(list(DUNNING_LEVELS)), help='Default: the next level.')
@click.option('--note', help='What was said or sent.')
@click.option('--date', 'on', type=DATE, help='Date of the step (default: today).')
@click.option('--user', help='Who did it (username).')
def collect_dun(plan, level, note, on, user):
    """Record a dunning step on an overdue plan: reminder, call, formal letter, escalation to the manager."""
    from ..services.collection import dun
    by, acting = _acting(user)
    with acting:
        step = dun(plan, level=level, by=by, note=note, on=on.date() if on else None)
    to = f' -> {step.escalated_to.username}' if step.escalated_to_id else ''
    click.echo(f'{step.plan.code}: {step.level} on {step.done_on}{to}')


@collect_group.command('overdue')
@click.option('--today', type=DATE)
@click.option('--user', help='What this user may read (default: everything).')
def collect_overdue(today, user):
    """List overdue plans with the dunning level each has reached; exit 1 when any."""
    from ..services.collection import overdue_with_levels
    rows = overdue_with_levels(today.date() if today else None, get_user(user))
    for plan, level, days in rows:
        click.echo(f'{plan.code}  {plan.contract.code}  {days:>4} days  '
                   f'{plan.amount - plan.paid_amount:>14,.2f}  {level or "-"}')
    click.echo(f'{len(rows)} overdue plans')
    if rows:
        sys.exit(1)


@collect_group.command('statement')
@click.argument('customer')
@click.argument('path', type=click.Path(dir_okay=False))
@click.option('--lang', type=click.Choice(['zh', 'en']), default='zh', show_default=True)
@click.option('--date', 'on', type=DATE, help='As of this date (default: today).')
@click.option('--user', help='What this user may read (default: everything).')
def collect_statement(customer, path, lang, on, user):
    """Write a customer's statement (对账单) as .xlsx: contracts, plans, invoices, payments and the balance."""
    from ..services.collection import statement
    data = statement(customer, on=on.date() if on else None, user=get_user(user))
    write_statement_xlsx(data, path, lang)
    balance = ', '.join(f'{c} {v:,.2f}' for c, v in data['balance'].items()) or '0.00'
    click.echo(f'statement of {data["customer"].code} written to {path}; balance {balance}')




def register(group):
    group.add_command(collect_group)
