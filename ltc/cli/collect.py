"""`flask ltc collect ...`: dunning levels on overdue plans and the customer statement (对账单) as xlsx."""
import contextlib
import sys

import click
from flask.cli import AppGroup

from ..models.choices import DUNNING_LEVELS, INVOICE_STATUSES, PLAN_STATUSES
from ..services import audit
from ..services.cash_common import get_user
from ..sync.mapping.codecs import escape

collect_group = AppGroup('collect', help='Collection: dunning levels and customer statements.')
DATE = click.DateTime(formats=['%Y-%m-%d'])
WORDS = {  # (English, Chinese)
    'title': ('Statement of account', '对账单'), 'customer': ('Customer', '客户'), 'on': ('As of', '截至日期'),
    'contracts': ('Contracts', '合同'), 'plans': ('Payment plans', '回款计划'), 'invoices': ('Invoices', '发票'),
    'payments': ('Payments', '回款'), 'balance': ('Balance due', '应收余额'), 'overdue': ('Of which overdue', '其中逾期'),
    'code': ('Code', '编号'), 'contract': ('Contract', '合同'), 'title_col': ('Title', '名称'),
    'signed': ('Signed on', '签订日期'), 'amount': ('Amount', '金额'), 'currency': ('Currency', '币种'),
    'due': ('Due on', '到期日'), 'paid': ('Paid', '已回款'), 'open': ('Outstanding', '未回款'),
    'status': ('Status', '状态'), 'level': ('Dunning level', '催收级别'), 'number': ('Invoice number', '发票号码'),
    'issued': ('Issue date', '开票日期'), 'received': ('Received on', '到账日期'), 'plan': ('Plan', '回款计划'),
    'reference': ('Reference', '摘要'),
}


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


def write_statement_xlsx(data, path, lang):
    """Write the statement DATA into an xlsx at PATH, in LANG."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    w = lambda key: WORDS[key][1 if lang == 'zh' else 0]  # noqa: E731
    zh = lang == 'zh'
    book = Workbook()
    sheet = book.active
    sheet.title = w('title')
    bold = Font(bold=True)
    customer = data['customer']

    def row(*cells, font=None):
        sheet.append([escape(c) if isinstance(c, str) else c for c in cells])
        if font:
            for cell in sheet[sheet.max_row]:
                cell.font = font
    row(w('title'), font=Font(bold=True, size=14))
    row(w('customer'), customer.invoice_title or customer.name, customer.code)
    row(w('on'), data['on'].isoformat())
    for currency, value in data['balance'].items():
        row(w('balance'), float(value), currency, font=bold)
    for currency, value in data['overdue'].items():
        row(w('overdue'), float(value), currency)
    row()
    row(w('contracts'), font=bold)
    row(w('code'), w('title_col'), w('signed'), w('amount'), w('currency'), font=bold)
    for c in data['contracts']:
        row(c.code, c.title, c.signed_on.isoformat() if c.signed_on else '', float(c.amount), c.currency)
    row()
    row(w('plans'), font=bold)
    row(w('code'), w('contract'), w('due'), w('amount'), w('paid'), w('open'), w('status'), w('level'), font=bold)
    for p in data['plans']:
        level = data['levels'].get(p.id)
        row(p.code, p.contract.code, p.due_on.isoformat() if p.due_on else '', float(p.amount), float(p.paid_amount),
            float(p.amount - p.paid_amount), PLAN_STATUSES.label(p.status, 'zh' if zh else 'en'),
            DUNNING_LEVELS.label(level, 'zh' if zh else 'en') if level else '')
    row()
    row(w('invoices'), font=bold)
    row(w('number'), w('plan'), w('issued'), w('amount'), w('status'), font=bold)
    for i in data['invoices']:
        row(i.number or '', i.plan.code, i.issued_on.isoformat() if i.issued_on else '', float(i.amount),
            INVOICE_STATUSES.label(i.status, 'zh' if zh else 'en'))
    row()
    row(w('payments'), font=bold)
    row(w('code'), w('plan'), w('received'), w('amount'), w('currency'), w('reference'), font=bold)
    for p in data['payments']:
        row(p.code, p.plan.code if p.plan_id else '', p.received_on.isoformat(), float(p.amount), p.currency,
            p.reference or '')
    for column, width in zip('ABCDEFGH', (18, 28, 14, 16, 14, 16, 12, 14)):
        sheet.column_dimensions[column].width = width
    book.save(path)


def register(group):
    group.add_command(collect_group)
