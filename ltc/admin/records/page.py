"""The frame of a record page: the details URL rendered as a record page, code links and field values."""
import datetime

from flask import current_app, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from peewee import BooleanField, ForeignKeyField

from ...db import MoneyField
from ...models import Customer
from ...models import choices as C
from ...services import scope
from .. import formatters
from ..i18n import name_of
from ..labels import LABELS
from ..listing import in_scope

# Shown last, in small print: what the system keeps about the row, not what the business reads.
INTERNAL = ('id', 'version', 'created_at', 'created_by', 'updated_at')
LIMIT = 50


def admin_view(endpoint):
    """Return the admin view registered under ENDPOINT in this app, or None."""
    admin = current_app.extensions.get('ltc_admin')
    return next((v for v in admin._views if v.endpoint == endpoint), None) if admin else None


def record_url(row):
    """Return the record page of ROW (a customer's is its 360° page)."""
    if isinstance(row, Customer):
        return url_for('customer.view_360', id=row.id)
    return url_for(f'{type(row).__name__.lower()}.details_view', id=row.id)


def readable(row):
    """Return whether the current user may open ROW: its screen is theirs and the row is in their scope."""
    view = admin_view(type(row).__name__.lower())
    if view is None or not view.is_accessible():
        return False
    model = type(row)
    return in_scope(model.select(model.id).where(model.id == row.id), model, current_user).exists()


def link(row, text=None, check=False):
    """Return ROW's code linked to its record page (plain text when CHECK and the user may not open it)."""
    if row is None:
        return ''
    label = text if text is not None else row.code
    if check and not readable(row):
        return Markup('<span class="text-muted" data-code="{}">{}</span>').format(row.code, label)
    return Markup('<a href="{}" data-code="{}">{}</a>').format(record_url(row), row.code, label)


def value(row, name):
    """Return field NAME of ROW as the page shows it: labels, money, dates, linked references."""
    field = type(row)._meta.fields[name]
    raw = getattr(row, field.column_name if isinstance(field, ForeignKeyField) else name)
    if raw is None or raw == '':
        return ''
    if isinstance(field, ForeignKeyField):
        target = getattr(row, name)
        if 'code' in type(target)._meta.fields and type(target).__name__ not in ('User', 'Department'):
            return Markup('{} {}').format(link(target, check=True), name_of(target) if _named(target) else '')
        return name_of(target)
    choices = formatters.choices_for(field)
    if choices is not None:
        return formatters.badge(choices, raw) if name in formatters.BADGE_FIELDS else formatters.label(choices, raw)
    if isinstance(field, MoneyField):
        return formatters.money(raw, getattr(row, 'currency', None))
    if isinstance(field, BooleanField):
        return _('Yes') if raw else _('No')
    if isinstance(raw, (datetime.date, datetime.datetime)):
        return formatters.date(raw)
    return raw


def _named(row):
    return any(hasattr(row, n) for n in ('name', 'title', 'company'))


def label(name):
    return LABELS.get(name, name.replace('_', ' ').capitalize())


def fields_of(row, names):
    """Return [(label, value)] of NAMES on ROW, skipping what is empty."""
    out = []
    for name in names:
        shown = value(row, name)
        if shown != '':
            out.append((label(name), shown))
    return out


class RecordPage:
    """Serve the details URL of a screen as its record page (TEMPLATE, sections from `page(row)`)."""

    record_template = None
    edit_template = 'ltc_admin/records/edit.html'       # inline lines as compact rows
    create_template = 'ltc_admin/records/create.html'
    detail_fields = ()   # business fields of the "Details" card, in reading order

    def page(self, row):
        """Return the sections of ROW's record page (each view builds its own)."""
        return {}

    def input_form(self, act, rows, single):
        # The next-step forms fill their choices from the record (its customer's contacts, open plans).
        form = super().input_form(act, rows, single)
        if hasattr(form, 'prepare'):
            form.prepare(rows)
        return form

    @expose('/details/')
    def details_view(self):
        """Show the record page (scoped: a row outside the user's scope is not found)."""
        row = self.get_one(request.args.get('id'))
        # A row read through an opportunity team: no Edit, and only the readers' next steps.
        writable = scope.can_see(row, current_user.record, write=True)
        return self.render(self.record_template, row=row, model=row, fmt=formatters, C=C, name_of=name_of,
                           link=link, value=value, writable=writable,
                           details=fields_of(row, self.detail_fields) + (
                               self.custom_details(row) if hasattr(self, 'custom_details') else []),
                           internal=fields_of(row, INTERNAL),
                           actions=self.actions_for(row, writable) if hasattr(self, 'actions_for') else [],
                           panels=self.detail_panels(row) if hasattr(self, 'detail_panels') else [],
                           attachments=self.attachments(row) if hasattr(self, 'attachments') else None,
                           **self.page(row))
