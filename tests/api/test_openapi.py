"""The OpenAPI document matches what the API answers (openapi-core validates live responses), the
rate limit per token, and cursor paging over 100,000 rows."""
import datetime
import json

import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from ltc.db import database, utcnow
from ltc.models import Lead
from tests.factories import make_contract, make_customer, make_lead, make_opportunity, make_user


def _check(openapi, answer):
    sent = answer.request
    request = MockRequest('http://localhost', sent.method.lower(), sent.path, args=dict(sent.args),
                          headers=dict(sent.headers))
    response = MockResponse(answer.get_data(), answer.status_code, headers=dict(answer.headers),
                            content_type=answer.mimetype or 'application/json')
    openapi.validate_response(request, response)
    return answer


def test_live_responses_match_the_openapi_document(client, admin, token_for):
    spec = client.get('/api/v1/openapi.json').json
    from openapi_core import Config
    openapi = OpenAPI.from_dict(spec, config=Config(
        extra_media_type_deserializers={'application/problem+json': json.loads}))
    headers = token_for(admin)
    customer = make_customer(owner=admin)
    opp = make_opportunity(customer=customer, owner=admin)
    from ltc.services import teams
    teams.add_member(opp, make_user('sales'), 'presales', by=admin)   # the team field, filled
    make_contract(customer=customer, owner=admin)
    make_lead(owner=admin, budget='1200.5')
    for name in ('leads', 'customers', 'contacts', 'opportunities', 'followups', 'quotes', 'contracts',
                 'payment_plans', 'payments'):
        listed = _check(openapi, client.get(f'/api/v1/{name}?limit=5', headers=headers))
        assert listed.status_code == 200
        for row in listed.json['data'][:1]:
            assert _check(openapi, client.get(f"/api/v1/{name}/{row['code']}", headers=headers)).status_code == 200
    for action, body in (('team-add', {'user': admin.username, 'role': 'delivery'}),
                         ('team-add', {'user': make_user('finance').username, 'role': 'finance'}),
                         ('team-remove', {'user': 'nobody'})):
        _check(openapi, client.post(f'/api/v1/opportunities/{opp.code}/{action}', json=body, headers=headers))
    created = _check(openapi, client.post('/api/v1/leads', json={'company': '丁公司', 'budget': '10'},
                                          headers=headers))
    assert created.status_code == 201
    code = created.json['code']
    changed = _check(openapi, client.patch(f'/api/v1/leads/{code}', json={'contact_name': '周'},
                                           headers={**headers, 'If-Match': '"1"'}))
    assert changed.status_code == 200
    for problem in (client.get('/api/v1/leads/L0', headers=headers),
                    client.patch(f'/api/v1/leads/{code}', json={'email': 'x'}, headers={**headers, 'If-Match': '"1"'}),
                    client.post('/api/v1/leads', json={}, headers=headers),
                    client.get('/api/v1/leads')):
        assert problem.status_code >= 400
        _check(openapi, problem)
    assert _check(openapi, client.delete(f'/api/v1/leads/{code}', headers={**headers, 'If-Match': '"2"'})
                  ).status_code == 204


@pytest.fixture
def limited_app(app):
    app.config['API_RATE_LIMIT'] = '3 per minute'
    return app


def test_a_token_past_its_rate_limit_gets_429_and_another_token_does_not(limited_app, db, token_for):
    import os
    redis = os.environ.get('LTC_TEST_REDIS_URL')
    if redis:   # the counts shared between workers, as configured in production
        from limits.storage import storage_from_string
        limiter = limited_app.extensions['ltc_api_limiter']
        limiter._storage = storage_from_string(redis)
        limiter._storage.reset()
        from limits.strategies import FixedWindowRateLimiter
        limiter._limiter = FixedWindowRateLimiter(limiter._storage)
    client = limited_app.test_client()
    user = make_user('sales')
    one, two = token_for(user), token_for(user)
    answers = [client.get('/api/v1/leads', headers=one).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get('/api/v1/leads', headers={**one, 'Accept-Language': 'zh'})
    assert refused.content_type == 'application/problem+json' and '请求过多' in refused.json['title']
    assert 'Retry-After' in refused.headers
    assert client.get('/api/v1/leads', headers=two).status_code == 200


@pytest.mark.timeout(1200)   # 100,000 inserts and 500 requests; slow on a loaded machine
def test_cursor_paging_walks_100000_rows_once_each(client, admin, token_for):
    now = utcnow()
    rows = [{'code': f'LB{n:07d}', 'company': f'批量公司{n}', 'source': 'import', 'status': 'new',
             'grade': 'ungraded', 'score': n % 100, 'score_reasons': '', 'followup_count': 0,
             'budget': 0, 'currency': 'CNY', 'created_at': now - datetime.timedelta(seconds=n // 7),
             'updated_at': now, 'version': 1} for n in range(100_000)]
    with database.atomic():
        for start in range(0, len(rows), 5000):
            Lead.insert_many(rows[start:start + 5000]).execute()
    headers = token_for(admin, 'leads:read')
    seen, cursor, pages = set(), None, 0
    while True:
        answer = client.get('/api/v1/leads?limit=200&sort=-created_at' + (f'&cursor={cursor}' if cursor else ''),
                            headers=headers)
        assert answer.status_code == 200, answer.json
        codes = [r['code'] for r in answer.json['data']]
        assert not seen & set(codes)
        seen.update(codes)
        pages += 1
        cursor = answer.json['next_cursor']
        if not cursor:
            break
    assert len(seen) == 100_000 and pages == 500
