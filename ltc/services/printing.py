"""Printable quotes, contracts and statements: HTML from templates (print-styled), PDF through WeasyPrint.

The company's name, logo and bank details come from the settings (company.*); amounts are shown
in figures and, on contracts and statements, in Chinese capitals (大写). A document generated
for sending is stored on its record (the quote, the contract; the customer for a statement).
"""
import io
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..models import Contract, ContractLine, Customer, Quote, QuoteLine, Setting
from . import gate
from .cash_common import get_by_code, money
from .messages import invalid

TEMPLATES = Path(__file__).resolve().parent.parent / 'templates' / 'print'
COMPANY = ('company.name', 'company.name_en', 'company.address', 'company.phone', 'company.tax_id',
           'company.bank_name', 'company.bank_account', 'company.logo')
DIGITS = '零壹贰叁肆伍陆柒捌玖'
UNITS = ('', '拾', '佰', '仟')
GROUPS = ('', '万', '亿', '万亿')


def _integer_capitals(number):
    out, zero, group_used = '', False, False
    text = str(number)
    for i, char in enumerate(text):
        digit, pos = int(char), len(text) - 1 - i
        if digit == 0:
            zero = True
        else:
            if zero and out:
                out += '零'
            zero, group_used = False, True
            out += DIGITS[digit] + UNITS[pos % 4]
        if pos % 4 == 0:
            if group_used:
                out += GROUPS[pos // 4]
            group_used = False
    return out


def capitals(amount):
    """Return AMOUNT in Chinese capitals as on invoices and contracts, e.g. 壹万零伍拾元整 for 10050."""
    value = money(amount)
    cents = int((abs(value) * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP))
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    out = _integer_capitals(yuan) + '元' if yuan else ''
    if not jiao and not fen:
        out = (out or '零元') + '整'
    else:
        if jiao:
            out += DIGITS[jiao] + '角'
        elif yuan:
            out += '零'
        out += DIGITS[fen] + '分' if fen else '整'
    return ('负' if value < 0 else '') + out


def company():
    """Return the company's details from the settings (empty strings for what is not set)."""
    rows = {s.code: s.value for s in Setting.select().where(Setting.code.in_(COMPANY))}
    return {code.split('.', 1)[1]: (rows.get(code) or '').strip() for code in COMPANY}


def _env():
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(['html']))
    env.filters['money'] = lambda v: f'{money(v):,.2f}'
    env.filters['capitals'] = capitals
    return env


def context(kind, code, lang='zh', by=None, on=None):
    """Return the template context of document KIND (quote, contract, statement) for the record CODE."""
    zh = str(lang).startswith('zh')
    base = {'zh': zh, 'company': company(), 'kind': kind}
    if kind == 'quote':
        quote = get_by_code(Quote, code)
        gate.require(by, quote) if by is not None else None
        lines = list(QuoteLine.select().where(QuoteLine.quote == quote.id).order_by(QuoteLine.id))
        return {**base, 'record': quote, 'customer': Customer.get_by_id(quote.customer_id), 'lines': lines}
    if kind == 'contract':
        contract = get_by_code(Contract, code)
        gate.require(by, contract) if by is not None else None
        lines = list(ContractLine.select().where(ContractLine.contract == contract.id).order_by(ContractLine.id))
        from ..models import PaymentPlan
        plans = list(PaymentPlan.select().where(PaymentPlan.contract == contract.id, PaymentPlan.status != 'void')
                     .order_by(PaymentPlan.sequence))
        return {**base, 'record': contract, 'customer': Customer.get_by_id(contract.customer_id), 'lines': lines,
                'plans': plans}
    if kind == 'statement':
        from .collection import statement
        data = statement(code, on=on, user=by)
        return {**base, **data, 'record': data['customer']}
    raise invalid('Unknown document {kind!r}; print a quote, contract or statement.',
                  '未知的单据 {kind!r}；可打印报价单、合同或对账单。', kind=kind)


def render_html(kind, code, lang='zh', by=None, on=None):
    """Return the print-styled HTML of document KIND for CODE in LANG."""
    return _env().get_template(f'{kind}.html').render(**context(kind, code, lang, by, on))


def render_pdf(kind, code, lang='zh', by=None, on=None):
    """Return the PDF bytes of document KIND for CODE in LANG."""
    from weasyprint import HTML
    return HTML(string=render_html(kind, code, lang, by, on), base_url=str(TEMPLATES)).write_pdf()


def store(kind, code, lang, by, on=None):
    """Generate the PDF for sending and attach it to its record (quote, contract; the customer for a statement).

    BY must be able to read the record (its scope); the stored file is the system's document, audited
    as BY's, whatever BY's role may upload.
    """
    from .documents import attach
    if by is None:
        raise invalid('A document generated for sending is stored in someone\'s name; say who.',
                      '生成并存档的单据需要记录经办人；请指定用户。')
    ctx = context(kind, code, lang, by, on)
    record = ctx['record']
    pdf = _env_pdf(ctx)
    stamp = ctx['on'].isoformat() if kind == 'statement' else None
    name = f'{kind}-{record.code}{"-" + stamp if stamp else ""}-{lang}.pdf'
    return attach(record, io.BytesIO(pdf), name, by, title=name.rsplit('.', 1)[0], generated=True)


def _env_pdf(ctx):
    from weasyprint import HTML
    html = _env().get_template(f'{ctx["kind"]}.html').render(**ctx)
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
