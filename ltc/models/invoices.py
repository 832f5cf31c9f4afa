"""Invoices (发票) against payment plans: requested, issued, sent, reversed by a red-letter invoice (红冲)."""
from peewee import CharField, DateField, DecimalField, ForeignKeyField, TextField

from ..db import BaseModel
from . import choices as C
from .contracts import Contract
from .customers import Customer
from .fields import ChoiceField, CurrencyField, MoneyField
from .org import User
from .receivables import PaymentPlan


class Invoice(BaseModel):
    """One invoice for part or all of a payment plan; amounts with and without tax, buyer as printed."""
    code_prefix = 'FP'
    label = 'invoice'
    plan = ForeignKeyField(PaymentPlan, backref='invoices')
    contract = ForeignKeyField(Contract, backref='invoices')
    customer = ForeignKeyField(Customer, backref='invoices')
    kind = ChoiceField(C.INVOICE_KINDS, default='vat_special', index=False)
    status = ChoiceField(C.INVOICE_STATUSES, default='requested')
    number = CharField(max_length=40, null=True, unique=True)   # 发票号码, given when issued
    tax_rate = DecimalField(max_digits=5, decimal_places=2, default=13)   # percent
    amount = MoneyField()        # with tax (价税合计)
    net_amount = MoneyField()    # without tax (金额)
    tax_amount = MoneyField()    # 税额
    currency = CurrencyField()
    buyer_title = CharField(max_length=200, null=True)
    buyer_tax_id = CharField(max_length=40, null=True)
    issued_on = DateField(null=True, index=True)
    reversed_on = DateField(null=True)
    reverse_reason = CharField(max_length=255, null=True)
    requested_by = ForeignKeyField(User, null=True, backref='+')
    notes = TextField(null=True)
