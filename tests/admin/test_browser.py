"""Browser tests: Debian's Chromium driven by Playwright against the app on a free port (SQLite only)."""
import os
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from ..factories import make_contract, make_customer, make_lead, make_payment_plan
from .conftest import ARTIFACTS, CHROMIUM, PASSWORD, wait_until

# The browser, server and page fixtures live in conftest.py: one Chromium for every browser test module.
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason='Debian chromium is not installed')


def log_in(page, username):
    # Leave the previous page first: a request it still had in flight (dashboard data, the
    # reminders badge) could answer after the cookies are cleared and put the old session
    # back, whose CSRF token then does not match the new login form.
    page.goto('about:blank')
    page.context.clear_cookies()
    page.goto(page.base + '/login')
    page.fill('#username', username)
    page.fill('#password', PASSWORD)
    page.click('#login-submit')
    page.wait_for_selector('#dashboard-title')


def test_roles_log_in_and_sales_cannot_open_others(page, users, db):
    theirs = make_lead(owner=users['manager'], company='Not yours')
    for role in ('admin', 'manager', 'sales', 'ops', 'finance'):
        log_in(page, f'{role}1')
        page.wait_for_selector('#dashboard-counts', state='visible')
    response = page.goto(f'{page.base}/admin/lead/details/?id={theirs.id}')
    assert response.status == 403  # finance has no lead screens
    log_in(page, 'sales1')
    response = page.goto(f'{page.base}/admin/lead/details/?id={theirs.id}')
    assert response.status == 404 and 'Not yours' not in page.content()


def test_lead_form_list_search_and_filter(page, users, db):
    make_lead(company='Existing Energy', industry='energy', owner=users['sales'])
    log_in(page, 'sales1')
    page.goto(page.base + '/admin/lead/new/')
    page.fill('#company', 'Browser Lead Co')
    page.fill('#phone', '13912345678')
    page.click('input[type=submit][value="Save"]')
    page.wait_for_selector('.alert-success')
    assert 'Browser Lead Co' in page.content()
    page.goto(page.base + '/admin/lead/?search=1391234')
    assert 'Browser Lead Co' in page.content() and 'Existing Energy' not in page.content()
    page.goto(page.base + '/admin/lead/?flt0_0=energy')
    assert 'Existing Energy' in page.content() and 'Browser Lead Co' not in page.content()
    page.check('input.action-checkbox')
    page.click('text=With selected')
    page.click('[data-ltc-action=assign_owner]')
    page.wait_for_selector('#bulk-apply')
    page.click('#bulk-apply')
    page.wait_for_selector('.alert-success')


def test_customer_360_contract_plans_and_chinese(page, users, db):
    customer = make_customer(name='Acme 360', owner=users['ops'], yearly_category_spend=Decimal('100000'))
    contract = make_contract(customer=customer, title='Acme deal', amount=Decimal('1000'), status='effective')
    make_payment_plan(contract=contract, amount=Decimal('1000'))
    log_in(page, 'ops1')
    page.goto(f'{page.base}/admin/customer/details/?id={customer.id}')
    page.click('#open-360')
    page.wait_for_selector('#c360-totals')
    assert 'Acme deal' in page.inner_text('#c360-contracts')
    page.goto(f'{page.base}/admin/contract/edit/?id={contract.id}')
    page.fill('#payment_plans-0-amount', '700')
    page.click('#payment_plans-button')          # bound by ltc_admin.js, not an inline handler
    page.fill('#payment_plans-1-amount', '300')
    page.fill('#payment_plans-1-due_on', '2026-09-01')
    page.click('input[type=submit][value="Save"]')
    page.wait_for_selector('.alert-success')
    from ltc.models import PaymentPlan
    amounts = sorted(p.amount for p in PaymentPlan.select().where(PaymentPlan.contract == contract.id))
    assert amounts == [Decimal('300'), Decimal('700')]
    page.goto(page.base + '/admin/lead/')
    page.click('#ltc-language a:has-text("中文")')         # one link to the other language
    page.wait_for_selector('th:has-text("公司名称")')       # back on the lead list, now in Chinese
    assert '线索' in page.content()
    page.goto(page.base + '/admin/lead/')                  # remembered on the next page
    assert '公司名称' in page.content()


