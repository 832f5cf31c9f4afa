"""Quotes and their lines."""
from peewee import CharField, DateField, DecimalField, ForeignKeyField, TextField

from ..db import BaseModel
from . import choices as C
from .catalog import Product
from .customers import Customer
from .fields import ChoiceField, CurrencyField, MoneyField
from .opportunities import Opportunity
from .org import User


class Quote(BaseModel):
    code_prefix = 'Q'
    label = 'quote'
    owned = ('lines', 'approvals')
    title = CharField(max_length=200)
    customer = ForeignKeyField(Customer, backref='quotes')
    opportunity = ForeignKeyField(Opportunity, null=True, backref='quotes')
    owner = ForeignKeyField(User, null=True, backref='quotes')
    status = ChoiceField(C.QUOTE_STATUSES, default='draft')
    quoted_on = DateField(index=True)
    valid_until = DateField(null=True)
    subtotal = MoneyField()
    discount_amount = MoneyField()
    total = MoneyField()
    currency = CurrencyField()
    notes = TextField(null=True)


class QuoteLine(BaseModel):
    code_prefix = 'QL'
    label = 'quote line'
    quote = ForeignKeyField(Quote, backref='lines')
    product = ForeignKeyField(Product, backref='quote_lines')
    description = CharField(max_length=255, null=True)
    quantity = DecimalField(max_digits=14, decimal_places=2, default=1)
    unit_price = MoneyField()
    discount_pct = DecimalField(max_digits=5, decimal_places=2, default=0)
    amount = MoneyField()
