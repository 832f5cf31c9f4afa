"""Bank receipts imported from statements, and their confirmed matches to payment plans."""
from peewee import CharField, DateField, DateTimeField, ForeignKeyField

from ..db import BaseModel
from . import choices as C
from .fields import ChoiceField, CurrencyField, MoneyField
from .org import User
from .receivables import Payment, PaymentPlan


class BankReceipt(BaseModel):
    """One credit line of a bank statement; matched (in part or whole) to plans by confirmed matches."""
    code_prefix = 'BR'
    label = 'bank receipt'
    statement = CharField(max_length=120, null=True)          # the file it came from
    received_on = DateField(index=True)
    payer_name = CharField(max_length=200, null=True, index=True)
    payer_account = CharField(max_length=60, null=True, index=True)
    amount = MoneyField()
    matched_amount = MoneyField()
    currency = CurrencyField()
    reference = CharField(max_length=255, null=True)          # 摘要 / 附言
    status = ChoiceField(C.RECEIPT_STATUSES, default='unmatched')
    fingerprint = CharField(max_length=64, unique=True)       # date, account, amount, reference: imported once


class ReceiptMatch(BaseModel):
    """AMOUNT of a receipt applied to a plan, recorded as the payment it made."""
    code_prefix = 'BM'
    label = 'receipt match'
    receipt = ForeignKeyField(BankReceipt, backref='matches')
    plan = ForeignKeyField(PaymentPlan, backref='receipt_matches')
    payment = ForeignKeyField(Payment, null=True, backref='receipt_matches')
    amount = MoneyField()
    confirmed_by = ForeignKeyField(User, null=True, backref='+')
    confirmed_at = DateTimeField(null=True)
