"""Field helpers shared by the model modules."""
from peewee import CharField

from ..db import MoneyField  # noqa: F401  re-exported for the model modules


def ChoiceField(choices, default=None, index=True, null=False, **kwargs):
    """A CharField limited to CHOICES (validated by forms and the sync codecs)."""
    field = CharField(max_length=max(24, choices.max_length), choices=choices.pairs(),
                      default=default, index=index, null=null, **kwargs)
    field.ltc_choices = choices   # the labels in both languages, wherever the Choices are defined
    return field


def CurrencyField():
    return CharField(max_length=3, default='CNY')
