"""Login safety: sessions end on logout, new password, role change and disable; failed logins are
throttled per username and per address; unknown users cost one hash check like known ones."""
import datetime

import pytest
from flask import request

from ltc.db import utcnow
from ltc.models import AuditLog, LoginThrottle, Role, User
from ltc.services import users as users_service

from .conftest import PASSWORD, csrf_from, login

LOCKED = 'Too many failed logins'


def _session_cookie(app, client):
    return client.get_cookie(app.config.get('SESSION_COOKIE_NAME', 'session')).value


def _with_cookie(app, value):
    """A fresh client (another browser) holding a copy of a session cookie."""
    other = app.test_client()
    other.set_cookie(app.config.get('SESSION_COOKIE_NAME', 'session'), value)
    return other


def _is_logged_out(client):
    response = client.get('/admin/lead/')
    return response.status_code == 302 and '/login' in response.headers['Location']


def _try(client, username, password, address='10.0.0.1'):
    """Post the login form from ADDRESS; return (logged in?, page text)."""
    page = client.get('/login').get_data(as_text=True)
    response = client.post('/login', data={'username': username, 'password': password,
                                           'csrf_token': csrf_from(page)},
                           environ_base={'REMOTE_ADDR': address}, follow_redirects=False)
    if response.status_code == 302:
        return True, ''
    return False, response.get_data(as_text=True)


@pytest.fixture
def strict(app):
    """Lock after 3 failures per username and 5 per address, 30 s doubling up to 120 s."""
    app.config.update(LOGIN_USER_LIMIT=3, LOGIN_ADDRESS_LIMIT=5, LOGIN_LOCK_SECONDS=30,
                      LOGIN_MAX_LOCK_SECONDS=120)
    return app


def _unlock_now(kind, key):
    """Let the lock of (KIND, KEY) run out, as if its time had passed."""
    LoginThrottle.update(locked_until=utcnow() - datetime.timedelta(seconds=1)).where(
        (LoginThrottle.kind == kind) & (LoginThrottle.key == key)).execute()


def test_logout_and_a_new_password_end_every_session(app, as_role, users, runner):
    client = as_role('sales')
    copied = _session_cookie(app, client)
    other_device = as_role('sales')   # a second session of the same user
    assert not _is_logged_out(_with_cookie(app, copied))
    token = csrf_from(client.get('/admin/lead/').get_data(as_text=True))
    assert client.post('/logout', data={'csrf_token': token}).status_code == 302
    assert _is_logged_out(_with_cookie(app, copied))
    assert _is_logged_out(other_device)   # logout ends every session of the user
    row = AuditLog.get((AuditLog.action == 'logout') & (AuditLog.entity_code == users['sales'].code))
    assert row.actor == users['sales'].username and row.source == 'admin'
    again = as_role('sales')
    result = runner.invoke(args=['ltc', 'user', 'passwd', users['sales'].username, '--password-stdin'],
                           input='violet-tundra-kettle\n')
    assert result.exit_code == 0, result.output
    assert _is_logged_out(again)
    assert login(app.test_client(), users['sales'].username, 'violet-tundra-kettle').status_code == 302


def test_disable_and_role_change_end_every_session(app, as_role, users):
    sales, ops = as_role('sales'), as_role('ops')
    record = User.get_by_id(users['sales'].id)
    record.active = False
    users_service.save_user(record)
    assert _is_logged_out(sales)
    record = User.get_by_id(users['ops'].id)
    record.role = Role.get(Role.name == 'finance')
    users_service.save_user(record)
    assert _is_logged_out(ops)
    untouched = as_role('manager')
    record = User.get_by_id(users['manager'].id)
    record.phone = '13800000000'   # other fields leave the sessions alone
    users_service.save_user(record)
    assert not _is_logged_out(untouched)


def test_role_change_and_new_password_in_the_user_screen(app, as_role, users):
    sales = as_role('sales')
    admin = as_role('admin')
    user = User.get_by_id(users['sales'].id)

    def edit(target, **changes):
        page = admin.get(f'/admin/user/edit/?id={target.id}').get_data(as_text=True)
        data = {'username': target.username, 'display_name': target.display_name, 'role': target.role_id,
                'active': 'y', 'language': target.language, 'version': str(target.version),
                'csrf_token': csrf_from(page), **changes}
        return admin.post(f'/admin/user/edit/?id={target.id}', data=data)

    response = edit(user, role=Role.get(Role.name == 'ops').id)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert _is_logged_out(sales)
    weak = edit(User.get_by_id(user.id), new_password='aaaaaaaaaa')
    assert 'too easy to guess' in weak.get_data(as_text=True)
    assert users_service.authenticate(user.username, PASSWORD) is not None
    # The admin's own new password ends the admin's other sessions but keeps this one.
    other_admin_session = as_role('admin')
    me = User.get_by_id(users['admin'].id)
    assert edit(me, new_password='quartz-meadow-lantern').status_code == 302
    assert _is_logged_out(other_admin_session) and not _is_logged_out(admin)
    # A time zone for the user's digest: picked from the IANA names, anything else refused.
    page = admin.get(f'/admin/user/edit/?id={user.id}').get_data(as_text=True)
    assert '<option value="America/Sao_Paulo">America/Sao_Paulo</option>' in page
    assert edit(User.get_by_id(user.id), timezone='America/Sao_Paulo').status_code == 302
    assert User.get_by_id(user.id).timezone == 'America/Sao_Paulo'
    assert edit(User.get_by_id(user.id), timezone='Mars/Olympus').status_code == 200
    assert edit(User.get_by_id(user.id), timezone='').status_code == 302
    assert User.get_by_id(user.id).timezone is None


