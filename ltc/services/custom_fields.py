"""Custom fields: define them per entity (administrators) and write their values on a record.

A value is checked against its field's type here, whatever door it came through: text (at most
1,000 characters), number (a decimal string), date (an ISO date string), choice (one of the
option codes). Doors read what people type through the sync codecs (`custom:<key>` columns,
`ltc.sync.mapping.codecs.custom_codec`) and hand the stored form to `set_values`.
"""
import datetime
import re
from decimal import Decimal, InvalidOperation

from ..db import database
from ..errors import ValidationError
from ..models import CustomField
from ..models.custom import CUSTOM_ENTITIES, CUSTOM_KINDS, KEY
from . import audit, gate
from .messages import invalid

MAX_TEXT = 1000
# The model of each entity that may carry custom fields (the sync mapping names).
ENTITY_MODELS = {}


def _models():
    if not ENTITY_MODELS:
        from ..models import Contact, Contract, Customer, Lead, Opportunity
        ENTITY_MODELS.update(leads=Lead, customers=Customer, contacts=Contact, opportunities=Opportunity,
                             contracts=Contract)
    return ENTITY_MODELS


def entity_of(model):
    """Return the entity name of MODEL for custom fields ('leads' ...), or None when it has none."""
    return next((name for name, m in _models().items() if m is model), None)


def check_definition(field):
    """Refuse a definition whose key, labels, type or options are not usable."""
    if field.entity not in CUSTOM_ENTITIES:
        raise invalid('Custom fields exist for {allowed}; not for {entity}.', '自定义字段只能用于：{allowed}；不能用于 {entity}。',
                      allowed=', '.join(CUSTOM_ENTITIES), entity=field.entity)
    if not KEY.match(field.key or ''):
        raise invalid('The key "{key}" must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 40).',
                      '键“{key}”必须以小写字母开头，只含 a-z、0-9 和 _（最多 40 个字符）。', key=field.key or '')
    if not (field.label_zh or '').strip() or not (field.label_en or '').strip():
        raise invalid('A custom field needs a Chinese and an English label.', '自定义字段需要中文和英文名称。')
    if field.kind not in CUSTOM_KINDS:
        raise invalid('The type must be one of {kinds}.', '类型必须是以下之一：{kinds}。', kinds=', '.join(CUSTOM_KINDS))
    if field.kind == 'choice' and not list(field.choices()):
        raise invalid('A choice field needs its options, one a line: code | English | 中文.',
                      '选项字段需要填写选项，每行一个：编码 | English | 中文。')
    model = _models()[field.entity]
    if field.key in model._meta.fields:
        raise invalid('"{key}" is already a field of {entity}; choose another key.',
                      '“{key}”已是{entity}的内置字段；请换一个键。', key=field.key, entity=field.entity)
    clash = CustomField.select().where(CustomField.entity == field.entity, CustomField.key == field.key)
    if field.id is not None:
        clash = clash.where(CustomField.id != field.id)
    if clash.exists():
        raise invalid('{entity} already has a custom field "{key}"; choose another key.',
                      '{entity}已有自定义字段“{key}”；请换一个键。', key=field.key, entity=field.entity)


def define(entity, key, label_zh, label_en=None, kind='text', options=None, required=False, active=True, by=None):
    """Create a custom field of ENTITY for BY (administrators only); return it."""
    act = gate.as_actor(by)
    field = CustomField(entity=entity, key=key, label_zh=label_zh, label_en=label_en or label_zh, kind=kind,
                        options=options, required=required, active=active)
    with database.atomic():
        gate.check_write(act, field, 'create', fields=['entity', 'key', 'label_zh', 'label_en', 'kind'])
        check_definition(field)
        field.sequence = (CustomField.select().where(CustomField.entity == entity).count() + 1) * 10
        audit.save(field)
    return field


def save_definition(field, by=None):
    """Save a new or edited definition FIELD (the admin form) after the gate's and the type's checks."""
    act = gate.as_actor(by)
    gate.check_write(act, field, 'create' if field.id is None else 'update',
                     fields=['entity', 'key', 'label_zh', 'label_en', 'kind'])
    stored = CustomField.get_or_none(CustomField.id == field.id) if field.id is not None else None
    if stored is not None and (stored.key, stored.entity) != (field.key, field.entity):
        raise invalid('The key and the entity of a custom field never change (records keep their values under '
                      'the key); add a new field instead.',
                      '自定义字段的键和所属对象不能修改（记录按键保存其值）；请新增一个字段。')
    check_definition(field)
    return audit.save(field)


