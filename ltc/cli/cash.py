"""`flask ltc quote|contract|payment|receivables|reminders|jobs ...`: quote-to-cash commands."""
import contextlib
import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from ..errors import RuleViolation, ValidationError
from ..models import Contract, DeliveryMilestone, Quote
from ..services.cash_common import get_by_code, get_user

quote_group = AppGroup('quote', help='Quotes.')
contract_group = AppGroup('contract', help='Contracts, approvals, milestones and payment plans.')
payment_group = AppGroup('payment', help='Payments received.')
receivables_group = AppGroup('receivables', help='Payment plans due and overdue.')
reminders_group = AppGroup('reminders', help='The reminders inbox.')
jobs_group = AppGroup('jobs', help='Periodic jobs.')
approvals_group = AppGroup('approvals', help='Approval inbox and rules.')

DATE = click.DateTime(formats=['%Y-%m-%d'])


def _date(value):
    return value.date() if value is not None else None


def _acting(user):
    """Return the User named USER and attribute the command's writes to them."""
    from ..services import audit
    found = get_user(user)
    return found, (audit.acting_as(found, 'cli') if found else contextlib.nullcontext())


@quote_group.command('accept')
@click.argument('code')
@click.option('--user', help='Who accepts it (username); the quote owner by default.')
@click.option('--today', type=DATE, help='Check validity on this date (default: today).')
def quote_accept(code, user, today):
    """Accept a quote and create its contract draft with the quote's lines."""
    from ..services.quotes import accept_quote
    by, acting = _acting(user)
    with acting:
        contract = accept_quote(get_by_code(Quote, code), by=by, today=_date(today))
    click.echo(f'quote {code} accepted; contract draft {contract.code} amount {contract.amount}')


@quote_group.command('submit')
@click.argument('code')
@click.option('--user', help='Who submits it (username).')
def quote_submit(code, user):
    """Send a draft quote whose discount needs approval to its approvers."""
    from ..services.quotes import submit_quote
    by, acting = _acting(user)
    with acting:
        quote = submit_quote(code, by=by)
    click.echo(f'quote {code} is now {quote.status}')


@quote_group.command('approve')
@click.argument('code')
@click.option('--user', required=True, help='Who approves (username).')
@click.option('--comment', help='Comment.')
def quote_approve(code, user, comment):
    """Approve the current approval step of a quote; after the last step it may be sent."""
    from ..services.quotes import approve_quote
    by, acting = _acting(user)
    with acting:
        quote = approve_quote(code, by, comment)
    _steps_left(quote)
    click.echo(f'quote {code} is now {quote.status}')


@quote_group.command('reject')
@click.argument('code')
@click.option('--user', required=True, help='Who rejects (username).')
@click.option('--reason', required=True, help='Why; the owner reads it to correct the quote.')
def quote_reject(code, user, reason):
    """Reject the current approval step of a quote; it goes back to draft."""
    from ..services.quotes import reject_approval
    by, acting = _acting(user)
    with acting:
        quote = reject_approval(code, by, reason)
    click.echo(f'quote {code} is now {quote.status}')


@quote_group.command('send')
@click.argument('code')
@click.option('--user', help='Who sends it (username).')
def quote_send(code, user):
    """Mark a quote sent to the customer (one that needs approval must be approved first)."""
    from ..services.quotes import send_quote
    _, acting = _acting(user)
    with acting:
        quote = send_quote(get_by_code(Quote, code))
    click.echo(f'quote {code} is now {quote.status}')


@approvals_group.command('inbox')
@click.option('--user', required=True, help='Whose inbox (username).')
def approvals_inbox(user):
    """List the contracts and quotes waiting for the user's approval."""
    from ..services import approvals
    found = get_user(user)
    count = 0
    for subject in (approvals.CONTRACT, approvals.QUOTE):
        model = subject.step_model
        for step in model.select().where(model.id.in_(approvals.inbox(found, subject) or [0])).order_by(model.id):
            record = getattr(step, subject.fk.name)
            amount = record.amount if subject is approvals.CONTRACT else record.total
            click.echo(f'{subject.name:<8} {record.code:<12} {amount:>14,.2f}  {approvals.describe_step(step)}')
            count += 1
    click.echo(f'{count} waiting for {found.username}')


