"""Record pages in the browser: each page opened as a person would, a next-step button clicked, screenshots
for the docs (docs/screenshots/records-*.png, 1280 px wide), the pages at 390 px and in Chinese."""
from pathlib import Path

from .test_browser import log_in
from .test_browser import pytestmark   # noqa: F401  (skipped without Debian's Chromium)
from .test_records import deal   # noqa: F401  (fixture)

SHOTS = Path(__file__).resolve().parents[2] / 'docs' / 'screenshots'


def shoot(page, name):
    """Save the top of the page (what a person sees first) as docs/screenshots/records-NAME.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f'records-{name}.png'
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size < 250 * 1024, f'{path.name} is {path.stat().st_size} bytes'


def open_record(page, view, row, section):
    page.goto(f'{page.base}/admin/{view}/details/?id={row.id}')
    page.wait_for_selector(f'#{section}')


def test_record_pages_as_people_use_them(page, deal, users):
    page.set_viewport_size({'width': 1280, 'height': 900})
    opportunity, contract, plan = deal['opportunity'], deal['contract'], deal['plan']
    log_in(page, 'sales1')
    # from the list, click the code: the record page opens
    page.goto(page.base + '/admin/opportunity/')
    page.click(f'a:text-is("{opportunity.code}")')
    page.wait_for_selector('#record-chain')
    assert '李总' in page.inner_text('#record-chain') and deal['quote'].code in page.inner_text('#record-quotes')
    # log a follow-up from the page: the form, back to the page, the follow-up in its table and timeline
    page.click('[data-act=log_followup]')
    page.wait_for_selector('#act-form')
    page.select_option('#kind', 'visit')
    page.fill('#summary', '验收前沟通')
    page.click('#act-apply')
    page.wait_for_selector('.alert-success')
    assert '验收前沟通' in page.inner_text('#record-followups')
    assert '验收前沟通' in page.inner_text('#record-timeline')
    shoot(page, 'opportunity')
    open_record(page, 'lead', deal['lead'], 'record-followups')
    shoot(page, 'lead')
    open_record(page, 'quote', deal['quote'], 'record-lines')
    assert 'Yunfan MES' in page.inner_text('#record-lines')
    shoot(page, 'quote')
    # a code on a record page leads on: quote → contract
    page.click(f'#record-contracts a:text-is("{contract.code}")')
    page.wait_for_selector('#record-plans')

    log_in(page, 'finance1')
    open_record(page, 'contract', contract, 'record-plans')
    assert 'BANK-001' in page.inner_text('#record-payments')
    shoot(page, 'contract')
    page.click(f'#record-plans a:text-is("{plan.code}")')
    page.wait_for_selector('#record-payments')
    page.click('[data-act=record_payment]')
    page.wait_for_selector('#act-form')
    assert page.input_value('#amount') == '150000.00'
    page.fill('#amount', '100,000')
    page.fill('#reference', 'BANK-777')
    page.click('#act-apply')
    page.wait_for_selector('.alert-success')
    assert 'BANK-777' in page.inner_text('#record-payments')
    assert page.inner_text('[data-figure=outstanding]') == 'CNY 50,000.00'
    shoot(page, 'plan')


def test_record_pages_fit_a_phone_and_speak_chinese(page, deal):
    log_in(page, 'sales1')
    page.goto(page.base + '/lang/zh_Hans_CN')
    page.set_viewport_size({'width': 390, 'height': 844})
    for view, key, section in (('opportunity', 'opportunity', 'record-chain'), ('contract', 'contract', 'record-plans'),
                               ('quote', 'quote', 'record-lines'), ('lead', 'lead', 'record-followups')):
        open_record(page, view, deal[key], section)
        width = page.evaluate('document.documentElement.scrollWidth')
        assert width <= 390, f'{view} page is {width} px wide at 390'
    open_record(page, 'contract', deal['contract'], 'record-plans')
    assert '回款计划' in page.inner_text('#record-plans') and '待回款' in page.inner_text('#record-figures')


def test_inline_lines_edit_as_compact_rows(page, users, db):
    from decimal import Decimal
    from ..factories import make_contract, make_contract_line, make_payment_plan
    contract = make_contract(owner=users['ops'], amount=Decimal('1000'))
    for amount in ('600', '400'):
        make_contract_line(contract=contract, unit_price=Decimal(amount), amount=Decimal(amount))
        make_payment_plan(contract=contract, amount=Decimal(amount))
    page.set_viewport_size({'width': 1280, 'height': 900})
    log_in(page, 'ops1')
    page.goto(f'{page.base}/admin/contract/edit/?id={contract.id}')
    page.wait_for_selector('#lines-0')
    # each line is one row of fields (a stacked block per field was ~500 px per line)
    for entry in ('#lines-0', '#lines-1', '#payment_plans-0', '#payment_plans-1'):
        height = page.eval_on_selector(entry, 'e => e.getBoundingClientRect().height')
        assert height < 140, f'{entry} is {height} px tall'
    page.fill('#payment_plans-1-amount', '400.00')
    page.click('input[type=submit][value="Save"]')
    page.wait_for_selector('.alert-success')


def test_a_deal_runs_on_record_pages(page, deal, users):
    """New quote → its page → lines → accept → the contract's page → follow-up; finance: plan → payment → documents."""
    from decimal import Decimal
    from ltc.services import audit, opportunities
    from ..factories import make_opportunity
    with audit.acting_as(users['sales'], 'admin'):
        open_deal = opportunities.save_opportunity(make_opportunity(
            customer=deal['customer'], owner=users['sales'], name='三期扩产', amount=Decimal('100000')))
    page.set_viewport_size({'width': 1280, 'height': 900})
    log_in(page, 'sales1')
    open_record(page, 'opportunity', open_deal, 'record-quotes')
    page.click('[data-act=new_quote]')
    page.wait_for_selector('#act-form')
    page.fill('#title', '三期报价')
    page.click('#act-apply')
    # lands on the new quote's page, where its lines are added
    page.wait_for_selector('#record-lines')
    assert '/admin/quote/details/' in page.url and '三期报价' in page.inner_text('#record-title')
    assert not page.query_selector('[data-act=accept]')   # no lines yet: nothing to accept
    page.click('#edit-lines')
    page.wait_for_selector('[data-ltc-add-inline=lines]')
    page.wait_for_load_state('load')   # the "Add" button works once the form's scripts ran
    page.click('[data-ltc-add-inline=lines]')
    page.select_option('#lines-0-product', str(deal['product'].id))
    page.fill('#lines-0-quantity', '2')
    page.click('input[type=submit][value="Save"]')
    page.wait_for_selector('#record-lines')
    assert 'Yunfan MES' in page.inner_text('#record-lines')
    assert page.inner_text('[data-total]') == 'CNY 200,000.00'   # the product's list price
    page.click('[data-act=log_followup]')
    page.fill('#summary', '报价已发客户')
    page.click('#act-apply')
    page.wait_for_selector('.alert-success')
    assert '报价已发客户' in page.inner_text('#record-followups')
    page.click('[data-act=accept]')
    # accepting lands on the contract's page; a follow-up logged there names the contract
    page.wait_for_selector('#record-plans')
    assert '/admin/contract/details/' in page.url
    page.click('[data-act=log_followup]')
    page.fill('#summary', '合同寄出')
    page.click('#act-apply')
    page.wait_for_selector('.alert-success')
    assert '合同寄出' in page.inner_text('#record-followups') and '合同寄出' in page.inner_text('#record-timeline')

    log_in(page, 'finance1')
    open_record(page, 'contract', deal['contract'], 'record-plans')
    page.click(f'#record-plans a:text-is("{deal["plan"].code}")')
    page.wait_for_selector('#documents-panel')
    page.fill('#document-title', '催款函')
    page.set_input_files('#document-file', files=[{'name': 'letter.pdf', 'mimeType': 'application/pdf',
                                                   'buffer': b'%PDF-1.4\n%%EOF\n'}])
    page.click('#document-upload-button')
    page.wait_for_selector('#documents-table')
    with page.expect_download() as got:
        page.click('#documents-table a:text-is("letter.pdf")')
    assert got.value.suggested_filename == 'letter.pdf'
    page.click('[data-act=record_payment]')
    page.fill('#reference', 'BANK-888')
    page.click('#act-apply')
    page.wait_for_selector('.alert-success')
    page.click('#record-payments tr:has-text("BANK-888") a[data-code]')
    page.wait_for_selector('#record-plan')
    assert '/admin/payment/details/' in page.url and 'BANK-888' in page.inner_text('#record-title')
    assert deal['plan'].code in page.inner_text('#record-related')
    shoot(page, 'payment')
    page.set_viewport_size({'width': 390, 'height': 844})
    width = page.evaluate('document.documentElement.scrollWidth')
    assert width <= 390, f'payment page is {width} px wide at 390'
