"""The API's collections: which model, which fields are shown, written, filtered and sorted, and which
service writes a record (the same one the admin's form calls)."""
import dataclasses
import datetime
from decimal import Decimal
from typing import Callable, Optional

import marshmallow as ma
from marshmallow import validate
from peewee import (BooleanField, DateField, DateTimeField, DecimalField, ForeignKeyField, IntegerField,
                    TextField)

from ..models import (Contact, Contract, Customer, Department, FollowUp, Lead, Opportunity, Payment,
                      PaymentPlan, Quote, TeamMember, User)
from ..models.choices import TEAM_ROLES
from ..services import audit, customers, followups, leads, opportunities, quotes, receivables

FIXED = ('code', 'version', 'created_at', 'updated_at')
NEVER_SHOWN = ('search_keys', 'phone_norm', 'email_norm', 'company_norm', 'email_domain')


class DecimalString(ma.fields.String):
    """A money or decimal value as a string ("1234.50"), read back into a Decimal."""

    def __init__(self, places=None, **kwargs):
        super().__init__(**kwargs)
        self.places = places

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        value = Decimal(value)
        if self.places is not None:
            value = value.quantize(Decimal(1).scaleb(-self.places))
        return f'{value:f}'

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return Decimal(str(value).replace(',', '').strip())
        except Exception:
            raise ma.ValidationError('Not a valid number, e.g. "1234.50".') from None


class UtcDateTime(ma.fields.DateTime):
    """A time stored as naive UTC, shown in RFC 3339 with its Z; an offset sent is turned into UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.replace(tzinfo=None).isoformat(timespec='seconds') + 'Z'

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return moment


class Reference(ma.fields.String):
    """A reference to another record by its code (users by username)."""


class CustomValue(ma.fields.Field):
    """One custom field's value as sent: text, or a JSON number for a number field (kept as its decimal text)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return value
        raise ma.ValidationError('Send text or a number.')


CUSTOM_DOC = ('custom field values by key (Settings → Custom fields): text; a number as its decimal text; a date as '
              'YYYY-MM-DD; a choice as its option code')


def custom_output():
    return ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                          metadata={'description': CUSTOM_DOC})


def custom_input():
    return ma.fields.Dict(
        keys=ma.fields.String(), values=CustomValue(allow_none=True, metadata={
            'oneOf': [{'type': 'string', 'nullable': True}, {'type': 'number'}]}),
        metadata={'description': CUSTOM_DOC + '. Only the keys sent change; null removes a value; an unknown key or '
                                 'a value that does not fit its field is refused (422)'})


def _plain_save(record, created, user):
    return audit.save(record)


def _save_lead(record, created, user):
    return leads.save_lead(record, by=user)


def _save_customer(record, created, user):
    # As the admin form: the parent through set_parent (no cycles), a new owner through change_owner.
    wanted_parent, wanted_owner = record.parent_id, record.owner_id
    stored = None if created else Customer.get_by_id(record.id)
    record.parent = stored.parent_id if stored else None
    if stored is not None:
        record.owner = stored.owner_id
    audit.save(record)
    if wanted_parent != record.parent_id:
        customers.set_parent(record, Customer.get_by_id(wanted_parent) if wanted_parent else None, by=user)
    if stored is not None and wanted_owner != stored.owner_id:
        customers.change_owner(record, wanted_owner, by=user)
    return record


def _save_opportunity(record, created, user):
    return opportunities.save_opportunity(record, by=user)


def _save_quote(record, created, user):
    quotes.save_quote(record)
    return record


def _save_followup(record, created, user):
    if not created:
        return audit.save(record)
    get = lambda name: getattr(record, name) if getattr(record, name + '_id') else None  # noqa: E731
    return followups.record_followup(
        by=get('owner') or user, customer=get('customer'), lead=get('lead'), opportunity=get('opportunity'),
        contact=get('contact'), kind=record.kind, summary=record.summary, happened_at=record.happened_at,
        next_contact_on=record.next_contact_on, is_major=record.is_major)


def _save_payment(record, created, user):
    plan = PaymentPlan.get_by_id(record.plan_id) if record.plan_id else None
    payments = receivables.record_payment(
        Contract.get_by_id(record.contract_id), record.amount, plan=plan, received_on=record.received_on,
        method=record.method or 'bank_transfer', reference=record.reference, by=user)
    return payments[0]


