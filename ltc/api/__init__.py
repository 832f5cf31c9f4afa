"""The REST API under /api/v1: one more door. Each request is translated into the same commands the
admin calls, with the token's user as the actor; role and data scope apply exactly as in the admin.

The OpenAPI document (/api/v1/openapi.json) is generated from the routes' schemas by flask-smorest;
/api/v1/docs renders it as a page (no script, no CDN).
"""
import hashlib

from flask import Blueprint, Response, current_app, g, render_template, request
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.exceptions import HTTPException

from ..errors import LTCError
from . import actions, core, problems, resources, views
from .problems import ApiError

PREFIX = '/api/v1'


class LtcApi(Api):
    """flask-smorest without its app-wide error handlers: the admin keeps its own pages, and the
    API blueprint answers with problem+json (problems.handle)."""

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        # The errors flask-smorest documents (422 of a request body, ...) are problems too.
        import http
        for status in http.HTTPStatus:
            response = {'description': status.phrase}
            if status >= 400:
                response['content'] = PROBLEM['content']
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response('DEFAULT_ERROR', dict(PROBLEM), lazy=True)


def init_app(app):
    """Register /api/v1, its OpenAPI document, its docs page and its rate limit on APP."""
    app.config.setdefault('API_TITLE', 'LTC API')
    app.config.setdefault('API_VERSION', 'v1')
    app.config.setdefault('OPENAPI_VERSION', '3.0.3')
    app.config.setdefault('OPENAPI_URL_PREFIX', PREFIX)
    app.config.setdefault('OPENAPI_JSON_PATH', 'openapi.json')
    api = LtcApi(spec_kwargs={'info': {'description': 'Lead-to-Cash REST API. Authenticate with a personal '
                                                      'access token: Authorization: Bearer ltc_….'}})
    api.init_app(app)
    api.spec.components.security_scheme('token', {'type': 'http', 'scheme': 'bearer',
                                                  'description': 'personal access token (ltc_…)'})
    api.spec.components.schema('Problem', schema=_problem_schema())
    api.spec.options['security'] = [{'token': []}]
    blp = build_blueprint()
    api.register_blueprint(blp)
    _rate_limit(app, blp)
    app.register_blueprint(docs_blueprint())
    csrf = app.extensions.get('csrf')
    if csrf is not None:   # tokens, not cookies: nothing for a cross-site form to ride on
        csrf.exempt(blp)
    app.extensions['ltc_api'] = api
    return api


def _problem_schema():
    import marshmallow as ma
    return ma.Schema.from_dict({'type': ma.fields.String(), 'title': ma.fields.String(),
                                'status': ma.fields.Integer(), 'detail': ma.fields.String(),
                                'instance': ma.fields.String(), 'errors': ma.fields.Dict(),
                                'current_version': ma.fields.Integer()}, name='Problem')


PROBLEM = {'description': 'An RFC 9457 problem (in the language of Accept-Language)',
           'content': {problems.MEDIA_TYPE: {'schema': {'$ref': '#/components/schemas/Problem'}}}}


def _doc(summary, extra=None):
    doc = {'summary': summary, 'responses': {'default': PROBLEM}}
    doc.update(extra or {})
    return doc


def build_blueprint():
    blp = ApiBlueprint('api_v1', __name__, url_prefix=PREFIX, description='LTC REST API v1')

    @blp.before_request
    def _authenticate():
        core.authenticate()
        core.refuse_control_characters()

    blp.register_error_handler(ApiError, problems.api_error)
    blp.register_error_handler(LTCError, problems.handle)
    blp.register_error_handler(HTTPException, problems.handle)
    blp.register_error_handler(Exception, problems.handle)

    for resource in resources.RESOURCES:
        _collection(blp, resource)
    for action in actions.ACTIONS:
        _action(blp, action)

    @blp.route('/me', endpoint='me')
    @blp.doc(**_doc('The token and its user'))
    def me():
        token, user = g.api_token, g.api_user
        return core.json_response({'user': user.username, 'display_name': user.display_name,
                                   'role': user.role.name, 'token': token.code, 'scopes': token.scopes.split()})
    return blp


