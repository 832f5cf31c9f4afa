"""Invoices (发票) per payment plan: request, issue, send, reverse (红冲); never more than the plan.

A plan may carry several invoices; those not reversed may together never exceed the plan's amount.
A reversed invoice keeps its row (number, amounts, reason) and frees its amount for a new one.
"""
import datetime
from decimal import Decimal

from peewee import JOIN, fn

from ..db import database
from ..models import Contract, Customer, Invoice, PaymentPlan
from ..models.choices import INVOICE_KINDS
from . import audit, gate, scope
from .cash_common import as_date, get_by_code, get_user, money, require_status, today_or
from .messages import invalid, refusal

LIVE = ('requested', 'issued', 'sent')       # count against the plan
ISSUED = ('issued', 'sent')                  # a real invoice the customer holds
INVOICEABLE = ('effective', 'executing', 'completed', 'expired')
WRITERS = ('admin', 'ops', 'finance')        # issue, send, reverse; sales may request
HUNDRED = Decimal('100')


def split_tax(amount, rate):
    """Return (net, tax) of AMOUNT (with tax) at RATE percent; net + tax == amount to the cent."""
    amount, rate = money(amount), Decimal(str(rate))
    net = money(amount * HUNDRED / (HUNDRED + rate))
    return net, amount - net


def invoiced(plan):
    """Return the amount of PLAN's invoices that are not reversed."""
    total = (Invoice.select(fn.SUM(Invoice.amount))
             .where(Invoice.plan == plan.id, Invoice.status.in_(LIVE)).scalar())
    return money(total or 0)


def _writer(by, action):
    by = get_user(by)
    if by is not None and by.role.name not in WRITERS:
        raise refusal('Refused: a {role} user may not {action} invoices; ask finance.',
                      '已拒绝：「{role}」角色不能{action_zh}发票；请联系财务。', error_class=gate.PermissionDenied,
                      role=by.role.name, action=action,
                      action_zh={'issue': '开具', 'send': '寄送', 'reverse': '红冲'}.get(action, action))
    return by


def request_invoice(plan, amount=None, kind='vat_special', tax_rate='13', by=None, notes=None):
    """Request an invoice for AMOUNT (default: what is not yet invoiced) of PLAN."""
    plan = get_by_code(PaymentPlan, plan)
    by = get_user(by)
    contract = Contract.get_by_id(plan.contract_id)
    gate.require(by, contract)
    if by is not None:
        gate.check_role(by, Invoice, 'create')
    if kind not in INVOICE_KINDS:
        raise invalid('Unknown invoice type {kind!r}; use one of {choices}.', '未知的发票类型 {kind!r}；请使用：{choices}。',
                      kind=kind, choices=', '.join(INVOICE_KINDS))
    try:
        rate = Decimal(str(tax_rate if tax_rate not in (None, '') else '13').rstrip('%'))
    except ArithmeticError:
        rate = None
    if rate is None or not 0 <= rate < 100:
        raise invalid('The tax rate must be a percentage from 0 to 99, got {rate}.',
                      '税率必须是 0 到 99 之间的百分比，当前为 {rate}。', rate=tax_rate)
    with database.atomic():
        _lock(plan)
        if contract.status not in INVOICEABLE or plan.status == 'void':
            raise refusal('Rule {rule}: plan {plan} of contract {code} ({status}) cannot be invoiced; invoices are '
                          'for plans of effective, executing, completed or expired contracts.',
                          '规则 {rule}：合同 {code}（{status}）的回款计划 {plan} 不能开票；只有已生效、执行中、已完成或已过期'
                          '合同的有效回款计划才能开票。', rule='invoice-plan', plan=plan.code, code=contract.code,
                          status=plan.status if plan.status == 'void' else contract.status)
        free = money(plan.amount) - invoiced(plan)
        amount = free if amount in (None, '') else money(amount)
        if amount <= 0:
            raise invalid('An invoice must be above zero, got {amount}; plan {plan} has {free:,} left to invoice.',
                          '发票金额必须大于零，当前为 {amount}；回款计划 {plan} 尚可开票 {free:,}。',
                          amount=amount, plan=plan.code, free=free)
        if amount > free:
            raise refusal('Rule {rule}: {amount:,} would invoice more than plan {plan}: {planned:,} planned, '
                          '{done:,} already invoiced, {free:,} left. Invoice at most {free:,}, or reverse an '
                          'invoice first.',
                          '规则 {rule}：{amount:,} 将超过回款计划 {plan} 的金额：计划 {planned:,}，已开票 {done:,}，'
                          '尚可开票 {free:,}。最多开票 {free:,}，或先红冲一张发票。', rule='invoice-over-plan',
                          amount=amount, plan=plan.code, planned=money(plan.amount), done=invoiced(plan), free=free)
        customer = Customer.get_by_id(contract.customer_id)
        net, tax = split_tax(amount, rate)
        return audit.save(Invoice(plan=plan, contract=contract, customer=customer, kind=kind, status='requested',
                                  tax_rate=rate, amount=amount, net_amount=net, tax_amount=tax,
                                  currency=plan.currency or contract.currency,
                                  buyer_title=customer.invoice_title or customer.name,
                                  buyer_tax_id=customer.credit_code, requested_by=by, notes=notes),
                          action='request')


