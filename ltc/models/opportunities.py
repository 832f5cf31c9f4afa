"""Opportunities: stages, the opportunity, stage history, products and the decision chain."""
from peewee import (BooleanField, CharField, DateField, DateTimeField, DecimalField,
                    ForeignKeyField, IntegerField, TextField)

from ..db import BaseModel
from . import choices as C
from .catalog import Product
from .customers import Contact, Customer
from .fields import ChoiceField, CustomValues, CurrencyField, MoneyField
from .leads import Lead
from .org import Department, User


class Stage(BaseModel):
    code_prefix = 'ST'
    label = 'stage'
    name = CharField(max_length=60)
    name_en = CharField(max_length=60)
    sequence = IntegerField(index=True)
    probability = DecimalField(max_digits=5, decimal_places=2)  # percent
    is_won = BooleanField(default=False)
    is_lost = BooleanField(default=False)
    typical_days = IntegerField(default=30)
    exit_criteria = TextField(default='')


class Opportunity(BaseModel):
    code_prefix = 'O'
    label = 'opportunity'
    label_plural = 'opportunities'
    owned = ('products', 'decision_chain', 'stage_history', 'team')
    name = CharField(max_length=200, index=True)
    customer = ForeignKeyField(Customer, backref='opportunities')
    lead = ForeignKeyField(Lead, null=True, backref='opportunities')
    contact = ForeignKeyField(Contact, null=True, backref='opportunities')
    owner = ForeignKeyField(User, null=True, backref='opportunities')
    department = ForeignKeyField(Department, null=True, backref='opportunities')
    stage = ForeignKeyField(Stage, backref='opportunities')
    stage_changed_at = DateTimeField(null=True)
    amount = MoneyField(index=True)
    weighted_amount = MoneyField()
    currency = CurrencyField()
    expected_close_on = DateField(null=True, index=True)
    first_close_on = DateField(null=True)   # the close date first promised, for slippage
    closed_on = DateField(null=True)
    priority = ChoiceField(C.PRIORITIES, default='medium')
    source = ChoiceField(C.SOURCES, null=True)
    competitors = CharField(max_length=255, default='')
    lost_reason = CharField(max_length=255, null=True)
    followup_count = IntegerField(default=0)
    last_followup_at = DateTimeField(null=True)
    health_score = IntegerField(null=True, index=True)
    health_reasons = TextField(default='')
    # Pinyin and doubled Chinese characters of the names, for contains-search (ltc/searchkeys.py).
    search_sources = ('name',)
    search_keys = TextField(null=True)

    custom = CustomValues(null=True)   # custom field values (ltc/models/custom.py)

class StageHistory(BaseModel):
    code_prefix = 'SH'
    label = 'stage change'
    opportunity = ForeignKeyField(Opportunity, backref='stage_history')
    from_stage = ForeignKeyField(Stage, null=True, backref='+')
    to_stage = ForeignKeyField(Stage, backref='+')
    changed_at = DateTimeField(index=True)
    changed_by = ForeignKeyField(User, null=True, backref='+')
    days_in_previous = IntegerField(default=0)


class OpportunityProduct(BaseModel):
    code_prefix = 'OP'
    label = 'opportunity product'
    opportunity = ForeignKeyField(Opportunity, backref='products')
    product = ForeignKeyField(Product, backref='opportunity_lines')
    quantity = DecimalField(max_digits=14, decimal_places=2, default=1)
    unit_price = MoneyField()
    amount = MoneyField()


class DecisionRole(BaseModel):
    """A user-defined role in a customer's decision chain."""
    code_prefix = 'DR'
    label = 'decision role'
    name = CharField(max_length=60)
    name_en = CharField(max_length=60)
    is_decision_maker = BooleanField(default=False)
    sequence = IntegerField(default=100)


class OpportunityContact(BaseModel):
    code_prefix = 'OC'
    label = 'decision-chain contact'
    opportunity = ForeignKeyField(Opportunity, backref='decision_chain')
    contact = ForeignKeyField(Contact, backref='opportunity_roles')
    role = ForeignKeyField(DecisionRole, backref='opportunity_contacts')
    attitude = ChoiceField(C.ATTITUDES, default='neutral', index=False)
    influence = ChoiceField(C.INFLUENCE, default='medium', index=False)
    notes = CharField(max_length=255, null=True)

    class Meta:
        indexes = ((('opportunity', 'contact'), True),)



class TeamMember(BaseModel):
    """A user who works on an opportunity beside its owner (pre-sales, solution, delivery, finance, partner).

    A member reads the opportunity, its quotes, contracts and follow-ups and logs follow-ups on it
    (ltc.services.scope); they change nothing else. Added and removed through ltc.services.teams."""
    code_prefix = 'TM'
    label = 'team member'
    opportunity = ForeignKeyField(Opportunity, backref='team', on_delete='CASCADE')
    user = ForeignKeyField(User, backref='opportunity_teams')
    role = ChoiceField(C.TEAM_ROLES, index=False)
    added_by = ForeignKeyField(User, null=True, backref='+')

    class Meta:
        indexes = ((('opportunity', 'user'), True),)