IF_MATCH = {'in': 'header', 'name': 'If-Match', 'required': True, 'schema': {'type': 'string'},
            'description': 'the version being changed, as the ETag of GET gave it, e.g. "3"'}
IDEMPOTENCY_KEY = {'in': 'header', 'name': 'Idempotency-Key', 'required': False, 'schema': {'type': 'string'},
                   'description': 'a unique key per create; sending it again replays the first answer'}


def _list_parameters(resource):
    params = [{'in': 'query', 'name': name, 'required': False, 'schema': {'type': 'string'},
               'description': f'only rows whose {name} is this (references by code, users by username)'}
              for name in resource.filters]
    params += [
        {'in': 'query', 'name': 'sort', 'required': False,
         'schema': {'type': 'string', 'enum': [p + s for s in resource.sorts for p in ('', '-')]},
         'description': 'sort field; a leading - sorts descending (default -created_at)'},
        {'in': 'query', 'name': 'limit', 'required': False, 'schema': {'type': 'integer', 'minimum': 1,
                                                                       'maximum': views.MAX_PAGE_SIZE}},
        {'in': 'query', 'name': 'cursor', 'required': False, 'schema': {'type': 'string'},
         'description': 'next_cursor of the previous page'},
        {'in': 'query', 'name': 'created_after', 'required': False, 'schema': {'type': 'string', 'format': 'date-time'}},
        {'in': 'query', 'name': 'updated_after', 'required': False, 'schema': {'type': 'string', 'format': 'date-time'}},
    ]
    include = list(views.includable(resource))
    if include:
        params.append({'in': 'query', 'name': 'include', 'required': False, 'schema': {'type': 'string'},
                       'description': 'comma-separated references to embed: ' + ', '.join(include)})
    return params


def _collection(blp, resource):
    name, model = resource.name, resource.model
    item = resources.output_schema_for(resource)
    page = resources.page_schema(resource, item)
    create_schema = resources.input_schema(resource)
    update_schema = resources.input_schema(resource, partial=True)
    label = model.__name__

    @blp.route(f'/{name}', methods=['GET'], endpoint=f'{name}_list')
    @blp.doc(**_doc(f'List {name} you may see', {'parameters': _list_parameters(resource)}))
    @blp.response(200, page)
    def list_view():
        user = core.need(name, 'read')
        rows, cursor = views.list_rows(resource, user)
        items = views.dump(resource, views.present(resource, rows, user), many=True)
        return core.json_response({'data': items, 'next_cursor': cursor})

    @blp.route(f'/{name}/<code>', methods=['GET'], endpoint=f'{name}_get')
    @blp.doc(**_doc(f'Read one {label} by code', {'parameters': [
        {'in': 'query', 'name': 'include', 'required': False, 'schema': {'type': 'string'}}]}))
    @blp.response(200, item, headers={'ETag': {'description': 'the version', 'schema': {'type': 'string'}}})
    def get_view(code):
        user = core.need(name, 'read')
        return views.one_response(resource, views.scoped_one(resource, code, user), user)

    @blp.route(f'/{name}', methods=['POST'], endpoint=f'{name}_create')
    @blp.doc(**_doc(f'Create a {label} (through the same rules as the admin form)',
                    {'parameters': [IDEMPOTENCY_KEY]}))
    @blp.arguments(create_schema)
    @blp.response(201, item)
    def create_view(data):
        user = core.need(name, 'write')
        def make():
            saved = views.write(resource, None, data, user)
            return views.one_response(resource, model.get_by_id(saved.id), user, status=201)
        return core.idempotent(make)

    if resource.can_update:
        @blp.route(f'/{name}/<code>', methods=['PATCH'], endpoint=f'{name}_update')
        @blp.doc(**_doc(f'Change fields of a {label}', {'parameters': [IF_MATCH]}))
        @blp.arguments(update_schema)
        @blp.response(200, item)
        def update_view(data, code):
            user = core.need(name, 'write')
            record = views.scoped_one(resource, code, user)
            core.expected_version(record)
            saved = views.write(resource, record, data, user)
            return views.one_response(resource, model.get_by_id(saved.id), user)

    if resource.can_delete:
        @blp.route(f'/{name}/<code>', methods=['DELETE'], endpoint=f'{name}_delete')
        @blp.doc(**_doc(f'Delete a {label}', {'parameters': [IF_MATCH]}))
        @blp.response(204)
        def delete_view(code):
            user = core.need(name, 'write')
            record = views.scoped_one(resource, code, user)
            core.expected_version(record)
            views.delete(resource, record, user)
            return Response(status=204)


