"""Admin → opportunity, quote, contract, payment, reminder and dashboard services."""
import datetime
import json
import re
from decimal import Decimal

from ltc.models import (AuditLog, Contract, ContractLine, DeliveryMilestone, Opportunity, Payment,
                        PaymentPlan, Quote, Reminder, Stage, StageHistory)
from ltc.services import audit, contracts, opportunities

from ..factories import (make_contract, make_contract_line, make_customer, make_opportunity,
                         make_payment_plan, make_product)
from .conftest import csrf_from
from .wiring import act, audit_count, bulk, form_page, version_of

TODAY = datetime.date.today()


def test_move_stage_records_history_and_lost_needs_reason(as_role, users, db):
    opp = opportunities.save_opportunity(make_opportunity(owner=users['sales']))
    client = as_role('sales')
    url = f'/admin/opportunity/act/move_stage/?id={opp.id}'
    propose = Stage.get(Stage.code == 'ST-PROPOSE')
    form_page(client, url, {'choice': propose.id})
    opp = Opportunity.get_by_id(opp.id)
    assert opp.stage_id == propose.id and opp.weighted_amount == opp.amount * propose.probability / 100
    move = StageHistory.get(StageHistory.opportunity == opp.id, StageHistory.to_stage == propose.id)
    assert move.changed_by_id == users['sales'].id
    lost = Stage.get(Stage.code == 'ST-LOST')
    before = audit_count()
    page = form_page(client, url, {'choice': lost.id, 'reason': ''}).get_data(as_text=True)
    assert 'moving opportunity' in page and 'to Lost needs a lost reason' in page
    assert Opportunity.get_by_id(opp.id).stage_id == propose.id and audit_count() == before
    form_page(client, url, {'choice': lost.id, 'reason': 'price too high'})
    opp = Opportunity.get_by_id(opp.id)
    assert opp.stage_id == lost.id and opp.lost_reason == 'price too high' and opp.health_score == 0
    theirs = make_opportunity(owner=users['manager'])
    token = csrf_from(client.get('/admin/opportunity/').get_data(as_text=True))
    assert client.post(f'/admin/opportunity/act/move_stage/?id={theirs.id}',
                       data={'csrf_token': token, 'choice': propose.id}).status_code == 404


def test_opportunity_edit_keeps_weighted_amount_and_shows_diagnosis(as_role, users, db):
    opp = opportunities.save_opportunity(make_opportunity(owner=users['sales']))
    client = as_role('sales')
    html = client.get(f'/admin/opportunity/edit/?id={opp.id}').get_data(as_text=True)
    assert 'name="stage"' not in html   # the stage moves only through "Move stage"
    response = client.post(f'/admin/opportunity/edit/?id={opp.id}', data={
        'name': opp.name, 'customer': opp.customer_id, 'amount': '200000', 'currency': 'CNY',
        'priority': 'medium', 'version': version_of(html), 'csrf_token': csrf_from(html)})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    opp = Opportunity.get_by_id(opp.id)
    assert opp.amount == 200000 and opp.weighted_amount == Decimal('200000') * opp.stage.probability / 100
    assert opp.health_score is not None and 'decision' in opp.health_reasons.lower()
    page = client.get(f'/admin/opportunity/details/?id={opp.id}').get_data(as_text=True)
    assert f'Health score {opp.health_score} / 100' in page and 'No decision maker identified' in page
    listing = client.get('/admin/opportunity/?sort=9').get_data(as_text=True)   # health_score column
    assert opp.code in listing


def test_quote_totals_are_computed_and_accept_creates_the_contract(as_role, users, db):
    customer = make_customer(owner=users['sales'])
    product = make_product()
    client = as_role('sales')
    page = form_page(client, '/admin/quote/new/', {
        'title': 'MES', 'customer': customer.id, 'quoted_on': TODAY.isoformat(), 'currency': 'CNY',
        'lines-0-product': product.id, 'lines-0-quantity': '2', 'lines-0-unit_price': '500',
        'lines-0-discount_pct': '10', 'total': '1'})
    quote = Quote.get(Quote.title == 'MES')
    assert quote.subtotal == 1000 and quote.discount_amount == 100 and quote.total == 900, page.status_code
    act(client, 'quote', 'accept', quote.id)
    contract = Contract.get(Contract.quote == quote.id)
    assert contract.amount == 900 and contract.status == 'draft'
    assert ContractLine.get(ContractLine.contract == contract.id).amount == 900
    assert Quote.get_by_id(quote.id).status == 'accepted'
    before = audit_count()
    page = act(client, 'quote', 'accept', quote.id).get_data(as_text=True)
    assert 'Rule status-flow' in page and audit_count() == before


