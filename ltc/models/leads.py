"""Leads: the lead itself, grading rules and assignment rules."""
from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from ..db import BaseModel
from . import choices as C
from .customers import Campaign, Contact, Customer
from .fields import ChoiceField, CustomValues, CurrencyField, MoneyField
from .org import Department, User

DUPLICATE_KEYS = ('phone_norm', 'email_norm', 'email_domain', 'company_norm')


class Lead(BaseModel):
    code_prefix = 'L'
    label = 'lead'
    company = CharField(max_length=200)
    contact_name = CharField(max_length=120, null=True)
    contact_title = CharField(max_length=120, null=True)
    phone = CharField(max_length=40, null=True)   # landline, or the one number a file gives
    mobile = CharField(max_length=40, null=True)
    email = CharField(max_length=200, null=True)
    wechat = CharField(max_length=80, null=True)
    website = CharField(max_length=200, null=True)
    address = CharField(max_length=255, null=True)
    source = ChoiceField(C.SOURCES, default='other')
    campaign = ForeignKeyField(Campaign, null=True, backref='leads')
    industry = ChoiceField(C.INDUSTRIES, null=True)
    # Indexed with the owner and the department, each first in one index (Meta.indexes): a manager's
    # filter on a province reads only the index entries of their people and departments there
    # (PostgreSQL), or checks the scope on the province's index entries without reading rows (SQLite).
    region_province = CharField(max_length=40, null=True)
    region_city = CharField(max_length=40, null=True)
    company_size = ChoiceField(C.COMPANY_SIZES, null=True, index=False)   # filtered by nothing
    budget = MoneyField()
    currency = CurrencyField()
    requirement = TextField(null=True)
    notes = TextField(null=True)
    next_contact_on = DateField(null=True, index=True)
    department = ForeignKeyField(Department, null=True, backref='leads')
    owner = ForeignKeyField(User, null=True, backref='leads', index=False)   # (owner, created_at) below
    assigned_at = DateTimeField(null=True)
    status = ChoiceField(C.LEAD_STATUSES, default='new')
    disqualify_reason = CharField(max_length=255, null=True)
    grade = ChoiceField(C.LEAD_GRADES, default='ungraded')
    score = IntegerField(default=0, index=True)
    score_reasons = TextField(default='')
    # Normalised keys for duplicate detection (digits-only phone, lower-case e-mail, bare company),
    # each indexed with created_at (Meta.indexes): the oldest lead sharing a key is one index read.
    phone_norm = CharField(max_length=40, null=True)
    email_norm = CharField(max_length=200, null=True)
    email_domain = CharField(max_length=120, null=True)   # company domains only
    company_norm = CharField(max_length=200, null=True)
    duplicate_of = ForeignKeyField('self', null=True, backref='duplicates')
    followup_count = IntegerField(default=0)
    last_followup_at = DateTimeField(null=True, index=True)
    converted_customer = ForeignKeyField(Customer, null=True, backref='leads')
    converted_contact = ForeignKeyField(Contact, null=True, backref='leads')
    converted_at = DateTimeField(null=True)
    # Pinyin and doubled Chinese characters of the names, for contains-search (ltc/searchkeys.py).
    search_sources = ('company', 'contact_name')
    search_keys = TextField(null=True)
    custom = CustomValues(null=True)   # custom field values (ltc/models/custom.py)

    class Meta:
        # (created_at, id): the API's newest-first pages read the index in order, ties by id included.
        indexes = tuple(((key, 'created_at'), False) for key in DUPLICATE_KEYS) + (
            (('created_at', 'id'), False),
            # A sales user's list, newest first, walks their own leads in order (no sort of all of them).
            (('owner', 'created_at'), False),
            (('region_province', 'owner', 'department'), False), (('region_province', 'department', 'owner'), False))

    def __str__(self):
        return f'{self.code} {self.company}'

    @classmethod
    def unassigned(cls):
        return cls.select().where(cls.owner.is_null(), cls.status.not_in(('converted', 'disqualified')))


class GradingRule(BaseModel):
    """One condition of lead grading and the points it gives (negative to subtract)."""
    code_prefix = 'GR'
    label = 'grading rule'
    name = CharField(max_length=120)
    field = ChoiceField(C.GRADING_FIELDS, index=False)
    value = CharField(max_length=200, default='')   # comma-separated codes, or a number for budget
    points = IntegerField(default=0)
    sequence = IntegerField(default=100)
    active = BooleanField(default=True)


class AssignmentRule(BaseModel):
    """Route matching leads to a user, or round-robin / least-loaded within a department."""
    code_prefix = 'AR'
    label = 'assignment rule'
    name = CharField(max_length=120)
    priority = IntegerField(default=100, index=True)
    industry = ChoiceField(C.INDUSTRIES, null=True, index=False)
    region_province = CharField(max_length=40, null=True)
    source = ChoiceField(C.SOURCES, null=True, index=False)
    lead_department = ForeignKeyField(Department, null=True, backref='lead_rules')
    method = ChoiceField(C.ASSIGN_METHODS, default='user', index=False)
    assignee = ForeignKeyField(User, null=True, backref='assignment_rules')
    target_department = ForeignKeyField(Department, null=True, backref='assignment_targets')
    last_assignee = ForeignKeyField(User, null=True, backref='+')
    active = BooleanField(default=True)
