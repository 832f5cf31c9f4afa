"""Admin test helpers: users per role, a logged-in test client, CSRF tokens from pages."""
import re

import pytest

from ..factories import make_user

PASSWORD = 'correct-horse-battery'
TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                      r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(html):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, 'no CSRF token on the page'
    return match.group(1)


def login(client, username, password=PASSWORD):
    page = client.get('/login').get_data(as_text=True)
    return client.post('/login', data={'username': username, 'password': password,
                                       'csrf_token': csrf_from(page)})


@pytest.fixture
def users(db):
    """One active user per role, password PASSWORD."""
    from werkzeug.security import generate_password_hash
    hashed = generate_password_hash(PASSWORD)
    return {role: make_user(role, username=f'{role}1', display_name=f'{role} one',
                            password_hash=hashed)
            for role in ('admin', 'manager', 'sales', 'ops', 'finance')}


@pytest.fixture
def as_role(app, users):
    """Return a function giving a test client logged in as the user of ROLE."""
    def make(role, lang='en'):
        client = app.test_client()
        client.set_cookie('ltc_lang', lang)
        response = login(client, users[role].username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client
    return make


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (browser tests screenshot failures)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, 'rep_' + report.when, report)
