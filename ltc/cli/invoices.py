"""`flask ltc invoice ...`: request, issue, send and reverse invoices; the lists; the ledger in and out."""
import contextlib
import sys

import click
from flask.cli import AppGroup

from ..models.choices import INVOICE_KINDS
from ..services import audit
from ..services.cash_common import get_user

invoice_group = AppGroup('invoice', help='Invoices (发票) against payment plans.')
DATE = click.DateTime(formats=['%Y-%m-%d'])


def _acting(user):
    found = get_user(user)
    return found, (audit.acting_as(found, 'cli') if found else contextlib.nullcontext())


def _show(invoice):
    click.echo(f'{invoice.code}  {invoice.plan.code}  {invoice.status:<9} {invoice.number or "-":<12} '
               f'{invoice.amount:>14,.2f} (net {invoice.net_amount:,.2f} + tax {invoice.tax_amount:,.2f} '
               f'at {invoice.tax_rate}%)')


@invoice_group.command('request')
@click.argument('plan')
@click.option('--amount', help='Amount with tax (default: what the plan has left to invoice).')
@click.option('--kind', type=click.Choice(list(INVOICE_KINDS)), default='vat_special', show_default=True)
@click.option('--rate', default='13', show_default=True, help='Tax rate in percent.')
@click.option('--user', help='Who asks for it (username).')
def invoice_request(plan, amount, kind, rate, user):
    """Request an invoice for a payment plan (never more than the plan has left to invoice)."""
    from ..services.invoices import request_invoice
    by, acting = _acting(user)
    with acting:
        _show(request_invoice(plan, amount, kind=kind, tax_rate=rate, by=by))


@invoice_group.command('issue')
@click.argument('code')
@click.option('--number', required=True, help='The invoice number (发票号码).')
@click.option('--date', 'issued_on', type=DATE, help='Issue date (default: today).')
@click.option('--user', help='Who records it (username).')
def invoice_issue(code, number, issued_on, user):
    """Record that a requested invoice was issued, with its number."""
    from ..services.invoices import issue
    by, acting = _acting(user)
    with acting:
        _show(issue(code, number, issued_on.date() if issued_on else None, by=by))


@invoice_group.command('send')
@click.argument('code')
@click.option('--user', help='Who records it (username).')
def invoice_send(code, user):
    """Record that an issued invoice was sent to the customer."""
    from ..services.invoices import send
    by, acting = _acting(user)
    with acting:
        _show(send(code, by=by))


@invoice_group.command('reverse')
@click.argument('code')
@click.option('--reason', required=True, help='Why it is reversed (红冲原因).')
@click.option('--user', help='Who records it (username).')
def invoice_reverse(code, reason, user):
    """Reverse an invoice by a red-letter invoice (红冲); its amount may be invoiced again."""
    from ..services.invoices import reverse
    by, acting = _acting(user)
    with acting:
        _show(reverse(code, reason, by=by))


@invoice_group.command('gaps')
@click.option('--uncollected', 'which', flag_value='uncollected', default=True,
              help='Plans invoiced but not collected (default).')
@click.option('--uninvoiced', 'which', flag_value='uninvoiced', help='Plans collected but not invoiced.')
@click.option('--user', help='List what this user may read (default: everything).')
def invoice_gaps(which, user):
    """List plans invoiced but not collected, or collected but not invoiced; exit 1 when any."""
    from ..services import invoices
    found = get_user(user)
    rows = (invoices.invoiced_not_collected if which == 'uncollected' else invoices.collected_not_invoiced)(found)
    for plan, issued, paid, gap in rows:
        click.echo(f'{plan.code}  {plan.contract_code}  {plan.customer_name}  invoiced {issued:,.2f}  '
                   f'collected {paid:,.2f}  gap {gap:,.2f}')
    click.echo(f'{len(rows)} plans')
    if rows:
        sys.exit(1)


@invoice_group.command('export')
@click.argument('path', type=click.Path(dir_okay=False))
@click.option('--lang', type=click.Choice(['zh', 'en']), default='zh', show_default=True)
@click.option('--user', help='Export what this user may read (default: everything).')
def invoice_export(path, lang, user):
    """Write the invoice ledger to PATH (.xlsx or .csv): the `invoices` entity's columns, as `ltc export invoices`."""
    from ..sync.writes.export import export_entity, scoped_query
    by = get_user(user)
    count = export_entity('invoices', path, lang=lang, query=scoped_query('invoices', by) if by else None)
    click.echo(f'{count} invoices written to {path}')


@invoice_group.command('import')
@click.argument('path', type=click.Path(exists=True, dir_okay=False))
@click.option('--user', help='Who records them (username); finance, ops or an admin (sales: requests only).')
@click.option('--lang', type=click.Choice(['zh', 'en']), default='zh', show_default=True, help='Language of messages.')
@click.option('--dry-run', is_flag=True, help='Show what would change; write nothing.')
def invoice_import(path, user, lang, dry_run):
    """Read finance's invoice ledger through the invoice rules (as `ltc import invoices`); exit 1 on any error.

    A new row is requested on its plan and issued, sent or reversed as its status says (a number
    alone issues it); a row matching a recorded invoice (by code or number) moves only its status.
    """
    from ..sync.formats.tables import open_path
    from ..sync.writes.importer import run_import
    by, acting = _acting(user)
    with acting:
        result = run_import('invoices', open_path(path), lang=lang, dry_run=dry_run)
    for row in result.rows:
        if row.outcome == 'error':
            click.echo(f'row {row.row}: {row.message(lang)}', err=True)
    totals = result.totals()
    click.echo(', '.join(f'{k} {totals.get(k, 0)}' for k in ('created', 'updated', 'unchanged', 'error')))
    if totals.get('error'):
        sys.exit(1)


def register(group):
    group.add_command(invoice_group)