@approvals_group.command('rules')
def approvals_rules():
    """List the active approval rules in their order."""
    from ..models import ApprovalRule
    query = ApprovalRule.select().where(ApprovalRule.active).order_by(ApprovalRule.applies_to, ApprovalRule.sequence)
    for rule in query:
        who = f' -> {rule.approver.username}' if rule.approver_id else ''
        discount = f' discount >= {rule.discount_from}%' if rule.discount_from is not None else ''
        click.echo(f'{rule.code}  {rule.applies_to:<8} #{rule.sequence} {rule.level}{who}  '
                   f'amount > {rule.amount_above:,.2f}{discount} {rule.contract_kind or ""}  {rule.name}')


def _contract_action(name, help_text, needs_reason=False):
    @click.argument('code')
    @click.option('--user', required=name in ('approve', 'reject'), help='Who does it (username).')
    @click.option('--comment', '--reason', 'comment', required=needs_reason, help='Comment or reason.')
    def command(code, user, comment):
        from ..services import contracts
        by, acting = _acting(user)
        contract = get_by_code(Contract, code)
        with acting:
            func = getattr(contracts, name)
            if name in ('approve', 'reject'):
                done = func(contract, by, comment)
                _steps_left(done)
                if getattr(done, 'opportunity_note', None) is not None:
                    click.echo(f'note: the opportunity stays where it is: {done.opportunity_note}')
            elif name == 'terminate':
                func(contract, by, reason=comment)
            else:
                func(contract, by)
        click.echo(f'contract {code} is now {Contract.get_by_id(contract.id).status}')
    command.__doc__ = help_text
    contract_group.command(name, help=help_text)(command)


def _steps_left(record):
    from ..services.approvals import describe_step
    left = getattr(record, 'remaining', None)
    if left:
        click.echo(f'{record.code}: your step is approved; waiting for '
                   + ', '.join(describe_step(s) for s in left))


_contract_action('submit', 'Send a draft contract for approval (its amount must equal its lines).')
_contract_action('approve', 'Approve the current approval step; after the last step the contract is effective.')
_contract_action('reject', 'Reject the current approval step with a reason; the contract goes back to draft.',
                 needs_reason=True)
_contract_action('activate', 'Start executing an effective contract.')
_contract_action('complete', 'Complete an executing contract whose milestones are all accepted.')
_contract_action('terminate', 'Terminate a contract with a reason; unpaid plans become void.', needs_reason=True)


@contract_group.command('plan')
@click.argument('code')
@click.option('--split', required=True, help='Percentages adding up to 100, e.g. 30,40,30.')
@click.option('--due', '--dates', 'due', required=True,
              help='One due date (YYYY-MM-DD) or milestone code per instalment, comma-separated.')
@click.option('--user', help='Who sets the plan (username).')
def contract_plan(code, split, due, user):
    """Set the payment plans of a contract by splitting its amount."""
    from ..services.receivables import plan_by_split
    by, acting = _acting(user)
    with acting:
        plans = plan_by_split(get_by_code(Contract, code), split.split(','),
                              [d.strip() for d in due.split(',') if d.strip()], by=by)
    for plan in plans:
        when = plan.due_on.isoformat() if plan.due_on else f'on acceptance of {plan.milestone.code}'
        click.echo(f'{plan.code}  #{plan.sequence}  {plan.amount:>14,.2f}  {when}')


@contract_group.command('milestone')
@click.argument('code')
@click.argument('name')
@click.option('--planned', type=DATE, help='Planned delivery date.')
@click.option('--user', help='Who adds it (username).')
def contract_milestone(code, name, planned, user):
    """Add a delivery milestone to a contract."""
    from ..services.contracts import add_milestone
    _, acting = _acting(user)
    with acting:
        milestone = add_milestone(get_by_code(Contract, code), name, planned_on=_date(planned))
    click.echo(f'milestone {milestone.code} #{milestone.sequence} {name}')


