"""`flask ltc lead|customer|pool|opp|followup ...`: the lead, pool and opportunity rules from the shell."""
import contextlib
from decimal import Decimal, InvalidOperation

import click
from flask.cli import AppGroup

from ..errors import NotFound, ValidationError
from ..models import Customer, Department, Lead, Opportunity, User
from ..services import audit

DATE = click.DateTime(formats=['%Y-%m-%d'])
lead_group = AppGroup('lead', help='Grade, assign, de-duplicate and convert leads.')
customer_group = AppGroup('customer', help='Claim, release, group and measure customers.')
pool_group = AppGroup('pool', help='The public pool (公海).')
opp_group = AppGroup('opp', help='Move, diagnose and follow opportunities.')
followup_group = AppGroup('followup', help='Follow-ups with leads, customers and opportunities.')


def _get(model, code):
    row = model.by_code(code)
    if row is None:
        raise NotFound(f'There is no {model.label or model.__name__} {code!r}; check the code.')
    return row


def _user(name):
    if name is None:
        return None
    user = User.get_or_none((User.username == name) | (User.code == name))
    if user is None:
        raise NotFound(f'There is no user {name!r}; give a username or user code.')
    return user


def _acting(user):
    return audit.acting_as(user, 'cli') if user is not None else contextlib.nullcontext()


def _money(text):
    try:
        return Decimal(text.replace(',', ''))
    except (InvalidOperation, AttributeError):
        raise ValidationError(f'{text!r} is not an amount; write it like 120000 or 120,000.50.') from None


def _codes_or_all(codes, every, what):
    if not codes and not every:
        raise click.UsageError(f'Give one or more {what} codes, or the flag for all of them.')


@lead_group.command('grade')
@click.argument('codes', nargs=-1)
@click.option('--all', 'every', is_flag=True, help='Re-grade every open lead.')
def lead_grade(codes, every):
    """Grade leads by the active grading rules and show score and reasons."""
    from ..services.leads import grade_lead, regrade_open_leads
    _codes_or_all(codes, every, 'lead')
    if every:
        click.echo(f'{regrade_open_leads()} leads re-graded')
    for code in codes:
        lead = grade_lead(_get(Lead, code))
        click.echo(f'{lead.code} {lead.grade} ({lead.score})')
        for reason in filter(None, lead.score_reasons.splitlines()):
            click.echo(f'  {reason}')


@lead_group.command('default-rules')
def lead_default_rules():
    """Create the default grading rules when there are none."""
    from ..services.leads import install_default_rules
    click.echo(f'{install_default_rules()} grading rules created')


@lead_group.command('assign')
@click.argument('codes', nargs=-1)
@click.option('--unassigned', is_flag=True, help='Assign every lead in the managers\' queue.')
@click.option('--rerun', is_flag=True, help='Apply the rules again to every new or assigned lead.')
@click.option('--to', 'to', help='Give the leads to this user instead of using the rules.')
@click.option('--user', help='Who is assigning (username).')
def lead_assign(codes, unassigned, rerun, to, user):
    """Assign leads by the assignment rules (or to a user); unmatched leads stay queued."""
    from ..services.assignment import assign_leads, rerun_assignment
    from ..services.leads import assign_lead
    if not codes and not (unassigned or rerun):
        raise click.UsageError('Give one or more lead codes, or --unassigned, or --rerun.')
    by, target = _user(user), _user(to)
    with _acting(by):
        if rerun:
            counts = rerun_assignment(Lead.select().order_by(Lead.id), by=by)
            click.echo(', '.join(f'{v} {k}' for k, v in counts.items()))
        elif unassigned:
            counts = assign_leads(Lead.unassigned().order_by(Lead.id), by=by)
            click.echo(', '.join(f'{v} {k}' for k, v in counts.items()))
        for code in codes:
            owner = assign_lead(_get(Lead, code), by=by, to=target)
            click.echo(f'{code} -> {owner.username if owner else "queue (no rule matched)"}')


