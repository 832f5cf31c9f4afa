"""Custom field values through the API: read and written as the admin's forms write them (through the gate,
each value checked against its field), unknown keys refused as problem JSON, all in the OpenAPI document."""
import json

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from ltc.models import AuditLog, Contact, Contract, Customer, Lead, Opportunity
from ltc.services import custom_fields
from tests.factories import make_contact, make_contract, make_customer, make_lead, make_opportunity, make_user

TIERS = 'gold | Gold | 金牌\nsilver | Silver | 银牌'


def _define(entity):
    custom_fields.define(entity, 'tier', '客户等级', 'Tier', kind='choice', options=TIERS)
    custom_fields.define(entity, 'headcount', '人数', 'Headcount', kind='number')
    custom_fields.define(entity, 'visit_on', '拜访日期', 'Visit on', kind='date')


def _openapi(client):
    return OpenAPI.from_dict(client.get('/api/v1/openapi.json').json, config=Config(
        extra_media_type_deserializers={'application/problem+json': json.loads}))


def _valid(openapi, answer):
    sent = answer.request
    openapi.validate_response(
        MockRequest('http://localhost', sent.method.lower(), sent.path, args=dict(sent.args), headers=dict(sent.headers)),
        MockResponse(answer.get_data(), answer.status_code, headers=dict(answer.headers),
                     content_type=answer.mimetype or 'application/json'))
    return answer


def _sent(openapi, send, path, headers, body):
    """Check the request BODY against the document, then send it (SEND: client.post or client.patch)."""
    openapi.validate_request(MockRequest('http://localhost', send.__name__, path, headers=headers,
                                         data=json.dumps(body).encode(), content_type='application/json'))
    return send(path, headers=headers, json=body)


def test_a_lead_is_created_read_and_changed_with_its_custom_values(client, admin, token_for):
    _define('leads')
    openapi, headers = _openapi(client), token_for(admin)
    created = _valid(openapi, _sent(openapi, client.post, '/api/v1/leads', headers, {
        'company': '华东精密', 'custom': {'tier': 'gold', 'headcount': 120, 'visit_on': '2026-12-01'}}))
    assert created.status_code == 201, created.json
    assert created.json['custom'] == {'tier': 'gold', 'headcount': '120', 'visit_on': '2026-12-01'}
    lead = Lead.get(Lead.code == created.json['code'])
    assert lead.custom == {'tier': 'gold', 'headcount': '120', 'visit_on': '2026-12-01'}
    row = AuditLog.get((AuditLog.entity == 'Lead') & (AuditLog.entity_code == lead.code) & (AuditLog.action == 'create'))
    assert json.loads(row.changes)['custom:tier'] == [None, 'gold'] and row.source == 'api'
    path = f'/api/v1/leads/{lead.code}'
    assert _valid(openapi, client.get(path, headers=headers)).json['custom']['tier'] == 'gold'
    listed = _valid(openapi, client.get('/api/v1/leads', headers=headers)).json['data']
    assert listed[0]['custom']['headcount'] == '120'
    # Only the keys sent change; null removes a value.
    changed = _valid(openapi, _sent(openapi, client.patch, path, {**headers, 'If-Match': '"1"'},
                                    {'custom': {'tier': 'silver', 'headcount': None}}))
    assert changed.status_code == 200 and changed.json['custom'] == {'tier': 'silver', 'visit_on': '2026-12-01'}
    assert json.loads(AuditLog.select().where(AuditLog.entity_code == lead.code).order_by(AuditLog.id.desc())
                      .get().changes) == {'custom:headcount': ['120', None], 'custom:tier': ['gold', 'silver']}
    assert _valid(openapi, client.get('/api/v1/leads?limit=1', headers=headers)).status_code == 200
    plain = make_lead(owner=admin)
    assert client.get(f'/api/v1/leads/{plain.code}', headers=headers).json['custom'] == {}