def test_chain_actions_and_dashboard_charts(page, users, db):
    from ltc.models import Lead, Opportunity, Stage
    lead = make_lead(company='Browser Chain Co', owner=users['sales'], status='assigned', budget=Decimal('80000'))
    errors = []
    page.on('console', lambda msg: errors.append(msg.text) if msg.type == 'error' else None)
    log_in(page, 'sales1')
    # the lead is the only data: its conversion chart is drawn, the empty funnel says "No data yet"
    wait_until(page, "() => !!(window.Chart && Chart.getChart(document.getElementById('chart-conversion_source')))")
    page.goto(f'{page.base}/admin/lead/details/?id={lead.id}')
    page.click('[data-act=convert]')
    page.wait_for_selector('.alert-success')
    opportunity = Opportunity.get(Opportunity.lead == lead.id)
    assert Lead.get_by_id(lead.id).status == 'converted'
    page.click(f'a[href="/admin/opportunity/details/?id={opportunity.id}"]')
    page.wait_for_selector('text=No decision maker identified')
    page.click('[data-act=move_stage]')
    page.select_option('#choice', str(Stage.get(Stage.code == 'ST-PROPOSE').id))
    page.click('#act-apply')
    page.wait_for_selector('.alert-success')
    assert Opportunity.get_by_id(opportunity.id).stage.code == 'ST-PROPOSE'
    assert not [e for e in errors if 'Content Security Policy' in e], errors


# The import screen end to end, under the CSP; the apply is held so that the progress bar
# must be moved by ltc_admin.js polling the status endpoint.
def test_import_in_the_browser(page, users, db, tmp_path, monkeypatch):
    from ltc.admin import sync_import
    from ltc.models import Lead
    from ltc.sync.writes.importer import apply_import
    release = threading.Event()

    def held_apply(plan, progress=None):   # the progress page must show before the apply ends
        progress(3, 4)
        release.wait(10)
        return apply_import(plan, progress=progress)
    monkeypatch.setattr(sync_import, 'apply_import', held_apply)
    path = tmp_path / 'leads.csv'
    # An unknown source only warns (the row is kept); a row without its company is an error.
    path.write_text('Company,Contact,Source\nBrowser Co,Li,Website\n,Wu,火星\n', encoding='utf-8')
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
    assert page.locator('tr[data-outcome="error"]').count() == 1
    assert not Lead.select().where(Lead.company == 'Browser Co').exists()
    page.click('#confirm-import')
    page.wait_for_selector('#import-progress')
    wait_until(page, "document.querySelector('[data-ltc-progress-text]').textContent === '75%'")
    release.set()
    page.wait_for_selector('#result-totals')   # the progress page polled the status and moved on
    assert Lead.select().where(Lead.company == 'Browser Co').exists()
    assert page.locator('#result-run').is_visible()
    assert not [e for e in errors if 'Content Security Policy' in e], errors


def test_renew_a_contract_in_the_browser(page, users, db):
    import datetime
    from ltc.models import AuditLog, Contract
    from ..factories import make_contract_line
    contract = make_contract(owner=users['sales'], title='Annual support', amount=Decimal('1000'),
                             status='executing', start_on=datetime.date(2026, 1, 1),
                             end_on=datetime.date(2026, 12, 31))
    make_contract_line(contract=contract)
    log_in(page, 'sales1')
    page.goto(f'{page.base}/admin/contract/details/?id={contract.id}')
    page.click('[data-act=renew]')
    page.wait_for_selector('#end_on[data-ltc-calendar]')   # the page's script has run
    page.fill('#start_on', '2027-03-01')
    page.fill('#end_on', '2027-02-01')
    page.click('#act-apply')
    page.wait_for_selector('.alert-danger, .alert-error')
    assert 'before it starts' in page.content() and not Contract.get_or_none(Contract.renewal_of == contract.id)
    page.fill('#start_on', '')
    page.fill('#end_on', '2027-12-31')
    page.click('#act-apply')
    page.wait_for_selector('.alert-success')
    renewal = Contract.get(Contract.renewal_of == contract.id)
    assert renewal.start_on == datetime.date(2027, 1, 1) and renewal.status == 'draft'
    assert page.inner_text('[data-panel="1"]').startswith('Renewal')
    page.click('a.renewal-link')
    page.wait_for_selector('[data-act=submit]')
    assert f'Renews {contract.code}' in page.inner_text('[data-panel="1"]')
    assert AuditLog.get(AuditLog.entity_code == renewal.code, AuditLog.action == 'renew').actor == 'sales1'


