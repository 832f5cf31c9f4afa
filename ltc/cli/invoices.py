"""`flask ltc invoice ...`: request, issue, send and reverse invoices; the lists; the ledger in and out."""
import contextlib
import csv
import datetime
import sys
from decimal import Decimal, InvalidOperation

import click
from flask.cli import AppGroup

from ..errors import LTCError
from ..models import Invoice
from ..models.choices import INVOICE_KINDS, INVOICE_STATUSES
from ..services import audit
from ..services.cash_common import get_user
from ..services.messages import text as message_text
from ..sync.mapping.codecs import escape, unescape

invoice_group = AppGroup('invoice', help='Invoices (发票) against payment plans.')
DATE = click.DateTime(formats=['%Y-%m-%d'])
# The ledger's columns: (attribute, English header, Chinese header); import reads either header.
LEDGER = (
    ('code', 'Invoice code', '发票编码'), ('number', 'Invoice number', '发票号码'),
    ('plan', 'Payment plan', '回款计划'), ('contract', 'Contract number', '合同编号'),
    ('buyer_title', 'Buyer', '购买方名称'), ('buyer_tax_id', 'Buyer tax ID', '纳税人识别号'),
    ('kind', 'Type', '发票类型'), ('status', 'Status', '状态'), ('issued_on', 'Issue date', '开票日期'),
    ('net_amount', 'Amount without tax', '金额'), ('tax_rate', 'Tax rate %', '税率'),
    ('tax_amount', 'Tax', '税额'), ('amount', 'Amount with tax', '价税合计'), ('currency', 'Currency', '币种'),
    ('reverse_reason', 'Reversal reason', '红冲原因'),
)


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


def _cell(invoice, attr, lang):
    if attr in ('plan', 'contract'):
        return getattr(invoice, attr).code
    value = getattr(invoice, attr)
    if attr == 'kind':
        return INVOICE_KINDS.label(value, lang)
    if attr == 'status':
        return INVOICE_STATUSES.label(value, lang)
    return '' if value is None else escape(str(value))


@invoice_group.command('export')
@click.argument('path', type=click.Path(dir_okay=False))
@click.option('--lang', type=click.Choice(['zh', 'en']), default='zh', show_default=True)
@click.option('--user', help='Export what this user may read (default: everything).')
def invoice_export(path, lang, user):
    """Write the invoice ledger to PATH (.xlsx or .csv)."""
    from ..services.invoices import ledger
    head = [zh if lang == 'zh' else en for _, en, zh in LEDGER]
    rows = [[_cell(inv, attr, lang) for attr, _, _ in LEDGER] for inv in ledger(get_user(user))]
    if str(path).lower().endswith('.xlsx'):
        from openpyxl import Workbook
        book = Workbook()
        sheet = book.active
        sheet.title = '发票台账' if lang == 'zh' else 'Invoices'
        for row in [head] + rows:
            sheet.append(row)
        book.save(path)
    else:
        with open(path, 'w', newline='', encoding='utf-8-sig') as handle:
            csv.writer(handle).writerows([head] + rows)
    click.echo(f'{len(rows)} invoices written to {path}')


def _columns(header):
    """Return {column index: attribute} for the ledger headers found in HEADER (English or Chinese)."""
    names = {}
    for attr, en, zh in LEDGER:
        names[en.lower()] = names[zh] = attr
    found = {}
    for i, cell in enumerate(header):
        key = str(cell or '').strip().lstrip('*').lower()
        if key in names:
            found[i] = names[key]
    return found


@invoice_group.command('import')
@click.argument('path', type=click.Path(exists=True, dir_okay=False))
@click.option('--user', help='Who records them (username); finance, ops or an admin.')
@click.option('--lang', type=click.Choice(['zh', 'en']), default='zh', show_default=True, help='Language of messages.')
def invoice_import(path, user, lang):
    """Read finance's invoice ledger: each new number issues an invoice on its plan; exit 1 on any error.

    A row names the payment plan, the invoice number, the amount with tax and optionally the type,
    the tax rate, the issue date and the status (sent, reversed with its reason). A number already
    recorded is updated only by status (sent, reversed); nothing is written twice.
    """
    from ..services import invoices
    from ..sync.formats.tables import open_path
    by, acting = _acting(user)
    table = open_path(path).read()
    if not table:
        raise click.ClickException('The file is empty.')
    cols = _columns(table[0])
    missing = [en for attr, en, zh in LEDGER if attr in ('plan', 'number') and attr not in cols.values()]
    if missing:
        raise click.ClickException(f'Missing column(s): {", ".join(missing)} (or their Chinese headers).')
    counts, errors = {'issued': 0, 'updated': 0, 'unchanged': 0}, 0
    with acting:   # each row in its own transaction: a refused row leaves the others written
        for n, cells in enumerate(table[1:], 2):
            row = {attr: _text(cells[i]) if i < len(cells) else '' for i, attr in cols.items()}
            if not any(row.values()):
                continue
            try:
                outcome = _import_row(invoices, row, by)
            except LTCError as exc:
                errors += 1
                click.echo(f'row {n}: {message_text(exc, lang)}', err=True)
                continue
            counts[outcome] += 1
    click.echo(', '.join(f'{k} {v}' for k, v in counts.items()) + f', errors {errors}')
    if errors:
        sys.exit(1)


def _text(cell):
    """Return a ledger cell as text: dates as YYYY-MM-DD, a rate typed as a fraction (0.13) as a percentage."""
    if cell is None:
        return ''
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return unescape(str(cell).strip())


def _rate(text):
    try:
        rate = Decimal(text.rstrip('%').strip() or '13')
    except InvalidOperation:
        return text   # the service refuses it with its own message
    return rate * 100 if 0 < rate < 1 else rate


def _import_row(invoices, row, by):
    from ..db import database
    status = INVOICE_STATUSES.lookup(row.get('status')) if row.get('status') else None
    existing = Invoice.get_or_none(Invoice.number == row['number']) if row.get('number') else None
    with database.atomic():
        if existing is None:
            kind = INVOICE_KINDS.lookup(row.get('kind')) if row.get('kind') else 'vat_special'
            invoice = invoices.request_invoice(row['plan'], row.get('amount') or None, kind=kind or row.get('kind'),
                                               tax_rate=_rate(row.get('tax_rate') or ''), by=by)
            invoice = invoices.issue(invoice, row['number'], row.get('issued_on') or None, by=by)
            outcome = 'issued'
        else:
            invoice, outcome = existing, 'unchanged'
        if status == 'sent' and invoice.status == 'issued':
            invoices.send(invoice, by=by)
            outcome = 'updated' if existing else outcome
        elif status == 'reversed' and invoice.status != 'reversed':
            invoices.reverse(invoice, row.get('reverse_reason') or 'reversed in the ledger', by=by)
            outcome = 'updated' if existing else outcome
    return outcome


def register(group):
    group.add_command(invoice_group)
