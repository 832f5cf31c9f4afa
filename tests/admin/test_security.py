"""Bad input and attacks: anonymous access, CSRF, other owners' ids, script injection, open redirects."""
import re

from ltc.models import Lead

from ..factories import make_contract, make_customer, make_lead
from .conftest import PASSWORD, csrf_from, login


def test_anonymous_is_sent_to_login_for_every_admin_url(app, db):
    client = app.test_client()
    lead = make_lead()
    admin = app.extensions['ltc_admin']
    urls = ['/admin/']
    for view in admin._views:
        if hasattr(view, 'model'):
            urls += [view.url + '/', view.url + '/new/', f'{view.url}/details/?id={lead.id}',
                     f'{view.url}/edit/?id={lead.id}', view.url + '/export/csv/']
    urls.append(f'/admin/customer/360/?id=1')
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert '/login' in response.headers['Location'], url
    response = client.post('/admin/lead/delete/', data={'id': lead.id})
    assert response.status_code in (302, 400) and Lead.get_by_id(lead.id)


def test_post_without_csrf_is_refused_and_changes_nothing(app, as_role, db):
    lead = make_lead(company='Before')
    client = as_role('admin')
    edit = client.get(f'/admin/lead/edit/?id={lead.id}').get_data(as_text=True)
    assert 'csrf_token' in edit
    response = client.post(f'/admin/lead/edit/?id={lead.id}',
                           data={'company': 'After', 'source': 'website', 'version': 1})
    assert response.status_code == 302
    page = client.get(response.headers['Location']).get_data(as_text=True)
    assert 'Reload the page and try again' in page
    assert Lead.get_by_id(lead.id).company == 'Before'
    client.post('/admin/lead/delete/', data={'id': lead.id})
    client.post('/admin/lead/action/', data={'action': 'delete', 'rowid': [lead.id]})
    assert Lead.get_or_none(Lead.id == lead.id) is not None


def test_another_owners_record_is_404_on_every_path(app, as_role, users, db):
    other = make_lead(owner=users['manager'], company='Theirs')
    mine = make_lead(owner=users['sales'], company='Mine')
    client = as_role('sales')
    for url in (f'/admin/lead/details/?id={other.id}', f'/admin/lead/edit/?id={other.id}',
                f'/admin/lead/bulk/owner/?ids={other.id}'):
        assert client.get(url).status_code == 404, url
    token = csrf_from(client.get('/admin/lead/').get_data(as_text=True))
    # Sales may not delete at all (redirect); the selection action checks scope (404).
    assert client.post('/admin/lead/delete/', data={'id': other.id, 'csrf_token': token}).status_code in (302, 404)
    for action in ('export_selected', 'assign_owner'):
        response = client.post('/admin/lead/action/', data={'action': action, 'rowid': [other.id, mine.id],
                                                             'csrf_token': token})
        assert response.status_code in (302, 404), action
        if response.status_code == 302:
            assert client.get(response.headers['Location']).status_code == 404
    manager = as_role('manager')
    manager_token = csrf_from(manager.get('/admin/lead/').get_data(as_text=True))
    assert manager.post('/admin/lead/delete/', data={'id': mine.id, 'csrf_token': manager_token}).status_code == 404
    assert manager.post('/admin/lead/action/', data={'action': 'delete', 'rowid': [mine.id],
                                                      'csrf_token': manager_token}).status_code == 404
    assert Lead.get_or_none(Lead.id == other.id) and Lead.get_or_none(Lead.id == mine.id)
    edit = client.post(f'/admin/lead/edit/?id={other.id}',
                       data={'company': 'Hijacked', 'source': 'website', 'csrf_token': token})
    assert edit.status_code == 404 and Lead.get_by_id(other.id).company == 'Theirs'
    listing = client.get('/admin/lead/').get_data(as_text=True)
    assert 'Mine' in listing and 'Theirs' not in listing
    theirs_customer = make_customer(owner=users['manager'])
    assert client.get(f'/admin/customer/360/?id={theirs_customer.id}').status_code == 404
    looked_up = client.get('/admin/opportunity/ajax/lookup/?name=customer&query=').get_data(as_text=True)
    assert theirs_customer.code not in looked_up
    finance = as_role('finance')
    assert finance.get(f'/admin/lead/details/?id={mine.id}').status_code == 403


def test_script_in_text_fields_is_escaped(app, as_role, db):
    payload = '<script>alert(1)</script>'
    customer = make_customer(name=payload, address=payload)
    lead = make_lead(company=payload, contact_name=payload, converted_customer=customer)
    client = as_role('admin')
    for url in ('/admin/lead/', f'/admin/lead/details/?id={lead.id}', f'/admin/lead/edit/?id={lead.id}',
                '/admin/customer/', f'/admin/customer/360/?id={customer.id}'):
        html = client.get(url).get_data(as_text=True)
        assert payload not in html, url
        assert '&lt;script&gt;' in html, url
    response = client.get('/admin/')
    assert "script-src 'self' 'nonce-" in response.headers['Content-Security-Policy']