def test_contract_flow_actions_and_roles(as_role, users, db):
    contract = make_contract(owner=users['sales'], amount=Decimal('1000'))
    make_contract_line(contract=contract)
    sales, boss = as_role('sales'), as_role('admin')
    html = sales.get(f'/admin/contract/details/?id={contract.id}').get_data(as_text=True)
    assert 'data-act="submit"' in html and 'data-act="approve"' not in html
    act(sales, 'contract', 'submit', contract.id)
    assert Contract.get_by_id(contract.id).status == 'pending_approval'
    token = csrf_from(html)
    assert sales.post(f'/admin/contract/act/approve/?id={contract.id}',
                      data={'csrf_token': token}).status_code == 403
    boss_page = f'/admin/contract/act/approve/?id={contract.id}'
    form_page(boss, boss_page, {'reason': 'ok'})
    contract = Contract.get_by_id(contract.id)
    assert contract.status == 'effective' and contract.approved_by_id == users['admin'].id
    act(sales, 'contract', 'activate', contract.id)
    milestone = contracts.add_milestone(Contract.get_by_id(contract.id), 'Final acceptance')
    page = act(sales, 'contract', 'complete', contract.id).get_data(as_text=True)
    assert 'Rule contract-delivery' in page and Contract.get_by_id(contract.id).status == 'executing'
    form_page(as_role('finance'), f'/admin/deliverymilestone/act/accept_milestone/?id={milestone.id}',
              {'on': TODAY.isoformat()})
    assert DeliveryMilestone.get_by_id(milestone.id).status == 'accepted'
    act(sales, 'contract', 'complete', contract.id)
    assert Contract.get_by_id(contract.id).status == 'completed'


def test_terminate_asks_a_reason(as_role, users, db):
    contract = make_contract(owner=users['sales'])
    client = as_role('sales')
    url = f'/admin/contract/act/terminate/?id={contract.id}'
    before = audit_count()
    page = form_page(client, url, {'reason': ''}).get_data(as_text=True)
    assert 'needs a reason' in page and Contract.get_by_id(contract.id).status == 'draft'
    assert audit_count() == before
    form_page(client, url, {'reason': 'customer cancelled'})
    assert Contract.get_by_id(contract.id).status == 'terminated'
    assert AuditLog.get(AuditLog.entity_code == contract.code, AuditLog.action == 'terminate').note


def test_inline_payment_plans_must_sum_to_the_amount(as_role, users, db):
    contract = make_contract(owner=users['sales'], amount=Decimal('1000'))
    plan = make_payment_plan(contract=contract, amount=Decimal('1000'))
    client = as_role('finance')
    html = client.get(f'/admin/contract/edit/?id={contract.id}').get_data(as_text=True)
    before = audit_count()
    page = client.post(f'/admin/contract/edit/?id={contract.id}', follow_redirects=True, data={
        'code': contract.code, 'title': contract.title, 'customer': contract.customer_id, 'amount': '1000',
        'currency': 'CNY', 'version': version_of(html), 'csrf_token': csrf_from(html),
        'payment_plans-0-id': plan.id, 'payment_plans-0-sequence': '1', 'payment_plans-0-trigger': 'date',
        'payment_plans-0-due_on': '2026-03-01', 'payment_plans-0-amount': '600',
        'payment_plans-0-currency': 'CNY'}).get_data(as_text=True)
    assert 'Rule plan-sum' in page and 'sum to 600.00' in page
    assert PaymentPlan.get_by_id(plan.id).amount == 1000 and audit_count() == before


def test_payments_go_through_record_payment(as_role, users, db):
    contract = make_contract(owner=users['sales'], amount=Decimal('1000'), status='effective')
    plan = make_payment_plan(contract=contract, amount=Decimal('1000'), due_on=TODAY)
    client = as_role('finance')
    data = {'contract': contract.id, 'plan': plan.id, 'received_on': TODAY.isoformat(), 'amount': '1500',
            'currency': 'CNY', 'method': 'bank_transfer'}
    before = audit_count()
    page = form_page(client, '/admin/payment/new/', data).get_data(as_text=True)
    assert 'Rule over-payment' in page and Payment.select().count() == 0 and audit_count() == before
    form_page(client, '/admin/payment/new/', {**data, 'amount': '400'})
    plan = PaymentPlan.get_by_id(plan.id)
    assert plan.paid_amount == 400 and plan.status == 'partial' and Payment.select().count() == 1
    assert client.get(f'/admin/payment/edit/?id={Payment.get().id}').status_code in (302, 403, 404)


def test_reminders_badge_and_mark_read(as_role, users, db):
    mine = audit.save(Reminder(user=users['sales'], kind='payment_due', entity='Contract', entity_code='HT1',
                               message='due soon', due_on=TODAY, dedupe_key='k1'))
    theirs = audit.save(Reminder(user=users['manager'], kind='payment_due', entity='Contract',
                                 entity_code='HT2', message='theirs', due_on=TODAY, dedupe_key='k2'))
    client = as_role('sales')
    html = client.get('/admin/').get_data(as_text=True)
    assert re.search(r'id="unread-badge">1<', html)
    assert client.get(f'/admin/reminder/details/?id={theirs.id}').status_code == 404
    bulk(client, 'reminder', 'mark_read', [mine.id])
    assert Reminder.get_by_id(mine.id).read_at is not None
    assert 'id="unread-badge"' not in client.get('/admin/').get_data(as_text=True)
    token = csrf_from(client.get('/admin/reminder/').get_data(as_text=True))
    assert client.post('/admin/reminder/action/', data={'action': 'mark_read', 'rowid': [theirs.id],
                                                        'csrf_token': token}).status_code == 404
    assert Reminder.get_by_id(theirs.id).read_at is None


