"""`flask ltc quote create|care|plan|target|dashboard ...`: quotes, care, product plans, targets, dashboard data."""
import json

import click
from flask.cli import AppGroup

from ..errors import ValidationError
from ..models import CareTask, Customer, Department, Product
from ..services.cash_common import get_by_code, get_user

care_group = AppGroup('care', help='Customer care tasks.')
plan_group = AppGroup('product-plan', help='Product plans against pipeline and contracts.')
target_group = AppGroup('target', help='Sales and collection targets.')
DATE = click.DateTime(formats=['%Y-%m-%d'])


def _date(value):
    return value.date() if value is not None else None


def _parse_line(text):
    """Return a quote line dict from PRODUCT:QTY[:UNIT_PRICE[:DISCOUNT%]]."""
    parts = text.split(':')
    if not 2 <= len(parts) <= 4 or not parts[0]:
        raise ValidationError(f'Line {text!r} must look like PRODUCT:QTY[:UNIT_PRICE[:DISCOUNT%]], e.g. P000001:2::10.')
    line = {'product': get_by_code(Product, parts[0]), 'quantity': parts[1]}
    if len(parts) > 2 and parts[2]:
        line['unit_price'] = parts[2]
    if len(parts) > 3 and parts[3]:
        line['discount_pct'] = parts[3].rstrip('%')
    return line


def quote_create(customer, title, line, quoted_on, valid_until, user, opportunity):
    """Create a draft quote; totals are computed from the lines."""
    from ..models import Opportunity
    from ..services.quotes import create_quote
    owner = get_user(user)
    opp = get_by_code(Opportunity, opportunity) if opportunity else None
    quote = create_quote(get_by_code(Customer, customer), title, quoted_on=_date(quoted_on),
                         valid_until=_date(valid_until), opportunity=opp, owner=owner,
                         lines=[_parse_line(text) for text in line])
    click.echo(f'quote {quote.code}: subtotal {quote.subtotal}, discount {quote.discount_amount}, '
               f'total {quote.total}')


def _register_quote_create(quote_group):
    options = [click.argument('customer'), click.argument('title'),
               click.option('--line', multiple=True, required=True,
                            help='PRODUCT:QTY[:UNIT_PRICE[:DISCOUNT%]]; repeat for each line.'),
               click.option('--date', 'quoted_on', type=DATE, help='Quote date (default: today).'),
               click.option('--valid-until', type=DATE, help='Last day the quote is valid.'),
               click.option('--user', help='Quote owner (username).'),
               click.option('--opportunity', help='Opportunity code.')]
    command = quote_create
    for option in reversed(options):
        command = option(command)
    quote_group.command('create')(command)


@care_group.command('generate')
@click.option('--today', type=DATE)
@click.option('--days', type=int, help='Look-ahead in days (setting care.lookahead_days, 7).')
def care_generate(today, days):
    """Create birthday and holiday care tasks due soon (idempotent)."""
    from ..services.care import generate_care_tasks
    counts = generate_care_tasks(_date(today), days)
    click.echo(', '.join(f'{k}: {v}' for k, v in counts.items()))


@care_group.command('done')
@click.argument('code')
@click.option('--satisfaction', type=click.IntRange(1, 5), help='Score 1-5 (needed for return visits).')
@click.option('--notes')
def care_done(code, satisfaction, notes):
    """Complete a care task, recording the customer's satisfaction."""
    from ..services.care import complete_task
    task = complete_task(get_by_code(CareTask, code), satisfaction=satisfaction, notes=notes)
    click.echo(f'care task {task.code} done')


@plan_group.command('set')
@click.argument('product')
@click.argument('period')
@click.argument('quantity')
def plan_set(product, period, quantity):
    """Set the deliverable quantity of a product in a month (YYYY-MM)."""
    from ..services.planning import set_product_plan
    plan = set_product_plan(get_by_code(Product, product), period, quantity)
    click.echo(f'{plan.code} {product} {period}: {plan.planned_quantity}')


@plan_group.command('coverage')
@click.argument('period')
def plan_coverage(period):
    """Show planned against weighted pipeline and contracted quantities; exit 1 on shortfall or overload."""
    from ..services.planning import coverage
    rows = coverage(period)
    for r in rows:
        pct = f"{r['coverage_pct']:.1f}%" if r['coverage_pct'] is not None else '-'
        click.echo(f"{r['product']:<10} plan {r['planned']:>10} pipeline {r['pipeline']:>10} "
                   f"contracted {r['contracted']:>10} {pct:>7} {r['flag']}")
    if any(r['flag'] != 'ok' for r in rows):
        raise SystemExit(1)


@target_group.command('set')
@click.argument('kind', type=click.Choice(['sales', 'collection']))
@click.argument('period')
@click.argument('amount')
@click.option('--user', help='Username.')
@click.option('--department', help='Department code.')
def target_set(kind, period, amount, user, department):
    """Set a sales or collection target for a user or a department in a month."""
    from ..services.planning import set_target
    dept = get_by_code(Department, department) if department else None
    target = set_target(kind, period, amount, user=get_user(user), department=dept)
    click.echo(f'{target.code} {kind} {period}: {target.amount}')


@target_group.command('progress')
@click.argument('period')
def target_progress(period):
    """Rank users and departments by progress against their targets."""
    from ..services.planning import target_progress as progress
    for r in progress(period):
        pct = f"{r['progress_pct']:.1f}%" if r['progress_pct'] is not None else '-'
        click.echo(f"{r['kind']:<10} {r['level']:<10} #{r['rank']:<3} {r['name']:<20} "
                   f"{r['achieved']:>14,.2f} / {r['target']:>14,.2f} {pct:>7}")


@click.command('dashboard')
@click.option('--user', required=True, help='Whose view (username); data is scoped to what they may see.')
@click.option('--today', type=DATE)
def dashboard_command(user, today):
    """Print the dashboard data for a user as JSON."""
    from ..services.dashboard import dashboard_data
    click.echo(json.dumps(dashboard_data(get_user(user), _date(today)), ensure_ascii=False, indent=1))


def register(group, quote_group):
    """Add the planning, care and dashboard commands (and `quote create`)."""
    _register_quote_create(quote_group)
    for sub in (care_group, plan_group, target_group, dashboard_command):
        group.add_command(sub)
