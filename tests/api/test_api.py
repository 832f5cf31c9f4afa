"""The REST API: tokens, the gate's role and scope through the API, versions, idempotency, problems."""
import json

from ltc.models import ApiToken, AuditLog, Lead
from ltc.services import tokens
from tests.factories import make_customer, make_lead, make_user


def test_a_request_without_a_valid_token_is_refused_as_problem_json(client, sales, token_for):
    answer = client.get('/api/v1/leads')
    assert answer.status_code == 401
    assert answer.content_type == 'application/problem+json'
    assert answer.json['status'] == 401 and 'Bearer' in answer.json['detail']
    answer = client.get('/api/v1/leads', headers={'Authorization': 'Bearer ltc_wrong', 'Accept-Language': 'zh-CN'})
    assert answer.status_code == 401 and answer.json['title'] == '需要身份验证'


def test_a_token_is_kept_only_as_a_hash_and_stops_working_when_revoked(client, sales):
    token, secret = tokens.create_token(sales, 'crm', 'leads:read')
    stored = ApiToken.get_by_id(token.id)
    assert secret not in json.dumps(stored.__data__, default=str) and stored.secret_hash == tokens.hash_secret(secret)
    audit_rows = ' '.join(r.changes or '' for r in AuditLog.select().where(AuditLog.entity == 'ApiToken'))
    assert stored.secret_hash not in audit_rows
    headers = {'Authorization': f'Bearer {secret}'}
    assert client.get('/api/v1/leads', headers=headers).status_code == 200
    tokens.revoke_token(sales, token.code)
    assert client.get('/api/v1/leads', headers=headers).status_code == 401


def test_a_token_of_an_inactive_user_is_refused(client, sales, token_for):
    headers = token_for(sales)
    sales.active = False
    sales.save()
    assert client.get('/api/v1/leads', headers=headers).status_code == 401


def test_token_scopes_limit_what_a_token_may_do(client, sales, token_for):
    headers = token_for(sales, 'leads:read')
    assert client.get('/api/v1/leads', headers=headers).status_code == 200
    refused = client.post('/api/v1/leads', json={'company': '甲公司'}, headers=headers)
    assert refused.status_code == 403 and 'leads:write' in refused.json['detail']
    assert client.get('/api/v1/customers', headers=headers).status_code == 403
    assert Lead.select().count() == 0


def test_unknown_scopes_are_refused():
    import pytest
    from ltc.errors import ValidationError
    with pytest.raises(ValidationError):
        tokens.parse_scopes('leads:delete')
    assert tokens.parse_scopes('leads:read, *:write') == 'leads:read *:write'


def test_a_sales_token_cannot_read_another_owners_lead_by_code_list_filter_or_include(client, sales, token_for):
    other = make_user('sales')
    mine = make_lead(owner=sales, company='我的公司')
    theirs = make_lead(owner=other, company='别人的公司')
    headers = token_for(sales)
    by_code = client.get(f'/api/v1/leads/{theirs.code}', headers=headers)
    missing = client.get('/api/v1/leads/L999999', headers=headers)
    assert by_code.status_code == missing.status_code == 404
    assert by_code.json['detail'].replace(theirs.code, 'X') == missing.json['detail'].replace('L999999', 'X')
    listed = client.get('/api/v1/leads', headers=headers).json['data']
    assert [r['code'] for r in listed] == [mine.code]
    assert client.get(f'/api/v1/leads?owner={other.username}', headers=headers).json['data'] == []
    assert client.get('/api/v1/leads?company=别人的公司', headers=headers).status_code == 400   # not a filter
    # include: a customer of another owner embeds as null, never its fields
    foreign = make_customer(owner=other, name='别人的客户')
    own_customer = make_customer(owner=sales, name='我的客户')
    from tests.factories import make_opportunity
    opp = make_opportunity(customer=own_customer, owner=sales)
    lead = make_lead(owner=sales)
    Lead.update(converted_customer=foreign.id).where(Lead.id == lead.id).execute()
    got = client.get(f'/api/v1/leads/{lead.code}?include=converted_customer', headers=headers)
    assert got.status_code == 200 and got.json['_embedded']['converted_customer'] is None
    assert '别人的客户' not in got.get_data(as_text=True)
    got = client.get(f'/api/v1/opportunities/{opp.code}?include=customer', headers=headers)
    assert got.json['_embedded']['customer']['name'] == '我的客户'
    # a write naming another owner's record is refused like a missing one
    refused = client.post('/api/v1/contacts', json={'customer': foreign.code, 'name': '张三'}, headers=headers)
    assert refused.status_code == 404