def test_dashboard_charts_render_from_json_without_inline_script(as_role, users, db):
    make_opportunity(owner=users['sales'], amount=Decimal('5000'))
    client = as_role('sales', lang='zh_Hans_CN')
    response = client.get('/admin/')
    html = response.get_data(as_text=True)
    raw = re.search(r'<script type="application/json" id="ltc-chart-data">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert sum(row['count'] for row in data['funnel']) == 1 and 'target_progress' in data
    assert json.loads(re.search(r'id="ltc-chart-labels">(.*?)</script>', html, re.S).group(1))['lang'] == 'zh'
    assert 'id="chart-funnel"' in html and '销售漏斗' in html
    assert '/ltc-static/vendor/chart.umd.js' in html and '/ltc-static/ltc_charts.js' in html
    for tag in re.findall(r'<script\b[^>]*>', html):
        assert 'src=' in tag or 'type="application/json"' in tag, tag
    assert 'unsafe-inline' not in response.headers['Content-Security-Policy'].split('script-src')[1].split(';')[0]
    assert client.get('/ltc-static/vendor/chart.umd.js').status_code == 200


def test_new_opportunity_starts_open_and_accepted_quotes_are_frozen(as_role, users, db):
    client = as_role('sales')
    html = client.get('/admin/opportunity/new/').get_data(as_text=True)
    assert 'ST-PROPOSE' in html and 'ST-WON' not in html and 'ST-LOST' not in html
    quote = Quote.create(customer=make_customer(owner=users['sales']), title='Frozen', owner=users['sales'],
                         status='accepted', quoted_on=TODAY, version=1, code='Q-FROZEN')
    html = client.get(f'/admin/quote/edit/?id={quote.id}').get_data(as_text=True)
    before = audit_count()
    page = client.post(f'/admin/quote/edit/?id={quote.id}', follow_redirects=True, data={
        'title': 'Changed', 'customer': quote.customer_id, 'quoted_on': TODAY.isoformat(), 'currency': 'CNY',
        'version': version_of(html), 'csrf_token': csrf_from(html)}).get_data(as_text=True)
    assert 'Rule status-flow' in page and Quote.get_by_id(quote.id).title == 'Frozen'
    assert audit_count() == before


def test_quote_to_cash_refusals_flash_in_the_users_language(as_role, users, db):
    contract = make_contract(owner=users['sales'], amount=Decimal('1000'))
    make_contract_line(contract=contract, quantity=1, unit_price=Decimal('900'), amount=Decimal('900'))
    sales = as_role('sales')
    sales.get('/lang/zh_Hans_CN', headers={'Referer': '/admin/contract/'})
    assert Contract.get_by_id(contract.id).status == 'draft'
    before = audit_count()
    page = act(sales, 'contract', 'submit', contract.id).get_data(as_text=True)
    assert (f'规则 contract-amount：合同 {contract.code} 的金额 1000.00 与明细合计 900.00 不一致' in page
            and 'Rule contract-amount' not in page)
    assert Contract.get_by_id(contract.id).status == 'draft' and audit_count() == before
    paid = make_contract(owner=users['sales'], amount=Decimal('1000'), status='effective')
    plan = make_payment_plan(contract=paid, amount=Decimal('1000'), due_on=TODAY)
    finance = as_role('finance')
    finance.get('/lang/zh_Hans_CN', headers={'Referer': '/admin/'})   # also stored on the user (one audit row)
    before = audit_count()
    page = form_page(finance, '/admin/payment/new/', {
        'contract': paid.id, 'plan': plan.id, 'received_on': TODAY.isoformat(), 'amount': '1500',
        'currency': 'CNY', 'method': 'bank_transfer'}).get_data(as_text=True)
    assert f'规则 over-payment：1,500.00 超过回款计划 {plan.code} 尚欠的 1,000.00' in page and '--split' not in page
    assert 'Rule over-payment' not in page and Payment.select().count() == 0 and audit_count() == before
    finance.get('/lang/en')
    page = form_page(finance, '/admin/payment/new/', {
        'contract': paid.id, 'plan': plan.id, 'received_on': TODAY.isoformat(), 'amount': '1500',
        'currency': 'CNY', 'method': 'bank_transfer'}).get_data(as_text=True)
    assert 'Rule over-payment: 1,500.00 exceeds the 1,000.00' in page and '规则' not in page
    assert 'another payment against the next plan' in page and '--split' not in page