@lead_group.command('status')
@click.argument('code')
@click.argument('status')
@click.option('--reason', help='Required when disqualifying.')
@click.option('--user', help='Who changes the status (username).')
def lead_status(code, status, reason, user):
    """Move a lead along new → assigned → contacted → qualified, or disqualify it."""
    from ..services.leads import set_status
    by = _user(user)
    with _acting(by):
        lead = set_status(_get(Lead, code), status, by=by, reason=reason)
    click.echo(f'{lead.code} is {lead.status}')


@lead_group.command('disqualify')
@click.argument('code')
@click.option('--reason', required=True, help='Why the lead is not worth pursuing.')
@click.option('--user', help='Who disqualifies (username).')
def lead_disqualify(code, reason, user):
    """Disqualify a lead with a reason."""
    from ..services.leads import disqualify
    by = _user(user)
    with _acting(by):
        disqualify(_get(Lead, code), reason, by=by)
    click.echo(f'{code} disqualified: {reason}')


@lead_group.command('convert')
@click.argument('code')
@click.option('--customer', help='Convert into this existing customer (code).')
@click.option('--name', help='Opportunity name.')
@click.option('--amount', help='Opportunity amount (defaults to the lead budget).')
@click.option('--close-on', type=DATE, help='Expected close date, YYYY-MM-DD.')
@click.option('--user', help='Who converts (username).')
def lead_convert(code, customer, name, amount, close_on, user):
    """Convert a lead into customer, contact and opportunity in one step."""
    from ..services.leads import convert_lead
    by = _user(user)
    with _acting(by):
        out = convert_lead(_get(Lead, code), by=by, customer=_get(Customer, customer) if customer else None,
                           opportunity_name=name, amount=_money(amount) if amount else None,
                           expected_close_on=close_on.date() if close_on else None)
    contact = out['contact'].code if out['contact'] else 'no contact data'
    click.echo(f"{code} converted: customer {out['customer'].code}, contact {contact}, "
               f"opportunity {out['opportunity'].code}")


@lead_group.command('dedupe')
def lead_dedupe():
    """Refresh duplicate flags of every lead and list the duplicates."""
    from ..services.dedupe import dedupe_leads
    flagged = dedupe_leads()
    for lead in Lead.select().where(Lead.duplicate_of.is_null(False)).order_by(Lead.id):
        click.echo(f'{lead.code} {lead.company} duplicates {lead.duplicate_of.code} {lead.duplicate_of.company}')
    click.echo(f'{flagged} duplicates flagged')


@lead_group.command('merge')
@click.argument('code')
@click.option('--into', help='The lead to merge with (default: the one it duplicates).')
def lead_merge(code, into):
    """Merge a duplicate lead with its original, keeping the older record."""
    from ..services.dedupe import merge_leads
    kept = merge_leads(_get(Lead, code), into=_get(Lead, into) if into else None)
    click.echo(f'merged into {kept.code}')


@customer_group.command('claim')
@click.argument('code')
@click.option('--user', required=True, help='The sales user who claims (username).')
def customer_claim(code, user):
    """Claim a customer from the public pool."""
    from ..services.pool import claim
    by = _user(user)
    with _acting(by):
        claim(_get(Customer, code), by)
    click.echo(f'{code} claimed by {by.username}')


@customer_group.command('release')
@click.argument('code')
@click.option('--user', required=True, help='The owner, a manager or an admin (username).')
@click.option('--reason', required=True, help='Why the customer goes back to the pool.')
def customer_release(code, user, reason):
    """Release a customer back to the public pool with a reason."""
    from ..services.pool import release
    by = _user(user)
    with _acting(by):
        release(_get(Customer, code), by, reason)
    click.echo(f'{code} released to the pool')


