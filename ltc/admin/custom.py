"""Custom fields on the admin screens: typed inputs on the forms, list columns, filters and details.

The definitions are read per request (Settings → Custom fields changes them while the app runs);
a value typed on a form is read by the field's sync codec (the one imports use), so a form and a
spreadsheet accept and refuse the same text, and saved with the record's other fields (one audit
row, each custom field named custom:<key>). The list filters follow the definitions.
"""
from flask import g, has_request_context, request
from flask_admin.babel import lazy_gettext as admin_l   # Flask-Admin's own words for filter operations
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from jinja2 import pass_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import SQL, Cast, NodeList, Value, fn
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from ..db import is_sqlite
from ..models import CustomField
from ..models.custom import CUSTOM_KINDS
from ..services import custom_fields
from ..services.messages import invalid
from ..sync.errors import CellError
from ..sync.mapping.codecs import Context, custom_codec
from ..sync.mapping.entities import MAPPINGS, norm
from . import formatters
from .dates import DateField, parse
from .i18n import lang

PREFIX = 'custom:'
FORM_PREFIX = 'custom__'


def definitions(model):
    """Return the custom fields in use of MODEL's entity (read once per request)."""
    entity = custom_fields.entity_of(model)
    if entity is None:
        return []
    cache = g.setdefault('ltc_custom_fields', {})
    if entity not in cache:
        cache[entity] = CustomField.of(entity)
    return cache[entity]


def codec_of(field):
    return custom_codec(field.key, field.kind, field.choices() if field.kind == 'choice' else None)


def shown(field, values):
    """Return the value of custom FIELD in VALUES (a record's `custom`) as a page shows it, '' when empty."""
    value = (values or {}).get(field.key)
    if value is None or value == '':
        return ''
    if field.kind == 'choice':
        return field.choices().label(value, lang())
    if field.kind == 'number':
        return formatters.money(codec_of(field).load(value))
    if field.kind == 'date':
        return formatters.date(codec_of(field).load(value))
    return value


class _Custom:
    """A form field holding a custom field's value: never written onto the model by populate_obj."""
    definition = None

    def populate_obj(self, obj, name):
        pass

    def stored(self):
        """Return the value as the record keeps it (see codecs.Stored), None when empty."""
        data = self.data
        if data is None or data == '':
            return None
        if self.definition.kind == 'date':
            return data.isoformat()
        return codec_of(self.definition).clean(data, Context(lang=lang()))


class CustomText(_Custom, StringField):
    pass


class CustomDate(_Custom, DateField):
    pass


class CustomChoice(_Custom, SelectField):
    pass


def _typed(form, field):
    """Refuse what the field's codec refuses (a number that is not one, text too long), in the reader's language."""
    if field.data is None or field.data == '':
        return
    try:
        field.stored()
    except CellError as exc:
        raise ValidationError(exc.zh if lang().startswith('zh') else exc.en) from None


def form_field(definition):
    """Return the unbound form field of a custom field definition: a typed input in the reader's language."""
    label = definition.title(lang())
    checks = [InputRequired() if definition.required else Optional()]
    if definition.kind == 'date':
        field = CustomDate(label, validators=checks)
    elif definition.kind == 'choice':
        choices = definition.choices()
        options = [('', '')] + [(v, choices.label(v, lang())) for v in choices]
        field = CustomChoice(label, validators=checks, choices=options)
    else:
        kind = 'number' if definition.kind == 'number' else 'text'
        field = CustomText(label, validators=checks + [_typed],
                           render_kw={'inputmode': 'decimal'} if kind == 'number' else {'maxlength': 1000})
    field.kwargs['description'] = _('Custom field') + f' · {definition.key}'
    return field


def _bind_definition(form, definitions_):
    for definition in definitions_:
        field = form._fields.get(FORM_PREFIX + definition.key)
        if field is not None:
            field.definition = definition


class CustomJSON(BasePeeweeFilter):
    """A filter on one custom field: equals (choice, number), contains (text), between (date)."""

    def __init__(self, definition, model, options=None, data_type=None):
        self.definition = definition
        super().__init__(model.custom, definition.title(lang()), options=options, data_type=data_type)

    def expression(self):
        key = self.definition.key
        if is_sqlite():
            return fn.json_extract(self.column, f'$.{key}')
        return NodeList((Cast(self.column, 'jsonb'), SQL('->>'), Value(key)), glue=' ')

    def apply(self, query, value, alias=None):
        kind = self.definition.kind
        if kind == 'text':
            return query.where(self.expression().contains(value.strip()))
        if kind == 'number':
            try:
                value = codec_of(self.definition).clean(value, Context(lang=lang()))
            except CellError:
                return query.where(SQL('0 = 1'))
        return query.where(self.expression() == value)

    def operation(self):
        return admin_l('contains') if self.definition.kind == 'text' else admin_l('equals')


class CustomDates(CustomJSON):
    """Between two dates (typed like the date boxes: 2026-01-05 to 2026-02-01)."""

    def __init__(self, definition, model):
        super().__init__(definition, model, data_type='daterangepicker')

    def clean(self, value):
        parts = [p for p in value.replace(' to ', '|').split('|') if p.strip()]
        try:
            return [parse(p.strip(), False).isoformat() for p in parts][:2]
        except ValueError:
            return []

    def validate(self, value):
        return len(self.clean(value)) == 2

    def apply(self, query, value, alias=None):
        start, end = value
        return query.where(self.expression().between(start, end))

    def operation(self):
        return admin_l('between')


