"""The API tokens page: a user creates a token (secret shown once), sees only their own, revokes it."""
import re

from ltc.models import ApiToken
from ltc.services import tokens

from .conftest import csrf_from


def test_a_user_creates_uses_and_revokes_a_token_in_the_admin(as_role, users, app):
    client = as_role('sales', lang='zh_Hans_CN')
    page = client.get('/admin/tokens/').get_data(as_text=True)
    assert 'API 令牌' in page
    answer = client.post('/admin/tokens/', data={'name': 'CRM', 'scopes': 'leads:read', 'days': '',
                                                 'csrf_token': csrf_from(page)})
    html = answer.get_data(as_text=True)
    secret = re.search(r'<code>(ltc_[^<]+)</code>', html).group(1)
    assert '只显示这一次' in html
    api = app.test_client()
    assert api.get('/api/v1/leads', headers={'Authorization': f'Bearer {secret}'}).status_code == 200
    again = client.get('/admin/tokens/').get_data(as_text=True)
    assert secret not in again   # shown once
    token = ApiToken.get(ApiToken.user == users['sales'].id)
    client.post(f'/admin/tokens/revoke/{token.code}', data={'csrf_token': csrf_from(again)})
    assert api.get('/api/v1/leads', headers={'Authorization': f'Bearer {secret}'}).status_code == 401


def test_another_users_tokens_are_neither_listed_nor_revoked(as_role, users):
    theirs, _secret = tokens.create_token(users['manager'], 'theirs', '*:read')
    client = as_role('sales')
    page = client.get('/admin/tokens/').get_data(as_text=True)
    assert theirs.code not in page
    client.post(f'/admin/tokens/revoke/{theirs.code}', data={'csrf_token': csrf_from(page)})
    assert ApiToken.get_by_id(theirs.id).revoked_at is None


def test_a_bad_scope_is_refused_with_the_reason(as_role):
    client = as_role('sales')
    page = client.get('/admin/tokens/').get_data(as_text=True)
    answer = client.post('/admin/tokens/', data={'name': 'x', 'scopes': 'leads:all', 'csrf_token': csrf_from(page)},
                         follow_redirects=True)
    assert 'leads:all' in answer.get_data(as_text=True) and ApiToken.select().count() == 0
