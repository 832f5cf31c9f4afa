"""Admin test helpers: users per role, a logged-in test client, CSRF tokens from pages, the browser."""
import re
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from ..factories import make_user

PASSWORD = 'correct-horse-battery'
CHROMIUM = '/usr/bin/chromium'
ARTIFACTS = Path(__file__).resolve().parent.parent / 'artifacts'
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


# -- browser tests (Debian's Chromium driven by Playwright; one browser for the session) --------------
@pytest.fixture(scope='session')
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            '--no-sandbox', '--disable-gpu', '--disable-background-networking'])
        yield chromium
        chromium.close()


@pytest.fixture
def server(app, db_url):
    if not db_url.startswith('sqlite'):
        pytest.skip('browser tests run on SQLite')
    srv = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{srv.server_port}'
    srv.shutdown()


def wait_until(page, expression, timeout=30.0):
    """Poll a JavaScript expression until it is truthy; return its value.

    Not page.wait_for_function: after its first try it evaluates the predicate with eval()
    inside the page, which the app's Content-Security-Policy (no 'unsafe-eval') refuses, so it
    fails whenever the condition is not already true at the first look. page.evaluate goes
    through the DevTools protocol, which the page's CSP does not govern.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'still false after {timeout:.0f} s: {expression}')
        page.wait_for_timeout(100)


@pytest.fixture
def page(browser, server, request):
    context = browser.new_context(locale='en-US')
    page = context.new_page()
    page.set_default_timeout(30000)   # generous: CI machines are shared and slow at times
    page.base = server
    yield page
    failed = getattr(request.node, 'rep_call', None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f'{request.node.name}.png'), full_page=True)
    context.close()