def custom_filter(definition, model):
    if definition.kind == 'date':
        return CustomDates(definition, model)
    if definition.kind == 'choice':
        choices = definition.choices()
        return CustomJSON(definition, model, options=[(v, choices.label(v, lang())) for v in choices])
    return CustomJSON(definition, model)


class CustomFieldsMixin:
    """Put the custom fields of the view's entity on its forms, list, filters and details."""

    # -- forms ---------------------------------------------------------------------------
    # Flask-Admin builds its form classes once; the custom fields are added per request to a subclass
    # (kept for the request), so no request ever changes what another one sees.
    def _custom_form(self, form_class):
        if form_class is None or not has_request_context():
            return form_class
        found = definitions(self.model)
        if not found:
            return form_class
        cache = g.setdefault('ltc_custom_forms', {})
        key = (id(self), id(form_class))
        if key not in cache:
            extra = {FORM_PREFIX + d.key: form_field(d) for d in found}
            cache[key] = type(form_class.__name__, (form_class,), extra)
        return cache[key]

    @property
    def _create_form_class(self):
        return self._custom_form(self._base_create_form_class)

    @_create_form_class.setter
    def _create_form_class(self, value):
        self._base_create_form_class = value

    @property
    def _edit_form_class(self):
        return self._custom_form(self._base_edit_form_class)

    @_edit_form_class.setter
    def _edit_form_class(self, value):
        self._base_edit_form_class = value

    def _fill_custom(self, form, obj):
        found = definitions(self.model)
        _bind_definition(form, found)
        if obj is None or request.method == 'POST':
            return form
        values = obj.custom or {}
        for definition in found:
            field = form._fields.get(FORM_PREFIX + definition.key)
            value = values.get(definition.key)
            if field is None or value is None:
                continue
            loaded = codec_of(definition).load(value)
            field.data = loaded if definition.kind in ('date', 'choice') else str(loaded)
        return form

    def create_form(self, obj=None):
        return self._fill_custom(super().create_form(obj), obj)

    def edit_form(self, obj=None):
        return self._fill_custom(super().edit_form(obj), obj)

    def on_model_change(self, form, model, is_created):
        found = definitions(self.model)
        values = {d.key: form[FORM_PREFIX + d.key].stored() for d in found if FORM_PREFIX + d.key in form}
        if values:   # checked by the command's own rules too (types, required, options)
            model.custom = custom_fields.merged(model, values, {d.key: d for d in found})
        return super().on_model_change(form, model, is_created)

    # -- list columns, details -----------------------------------------------------------
    @property
    def _list_columns(self):
        return list(self._base_list_columns) + [(PREFIX + d.key, d.title(lang())) for d in definitions(self.model)]

    @_list_columns.setter
    def _list_columns(self, value):
        self._base_list_columns = value

    @property
    def _details_columns(self):
        return list(self._base_details_columns) + [(PREFIX + d.key, d.title(lang()))
                                                   for d in definitions(self.model)]

    @_details_columns.setter
    def _details_columns(self, value):
        self._base_details_columns = value

    def get_details_columns(self):
        # The stored JSON is shown field by field (custom:<key>), never as one blob.
        return [(name, title) for name, title in super().get_details_columns() if name != 'custom']

    def _custom_value(self, model, name):
        definition = next((d for d in definitions(self.model) if PREFIX + d.key == name), None)
        return '' if definition is None else shown(definition, model.custom)

    @pass_context
    def get_list_value(self, context, model, name):
        if name.startswith(PREFIX):
            return self._custom_value(model, name)
        return super().get_list_value(context, model, name)

    @pass_context
    def get_detail_value(self, context, model, name):
        if name.startswith(PREFIX):
            return self._custom_value(model, name)
        return super().get_detail_value(context, model, name)

    def custom_details(self, row):
        """Return [(label, value)] of ROW's custom fields that hold a value (record pages' Details card)."""
        out = []
        for definition in definitions(self.model):
            value = shown(definition, row.custom)
            if value != '':
                out.append((definition.title(lang()), value))
        return out

    # -- filters -------------------------------------------------------------------------
    def get_filters(self):
        base = super().get_filters() or []
        if not has_request_context():
            return base or None
        return (base + [custom_filter(d, self.model) for d in definitions(self.model)]) or None

    def _custom_filters_fresh(self):
        signature = (lang(),) + tuple((d.id, d.version) for d in definitions(self.model))
        if getattr(self, '_custom_signature', None) != signature:
            self._refresh_filters_cache()
            self._custom_signature = signature

    def _get_list_extra_args(self):
        self._custom_filters_fresh()
        return super()._get_list_extra_args()

    def _get_filter_groups(self):
        self._custom_filters_fresh()
        return super()._get_filter_groups()


def check_labels(field):
    """Refuse labels a built-in column of the entity already uses as a header (a sheet could not tell them apart)."""
    mapping = MAPPINGS.get(field.entity)
    if mapping is None:
        return
    taken = {norm(n): c for c in mapping.columns for n in (c.en, c.zh)}
    for text in (field.label_zh, field.label_en):
        column = taken.get(norm(text))
        if column is not None:
            raise invalid(
                'The label "{text}" is the header of the built-in field {field}; choose another label.',
                '名称“{text}”已是内置字段「{field_zh}」的表头；请换一个名称。',
                text=text, field=column.en, field_zh=column.zh)

__all__ = ['CustomFieldsMixin', 'definitions', 'shown', 'check_labels', 'CUSTOM_KINDS']
