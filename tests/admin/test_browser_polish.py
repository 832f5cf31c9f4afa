"""Browser tests of the daily-work polish: the navbar on one row at 1280 px in both languages,
lists as cards at 390 px (no sideways scroll), and the dashboard per role (screenshots for the docs)."""
import datetime
from pathlib import Path

import pytest

from ltc.demo import build_demo

from .conftest import CHROMIUM, PASSWORD, wait_until

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / 'docs' / 'screenshots'
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason='Debian chromium is not installed')


def log_in(page, username, password=PASSWORD, lang='en'):
    page.goto('about:blank')
    page.context.clear_cookies()
    page.goto(page.base + '/login')
    page.fill('#username', username)
    page.fill('#password', password)
    page.click('#login-submit')
    page.wait_for_selector('#dashboard-title')
    page.goto(page.base + ('/lang/en' if lang == 'en' else '/lang/zh_Hans_CN'))
    page.goto(page.base + '/admin/')


def _menu_rows(page):
    """Return the distinct top positions of the navbar's entries (one row: one position)."""
    return page.evaluate("""() => [...new Set([...document.querySelectorAll(
        'nav .navbar-brand, nav .navbar-nav > li > a.nav-link, nav #reminder-badge, nav #ltc-user')]
        .map(e => Math.round(e.getBoundingClientRect().top / 20)))]""")


def test_the_navbar_fits_on_one_row_at_1280_in_both_languages(page, users, db):
    page.set_viewport_size({'width': 1280, 'height': 800})
    for lang in ('en', 'zh'):
        log_in(page, 'admin1', lang=lang)    # the admin has the most menus
        assert len(_menu_rows(page)) == 1, (lang, _menu_rows(page))
        assert page.evaluate('document.querySelector("nav.navbar").offsetHeight') < 70, lang
    # the other language is one click away (the page comes back in English)
    page.click('#ltc-language a')
    page.wait_for_selector('#ltc-language a:has-text("中文")')


def test_lists_at_390_px_are_cards_without_sideways_scroll(page, users, db):
    from ..factories import make_lead
    for i in range(3):
        make_lead(company=f'杭州新测智能装备有限公司 {i}', contact_name='王小明', phone='13805712233',
                  owner=users['sales'], email=f'someone{i}@example.com')
    page.set_viewport_size({'width': 390, 'height': 844})
    log_in(page, 'sales1')
    for url in ('/admin/lead/', '/admin/customer/', '/admin/opportunity/'):
        page.goto(page.base + url)
        widths = page.evaluate("""() => { const t = document.querySelector('.table-responsive');
            return [document.documentElement.scrollWidth, t ? t.scrollWidth - t.clientWidth : 0]; }""")
        assert widths == [390, 0], (url, widths)
    page.goto(page.base + '/admin/lead/')
    cell = page.locator('td[data-label="Company"]').first
    assert '杭州新测' in cell.inner_text()
    assert page.locator('table.model-list thead').is_hidden()


def test_a_dashboard_per_role_with_screenshots(page, users, db):
    from ltc.models import Opportunity, User
    summary = build_demo(seed=42, customers=60, today=datetime.date.today())

    def busiest(role):   # the screenshot shows someone with a pipeline
        return max(summary.usernames[role], key=lambda name: Opportunity.select().join(
            User, on=(Opportunity.owner == User.id)).where(User.username == name).count())
    page.set_viewport_size({'width': 1280, 'height': 900})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    logins = {'admin': ('admin1', PASSWORD), 'manager': (summary.usernames['manager'][0], summary.password),
              'sales': (busiest('sales'), summary.password),
              'ops': (summary.usernames['ops'][0], summary.password),
              'finance': (summary.usernames['finance'][0], summary.password)}
    for role, (username, password) in logins.items():
        log_in(page, username, password)
        wait_until(page, "() => !document.querySelector('canvas[data-chart]') || "
                         "[...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c))")
        cards = page.eval_on_selector_all('[data-chart-card]', 'els => els.map(e => e.dataset.chartCard)')
        if role == 'finance':
            assert cards[:2] == ['receivables', 'aging'] and 'funnel' not in cards and 'forecast' not in cards
        else:
            assert cards, role
        path = SCREENSHOTS / f'dashboard-{role}.png'
        page.screenshot(path=str(path), type='png', clip={'x': 0, 'y': 0, 'width': 1280, 'height': 1400})
        assert path.stat().st_size < 250_000, (role, path.stat().st_size)


def test_an_empty_chart_says_no_data_yet(page, users, db):
    log_in(page, 'sales1')
    funnel = page.locator('[data-chart-card=funnel]')
    assert 'No data yet' in funnel.inner_text() and funnel.locator('canvas').count() == 0