@dataclasses.dataclass
class Resource:
    """One collection under /api/v1."""
    name: str                      # URL segment and token scope entity
    model: type
    writable: tuple                # fields a create or update may send
    filters: tuple                 # query parameters that filter by equality
    sorts: tuple = ('created_at', 'updated_at', 'code')
    required: tuple = ()           # fields a create must send
    save: Callable = _plain_save   # (record, created, user) -> record, the service write
    updatable: Optional[tuple] = None   # fields an update may send (default: writable)
    can_update: bool = True
    can_delete: bool = True
    commands: dict = dataclasses.field(default_factory=dict)   # field -> the action to use instead
    # Read-only fields that are not columns: name -> (marshmallow field, loader(rows) -> {id: value}).
    extras: dict = dataclasses.field(default_factory=dict)

    @property
    def shown(self):
        return [f.name for f in self.model._meta.sorted_fields
                if f.name not in NEVER_SHOWN and f.name != 'id' and f.name != 'password_hash']

    @property
    def update_fields(self):
        return self.updatable if self.updatable is not None else self.writable

    @property
    def singular(self):
        return self.model.__name__


def _teams(rows):
    """Return {opportunity id: [{user, role}, ...]} of ROWS' teams (one query)."""
    out = {row.id: [] for row in rows}
    if out:
        query = (TeamMember.select(TeamMember.opportunity, User.username, TeamMember.role)
                 .join(User, on=(TeamMember.user == User.id))
                 .where(TeamMember.opportunity.in_(list(out))).order_by(TeamMember.id).tuples())
        for opportunity, username, role in query:
            out[opportunity].append({'user': username, 'role': role})
    return out


TEAM_MEMBER = ma.Schema.from_dict({
    'user': ma.fields.String(metadata={'description': 'username'}),
    'role': ma.fields.String(validate=validate.OneOf(list(TEAM_ROLES.values)))}, name='TeamMember')
TEAM = (lambda: ma.fields.List(ma.fields.Nested(TEAM_MEMBER), metadata={
    'description': 'the team beside the owner (read-only here: POST /opportunities/{code}/team-add, /team-remove)'}),
    _teams)