def test_typing_in_the_list_search_box_finds_a_name_by_its_middle(page, users, db):
    make_lead(company='杭州新测智能装备有限公司', owner=users['sales'])
    make_lead(company='宁波港口物流有限公司', owner=users['sales'])
    log_in(page, 'sales1')
    page.goto(page.base + '/admin/lead/')
    box = page.locator('input[name=search]')
    assert 'pinyin (contains)' in box.get_attribute('placeholder')
    box.fill('智能装备')
    box.press('Enter')
    page.wait_for_url('**search=*')
    listed = page.inner_text('table.model-list')
    assert '杭州新测智能装备有限公司' in listed and '宁波港口物流' not in listed


def test_documents_and_pipeline_board_in_the_browser(page, users, db, tmp_path):
    from ltc.models import Document, Opportunity, Stage
    from ltc.services import opportunities
    from ..factories import make_opportunity
    contract = make_contract(owner=users['sales'], title='Scanned deal', amount=Decimal('1000'))
    scan = tmp_path / '签约合同.pdf'
    scan.write_bytes(b'%PDF-1.4\nsigned\n%%EOF\n')
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    log_in(page, 'sales1')
    page.goto(f'{page.base}/admin/contract/details/?id={contract.id}')
    page.fill('#document-title', 'Signed contract')
    page.set_input_files('#document-file', str(scan))
    page.click('#document-upload-button')
    page.wait_for_selector('.alert-success')
    document = Document.get(Document.entity_id == contract.id)
    assert page.locator('#documents-table tr[data-document]').count() == 1
    with page.expect_download() as info:
        page.click(f'[data-download="{document.id}"]')
    download = info.value
    assert download.suggested_filename == '签约合同.pdf'
    assert Path(download.path()).read_bytes() == scan.read_bytes()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / 'contract_with_documents.png'), full_page=True)

    allowed = opportunities.save_opportunity(make_opportunity(owner=users['sales'], name='Drag me'))
    refused = opportunities.save_opportunity(make_opportunity(owner=users['sales'], name='Not won yet'))
    propose, won = (Stage.get(Stage.code == c) for c in ('ST-PROPOSE', 'ST-WON'))
    page.goto(page.base + '/admin/pipeline/')
    page.wait_for_selector('#pipeline-board')
    page.drag_and_drop(f'.board-card[data-id="{allowed.id}"]', f'.board-cards[data-stage="{propose.id}"]')
    page.wait_for_selector('#board-message[data-outcome="moved"]')
    assert Opportunity.get_by_id(allowed.id).stage_id == propose.id
    assert page.locator(f'.board-cards[data-stage="{propose.id}"] .board-card[data-id="{allowed.id}"]').count() == 1
    assert page.inner_text(f'[data-stage-column="{propose.id}"] .board-count') == '1'
    page.drag_and_drop(f'.board-card[data-id="{refused.id}"]', f'.board-cards[data-stage="{won.id}"]')
    page.wait_for_selector('#board-message[data-outcome="refused"]')
    assert 'to Won needs a contract or a sent' in page.inner_text('#board-message')
    validate = Stage.get(Stage.code == 'ST-VALIDATE')   # snapped back to its column
    assert page.locator(f'.board-cards[data-stage="{validate.id}"] .board-card[data-id="{refused.id}"].refused').count() == 1
    assert page.locator(f'.board-cards[data-stage="{won.id}"] .board-card').count() == 0
    assert Opportunity.get_by_id(refused.id).stage_id == validate.id
    shots = Path(__file__).resolve().parents[2] / 'docs' / 'screenshots'   # the board in the docs
    page.set_viewport_size({'width': 1280, 'height': 800})
    page.screenshot(path=str(shots / 'board.png'), full_page=False)
    assert (shots / 'board.png').stat().st_size < 250 * 1024
    lost = Stage.get(Stage.code == 'ST-LOST')    # Lost asks for the reason first
    page.once('dialog', lambda dialog: dialog.accept('Budget cut'))
    page.drag_and_drop(f'.board-card[data-id="{allowed.id}"]', f'.board-cards[data-stage="{lost.id}"]')
    page.wait_for_selector(f'.board-cards[data-stage="{lost.id}"] .board-card[data-id="{allowed.id}"]:not(.moving)')
    page.wait_for_selector('#board-message[data-outcome="moved"]')
    assert Opportunity.get_by_id(allowed.id).lost_reason == 'Budget cut'
    page.goto(page.base + '/lang/zh_Hans_CN')
    page.goto(page.base + '/admin/pipeline/')
    assert '商机看板' in page.content()
    page.screenshot(path=str(ARTIFACTS / 'pipeline_board_zh.png'), full_page=True)
    assert not [e for e in errors if 'Content Security Policy' in e], errors


