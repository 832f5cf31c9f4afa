"""The collections' routes: list, read, create, update and delete, each a translation into the same
commands the admin's forms call, with the token's user as the actor."""
from flask import request
from peewee import ForeignKeyField

from ..db import database
from ..errors import ValidationError
from ..models import CustomField
from ..services import audit, custom_fields, gate, scope
from . import core, resources
from .problems import ApiError

PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
LIST_PARAMS = ('sort', 'limit', 'cursor', 'include', 'created_after', 'updated_after')


def path_of(resource, record):
    return f'/api/v1/{resource.name}/{record.code}'


def scoped_one(resource, code, user):
    """Return the record CODE if USER may see it; the same 404 for a missing one and another's."""
    model = resource.model
    record = model.select().where(model.code == code, scope.condition(model, user)).first()
    if record is None:
        raise gate.not_found(model, code)
    return record


def includable(resource):
    """Return {field name: resource} of the references ?include= may embed."""
    out = {}
    for name in resource.shown:
        field = resource.model._meta.fields[name]
        if isinstance(field, ForeignKeyField) and field.rel_model in resources.BY_MODEL:
            out[name] = resources.BY_MODEL[field.rel_model]
    return out


def _includes(resource):
    wanted = [w.strip() for w in request.args.get('include', '').split(',') if w.strip()]
    allowed = includable(resource)
    bad = [w for w in wanted if w not in allowed]
    if bad:
        raise ApiError(400, 'Cannot include {bad}; {name} can include: {allowed}.',
                       '不能包含 {bad}；{name} 可包含：{allowed}。', bad=', '.join(bad), name=resource.name,
                       allowed=', '.join(allowed) or '-')
    for name in wanted:
        core.need(allowed[name].name, 'read')
    return {name: allowed[name] for name in wanted}


def present(resource, rows, user, include=None):
    """Return ROWS as output dicts, embedding the ?include= records USER may see (others as null)."""
    items = resources.represent(resource, rows)
    include = _includes(resource) if include is None else include
    for name, target in include.items():
        model = target.model
        ids = [row.__data__.get(name) for row in rows]
        seen = gate.visible(user, model, ids, write=False)
        found = {r.id: r for r in model.select().where(model.id.in_(list(seen)))} if seen else {}
        shown = dict(zip([r.id for r in found.values()], resources.represent(target, list(found.values()))))
        for item, pk in zip(items, ids):
            item.setdefault('_embedded', {})[name] = shown.get(pk)
    return items


def one_response(resource, record, user, status=200):
    item = present(resource, [record], user)[0]
    headers = {'ETag': core.etag(record.version)}
    if status == 201:
        headers['Location'] = path_of(resource, record)
    return core.json_response(dump(resource, item), status, headers)


def dump(resource, item, many=False):
    return resources.dumper(resource).dump(item, many=many)


