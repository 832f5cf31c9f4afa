"""Exchange rates by date: what one unit of a currency is worth in the base currency (setting currency.base)."""
from peewee import DateField, DecimalField

from ..db import BaseModel
from .fields import CurrencyField


class ExchangeRate(BaseModel):
    """RATE units of the base currency for one unit of CURRENCY, from ON until the next rate."""
    code_prefix = 'FX'
    label = 'exchange rate'
    currency = CurrencyField()
    on = DateField(index=True)
    rate = DecimalField(max_digits=18, decimal_places=6)

    class Meta:
        indexes = ((('currency', 'on'), True),)