def key_for(header, taken=()):
    """Return a key for a custom field named HEADER: its letters (Chinese as pinyin), lower case, unique among TAKEN."""
    from pypinyin import lazy_pinyin   # only here: its dictionaries are large (searchkeys reads them leaner)
    words = lazy_pinyin(str(header or ''))
    text = re.sub(r'[^a-z0-9]+', '_', '_'.join(words).lower()).strip('_')
    if not text or not text[0].isalpha():
        text = 'f_' + text
    text = text[:36].rstrip('_')
    key, n = text, 2
    while key in taken:
        key, n = f'{text}_{n}', n + 1
    return key


def keep_as_fields(entity, headers, kind='text', by=None):
    """Create a custom field of KIND for each of HEADERS (an import's unknown columns), labelled by the header;
    return {header: field}. A header that already names a custom field of ENTITY keeps that field."""
    model = _models().get(entity)
    if model is None:
        raise invalid('Custom fields exist for {allowed}; not for {entity}.', '自定义字段只能用于：{allowed}；不能用于 {entity}。',
                      allowed=', '.join(CUSTOM_ENTITIES), entity=entity)
    existing = CustomField.of(entity, active=False)
    taken = {f.key for f in existing} | set(model._meta.fields)
    by_label = {name.strip().lower(): f for f in existing for name in (f.label_zh, f.label_en, f.key)}
    made = {}
    with database.atomic():
        for header in headers:
            found = by_label.get(str(header).strip().lower())
            if found is None:
                key = key_for(header, taken)
                taken.add(key)
                label = str(header).strip()[:80]
                found = define(entity, key, label, label, kind=kind, by=by)
            made[header] = found
    return made


def check_value(field, value):
    """Return VALUE (a custom field's stored form) if it fits FIELD's type, else refuse in both languages."""
    if value is None or value == '':
        if field.required:
            raise invalid('{label} is required; fill it in.', '{label_zh}为必填项；请填写。',
                          label=field.label_en, label_zh=field.label_zh)
        return None
    try:
        if field.kind == 'number':
            number = Decimal(str(value))
            if not number.is_finite():
                raise InvalidOperation
            return str(number)
        if field.kind == 'date':
            return datetime.date.fromisoformat(str(value)).isoformat()
    except (InvalidOperation, ValueError):
        kind_en, kind_zh = CUSTOM_KINDS.label(field.kind, 'en').lower(), CUSTOM_KINDS.label(field.kind, 'zh')
        raise invalid('{label}: "{value}" is not a {kind}.', '{label_zh}：“{value}”不是{kind_zh}。', label=field.label_en,
                      label_zh=field.label_zh, value=value, kind=kind_en, kind_zh=kind_zh) from None
    if field.kind == 'choice':
        choices = field.choices()
        if value not in choices:
            raise invalid('{label}: "{value}" is not one of the options ({options}).',
                          '{label_zh}：“{value}”不在选项中（{options}）。', label=field.label_en, label_zh=field.label_zh,
                          value=value, options=', '.join(choices))
        return value
    text = str(value)
    if len(text) > MAX_TEXT:
        raise invalid('{label} is {length} characters long; shorten it to at most {limit}.',
                      '{label_zh}长度为 {length} 个字符；请缩短到 {limit} 个以内。', label=field.label_en,
                      label_zh=field.label_zh, length=len(text), limit=MAX_TEXT)
    return text


def merged(record, values, fields=None):
    """Return RECORD's custom values with VALUES ({key: stored form}) checked and applied (None or '' removes)."""
    entity = entity_of(type(record))
    fields = fields or {f.key: f for f in CustomField.of(entity, active=False)}
    out = dict(record.custom or {})
    for key, value in values.items():
        field = fields.get(key)
        if field is None:
            raise invalid('{entity} has no custom field "{key}"; define it in Settings first.',
                          '{entity}没有自定义字段“{key}”；请先在设置中定义。', entity=entity, key=key)
        value = check_value(field, value)
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out or None


def set_values(record, values, by=None, note=None):
    """Write VALUES ({key: stored form}) into RECORD's custom fields for BY, after the gate's and the types' checks;
    return the record. One audit row names each changed field as custom:<key>."""
    act = gate.as_actor(by)
    with database.atomic():
        new = merged(record, values)
        changed = [f'custom:{k}' for k in sorted(set(new or {}) | set(record.custom or {}))
                   if (new or {}).get(k) != (record.custom or {}).get(k)]
        if not changed:
            return record
        gate.check_write(act, record, 'update', fields=changed, values={})
        record.custom = new
        audit.save(record, note=note)
    return record


def labels(entity):
    """Return {'custom:<key>': (English label, Chinese label)} of ENTITY's custom fields (for audit rows and lists)."""
    return {f'custom:{f.key}': (f.label_en, f.label_zh) for f in CustomField.of(entity, active=False)}


__all__ = ['define', 'save_definition', 'keep_as_fields', 'set_values', 'check_value', 'merged', 'labels',
           'key_for', 'entity_of', 'ValidationError']