# -- list -------------------------------------------------------------------------------
def list_rows(resource, user):
    model = resource.model
    unknown = [k for k in request.args if k not in LIST_PARAMS and k not in resource.filters]
    if unknown:
        raise ApiError(400, 'Unknown query parameter {bad}; {name} filters by {filters} and takes {params}.',
                       '未知的查询参数 {bad}；{name} 可按 {filters} 筛选，并接受 {params}。',
                       bad=', '.join(unknown), name=resource.name, filters=', '.join(resource.filters),
                       params=', '.join(LIST_PARAMS))
    query = model.select().where(scope.condition(model, user))
    for name in resource.filters:
        if name in request.args:
            field = model._meta.fields[name]
            text = request.args[name]
            value = None if text == '' else resources.parse_value(field, text)
            if text != '' and value is None:
                raise ApiError(400, 'Filter {name}={value} is not a valid {name}.',
                               '筛选条件 {name}={value} 不是有效的 {name}。', name=name, value=text)
            query = query.where(field.is_null() if value is None else field == value)
    for name, column in (('created_after', model.created_at), ('updated_after', model.updated_at)):
        if name in request.args:
            value = resources.parse_value(column, request.args[name])
            if value is None:
                raise ApiError(400, '{name} must be an ISO date-time such as 2026-01-31T08:00:00Z.',
                               '{name} 必须是 ISO 日期时间，例如 2026-01-31T08:00:00Z。', name=name)
            query = query.where(column > value)
    sort = request.args.get('sort', '-created_at')
    name = sort.lstrip('-')
    if name not in resource.sorts:
        raise ApiError(400, 'Cannot sort {res} by {sort}; use one of {sorts} (a leading - sorts descending).',
                       '不能按 {sort} 排序 {res}；请使用 {sorts} 之一（前加 - 为降序）。', res=resource.name, sort=sort,
                       sorts=', '.join(resource.sorts))
    descending = sort.startswith('-')
    field = model._meta.fields[name]
    try:
        limit = int(request.args.get('limit', PAGE_SIZE))
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ApiError(400, 'limit must be a whole number from 1 to {most}.', 'limit 必须是 1 到 {most} 的整数。',
                       most=MAX_PAGE_SIZE)
    if request.args.get('cursor'):
        value, pk = core.decode_cursor(request.args['cursor'], sort)
        value = resources.parse_value(field, value) if field is not model.code else value
        if descending:
            query = query.where((field < value) | ((field == value) & (model.id < pk)))
        else:
            query = query.where((field > value) | ((field == value) & (model.id > pk)))
    order = (field.desc(), model.id.desc()) if descending else (field.asc(), model.id.asc())
    rows = list(query.order_by(*order).limit(limit + 1))
    cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        value = last.__data__.get(name)
        cursor = core.encode_cursor(sort, value.isoformat() if hasattr(value, 'isoformat') else value, last.id)
    return rows, cursor


# -- writes -----------------------------------------------------------------------------
def write(resource, record, data, user):
    """Create (RECORD None) or update RECORD with DATA through the gate and the entity's service save."""
    created = record is None
    model = resource.model
    for name in data:
        if name in resource.commands and not created:
            raise ApiError(409, '{name} changes only through its action: {action}.',
                           '{name} 只能通过对应操作修改：{action}。', name=name, action=resource.commands[name])
    try:
        values = resources.stored_values(resource, data)
    except LookupError as exc:
        _name, rel, code = exc.args
        raise gate.not_found(rel, code) from None
    custom = values.pop('custom', None)
    with audit.acting_as(user, 'api'), database.atomic():
        if created:
            record = model()
        before = dict(record.__data__)
        for name, value in values.items():
            setattr(record, name, value)
        changed = {k: record.__data__.get(k) for k in values if before.get(k) != record.__data__.get(k)}
        if created:   # a new record's empty fields ask for nothing
            changed = {k: v for k, v in changed.items() if v not in (None, '')}
        custom_changed, refused = _custom(record, custom, created)
        changed.update(custom_changed)
        # The gate first (role, scope): a value that does not fit is told only to whoever may write the record.
        gate.check_write(user, record, 'create' if created else 'update', fields=list(changed), values=changed)
        if refused is not None:
            raise refused
        return resource.save(record, created, user)


def _custom(record, sent, created):
    """Apply the custom values SENT ({key: value}, None removes) to RECORD as the admin's form does, each checked
    against its field (type, options, required on a new record). Return ({'custom:<key>': value} of those that
    change, None), or ({}, the refusal) leaving RECORD as it was."""
    if 'custom' not in type(record)._meta.fields or sent is None and not created:
        return {}, None
    found = {d.key: d for d in CustomField.of(custom_fields.entity_of(type(record)), active=False)}
    sent = dict(sent or {})
    old = dict(record.custom or {})
    try:
        if created:   # a required field must be filled in on a new record, as on the admin's form
            for key, definition in found.items():
                if definition.active and definition.required and key not in sent:
                    custom_fields.check_value(definition, None)
        new = custom_fields.merged(record, sent, found) or {}
    except ValidationError as exc:
        return {}, exc
    record.custom = new or None
    return {f'custom:{k}': new.get(k) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}, None


def delete(resource, record, user):
    with audit.acting_as(user, 'api'), database.atomic():
        gate.check_write(user, record, 'delete')
        audit.delete(record)
