"""Field helpers shared by the model modules."""
import json

from peewee import CharField, TextField

from ..db import MoneyField  # noqa: F401  re-exported for the model modules


def ChoiceField(choices, default=None, index=True, null=False, **kwargs):
    """A CharField limited to CHOICES (validated by forms and the sync codecs)."""
    field = CharField(max_length=max(24, choices.max_length), choices=choices.pairs(),
                      default=default, index=index, null=null, **kwargs)
    field.ltc_choices = choices   # the labels in both languages, wherever the Choices are defined
    return field


def CurrencyField():
    return CharField(max_length=3, default='CNY')


class CustomValues(TextField):
    """A record's custom field values: a dict in Python, JSON text in the database (None when empty)."""

    def db_value(self, value):
        if value is None or value == {}:
            return None
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        if value is None or value == '':
            return None
        if isinstance(value, dict):
            return value
        return json.loads(value)