def test_unknown_keys_and_values_that_do_not_fit_are_refused_as_problem_json_and_change_nothing(
        client, admin, token_for):
    _define('leads')
    openapi, headers = _openapi(client), token_for(admin)
    lead = make_lead(owner=admin)
    path, match = f'/api/v1/leads/{lead.code}', {**headers, 'If-Match': '"1"'}
    for custom, words in (({'nope': 'x'}, 'no custom field "nope"'),
                          ({'tier': 'bronze'}, '"bronze" is not one of the options (gold, silver)'),
                          ({'headcount': 'many'}, '"many" is not a number'),
                          ({'visit_on': '2026-13-40'}, 'is not a date')):
        answer = _valid(openapi, client.patch(path, headers=match, json={'custom': custom}))
        assert answer.status_code == 422 and answer.content_type == 'application/problem+json', answer.json
        assert words in answer.json['detail'], answer.json
    zh = client.patch(path, headers={**match, 'Accept-Language': 'zh-CN'}, json={'custom': {'tier': 'bronze'}})
    assert zh.status_code == 422 and '不在选项中' in zh.json['detail']
    bad_type = _valid(openapi, client.patch(path, headers=match, json={'custom': {'tier': ['gold']}}))
    assert bad_type.status_code == 422
    assert _valid(openapi, client.post('/api/v1/leads', headers=headers,
                                       json={'company': '乙', 'custom': {'nope': 1}})).status_code == 422
    stored = Lead.get_by_id(lead.id)
    assert stored.custom is None and stored.version == 1 and not Lead.select().where(Lead.company == '乙').exists()


def test_a_required_custom_field_is_asked_for_on_create_and_every_entity_takes_its_values(client, admin, token_for):
    headers = token_for(admin)
    custom_fields.define('customers', 'erp_id', 'ERP 编号', 'ERP id', required=True)
    missing = client.post('/api/v1/customers', headers=headers, json={'name': '丙公司'})
    assert missing.status_code == 422 and 'ERP id is required' in missing.json['detail']
    made = client.post('/api/v1/customers', headers=headers, json={'name': '丙公司', 'custom': {'erp_id': 'E-001'}})
    assert made.status_code == 201 and Customer.get(Customer.name == '丙公司').custom == {'erp_id': 'E-001'}
    customer = make_customer(owner=admin)
    records = {'contacts': (Contact, make_contact(customer=customer)),
               'opportunities': (Opportunity, make_opportunity(customer=customer, owner=admin)),
               'contracts': (Contract, make_contract(customer=customer, owner=admin))}
    for entity, (model, record) in records.items():
        custom_fields.define(entity, 'region_code', '区域编码', 'Region code')
        answer = client.patch(f'/api/v1/{entity}/{record.code}', headers={**headers, 'If-Match': f'"{record.version}"'},
                              json={'custom': {'region_code': 'EAST-01'}})
        assert answer.status_code == 200 and answer.json['custom'] == {'region_code': 'EAST-01'}, (entity, answer.json)
        assert model.get_by_id(record.id).custom == {'region_code': 'EAST-01'}


def test_custom_values_go_through_the_gate(client, sales, token_for):
    custom_fields.define('leads', 'tier', '客户等级', 'Tier', kind='choice', options=TIERS)
    theirs = make_lead(owner=make_user('sales'), status='assigned')
    mine = make_lead(owner=sales, status='assigned')
    headers = token_for(sales)
    for custom in ({'tier': 'gold'}, {'tier': 'bronze'}, {'nope': 'x'}):   # not yours: not found, whatever was sent
        refused = client.patch(f'/api/v1/leads/{theirs.code}', headers={**headers, 'If-Match': '"1"'},
                               json={'custom': custom})
        assert refused.status_code == 404, refused.json
    assert Lead.get_by_id(theirs.id).custom is None
    read_only = token_for(sales, 'leads:read')
    assert client.patch(f'/api/v1/leads/{mine.code}', headers={**read_only, 'If-Match': '"1"'},
                        json={'custom': {'tier': 'gold'}}).status_code == 403
    ok = client.patch(f'/api/v1/leads/{mine.code}', headers={**headers, 'If-Match': '"1"'}, json={'custom': {'tier': 'gold'}})
    assert ok.status_code == 200 and Lead.get_by_id(mine.id).custom == {'tier': 'gold'}