def test_a_finance_token_cannot_create_leads_the_role_may_not(client, token_for):
    finance = make_user('finance')
    answer = client.post('/api/v1/leads', json={'company': '甲公司'}, headers=token_for(finance))
    assert answer.status_code == 403 and answer.content_type == 'application/problem+json'
    zh = client.post('/api/v1/leads', json={'company': '甲公司'},
                     headers={**token_for(finance), 'Accept-Language': 'zh-CN,zh;q=0.9'})
    assert '已拒绝' in zh.json['detail'] and zh.headers['Content-Language'] == 'zh-CN'


def test_create_goes_through_the_lead_rules_and_is_audited_as_the_token_user(client, sales, token_for):
    from ltc.services.leads import install_default_rules
    install_default_rules()
    headers = token_for(sales)
    answer = client.post('/api/v1/leads', json={'company': '上海某制造有限公司', 'industry': 'manufacturing',
                                                'phone': '021-5555 0000', 'budget': '800000'}, headers=headers)
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert answer.headers['Location'] == f"/api/v1/leads/{body['code']}"
    assert answer.headers['ETag'] == '"1"' and body['version'] == 1
    assert body['grade'] != 'ungraded' and body['score'] > 0 and body['budget'] == '800000.00'
    row = AuditLog.select().where(AuditLog.entity == 'Lead', AuditLog.entity_code == body['code']).first()
    assert row.actor == sales.username and row.source == 'api'
    dup = client.post('/api/v1/leads', json={'company': '上海某制造有限公司', 'phone': '02155550000'},
                      headers=headers).json
    assert dup['duplicate_of'] == body['code']


def test_derived_and_unknown_fields_are_refused_with_the_field_named(client, sales, token_for):
    answer = client.post('/api/v1/leads', json={'company': '甲公司', 'grade': 'high'}, headers=token_for(sales))
    assert answer.status_code == 422 and 'grade' in answer.json['errors']
    # a control character (a NUL was a server error on PostgreSQL) is refused wherever it is, as forms refuse it
    headers = {**token_for(sales), 'Accept-Language': 'zh'}
    answer = client.post('/api/v1/leads', json={'company': '乙\x00公司', 'phone': '1'}, headers=headers)
    assert answer.status_code == 422 and answer.json['detail'] == 'company 含有控制字符 U+0000；请删除。'
    assert client.get('/api/v1/leads?owner=a%00', headers=headers).json['detail'].startswith('owner 含有控制字符')
    assert client.get('/api/v1/leads/L%00', headers=headers).status_code == 422
    assert client.post('/api/v1/opportunities/O1/team-add', json={'user': 'a\x1b', 'role': 'presales'},
                       headers=headers).status_code == 422
    assert Lead.select().count() == 0
    assert client.post('/api/v1/leads', json={'company': '丙公司\t', 'phone': '1', 'requirement': 'a\nb'},
                       headers=headers).status_code == 201   # tab and line breaks are text


def test_updates_need_the_current_version(client, sales, token_for):
    headers = token_for(sales)
    lead = make_lead(owner=sales)
    path = f'/api/v1/leads/{lead.code}'
    assert client.patch(path, json={'contact_name': '李四'}, headers=headers).status_code == 428
    etag = client.get(path, headers=headers).headers['ETag']
    ok = client.patch(path, json={'contact_name': '李四'}, headers={**headers, 'If-Match': etag})
    assert ok.status_code == 200 and ok.json['contact_name'] == '李四' and ok.json['version'] == 2
    stale = client.patch(path, json={'contact_name': '王五'}, headers={**headers, 'If-Match': etag})
    assert stale.status_code == 412 and '"2"' in stale.json['detail']
    assert Lead.get_by_id(lead.id).contact_name == '李四'
    status = client.patch(path, json={'status': 'qualified'}, headers={**headers, 'If-Match': '"2"'})
    assert status.status_code == 422   # status is not a field of the update: it has its action