def test_failed_logins_lock_the_username_with_a_growing_delay(strict, users):
    client = strict.test_client()
    name = users['sales'].username
    for _ in range(2):
        ok, page = _try(client, name, 'wrong-password-1')
        assert not ok and 'Wrong username or password' in page
    ok, page = _try(client, name, 'wrong-password-1')
    assert not ok and LOCKED in page and '30 seconds' in page
    ok, page = _try(client, name, PASSWORD)   # the right password is refused while locked
    assert not ok and LOCKED in page
    assert LoginThrottle.get(LoginThrottle.kind == 'user', LoginThrottle.key == name).failures == 3
    _unlock_now('user', name)
    ok, page = _try(client, name, 'wrong-password-1')   # one more failure: twice as long
    assert not ok and '60 seconds' in page
    _unlock_now('user', name)
    assert _try(client, name, PASSWORD)[0]
    assert not LoginThrottle.select().where(LoginThrottle.kind == 'user').exists()   # success clears it
    failed = AuditLog.select().where((AuditLog.action == 'login-failed') & (AuditLog.entity_code == name))
    locked = AuditLog.select().where((AuditLog.action == 'login-locked') & (AuditLog.entity_code == name))
    assert failed.count() == 4 and locked.count() == 2
    assert 'from address 10.0.0.1' in failed.first().note and failed.first().actor == 'anonymous'


def test_unknown_usernames_are_locked_the_same_way_in_chinese_too(strict, db):
    client = strict.test_client()
    client.set_cookie('ltc_lang', 'zh_Hans_CN')
    for _ in range(3):
        ok, page = _try(client, 'Nobody.Here', 'wrong-password-1')
    # A lock does not tell whether the username exists; the message is in the user's language.
    assert not ok and '登录失败次数过多' in page and '30 秒' in page
    assert LoginThrottle.get(LoginThrottle.kind == 'user').key == 'nobody.here'


def test_one_address_trying_many_usernames_is_locked(strict, users):
    strict.config['LOGIN_ADDRESS_LIMIT'] = 3
    client = strict.test_client()
    for n in range(2):
        assert 'Wrong username' in _try(client, f'guess{n}', 'wrong-password-1', address='10.9.9.9')[1]
    ok, page = _try(client, 'guess2', 'wrong-password-1', address='10.9.9.9')
    assert not ok and LOCKED in page
    ok, page = _try(client, users['sales'].username, PASSWORD, address='10.9.9.9')
    assert not ok and LOCKED in page   # the address is locked for every username
    assert _try(client, users['sales'].username, PASSWORD, address='10.1.1.1')[0]   # others are not
    assert AuditLog.get(AuditLog.action == 'login-locked').entity_code == '10.9.9.9'


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(tmp_path):
    from ltc import create_app
    settings = {'DATABASE_URL': f'sqlite:///{tmp_path}/p.db', 'INSTANCE_PATH': str(tmp_path / 'p'),
                'LTC_ENV': 'testing', 'SECRET_KEY': 'x' * 40}
    seen = {}
    for hops in (0, 1):
        app = create_app({**settings, 'PROXY_HOPS': hops})
        app.add_url_rule('/address', 'address', lambda: request.remote_addr)
        seen[hops] = app.test_client().get('/address', headers={'X-Forwarded-For': '203.0.113.7'},
                                           environ_base={'REMOTE_ADDR': '127.0.0.1'}).get_data(as_text=True)
    assert seen == {0: '127.0.0.1', 1: '203.0.113.7'}   # what login throttling counts per address


def test_unknown_disabled_and_known_users_cost_one_hash_check(users, monkeypatch):
    checked = []
    monkeypatch.setattr(users_service, 'check_password_hash',
                        lambda stored, password: checked.append(stored) or password == PASSWORD)
    disabled = User.get_by_id(users['ops'].id)
    disabled.active = False
    users_service.save_user(disabled)
    assert users_service.authenticate('no-such-user', 'wrong-password-1') is None
    assert users_service.authenticate(users['sales'].username, 'wrong-password-1') is None
    assert users_service.authenticate(disabled.username, PASSWORD) is None
    assert users_service.authenticate('no-such-user', PASSWORD) is None
    assert users_service.authenticate(users['sales'].username, PASSWORD).id == users['sales'].id
    assert len(checked) == 5
    # The unknown user's check runs on a real hash of the same kind, so it costs the same time.
    assert checked[0].split('$')[0] == checked[1].split('$')[0]


def test_a_request_that_leaves_the_session_alone_sets_no_cookie(app, users):
    """A page's late requests never put back an older cookie over the one a form post just set, so
    the message the post left for the next page (its flash) is not lost."""
    client = app.test_client()
    login(client, users['sales'].username)
    client.get('/admin/')   # the first page after the login keeps the form token it makes in the session
    name = app.config.get('SESSION_COOKIE_NAME', 'session')
    for url in ('/ltc-static/ltc_admin.css', '/admin/lead/', '/favicon.ico'):
        response = client.get(url)
        assert not [h for h in response.headers.getlist('Set-Cookie') if h.startswith(name + '=')], url
    response = client.get('/lang/zh_Hans_CN')   # a change is still written
    assert [h for h in response.headers.getlist('Set-Cookie') if h.startswith(name + '=')]