@customer_group.command('group')
@click.argument('code')
@click.option('--parent', help='The parent customer code.')
@click.option('--detach', is_flag=True, help='Remove the customer from its group.')
def customer_group_cmd(code, parent, detach):
    """Put a customer under a parent (group) customer, or detach it."""
    from ..services.customers import set_parent
    if bool(parent) == bool(detach):
        raise click.UsageError('Give either --parent CODE or --detach.')
    set_parent(_get(Customer, code), _get(Customer, parent) if parent else None)
    click.echo(f'{code} ' + (f'is now under {parent}' if parent else 'is no longer in a group'))


@customer_group.command('lock')
@click.argument('code')
@click.option('--off', is_flag=True, help='Unlock instead.')
@click.option('--reason')
def customer_lock(code, off, reason):
    """Lock a customer against reclaim and release (or unlock it with --off)."""
    from ..services.customers import set_locked
    set_locked(_get(Customer, code), not off, reason=reason)
    click.echo(f"{code} {'unlocked' if off else 'locked'}")


@customer_group.command('wallet')
@click.argument('code')
@click.option('--group', 'whole_group', is_flag=True, help='Measure the whole group with roll-ups.')
def customer_wallet(code, whole_group):
    """Show share of wallet (and with --group the group roll-up)."""
    from ..services.customers import group_rollup, share_of_wallet
    customer = _get(Customer, code)
    if whole_group:
        rollup = group_rollup(customer)
        wallet = rollup.pop('share_of_wallet')
        for key, value in rollup.items():
            click.echo(f'{key:>20}: {value}')
    else:
        wallet = share_of_wallet(customer)
    for key, value in wallet.items():
        click.echo(f'{key:>20}: {"-" if value is None else value}')


@pool_group.command('reclaim')
@click.option('--today', type=DATE, help='Evaluate the rules as of this date (YYYY-MM-DD).')
def pool_reclaim(today):
    """Reclaim customers whose pool rules ran out and warn owners before it happens."""
    from ..services.pool import run_reclaim
    with audit.acting_as('pool-reclaim', 'cli'):
        counts = run_reclaim(today.date() if today else None)
    click.echo(f"{counts['reclaimed']} reclaimed, {counts['warned']} warned")


@pool_group.command('due')
@click.option('--days', default=7, show_default=True, help='Look this many days ahead.')
def pool_due(days):
    """List owned customers that fall back into the pool within N days."""
    from ..services.pool import about_to_reclaim
    rows = about_to_reclaim(days)
    for customer, on, reason in rows:
        click.echo(f'{on}  {customer.code} {customer.name}  ({reason})')
    click.echo(f'{len(rows)} customers due within {days} days')


@opp_group.command('move')
@click.argument('code')
@click.argument('stage')
@click.option('--user', help='Who moves it (username).')
@click.option('--reason', help='Required for Lost: why the deal was lost.')
def opp_move(code, stage, user, reason):
    """Move an opportunity to a stage (code like ST-PROPOSE, or its name)."""
    from ..services.opportunities import move_stage
    by = _user(user)
    with _acting(by):
        opp = move_stage(_get(Opportunity, code), stage, by=by, reason=reason)
    click.echo(f'{opp.code} is in {opp.stage.name_en} {opp.stage.name} '
               f'(weighted {opp.weighted_amount:,.2f})')


@opp_group.command('diagnose')
@click.argument('codes', nargs=-1)
@click.option('--all', 'every', is_flag=True, help='Diagnose every open opportunity.')
def opp_diagnose(codes, every):
    """Compute the health score of opportunities and show the reasons."""
    from ..services.diagnosis import diagnose, diagnose_open
    _codes_or_all(codes, every, 'opportunity')
    if every:
        click.echo(f'{diagnose_open()} opportunities re-scored')
    for code in codes:
        opp = diagnose(_get(Opportunity, code))
        click.echo(f'{opp.code} health {opp.health_score}')
        for reason in opp.health_reasons.splitlines():
            click.echo(f'  {reason}')