def _lock(plan):
    # Two requests at once on PostgreSQL: the second waits and then sees the first one's invoice.
    from ..db import is_sqlite
    if not is_sqlite():
        PaymentPlan.select(PaymentPlan.id).where(PaymentPlan.id == plan.id).for_update().execute()


def issue(invoice, number, issued_on=None, by=None):
    """Record that INVOICE was issued with NUMBER on ISSUED_ON (default today); buyer details are checked."""
    invoice = get_by_code(Invoice, invoice)
    by = _writer(by, 'issue')
    gate.require(by, Contract.get_by_id(invoice.contract_id))
    number = (number or '').strip()
    if not number:
        raise invalid('Issuing invoice {code} needs its number (发票号码).', '开具发票 {code} 需要填写发票号码。',
                      code=invoice.code)
    with database.atomic():
        require_status(invoice, ('requested',), 'issue')
        other = Invoice.get_or_none((Invoice.number == number) & (Invoice.id != invoice.id))
        if other is not None:
            raise refusal('Rule {rule}: invoice number {number} is already recorded on {other}; check the number.',
                          '规则 {rule}：发票号码 {number} 已登记在 {other}；请核对号码。', rule='invoice-number',
                          number=number, other=other.code)
        customer = Customer.get_by_id(invoice.customer_id)
        invoice.buyer_title = invoice.buyer_title or customer.invoice_title or customer.name
        invoice.buyer_tax_id = invoice.buyer_tax_id or customer.credit_code
        if invoice.kind == 'vat_special' and not invoice.buyer_tax_id:
            raise refusal('Rule {rule}: a VAT special invoice needs the buyer\'s tax ID; enter the unified social '
                          'credit code of customer {customer} first.',
                          '规则 {rule}：增值税专用发票需要购买方纳税人识别号；请先填写客户 {customer} 的统一社会信用代码。',
                          rule='invoice-buyer', customer=customer.code)
        invoice.number, invoice.status = number, 'issued'
        invoice.issued_on = as_date(issued_on, 'issue date', '开票日期') or today_or(None)
        return audit.save(invoice, action='issue')


def send(invoice, by=None):
    """Record that an issued invoice was sent to the customer."""
    invoice = get_by_code(Invoice, invoice)
    by = _writer(by, 'send')
    gate.require(by, Contract.get_by_id(invoice.contract_id))
    with database.atomic():
        require_status(invoice, ('issued',), 'send')
        invoice.status = 'sent'
        return audit.save(invoice, action='send')


def reverse(invoice, reason, reversed_on=None, by=None):
    """Reverse an invoice by a red-letter invoice (红冲), with its reason; its amount is free again."""
    invoice = get_by_code(Invoice, invoice)
    by = _writer(by, 'reverse')
    gate.require(by, Contract.get_by_id(invoice.contract_id))
    if not (reason or '').strip():
        raise invalid('Reversing invoice {code} needs a reason.', '红冲发票 {code} 需要填写原因。', code=invoice.code)
    with database.atomic():
        require_status(invoice, ('requested',) + ISSUED, 'reverse')
        invoice.status, invoice.reverse_reason = 'reversed', reason.strip()[:255]
        invoice.reversed_on = as_date(reversed_on, 'date', '日期') or datetime.date.today()
        return audit.save(invoice, action='reverse', note=reason)


def _plan_rows(user=None):
    """Return per plan (not void): (plan, contract code, customer name, amount, paid, issued invoices)."""
    issued = (Invoice.select(Invoice.plan, fn.SUM(Invoice.amount).alias('total'))
              .where(Invoice.status.in_(ISSUED)).group_by(Invoice.plan))
    query = (PaymentPlan.select(PaymentPlan, Contract.code.alias('contract_code'), Customer.name.alias('customer_name'),
                                fn.COALESCE(issued.c.total, 0).alias('issued'))
             .join(Contract, on=(PaymentPlan.contract == Contract.id))
             .join(Customer, on=(Contract.customer == Customer.id))
             .join(issued, JOIN.LEFT_OUTER, on=(issued.c.plan_id == PaymentPlan.id))
             .where(PaymentPlan.status != 'void').order_by(PaymentPlan.due_on, PaymentPlan.id))
    if user is not None:
        query = scope.scoped(query, PaymentPlan, user)
    return query


def invoiced_not_collected(user=None):
    """Return [(plan, invoiced, paid, gap)] of plans with more issued invoices than payments."""
    return [(p, money(p.issued), money(p.paid_amount), money(p.issued) - money(p.paid_amount))
            for p in _plan_rows(user) if money(p.issued) > money(p.paid_amount)]


def collected_not_invoiced(user=None):
    """Return [(plan, invoiced, paid, gap)] of plans with more payments than issued invoices."""
    return [(p, money(p.issued), money(p.paid_amount), money(p.paid_amount) - money(p.issued))
            for p in _plan_rows(user) if money(p.paid_amount) > money(p.issued)]


def ledger(user=None):
    """Return the invoices USER may read, newest first."""
    query = Invoice.select().order_by(Invoice.id.desc())
    return scope.scoped(query, Invoice, user) if user is not None else query