RESOURCES = [
    Resource('leads', Lead,
             writable=('company', 'contact_name', 'contact_title', 'phone', 'email', 'source', 'campaign', 'industry',
                       'region_province', 'region_city', 'company_size', 'budget', 'currency', 'requirement',
                       'department', 'owner', 'custom'),
             filters=('status', 'grade', 'source', 'owner', 'industry', 'region_province', 'campaign', 'department',
                      'duplicate_of', 'converted_customer'),
             sorts=('created_at', 'updated_at', 'code', 'score'), required=('company',), save=_save_lead,
             commands={'status': 'POST /leads/{code}/status, /convert'}),
    Resource('customers', Customer,
             writable=('name', 'name_en', 'kind', 'parent', 'industry', 'region_province', 'region_city', 'size',
                       'level', 'source', 'credit_code', 'phone', 'email', 'website', 'address', 'owner', 'department',
                       'pool', 'yearly_category_spend', 'target_share', 'currency', 'notes', 'custom'),
             filters=('owner', 'industry', 'region_province', 'level', 'kind', 'parent', 'department', 'locked'),
             required=('name',), save=_save_customer),
    Resource('contacts', Contact,
             writable=('customer', 'name', 'name_en', 'title', 'department_name', 'gender', 'phone', 'mobile',
                       'email', 'wechat', 'is_key_decision_maker', 'birthday', 'notes', 'custom'),
             filters=('customer', 'is_key_decision_maker'), required=('customer', 'name')),
    Resource('opportunities', Opportunity,
             writable=('name', 'customer', 'lead', 'contact', 'owner', 'department', 'stage', 'amount', 'currency',
                       'expected_close_on', 'priority', 'source', 'competitors', 'lost_reason', 'custom'),
             updatable=('name', 'contact', 'owner', 'department', 'amount', 'currency', 'expected_close_on',
                        'priority', 'source', 'competitors', 'lost_reason', 'custom'),
             filters=('customer', 'owner', 'stage', 'priority', 'department', 'lead'),
             sorts=('created_at', 'updated_at', 'code', 'amount'), required=('name', 'customer', 'stage'),
             save=_save_opportunity, commands={'stage': 'POST /opportunities/{code}/move-stage'},
             extras={'team': TEAM}),
    Resource('followups', FollowUp,
             writable=('customer', 'contact', 'lead', 'opportunity', 'kind', 'happened_at', 'summary',
                       'next_contact_on', 'owner', 'is_major'),
             updatable=('kind', 'summary', 'next_contact_on', 'is_major'),
             filters=('customer', 'contact', 'lead', 'opportunity', 'owner', 'kind'),
             sorts=('created_at', 'updated_at', 'code', 'happened_at'), required=('kind',), save=_save_followup),
    Resource('quotes', Quote,
             writable=('title', 'customer', 'opportunity', 'owner', 'quoted_on', 'valid_until', 'currency', 'notes'),
             filters=('customer', 'opportunity', 'owner', 'status'),
             required=('title', 'customer', 'quoted_on'), save=_save_quote),
    Resource('contracts', Contract,
             writable=('title', 'customer', 'opportunity', 'quote', 'owner', 'department', 'customer_signer',
                       'our_signer', 'signed_on', 'start_on', 'end_on', 'amount', 'currency', 'notes', 'custom'),
             filters=('customer', 'opportunity', 'owner', 'status', 'department'),
             sorts=('created_at', 'updated_at', 'code', 'amount'), required=('title', 'customer'),
             commands={'status': 'POST /contracts/{code}/submit, /approve'}),
    Resource('payment_plans', PaymentPlan,
             writable=('contract', 'sequence', 'trigger', 'milestone', 'due_on', 'amount', 'currency', 'owner'),
             updatable=('sequence', 'trigger', 'milestone', 'due_on', 'amount', 'owner'),
             filters=('contract', 'status', 'owner'), required=('contract', 'amount')),
    Resource('payments', Payment,
             writable=('contract', 'plan', 'received_on', 'amount', 'method', 'reference'),
             filters=('contract', 'plan', 'method'), sorts=('created_at', 'code', 'received_on'),
             required=('contract', 'amount'), save=_save_payment, can_update=False, can_delete=False),
]
BY_NAME = {r.name: r for r in RESOURCES}
BY_MODEL = {r.model: r for r in RESOURCES}


# -- references: codes outside, ids inside ----------------------------------------------
def key_field(model):
    return model.username if model is User else model.code


def codes_for(model, ids):
    """Return {id: code} of MODEL rows with IDS (one query)."""
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    key = key_field(model)
    out = {}
    for start in range(0, len(ids), 500):
        out.update(model.select(model.id, key).where(model.id.in_(ids[start:start + 500])).tuples())
    return out


def id_for(model, code):
    """Return the id of the MODEL row whose code (username for users) is CODE, or None."""
    row = model.select(model.id).where(key_field(model) == str(code)).tuples().first()
    return row[0] if row else None


# -- schemas generated from the models ----------------------------------------------------
def ma_field(field, **kwargs):
    """Return the marshmallow field for a peewee FIELD."""
    kwargs.setdefault('allow_none', field.null)
    choices = getattr(field, 'ltc_choices', None)
    if isinstance(field, ForeignKeyField):
        target = field.rel_model.__name__
        what = 'username' if field.rel_model is User else 'code'
        return Reference(metadata={'description': f'{target} {what}'}, **kwargs)
    if choices is not None:
        return ma.fields.String(validate=validate.OneOf(list(choices.values)), **kwargs)
    if isinstance(field, BooleanField):
        return ma.fields.Boolean(**kwargs)
    if isinstance(field, IntegerField):
        return ma.fields.Integer(**kwargs)
    if isinstance(field, DecimalField):
        return DecimalString(places=field.decimal_places, metadata={'format': 'decimal'}, **kwargs)
    if isinstance(field, DateTimeField):
        return UtcDateTime(**kwargs)
    if isinstance(field, DateField):
        return ma.fields.Date(**kwargs)
    if isinstance(field, TextField):
        return ma.fields.String(**kwargs)
    length = getattr(field, 'max_length', None)
    return ma.fields.String(validate=validate.Length(max=length) if length else None, **kwargs)