@opp_group.command('chain')
@click.argument('code')
def opp_chain(code):
    """Show an opportunity's decision chain and its warnings."""
    from ..services.opportunities import decision_chain_warnings
    opp = _get(Opportunity, code)
    for row in opp.decision_chain:
        click.echo(f'{row.contact.name}  {row.role.name_en}/{row.role.name}  {row.attitude}  {row.influence}')
    for warning in decision_chain_warnings(opp):
        click.echo(f'warning: {warning}')


@opp_group.command('feed')
@click.argument('department')
@click.option('--limit', default=30, show_default=True)
@click.option('--user', help='Show only what this user may see (username), as the admin feed does.')
def opp_feed(department, limit, user):
    """Show the team feed of a department: stage moves, wins, losses, major follow-ups."""
    from ..services.opportunities import department_feed
    dept = Department.get_or_none((Department.code == department) | (Department.name == department))
    if dept is None:
        raise NotFound(f'There is no department {department!r}; give its code or name.')
    for item in department_feed(dept, limit=limit, user=_user(user)):
        click.echo(f"{item['at']:%Y-%m-%d %H:%M}  {item['kind']:<8} {item['user'] or '-'}  {item['text']}")


def _team_line(member):
    from ..models.choices import TEAM_ROLES
    return (f'{member.user.username:<16} {member.role:<9} {TEAM_ROLES.label(member.role, "zh")}  '
            f'{member.user.display_name or ""}')


@opp_group.command('team')
@click.argument('code')
def opp_team(code):
    """Show an opportunity's owner and team members with their roles."""
    from ..services.teams import members
    opp = _get(Opportunity, code)
    click.echo(f'owner {opp.owner.username if opp.owner_id else "-"}')
    for member in members(opp):
        click.echo(_team_line(member))


@opp_group.command('team-add')
@click.argument('code')
@click.argument('username')
@click.argument('role')
@click.option('--as', 'as_user', metavar='USERNAME', help="Who adds (the owner, their manager or an admin).")
def opp_team_add(code, username, role, as_user):
    """Add a user to an opportunity's team as presales, solution, delivery, finance or partner."""
    from ..services.teams import add_member
    by = _user(as_user)
    with _acting(by):
        member = add_member(_get(Opportunity, code), _user(username), role, by=by)
    click.echo(f'{code}: {_team_line(member)}')


@opp_group.command('team-remove')
@click.argument('code')
@click.argument('username')
@click.option('--as', 'as_user', metavar='USERNAME', help="Who removes (the owner, their manager or an admin).")
def opp_team_remove(code, username, as_user):
    """Take a user off an opportunity's team."""
    from ..services.teams import remove_member
    by = _user(as_user)
    with _acting(by):
        remove_member(_get(Opportunity, code), _user(username), by=by)
    click.echo(f'{code}: {username} removed from the team')


@followup_group.command('record')
@click.option('--lead', 'lead_code')
@click.option('--customer', 'customer_code')
@click.option('--opp', 'opp_code')
@click.option('--kind', default='call', show_default=True, help='call, visit, meeting, email or message.')
@click.option('--summary', default='')
@click.option('--major', is_flag=True, help='Show it in the team feed.')
@click.option('--next-on', type=DATE, help='Next contact date, YYYY-MM-DD.')
@click.option('--user', help='Who followed up (username).')
def followup_record(lead_code, customer_code, opp_code, kind, summary, major, next_on, user):
    """Record a follow-up and update the follow-up counters."""
    from ..services.followups import record_followup
    by = _user(user)
    with _acting(by):
        followup = record_followup(
            by=by, lead=_get(Lead, lead_code) if lead_code else None,
            customer=_get(Customer, customer_code) if customer_code else None,
            opportunity=_get(Opportunity, opp_code) if opp_code else None, kind=kind, summary=summary,
            is_major=major, next_contact_on=next_on.date() if next_on else None)
    click.echo(f'recorded {followup.code}')


def register(group):
    """Add the lead, customer, pool, opportunity and follow-up commands to GROUP."""
    for command in (lead_group, customer_group, pool_group, opp_group, followup_group):
        group.add_command(command)
