"""The customer statement (对账单) as a workbook: contracts, plans, invoices, payments and the balance, in zh or en."""
from ...models.choices import DUNNING_LEVELS, INVOICE_STATUSES, PLAN_STATUSES
from ..mapping.codecs import escape

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


def write_statement_xlsx(data, path, lang):
    """Write the statement DATA into an xlsx at PATH (a file name or a binary stream), in LANG."""
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
