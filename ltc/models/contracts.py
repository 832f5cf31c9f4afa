"""Contracts, their lines, approvals and delivery milestones."""
from peewee import (CharField, DateField, DateTimeField, DecimalField, ForeignKeyField,
                    IntegerField, TextField)

from ..db import BaseModel
from . import choices as C
from .catalog import Product
from .customers import Customer
from .fields import ChoiceField, CustomValues, CurrencyField, MoneyField
from .opportunities import Opportunity
from .org import Department, User
from .quotes import Quote


class Contract(BaseModel):
    """A contract; its code is the contract number (may come from the customer's own numbering)."""
    code_prefix = 'HT'
    label = 'contract'
    owned = ('lines', 'approvals')
    title = CharField(max_length=200, index=True)
    customer = ForeignKeyField(Customer, backref='contracts')
    opportunity = ForeignKeyField(Opportunity, null=True, backref='contracts')
    quote = ForeignKeyField(Quote, null=True, backref='contracts')
    owner = ForeignKeyField(User, null=True, backref='contracts')
    department = ForeignKeyField(Department, null=True, backref='contracts')
    status = ChoiceField(C.CONTRACT_STATUSES, default='draft')
    kind = ChoiceField(C.CONTRACT_KINDS, default='sale', index=False)
    customer_signer = CharField(max_length=120, null=True)
    our_signer = CharField(max_length=120, null=True)
    signed_on = DateField(null=True, index=True)
    start_on = DateField(null=True)
    end_on = DateField(null=True, index=True)
    amount = MoneyField(index=True)
    currency = CurrencyField()
    renewal_of = ForeignKeyField('self', null=True, backref='renewals')
    approved_by = ForeignKeyField(User, null=True, backref='+')
    approved_at = DateTimeField(null=True)
    notes = TextField(null=True)
    # Pinyin and doubled Chinese characters of the names, for contains-search (ltc/searchkeys.py).
    search_sources = ('title',)
    search_keys = TextField(null=True)

    custom = CustomValues(null=True)   # custom field values (ltc/models/custom.py)

class ContractLine(BaseModel):
    code_prefix = 'HL'
    label = 'contract line'
    contract = ForeignKeyField(Contract, backref='lines')
    product = ForeignKeyField(Product, backref='contract_lines')
    description = CharField(max_length=255, null=True)
    quantity = DecimalField(max_digits=14, decimal_places=2, default=1)
    unit_price = MoneyField()
    amount = MoneyField()
    delivery_on = DateField(null=True)


class ContractApproval(BaseModel):
    """One step of an approval round: opened by a submission, decided in order (ltc/services/approvals.py)."""
    code_prefix = 'HA'
    label = 'contract approval'
    contract = ForeignKeyField(Contract, backref='approvals')
    round = IntegerField(default=1)
    step = IntegerField(default=1)
    level = ChoiceField(C.APPROVAL_LEVELS, default='department', index=False)
    designated = ForeignKeyField(User, null=True, backref='+')   # the only approver of a designated step
    approver = ForeignKeyField(User, null=True, backref='+')
    decision = ChoiceField(C.APPROVAL_DECISIONS, default='pending')
    decided_at = DateTimeField(null=True)
    comment = CharField(max_length=255, null=True)


class DeliveryMilestone(BaseModel):
    code_prefix = 'DM'
    label = 'delivery milestone'
    contract = ForeignKeyField(Contract, backref='milestones')
    sequence = IntegerField(default=1)
    name = CharField(max_length=120)
    planned_on = DateField(null=True, index=True)
    accepted_on = DateField(null=True)
    status = ChoiceField(C.MILESTONE_STATUSES, default='planned')
