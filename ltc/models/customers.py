"""Customers: public pools, enterprise and group customers, contacts, campaigns."""
from peewee import (BooleanField, CharField, DateField, DateTimeField, DecimalField,
                    ForeignKeyField, IntegerField, TextField)

from ..db import BaseModel
from . import choices as C
from .fields import ChoiceField, CustomValues, CurrencyField, MoneyField
from .org import Department, User


class PublicPool(BaseModel):
    """A public pool (公海) and its reclaim and claim rules."""
    code_prefix = 'PL'
    label = 'public pool'
    name = CharField(max_length=120)
    name_en = CharField(max_length=120, null=True)
    department = ForeignKeyField(Department, null=True, backref='pools')
    reclaim_no_followup_days = IntegerField(default=30)
    reclaim_no_deal_days = IntegerField(null=True)
    warn_days_before = IntegerField(default=3)
    daily_claim_limit = IntegerField(default=5)
    ownership_cap = IntegerField(default=200)
    cooldown_days = IntegerField(default=7)
    active = BooleanField(default=True)


class Customer(BaseModel):
    code_prefix = 'C'
    label = 'customer'
    name = CharField(max_length=200, index=True)
    name_en = CharField(max_length=200, null=True)
    kind = ChoiceField(C.CUSTOMER_KINDS, default='enterprise')
    parent = ForeignKeyField('self', null=True, backref='subsidiaries')
    industry = ChoiceField(C.INDUSTRIES, null=True)
    region_province = CharField(max_length=40, null=True, index=True)
    region_city = CharField(max_length=40, null=True)
    size = ChoiceField(C.COMPANY_SIZES, null=True)
    level = ChoiceField(C.CUSTOMER_LEVELS, default='potential')
    source = ChoiceField(C.SOURCES, null=True)
    credit_code = CharField(max_length=18, null=True, unique=True)  # 统一社会信用代码, the buyer's tax ID on invoices
    invoice_title = CharField(max_length=200, null=True)   # 开票抬头; empty: the customer's name
    phone = CharField(max_length=40, null=True)
    mobile = CharField(max_length=40, null=True)
    email = CharField(max_length=200, null=True)
    wechat = CharField(max_length=80, null=True)
    website = CharField(max_length=200, null=True)
    address = CharField(max_length=255, null=True)
    next_contact_on = DateField(null=True, index=True)
    owner = ForeignKeyField(User, null=True, backref='customers')
    department = ForeignKeyField(Department, null=True, backref='customers')
    pool = ForeignKeyField(PublicPool, null=True, backref='customers')
    owner_since = DateField(null=True)
    previous_owner = ForeignKeyField(User, null=True, backref='former_customers')
    released_at = DateTimeField(null=True)
    locked = BooleanField(default=False)
    last_followup_at = DateTimeField(null=True, index=True)
    last_won_on = DateField(null=True)
    # Share of wallet: what the customer spends on our category per year, and the share we aim for.
    yearly_category_spend = MoneyField()
    target_share = DecimalField(max_digits=5, decimal_places=2, default=0)  # percent
    currency = CurrencyField()
    notes = TextField(null=True)
    # Pinyin and doubled Chinese characters of the names, for contains-search (ltc/searchkeys.py).
    search_sources = ('name',)
    search_keys = TextField(null=True)
    custom = CustomValues(null=True)   # custom field values (ltc/models/custom.py)

    @classmethod
    def in_pool(cls):
        return cls.select().where(cls.owner.is_null())


class Contact(BaseModel):
    code_prefix = 'CT'
    label = 'contact'
    customer = ForeignKeyField(Customer, backref='contacts')
    name = CharField(max_length=120, index=True)
    name_en = CharField(max_length=120, null=True)
    title = CharField(max_length=120, null=True)
    department_name = CharField(max_length=120, null=True)
    gender = ChoiceField(C.GENDERS, default='unknown', index=False)
    phone = CharField(max_length=40, null=True, index=True)
    mobile = CharField(max_length=40, null=True, index=True)
    email = CharField(max_length=200, null=True, index=True)
    wechat = CharField(max_length=80, null=True)
    website = CharField(max_length=200, null=True)
    address = CharField(max_length=255, null=True)
    is_key_decision_maker = BooleanField(default=False)
    birthday = DateField(null=True)
    next_contact_on = DateField(null=True, index=True)
    notes = TextField(null=True)
    # Pinyin and doubled Chinese characters of the names, for contains-search (ltc/searchkeys.py).
    search_sources = ('name',)
    search_keys = TextField(null=True)

    custom = CustomValues(null=True)   # custom field values (ltc/models/custom.py)

class Campaign(BaseModel):
    """A marketing campaign or channel that brings leads."""
    code_prefix = 'CP'
    label = 'campaign'
    name = CharField(max_length=200)
    name_en = CharField(max_length=200, null=True)
    channel = ChoiceField(C.SOURCES, default='exhibition')
    status = ChoiceField(C.CAMPAIGN_STATUSES, default='planned')
    start_on = DateField(null=True, index=True)
    end_on = DateField(null=True)
    budget = MoneyField()
    currency = CurrencyField()
    department = ForeignKeyField(Department, null=True, backref='campaigns')
    owner = ForeignKeyField(User, null=True, backref='campaigns')