def test_idempotency_key_makes_a_create_once(client, sales, token_for):
    headers = {**token_for(sales), 'Idempotency-Key': 'order-42'}
    first = client.post('/api/v1/leads', json={'company': '乙公司'}, headers=headers)
    again = client.post('/api/v1/leads', json={'company': '乙公司'}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json['code'] == again.json['code'] and again.headers['Idempotent-Replayed'] == 'true'
    assert Lead.select().count() == 1
    other = client.post('/api/v1/leads', json={'company': '丙公司'}, headers=headers)
    assert other.status_code == 422 and Lead.select().count() == 1


def test_a_refused_create_keeps_no_idempotent_answer(client, token_for):
    finance = make_user('finance')
    headers = {**token_for(finance), 'Idempotency-Key': 'k1'}
    assert client.post('/api/v1/leads', json={'company': '甲'}, headers=headers).status_code == 403
    assert client.post('/api/v1/leads', json={'company': '甲'}, headers=headers).status_code == 403


def test_delete_needs_the_version_and_the_role(client, sales, token_for):
    lead = make_lead(owner=sales)
    answer = client.delete(f'/api/v1/leads/{lead.code}', headers={**token_for(sales), 'If-Match': '"1"'})
    assert answer.status_code == 403   # sales may not delete leads (as in the admin)
    manager = make_user('admin')
    answer = client.delete(f'/api/v1/leads/{lead.code}', headers={**token_for(manager), 'If-Match': '"1"'})
    assert answer.status_code == 204 and Lead.select().count() == 0


def test_list_filters_sorts_and_pages_with_a_cursor(client, admin, token_for):
    headers = token_for(admin)
    for n in range(7):
        make_lead(company=f'公司{n}', source='website' if n % 2 else 'referral')
    seen, cursor = [], None
    while True:
        url = '/api/v1/leads?limit=3&sort=code' + (f'&cursor={cursor}' if cursor else '')
        page = client.get(url, headers=headers).json
        seen += [r['code'] for r in page['data']]
        cursor = page['next_cursor']
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 7
    referral = client.get('/api/v1/leads?source=referral', headers=headers).json['data']
    assert len(referral) == 4 and {r['source'] for r in referral} == {'referral'}
    bad = client.get('/api/v1/leads?sort=phone', headers=headers)
    assert bad.status_code == 400 and 'score' in bad.json['detail']
    wrong_cursor = client.get(f'/api/v1/leads?sort=-code&cursor={cursor or "x"}', headers=headers)
    assert wrong_cursor.status_code == 400


def test_rule_actions_go_through_the_services(client, sales, token_for):
    headers = token_for(sales)
    lead = make_lead(owner=sales, company='转化测试有限公司', contact_name='赵六', phone='13800000000')
    converted = client.post(f'/api/v1/leads/{lead.code}/convert', json={'amount': '50000'}, headers=headers)
    assert converted.status_code == 200, converted.json
    result = converted.json['_result']
    assert converted.json['status'] == 'converted' and result['customer'] and result['opportunity']
    again = client.post(f'/api/v1/leads/{lead.code}/convert', json={}, headers=headers)
    assert again.status_code == 409 and 'already converted' in again.json['detail']
    opp = result['opportunity']
    moved = client.post(f'/api/v1/opportunities/{opp}/move-stage', json={'stage': 'ST-ANALYSE'}, headers=headers)
    assert moved.status_code == 200 and moved.json['stage'] == 'ST-ANALYSE', moved.json
    won = client.post(f'/api/v1/opportunities/{opp}/move-stage', json={'stage': 'ST-WON'},
                      headers={**headers, 'Accept-Language': 'zh'})
    assert won.status_code == 409 and '赢单' in won.json['detail']


def test_claim_and_release_through_the_pool_rules(client, sales, token_for):
    headers = token_for(sales)
    pooled = make_customer()
    claimed = client.post(f'/api/v1/customers/{pooled.code}/claim', json={}, headers=headers)
    assert claimed.status_code == 200 and claimed.json['owner'] == sales.username
    no_reason = client.post(f'/api/v1/customers/{pooled.code}/release', json={}, headers=headers)
    assert no_reason.status_code == 409
    released = client.post(f'/api/v1/customers/{pooled.code}/release', json={'reason': '无需求'}, headers=headers)
    assert released.status_code == 200 and released.json['owner'] is None


def test_unknown_addresses_under_the_api_answer_problem_json(client, sales, token_for):
    answer = client.get('/api/v1/nothing-here', headers=token_for(sales))
    assert answer.status_code == 404 and answer.content_type == 'application/problem+json'


def test_the_docs_page_and_openapi_document_are_served(client):
    spec = client.get('/api/v1/openapi.json')
    assert spec.status_code == 200 and '/api/v1/leads' in spec.json['paths']
    page = client.get('/api/v1/docs')
    assert page.status_code == 200 and b'If-Match' in page.data and b'/api/v1/leads' in page.data