def _type_or_paste(page, selector, value, how):
    """Clear SELECTOR, then type VALUE key by key or paste it from the clipboard; leave the box."""
    box = page.locator(selector)
    box.fill('')
    if how == 'type':
        box.press_sequentially(value)
    else:
        page.evaluate('text => navigator.clipboard.writeText(text)', value)
        box.focus()
        page.keyboard.press('Control+V')
    page.keyboard.press('Tab')                # blur: nothing may rewrite the box
    assert box.input_value() == value


# Typing and pasting dates in both languages: the boxes keep what was typed (no picker rewrites
# it key by key or on blur), and the server reads every written form. One session, all cases.
def test_typing_and_pasting_dates_in_both_languages(page, users, db):
    import datetime
    from ltc.models import Contract, FollowUp
    page.context.grant_permissions(['clipboard-read', 'clipboard-write'])
    customer = make_customer(name='Typing Co', owner=users['sales'])
    contract = make_contract(customer=customer, owner=users['sales'], title='Typed dates',
                             amount=Decimal('1000'), start_on=datetime.date(2026, 1, 1))
    log_in(page, 'sales1')
    # (language, how the date is entered, date, how the datetime is entered, datetime)
    cases = [('en', 'type', '2027-01-31', 'paste', '2026/11/6 9:31'),
             ('zh', 'paste', '2027/1/30', 'type', '2026-11-05 09:30')]
    for lang, how, day, how_moment, moment in cases:
        page.context.add_cookies([{'name': 'ltc_lang', 'value': 'zh_Hans_CN' if lang == 'zh' else 'en',
                                   'url': page.base}])
        page.goto(f'{page.base}/admin/contract/edit/?id={contract.id}')
        assert page.locator('#end_on + .input-group-append .ltc-calendar').count() == 1
        _type_or_paste(page, '#end_on', day, how)
        page.click('input[type=submit]:not([name])')
        page.wait_for_selector('.alert-success')
        expected = datetime.date(*(int(p) for p in day.replace('/', '-').split('-')))
        assert Contract.get_by_id(contract.id).end_on == expected, (lang, how, day)

        page.goto(f'{page.base}/admin/followup/new/')
        opened = page.locator('#happened_at').input_value()
        assert opened[:10] == datetime.datetime.utcnow().strftime('%Y-%m-%d')   # defaults to now
        page.evaluate('id => { document.getElementById("customer").value = id; }', str(customer.id))
        page.fill('#summary', f'{lang} {how_moment}')
        _type_or_paste(page, '#happened_at', moment, how_moment)
        page.click('input[type=submit]:not([name])')
        page.wait_for_selector('.alert-success')
        saved = FollowUp.get(FollowUp.summary == f'{lang} {how_moment}').happened_at
        assert saved.strftime('%Y-%m-%d %H:%M') == datetime.datetime.strptime(
            moment.replace('/', '-'), '%Y-%m-%d %H:%M').strftime('%Y-%m-%d %H:%M'), (lang, how_moment, moment)
    page.goto(f'{page.base}/admin/contract/edit/?id={contract.id}')
    _type_or_paste(page, '#end_on', '2027-13-45', 'type')
    page.click('input[type=submit]:not([name])')
    page.wait_for_selector('.invalid-feedback:has-text("不是日期")', state='visible')   # shown, in Chinese
    assert page.locator('#end_on').input_value() == '2027-13-45'