def test_login_ignores_foreign_next(app, users, db):
    client = app.test_client()
    for target in ('//evil.example', 'https://evil.example/x', '/\\evil.example', 'javascript:alert(1)'):
        page = client.get('/login?next=' + target).get_data(as_text=True)
        response = client.post('/login', data={'username': 'admin1', 'password': PASSWORD,
                                               'next': target, 'csrf_token': csrf_from(page)})
        assert response.status_code == 302
        assert response.headers['Location'] in ('/admin/', 'http://localhost/admin/'), target
        client.post('/logout', data={'csrf_token': csrf_from(client.get('/admin/').get_data(as_text=True))})
    page = client.get('/login').get_data(as_text=True)
    response = client.post('/login', data={'username': 'admin1', 'password': PASSWORD,
                                           'next': '/admin/lead/', 'csrf_token': csrf_from(page)})
    assert response.headers['Location'].endswith('/admin/lead/')


def test_wrong_password_and_logout(app, users, db):
    client = app.test_client()
    response = login(client, 'admin1', 'wrong-password!')
    assert response.status_code == 200 and 'Wrong username or password' in response.get_data(as_text=True)
    assert client.get('/admin/').status_code == 302
    login(client, 'admin1')
    dashboard = client.get('/admin/')
    assert dashboard.status_code == 200
    assert client.get('/logout').status_code == 405            # no log-out by a link from elsewhere
    client.post('/logout')                                      # no token: refused, still logged in
    assert client.get('/admin/').status_code == 200
    client.post('/logout', data={'csrf_token': csrf_from(dashboard.get_data(as_text=True))})
    assert client.get('/admin/').status_code == 302


def test_stale_edit_is_refused_with_both_values(app, as_role, db):
    lead = make_lead(company='Original')
    client = as_role('admin')
    page = client.get(f'/admin/lead/edit/?id={lead.id}').get_data(as_text=True)
    token = csrf_from(page)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)
    from ltc.services import audit
    lead.company = 'Changed by sync'
    audit.save(lead)
    response = client.post(f'/admin/lead/edit/?id={lead.id}', data={
        'company': 'Mine', 'source': 'website', 'budget': '0', 'currency': 'CNY', 'status': 'new',
        'grade': 'ungraded', 'version': version, 'csrf_token': token}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert 'changed since you opened it' in html
    assert 'Changed by sync' in html and 'Mine' in html
    assert Lead.get_by_id(lead.id).company == 'Changed by sync'


def test_invalid_date_or_amount_is_a_field_error(app, as_role, db):
    contract = make_contract(title='Keep')
    client = as_role('admin')
    page = client.get(f'/admin/contract/edit/?id={contract.id}').get_data(as_text=True)
    base = {'code': contract.code, 'title': 'Changed', 'customer': contract.customer_id,
            'status': 'draft', 'currency': 'CNY', 'version': '1', 'csrf_token': csrf_from(page)}
    for bad, error in (({'amount': 'abc', 'signed_on': '2026-01-05'}, 'Not a valid'),
                       ({'amount': '10', 'signed_on': '2026-13-45'}, 'is not a date')):
        response = client.post(f'/admin/contract/edit/?id={contract.id}', data={**base, **bad})
        assert response.status_code == 200
        assert error in response.get_data(as_text=True)
    assert Contract_title(contract) == 'Keep'


def Contract_title(contract):
    from ltc.models import Contract
    return Contract.get_by_id(contract.id).title


def test_expired_form_says_reload_and_try_again(app, as_role, db):
    import time
    lead = make_lead(company='Before')
    client = as_role('admin')
    app.config['WTF_CSRF_TIME_LIMIT'] = 1
    token = csrf_from(client.get(f'/admin/lead/edit/?id={lead.id}').get_data(as_text=True))
    time.sleep(2.1)   # token timestamps have whole-second resolution
    response = client.post(f'/admin/lead/edit/?id={lead.id}', follow_redirects=True,
                           headers={'Referer': f'http://localhost/admin/lead/edit/?id={lead.id}'},
                           data={**{'company': 'After', 'source': 'website'}, 'csrf_token': token})
    assert response.status_code == 200
    assert 'Reload the page and try again' in response.get_data(as_text=True)
    assert Lead.get_by_id(lead.id).company == 'Before'


def test_session_cookie_is_httponly_lax_and_expires(app, users, db):
    client = app.test_client()
    response = login(client, 'admin1')
    cookie = [h for h in response.headers.getlist('Set-Cookie') if h.startswith('session=')][-1]
    assert 'HttpOnly' in cookie and 'SameSite=Lax' in cookie and 'Expires=' in cookie
