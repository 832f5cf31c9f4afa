"""List and details formatters: labels, money, dates, badges and code links, escaped by construction."""
import datetime

from flask import url_for
from flask_babel import format_date, format_datetime, format_decimal
from markupsafe import Markup
from peewee import ForeignKeyField

from ..db import MoneyField
from ..models import choices as C
from .i18n import lang, name_of

# Bootstrap badge colour per status or grade value; anything else is grey.
BADGE = {
    'high': 'success', 'general': 'info', 'worthless': 'secondary', 'ungraded': 'light',
    'new': 'primary', 'assigned': 'info', 'contacted': 'info', 'qualified': 'success',
    'converted': 'success', 'disqualified': 'secondary',
    'draft': 'light', 'sent': 'info', 'accepted': 'success', 'rejected': 'danger',
    'expired': 'secondary', 'pending_approval': 'warning', 'effective': 'success',
    'executing': 'primary', 'completed': 'success', 'terminated': 'danger',
    'pending': 'warning', 'partial': 'info', 'paid': 'success', 'overdue': 'danger',
    'void': 'secondary', 'open': 'warning', 'done': 'success', 'cancelled': 'secondary',
    'planned': 'light', 'running': 'primary', 'finished': 'secondary', 'delivered': 'info',
    'approved': 'success', 'active': 'success', 'inactive': 'secondary', 'discontinued': 'dark',
}
BADGE_FIELDS = ('status', 'grade', 'decision')


def choices_for(field):
    """Return the Choices object behind a ChoiceField, or None."""
    own = getattr(field, 'ltc_choices', None)
    if own is not None:
        return own
    pairs = getattr(field, 'choices', None)
    if not pairs:
        return None
    values = tuple(v for v, _ in pairs)
    for obj in vars(C).values():
        if isinstance(obj, C.Choices) and obj.values == values:
            return obj
    return None


def label(choices, value):
    return choices.label(value, lang()) if value is not None else ''


def badge(choices, value):
    if value is None:
        return ''
    return Markup('<span class="badge badge-{}">{}</span>').format(
        BADGE.get(value, 'secondary'), label(choices, value))


def money(value, currency=None):
    if value is None:
        return ''
    text = format_decimal(value, format='#,##0.00')
    return f'{currency} {text}' if currency else text


def date(value):
    if value is None:
        return ''
    if isinstance(value, datetime.datetime):
        return format_datetime(value, 'medium')
    return format_date(value, 'medium')


def _choice_formatter(choices, as_badge):
    def fmt(view, context, model, name):
        value = getattr(model, name)
        return badge(choices, value) if as_badge else label(choices, value)
    return fmt


def _money_formatter(view, context, model, name):
    return money(getattr(model, name), getattr(model, 'currency', None))


def _date_formatter(view, context, model, name):
    return date(getattr(model, name))


def _code_formatter(view, context, model, name):
    return Markup('<a href="{}">{}</a>').format(
        url_for('.details_view', id=model.id), model.code)


def _fk_formatter(view, context, model, name):
    field = type(model)._meta.fields[name]
    if getattr(model, field.column_name) is None:
        return ''
    return name_of(getattr(model, name))


def formatters_for(model, with_links=True):
    """Return {column: formatter} for every field of MODEL that needs one."""
    out = {}
    for name, field in model._meta.fields.items():
        choices = choices_for(field)
        if choices is not None:
            out[name] = _choice_formatter(choices, name in BADGE_FIELDS)
        elif isinstance(field, ForeignKeyField):
            out[name] = _fk_formatter
        elif isinstance(field, MoneyField):
            out[name] = _money_formatter
        elif type(field).__name__ in ('DateField', 'DateTimeField'):
            out[name] = _date_formatter
    if with_links and 'code' in model._meta.fields:
        out['code'] = _code_formatter
    return out


def export_value(model, name):
    """Return the plain value of a column for CSV/XLSX: labels for choices, names for references."""
    field = type(model)._meta.fields.get(name)
    value = getattr(model, name, None)
    if field is None:
        return value
    choices = choices_for(field)
    if choices is not None:
        return label(choices, value)
    if isinstance(field, ForeignKeyField):
        return '' if getattr(model, field.column_name) is None else str(value)
    return value
