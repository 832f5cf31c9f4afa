"""Product catalogue: categories, products with their profile, and product plans."""
from peewee import CharField, DecimalField, ForeignKeyField, TextField

from ..db import BaseModel
from . import choices as C
from .fields import ChoiceField, CurrencyField, MoneyField


class ProductCategory(BaseModel):
    code_prefix = 'PC'
    label = 'product category'
    label_plural = 'product categories'
    name = CharField(max_length=120)
    name_en = CharField(max_length=120, null=True)
    parent = ForeignKeyField('self', null=True, backref='children')


class Product(BaseModel):
    code_prefix = 'P'
    label = 'product'
    name = CharField(max_length=200, index=True)
    name_en = CharField(max_length=200, null=True)
    category = ForeignKeyField(ProductCategory, backref='products')
    specification = CharField(max_length=200, null=True)
    unit = CharField(max_length=20, default='套')
    list_price = MoneyField()
    currency = CurrencyField()
    status = ChoiceField(C.PRODUCT_STATUSES, default='active')
    # Product profile: who it fits (comma-separated industry and size codes).
    profile_industries = CharField(max_length=255, default='')
    profile_sizes = CharField(max_length=120, default='')
    description = TextField(null=True)
    # Pinyin and doubled Chinese characters of the names, for contains-search (ltc/searchkeys.py).
    search_sources = ('name',)
    search_keys = TextField(null=True)


class ProductPlan(BaseModel):
    """The quantity of a product the company can deliver in a period (YYYY-MM)."""
    code_prefix = 'PP'
    label = 'product plan'
    product = ForeignKeyField(Product, backref='plans')
    period = CharField(max_length=7, index=True)
    planned_quantity = DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        indexes = ((('product', 'period'), True),)