def _action(blp, action):
    resource = resources.BY_NAME[action.resource]
    name = resource.name
    item = resources.output_schema_for(resource)
    schema = actions.input_schema(action)
    params = [dict(IF_MATCH, required=False)] + ([IDEMPOTENCY_KEY] if action.creates else [])

    @blp.route(f'/{name}/<code>/{action.name}', methods=['POST'],
               endpoint=f'{name}_{action.name.replace("-", "_")}')
    @blp.doc(**_doc(action.summary, {'parameters': params}))
    @blp.arguments(schema)
    @blp.response(200, item)
    def action_view(data, code):
        from ..db import database
        from ..services import audit, gate
        user = core.need(name, 'write')
        record = views.scoped_one(resource, code, user)
        core.expected_version(record, required=False)

        def run():
            if not gate.may(user, resource.model, 'update'):
                raise gate.role_refusal(gate.Actor(user), resource.model, 'update')
            with audit.acting_as(user, 'api'), database.atomic():
                extra = action.run(record, data, user) or {}
            fresh = resource.model.get_by_id(record.id)
            response = views.one_response(resource, fresh, user)
            if extra:
                import json
                body = json.loads(response.get_data())
                body['_result'] = extra
                response.set_data(json.dumps(body, ensure_ascii=False, default=str))
            return response
        return core.idempotent(run) if action.creates else run()


def _rate_key():
    header = request.headers.get('Authorization', '')
    if header:
        return 'token:' + hashlib.sha256(header.encode()).hexdigest()[:24]
    return 'ip:' + (request.remote_addr or '-')


def _rate_limit(app, blp):
    """Limit requests per token (per address without one): Flask-Limiter, in Redis when configured."""
    from flask_limiter import Limiter
    storage = app.config.get('API_RATE_STORAGE') or 'memory://'
    limiter = Limiter(_rate_key, app=app, storage_uri=storage, default_limits=[], headers_enabled=True,
                      key_prefix='ltc-api', swallow_errors=True)
    limiter.limit(lambda: current_app.config.get('API_RATE_LIMIT') or '600 per minute')(blp)
    app.extensions['ltc_api_limiter'] = limiter


def docs_blueprint():
    bp = Blueprint('api_docs_page', __name__, template_folder='templates')

    @bp.get(PREFIX + '/docs')
    def docs():
        spec = current_app.extensions['ltc_api'].spec.to_dict()
        operations = []
        for path, methods in spec['paths'].items():
            for method, op in methods.items():
                if method in ('get', 'post', 'patch', 'delete', 'put'):
                    operations.append((path, method.upper(), op))
        return render_template('ltc_api/docs.html', spec=spec, operations=operations, titles=problems.TITLES)

    @bp.route(PREFIX + '/<path:rest>', methods=['GET', 'POST', 'PATCH', 'DELETE', 'PUT'])
    def unknown(rest):
        return problems.problem(404)
    return bp