@contract_group.command('accept-milestone')
@click.argument('milestone')
@click.option('--date', 'accepted_on', type=DATE, help='Acceptance date (default: today).')
@click.option('--user', help='Who records it (username).')
def contract_accept_milestone(milestone, accepted_on, user):
    """Record a delivery milestone's acceptance; milestone payment plans fall due."""
    from ..services.contracts import accept_milestone
    by, acting = _acting(user)
    with acting:
        row = accept_milestone(get_by_code(DeliveryMilestone, milestone), _date(accepted_on), by=by)
    click.echo(f'milestone {row.code} accepted on {row.accepted_on}')


@contract_group.command('renew')
@click.argument('code')
@click.option('--start', type=DATE)
@click.option('--end', type=DATE)
@click.option('--user', help='Who renews it (username).')
def contract_renew(code, start, end, user):
    """Create a draft renewal of a contract, linked to it."""
    from ..services.contracts import renew
    by, acting = _acting(user)
    with acting:
        renewal = renew(get_by_code(Contract, code), by, start_on=_date(start), end_on=_date(end))
    click.echo(f'renewal {renewal.code} of {code} created as draft')


@payment_group.command('record')
@click.argument('contract')
@click.argument('amount')
@click.option('--plan', help='Plan code (default: the earliest open plan).')
@click.option('--date', 'received_on', type=DATE, help='Date received (default: today).')
@click.option('--method', default='bank_transfer', show_default=True)
@click.option('--reference', help='Bank reference.')
@click.option('--split', is_flag=True, help='Apply any excess to the later plans instead of refusing it.')
@click.option('--currency', help="Currency received, when not the contract's (converted at the day's rate).")
@click.option('--user', help='Who records it (username).')
def payment_record(contract, amount, plan, received_on, method, reference, split, currency, user):
    """Record a payment received against a contract's payment plan."""
    from ..services.receivables import record_payment
    by, acting = _acting(user)
    try:
        with acting:
            payments = record_payment(contract, amount, plan=plan, received_on=_date(received_on),
                                      method=method, reference=reference, by=by, split=split,
                                      currency=(currency or '').upper() or None)
    except RuleViolation as exc:
        if exc.details.get('params', {}).get('split'):   # the excess could go to the later plans
            raise click.ClickException(f'{exc} Or add --split to apply the excess to the later plans.')
        raise
    for p in payments:
        click.echo(f'{p.code}  {p.amount:>14,.2f}  -> {p.plan.code} ({p.plan.status})')


rates_group = AppGroup('rates', help='Exchange rates by date, in the base currency (setting currency.base).')


@rates_group.command('set')
@click.argument('currency')
@click.argument('on', type=DATE)
@click.argument('rate')
@click.option('--user', help='Who enters it (username); finance or an admin.')
def rates_set(currency, on, rate, user):
    """Enter the rate of CURRENCY from ON: RATE units of the base currency for one unit."""
    from ..services.rates import base_currency, set_rate
    by, acting = _acting(user)
    with acting:
        row = set_rate(currency, on.date(), rate, by=by)
    click.echo(f'1 {row.currency} = {row.rate} {base_currency()} from {row.on}')


@rates_group.command('import')
@click.argument('path', type=click.Path(exists=True, dir_okay=False))
@click.option('--user', help='Who enters them (username); finance or an admin.')
def rates_import(path, user):
    """Read rates from a .csv or .xlsx with the columns currency, date, rate (币种, 日期, 汇率)."""
    from ..services.rates import set_rate
    from ..sync.formats.tables import open_path
    rows = open_path(path).read()
    heads = [str(h or '').strip().lower() for h in (rows[0] if rows else [])]
    pick = {name: next((i for i, h in enumerate(heads) if h in names), None) for name, names in
            (('currency', ('currency', '币种')), ('on', ('date', '日期')), ('rate', ('rate', '汇率')))}
    if None in pick.values():
        raise click.ClickException('The file needs the columns currency, date and rate (币种, 日期, 汇率).')
    by, acting = _acting(user)
    with acting:
        for cells in rows[1:]:
            on = cells[pick['on']]
            set_rate(cells[pick['currency']], on.date() if hasattr(on, 'date') else on, cells[pick['rate']], by=by)
    click.echo(f'{len(rows) - 1} rates entered')