def output_schema(resource):
    model = resource.model
    fields = {'code': ma.fields.String(), 'version': ma.fields.Integer(),
              'created_at': UtcDateTime(), 'updated_at': UtcDateTime(),
              'created_by': ma.fields.String(allow_none=True)}
    for name in resource.shown:
        if name == 'custom':
            fields[name] = custom_output()
        elif name not in fields:
            fields[name] = ma_field(model._meta.fields[name])
    for name, (field, _loader) in resource.extras.items():
        fields[name] = field()
    fields['_embedded'] = ma.fields.Dict(
        metadata={'description': 'records asked for with ?include=, each null when it is not yours to see'})
    return ma.Schema.from_dict(fields, name=f'{resource.singular}')


def input_schema(resource, partial=False):
    model = resource.model
    names = resource.update_fields if partial else resource.writable
    fields = {}
    for name in names:
        if name == 'custom':
            fields[name] = custom_input()
            continue
        field = model._meta.fields[name]
        required = not partial and name in resource.required
        fields[name] = ma_field(field, required=required, allow_none=field.null or not required)
    suffix = 'Update' if partial else 'Create'
    return ma.Schema.from_dict(fields, name=f'{resource.singular}{suffix}')


def page_schema(resource, item):
    return ma.Schema.from_dict({'data': ma.fields.List(ma.fields.Nested(item)),
                                'next_cursor': ma.fields.String(allow_none=True)},
                               name=f'{resource.singular}Page')


# -- rows out ---------------------------------------------------------------------------
def represent(resource, rows):
    """Return the records ROWS as dicts for the output schema (references as codes, in few queries)."""
    model = resource.model
    refs = {}
    for name in resource.shown:
        field = model._meta.fields[name]
        if isinstance(field, ForeignKeyField):
            refs[name] = codes_for(field.rel_model, [row.__data__.get(name) for row in rows])
    extras = {name: loader(rows) for name, (_field, loader) in resource.extras.items()}
    out = []
    for row in rows:
        item = {name: row.__data__.get(name) for name in FIXED + ('created_by',)}
        for name in resource.shown:
            value = row.__data__.get(name)
            item[name] = refs[name].get(value) if name in refs else value
        if 'custom' in item:
            item['custom'] = item['custom'] or {}
        for name, values in extras.items():
            item[name] = values.get(row.id)
        out.append(item)
    return out


def parse_value(field, text):
    """Return TEXT (a query parameter) as FIELD's stored value; None when it cannot be one."""
    if isinstance(field, ForeignKeyField):
        return id_for(field.rel_model, text) or 0   # an unknown code matches nothing
    try:
        if isinstance(field, BooleanField):
            return str(text).lower() in ('1', 'true', 'yes', 'on')
        if isinstance(field, IntegerField):
            return int(text)
        if isinstance(field, DecimalField):
            return Decimal(str(text))
        if isinstance(field, DateTimeField):
            return datetime.datetime.fromisoformat(str(text).replace('Z', '+00:00')).replace(tzinfo=None)
        if isinstance(field, DateField):
            return datetime.date.fromisoformat(str(text))
    except (ValueError, ArithmeticError):
        return None
    return str(text)


def stored_values(resource, data):
    """Return DATA (loaded input) with references turned into ids; raise LookupError(field, code) for
    a code that names nothing."""
    model = resource.model
    out = {}
    for name, value in data.items():
        field = model._meta.fields[name]
        if name == 'custom':   # checked against the definitions by the write (custom_fields.merged)
            out[name] = dict(value or {})
            continue
        if isinstance(field, ForeignKeyField) and value not in (None, ''):
            pk = id_for(field.rel_model, value)
            if pk is None:
                raise LookupError(name, field.rel_model, value)
            value = pk
        elif isinstance(field, ForeignKeyField):
            value = None
        out[name] = value
    return out


__all__ = ['RESOURCES', 'BY_NAME', 'BY_MODEL', 'Department']


_schemas = {}
_dumpers = {}


def output_schema_for(resource):
    """Return the (cached) output schema class of RESOURCE."""
    if resource.name not in _schemas:
        _schemas[resource.name] = output_schema(resource)
    return _schemas[resource.name]


def dumper(resource):
    """Return one instance of RESOURCE's output schema (building one copies every field: once is enough)."""
    if resource.name not in _dumpers:
        _dumpers[resource.name] = output_schema_for(resource)()
    return _dumpers[resource.name]
