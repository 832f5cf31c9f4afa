"""Receivables: payment plans (回款计划) per contract and the payments (回款) against them."""
import datetime

from peewee import CharField, DateField, ForeignKeyField, IntegerField

from ..db import BaseModel
from . import choices as C
from .contracts import Contract, DeliveryMilestone
from .fields import ChoiceField, CurrencyField, MoneyField
from .org import User


class PaymentPlan(BaseModel):
    code_prefix = 'PM'
    label = 'payment plan'
    contract = ForeignKeyField(Contract, backref='payment_plans')
    sequence = IntegerField(default=1)
    trigger = ChoiceField(C.PLAN_TRIGGERS, default='date', index=False)
    milestone = ForeignKeyField(DeliveryMilestone, null=True, backref='payment_plans')
    due_on = DateField(null=True, index=True)
    amount = MoneyField()
    paid_amount = MoneyField()
    currency = CurrencyField()
    status = ChoiceField(C.PLAN_STATUSES, default='pending')
    owner = ForeignKeyField(User, null=True, backref='payment_plans')

    @classmethod
    def overdue(cls, on=None):
        on = on or datetime.date.today()
        return cls.select().where(cls.due_on < on, cls.status.in_(('pending', 'partial', 'overdue')))


class Payment(BaseModel):
    code_prefix = 'PY'
    label = 'payment'
    contract = ForeignKeyField(Contract, backref='payments')
    plan = ForeignKeyField(PaymentPlan, null=True, backref='payments')
    received_on = DateField(index=True)
    amount = MoneyField()
    currency = CurrencyField()
    method = ChoiceField(C.PAYMENT_METHODS, default='bank_transfer', index=False)
    reference = CharField(max_length=120, null=True)
    # A payment received in another currency than its contract's: what came in, converted at the date's rate.
    original_amount = MoneyField(null=True, default=None)
    original_currency = CharField(max_length=3, null=True)
    recorded_by = ForeignKeyField(User, null=True, backref='+')
