"""`flask ltc bank ...`: import a bank statement, see match suggestions, confirm matches, list what is open."""
import contextlib
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..services import audit
from ..services.cash_common import get_user
from ..services.messages import text as message_text

bank_group = AppGroup('bank', help='Bank receipts and their reconciliation with payment plans.')


def _acting(user):
    found = get_user(user)
    return found, (audit.acting_as(found, 'cli') if found else contextlib.nullcontext())


@bank_group.command('import')
@click.argument('path', type=click.Path(exists=True, dir_okay=False))
@click.option('--user', help='Who imports it (username); finance, ops or an admin.')
@click.option('--lang', type=click.Choice(['zh', 'en']), default='zh', show_default=True)
def bank_import(path, user, lang):
    """Read a bank statement (.xlsx or .csv) into receipts; each credit line once."""
    from ..services import reconcile
    from ..sync.formats.tables import open_path
    by, acting = _acting(user)
    rows = open_path(path).read()
    with acting:
        created, known, skipped = reconcile.import_statement(rows, statement=Path(path).name, by=by)
    for n, en, zh in skipped:
        click.echo(f'row {n}: skipped, {zh if lang == "zh" else en}')
    click.echo(f'{created} receipts imported, {known} already imported, {len(skipped)} lines skipped')


@bank_group.command('suggest')
@click.option('--limit', default=3, show_default=True, help='Suggestions per receipt.')
def bank_suggest(limit):
    """List the receipts not matched in full with the plans they most likely pay."""
    from ..services import reconcile
    for receipt, found in reconcile.suggestions(limit=limit):
        free = receipt.amount - receipt.matched_amount
        click.echo(f'{receipt.code}  {receipt.received_on}  {free:>14,.2f}  {receipt.payer_name or "-"}  '
                   f'{receipt.reference or ""}')
        for score, plan, reasons in found:
            click.echo(f'    {score:>3}  {plan["code"]}  {plan["contract"]}  due {plan["outstanding"]:,.2f}  '
                       f'({", ".join(reasons)})')
        if not found:
            click.echo('    no suggestion')


@bank_group.command('match')
@click.argument('allocations', nargs=-1, required=True)
@click.option('--user', help='Who confirms (username); finance, ops or an admin.')
@click.option('--lang', type=click.Choice(['zh', 'en']), default='en', show_default=True)
def bank_match(allocations, user, lang):
    """Confirm matches RECEIPT:PLAN[:AMOUNT] ... in one go (1:1, one receipt to many plans, many to one).

    Each becomes a payment on its plan; without an amount it takes what both still have.
    """
    from ..errors import LTCError
    from ..services import reconcile
    parsed = []
    for item in allocations:
        parts = item.split(':')
        if len(parts) not in (2, 3):
            raise click.BadParameter(f'{item!r}: write RECEIPT:PLAN or RECEIPT:PLAN:AMOUNT, e.g. BR000001:PM000003')
        parsed.append((parts[0], parts[1], parts[2] if len(parts) == 3 else None))
    by, acting = _acting(user)
    try:
        with acting:
            matches = reconcile.confirm(parsed, by=by)
    except LTCError as exc:
        raise click.ClickException(message_text(exc, lang))
    for m in matches:
        click.echo(f'{m.receipt.code} -> {m.plan.code}  {m.amount:>14,.2f}  payment {m.payment.code}')


@bank_group.command('unmatched')
def bank_unmatched():
    """List the receipts not matched in full; exit 1 when there are any."""
    from ..services import reconcile
    rows = list(reconcile.unmatched())
    for r in rows:
        click.echo(f'{r.code}  {r.received_on}  {r.amount - r.matched_amount:>14,.2f} of {r.amount:,.2f}  '
                   f'{r.payer_name or "-"}  {r.payer_account or "-"}  {r.reference or ""}')
    click.echo(f'{len(rows)} receipts not matched in full')
    if rows:
        sys.exit(1)


def register(group):
    group.add_command(bank_group)
