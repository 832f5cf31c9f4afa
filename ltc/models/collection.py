"""Dunning (催收) of overdue payment plans: reminder, call, formal letter, escalation to the manager."""
from peewee import CharField, DateField, ForeignKeyField

from ..db import BaseModel
from . import choices as C
from .fields import ChoiceField
from .org import User
from .receivables import PaymentPlan


class DunningStep(BaseModel):
    """One dunning action on an overdue plan: its level, the date, who did it and to whom it was escalated."""
    code_prefix = 'DN'
    label = 'dunning step'
    plan = ForeignKeyField(PaymentPlan, backref='dunning_steps')
    level = ChoiceField(C.DUNNING_LEVELS, default='reminder')
    done_on = DateField(index=True)
    done_by = ForeignKeyField(User, null=True, backref='+')
    escalated_to = ForeignKeyField(User, null=True, backref='+')
    note = CharField(max_length=255, null=True)