@receivables_group.command('overdue')
@click.option('--today', type=DATE, help='Judge overdue on this date (default: today).')
def receivables_overdue(today):
    """Mark plans past due as overdue, list them with the aging buckets; exit 1 when any is overdue."""
    from ..services.receivables import aging, mark_overdue, overdue_plans
    today = _date(today)
    changed = mark_overdue(today)
    rows = list(overdue_plans(today))
    for plan in rows:
        click.echo(f'{plan.code}  {plan.contract.code}  due {plan.due_on}  '
                   f'{plan.amount - plan.paid_amount:>14,.2f} outstanding  ({plan.status})')
    for bucket in aging(today):
        click.echo(f"{bucket['bucket']:>6} days: {bucket['count']:>5} plans  {bucket['amount']:>16,.2f}")
    click.echo(f'{changed} newly marked overdue; {len(rows)} overdue in all')
    if rows:
        sys.exit(1)


@reminders_group.command('generate')
@click.option('--today', type=DATE, help='Generate as of this date (default: today).')
def reminders_generate(today):
    """Create the reminders now due (idempotent)."""
    from ..services.reminders import generate
    counts = generate(_date(today))
    for kind, n in counts.items():
        click.echo(f'{kind:>18}: {n}')


@reminders_group.command('list')
@click.option('--user', required=True, help='Whose inbox (username).')
@click.option('--unread', is_flag=True, help='Only unread reminders.')
@click.option('--mark-read', is_flag=True, help='Mark the listed reminders read.')
def reminders_list(user, unread, mark_read):
    """List a user's reminders with the unread count."""
    from ..services.reminders import inbox, mark_read as do_mark, render, unread_count
    found = get_user(user)
    if found is None:
        raise ValidationError('Give --user.')
    rows = inbox(found, unread_only=unread)
    for r in rows:
        flag = ' ' if r.read_at else '*'
        click.echo(f'{flag} {r.code}  {r.due_on or "":<10}  {r.kind:<17} {render(r, found.language)}')
    click.echo(f'{unread_count(found)} unread')
    if mark_read and rows:
        from ..services import audit
        with audit.acting_as(found, 'cli'):
            n = do_mark(found, [r.code for r in rows])
        click.echo(f'{n} marked read')


@jobs_group.command('list')
def jobs_list():
    """List the periodic jobs with their schedules and last runs."""
    from ..jobs import job_table
    for spec, run in job_table():
        last = 'never run'
        if run is not None:
            counts = ', '.join(f'{k}={v}' for k, v in run.counts_dict().items())
            last = f'last {run.started_at:%Y-%m-%d %H:%M} {run.status}' + (f' ({counts})' if counts else '')
            if run.status != 'ok' and run.message:
                last += f': {run.message[:100]}'
        click.echo(f'{spec.name:<20} {spec.schedule:<15} {last}')
        click.echo(f'{"":<20} {spec.description}')


@jobs_group.command('run')
@click.argument('name')
@click.option('--today', type=DATE, help='Run as of this date (default: today).')
def jobs_run(name, today):
    """Run one periodic job now, in this process, under its lock."""
    from ..jobs import get_huey, run_job
    counts = run_job(name, get_huey(current_app), today=_date(today))
    click.echo(f'{name}: ' + (json.dumps(counts, ensure_ascii=False, default=str) if counts else 'nothing to do'))


@jobs_group.command('enqueue')
@click.argument('name')
@click.option('--today', type=DATE, help='Run as of this date (default: the day it runs).')
def jobs_enqueue(name, today):
    """Queue one periodic job for the consumer (python -m ltc.jobs) to run."""
    from ..jobs import enqueue, get_huey
    result = enqueue(name, get_huey(current_app), today=_date(today))
    click.echo(f'{name}: queued as task {result.id}; the consumer records the run (flask ltc jobs list).')


def register(group):
    """Add the quote-to-cash commands to the `flask ltc` group."""
    from .plan import register as register_plan
    for sub in (quote_group, contract_group, payment_group, receivables_group, reminders_group, jobs_group,
                approvals_group, rates_group):
        group.add_command(sub)
    register_plan(group, quote_group)
