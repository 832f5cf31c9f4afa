"""Approval rules (who approves what, in which order) and the approval steps of quotes."""
from peewee import BooleanField, CharField, DateTimeField, DecimalField, ForeignKeyField, IntegerField

from ..db import BaseModel
from . import choices as C
from .fields import ChoiceField, MoneyField
from .org import User
from .quotes import Quote


class ApprovalRule(BaseModel):
    """One approval step and when it applies: above an amount, from a discount, for a kind of contract.

    A submitted contract (or quote) gets the steps of every active rule that applies to it, in
    the order of `sequence`; a contract no rule applies to still needs its department manager.
    """
    code_prefix = 'AR'
    label = 'approval rule'
    name = CharField(max_length=120)
    applies_to = ChoiceField(C.APPROVAL_SUBJECTS, default='contract')
    contract_kind = ChoiceField(C.CONTRACT_KINDS, null=True, index=False)   # empty: every kind
    amount_above = MoneyField()                                             # applies when the amount is above
    discount_from = DecimalField(max_digits=5, decimal_places=2, null=True)  # applies from this discount (%)
    sequence = IntegerField(default=1)
    level = ChoiceField(C.APPROVAL_LEVELS, default='department', index=False)
    approver = ForeignKeyField(User, null=True, backref='+')                # for designated steps
    active = BooleanField(default=True)


class QuoteApproval(BaseModel):
    """One step of a quote's approval round (quotes above a discount threshold)."""
    code_prefix = 'QA'
    label = 'quote approval'
    quote = ForeignKeyField(Quote, backref='approvals')
    round = IntegerField(default=1)
    step = IntegerField(default=1)
    level = ChoiceField(C.APPROVAL_LEVELS, default='department', index=False)
    designated = ForeignKeyField(User, null=True, backref='+')
    approver = ForeignKeyField(User, null=True, backref='+')
    decision = ChoiceField(C.APPROVAL_DECISIONS, default='pending')
    decided_at = DateTimeField(null=True)
    comment = CharField(max_length=255, null=True)
    discount = DecimalField(max_digits=5, decimal_places=2, default=0)   # the discount it approves (%)
