"""Filters with options in the user's language, loaded when the page renders (never at start-up)."""
from flask_admin.contrib.peewee.filters import (BasePeeweeFilter, DateBetweenFilter, DateTimeBetweenFilter,
                                                FilterEmpty, FilterEqual)
from flask_babel import lazy_gettext as _l

from ..models import Department, Stage, User
from .formatters import choices_for
from .i18n import lazy_pairs, name_of
from .labels import LABELS


class LiveOptions:
    """Options read from a table each time the filter bar is drawn."""

    def __init__(self, query_fn):
        self.query_fn = query_fn

    def __bool__(self):
        return True

    def __iter__(self):
        return iter([(str(obj.id), name_of(obj)) for obj in self.query_fn()])


def _label(field):
    return LABELS.get(field.name, field.name)


def choice(field):
    return FilterEqual(field, _label(field), options=lazy_pairs(choices_for(field)))


def owner(field):
    return FilterEqual(field, _label(field), options=LiveOptions(
        lambda: User.select().where(User.active).order_by(User.username).limit(500)))


def department(field):
    return FilterEqual(field, _label(field), options=LiveOptions(
        lambda: Department.select().order_by(Department.code).limit(500)))


def stage(field):
    return FilterEqual(field, _label(field), options=LiveOptions(
        lambda: Stage.select().order_by(Stage.sequence)))


def in_pool(field):
    """'In the public pool': the owner is empty."""
    return FilterEmpty(field, _l('Public pool'))


def text(field):
    return FilterEqual(field, _label(field))


def dates(field):
    kind = type(field).__name__
    cls = DateTimeBetweenFilter if kind == 'DateTimeField' else DateBetweenFilter
    return cls(field, _label(field))


def auto(*fields):
    """Return a filter per field, picked from its type (choice, owner, department, stage, date)."""
    out = []
    for field in fields:
        kind = type(field).__name__
        if choices_for(field) is not None:
            out.append(choice(field))
        elif kind == 'ForeignKeyField' and field.rel_model is User:
            out.append(owner(field))
        elif kind == 'ForeignKeyField' and field.rel_model is Department:
            out.append(department(field))
        elif kind == 'ForeignKeyField' and field.rel_model is Stage:
            out.append(stage(field))
        elif kind in ('DateField', 'DateTimeField'):
            out.append(dates(field))
        else:
            out.append(text(field))
    return out


class ByCode(BasePeeweeFilter):
    """The rows whose FIELD (a reference) points at the record with the typed code (a contract
    number: lists of its plans or payments). No option list: it scales, and shows nothing out of scope."""

    def apply(self, query, value, alias=None):
        target = self.column.rel_model
        return query.where(self.column.in_(target.select(target.id).where(target.code == value.strip())))

    def operation(self):
        return _l('code equals')


def by_code(field):
    return ByCode(field, _label(field))
