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
