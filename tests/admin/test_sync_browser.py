"""Browser test of the import screen: the whole path in Chromium, under the CSP, progress bar included."""
import threading

from ltc.models import Lead

from .test_browser import browser, log_in, page, server  # noqa: F401 - fixtures
from .test_browser import pytestmark  # noqa: F401 - skipped without chromium


def test_import_in_the_browser(page, users, db, tmp_path, monkeypatch):
    from ltc.admin import sync_import
    from ltc.sync.importer import apply_import
    release = threading.Event()

    def held_apply(plan, progress=None):   # the progress page must show before the apply ends
        progress(3, 4)
        release.wait(10)
        return apply_import(plan, progress=progress)
    monkeypatch.setattr(sync_import, 'apply_import', held_apply)
    path = tmp_path / 'leads.csv'
    path.write_text('Company,Contact,Source\nBrowser Co,Li,Website\nBad Co,Wu,火星\n', encoding='utf-8')
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    log_in(page, 'admin1')
    page.goto(page.base + '/admin/import/')
    page.select_option('#entity', 'leads')
    page.set_input_files('#file', str(path))
    page.click('#import-next')
    page.wait_for_selector('#mapping-table')
    assert page.locator('select[data-header="Company"]').input_value() == 'company'
    page.click('#mapping-next')
    page.wait_for_selector('#preview-rows')
    assert page.locator('tr[data-outcome="created"]').count() == 1
    assert '火星' in page.locator('tr[data-outcome="error"]').inner_text()
    assert not Lead.select().where(Lead.company == 'Browser Co').exists()
    page.click('#confirm-import')
    page.wait_for_selector('#import-progress')
    page.wait_for_function("document.querySelector('[data-ltc-progress-text]').textContent === '75%'")
    release.set()
    page.wait_for_selector('#result-totals')   # the progress page polled the status and moved on
    assert Lead.select().where(Lead.company == 'Browser Co').exists()
    assert page.locator('#result-run').is_visible()
    assert not [e for e in errors if 'Content Security Policy' in e], errors
