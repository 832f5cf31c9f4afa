"""Record pages (ltc/admin/records/): each page in both languages with its sections, buttons by role, scope."""
import datetime
import re
from decimal import Decimal

import pytest

from ltc.models import DecisionRole, OpportunityProduct, PaymentPlan, Stage
from ltc.services import audit, contracts, followups, opportunities, quotes, receivables

from .conftest import csrf_from
from ..factories import make_contact, make_department, make_customer, make_lead, make_opportunity, make_product

TODAY = datetime.date.today()


@pytest.fixture
def deal(users, db):
    """One deal along the whole chain, owned by the sales user: lead → opportunity → quote → contract → cash."""
    sales, manager, finance = users['sales'], users['manager'], users['finance']
    east = make_department(name='华东销售部', name_en='East China Sales')
    for user in (sales, manager, finance):
        user.department = east
        audit.save(user)
    with audit.acting_as(sales, 'admin'):
        lead = make_lead(company='杭州新测智能装备有限公司', owner=sales, contact_name='王工', phone='138 0571 2233')
        customer = make_customer(name='杭州新测智能装备有限公司', name_en='Hangzhou Xince Smart Equipment',
                                 owner=sales)
        lead.converted_customer = customer
        lead.status = 'converted'
        audit.save(lead)
        boss = make_contact(customer=customer, name='李总', title='总经理')
        opportunity = opportunities.save_opportunity(make_opportunity(
            customer=customer, owner=sales, lead=lead, name='产线改造', amount=Decimal('300000')))
        product = make_product(name='云帆MES', name_en='Yunfan MES', list_price=Decimal('100000'))
        audit.save(OpportunityProduct(opportunity=opportunity, product=product, quantity=3,
                                      unit_price=Decimal('100000'), amount=Decimal('300000')))
        maker = DecisionRole.get(DecisionRole.is_decision_maker == True)   # noqa: E712
        opportunities.add_decision_contact(opportunity, boss, maker, attitude='supporter', by=sales)
        followups.record_followup(by=sales, opportunity=opportunity, kind='visit', summary='现场调研产线',
                                  happened_at=datetime.datetime(2026, 1, 5, 9, 30))
        followups.record_followup(by=sales, lead=lead, kind='call', summary='首次电话沟通',
                                  happened_at=datetime.datetime(2026, 1, 2, 10, 0))
        opportunities.move_stage(opportunity, Stage.get(Stage.code == 'ST-PROPOSE'), by=sales)
        quote = quotes.create_quote(customer, '产线改造报价', opportunity=opportunity,
                                    lines=[{'product': product, 'quantity': 3}])
        quotes.send_quote(quote)
        contract = quotes.accept_quote(quote, by=sales)
        contracts.add_milestone(contract, '设备到货验收', planned_on=TODAY)
        receivables.set_plans(contract, [{'amount': Decimal('200000'), 'due_on': TODAY},
                                         {'amount': Decimal('100000'), 'due_on': TODAY + datetime.timedelta(days=90)}])
        contracts.submit(contract, by=sales)
    with audit.acting_as(manager, 'admin'):
        contracts.approve(contract, manager, comment='同意')
    with audit.acting_as(finance, 'admin'):
        receivables.record_payment(contract, Decimal('50000'), received_on=TODAY, reference='BANK-001', by=finance)
    plan = PaymentPlan.select().where(PaymentPlan.contract == contract.id).order_by(PaymentPlan.sequence).first()
    return {'lead': lead, 'customer': customer, 'opportunity': opportunity, 'quote': quote,
            'contract': contract, 'plan': plan, 'product': product, 'boss': boss}


def page_of(client, view, row):
    response = client.get(f'/admin/{view}/details/?id={row.id}')
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def section(html, id):
    """Return the text of the card ID of a record page."""
    match = re.search(rf'<div class="card mb-3" id="{id}">(.*?)</div></div>', html, re.S)
    assert match, f'no section {id}'
    return match.group(1)


def test_contract_page_in_english_and_chinese(as_role, deal):
    contract, plan = deal['contract'], deal['plan']
    html = page_of(as_role('sales'), 'contract', contract)
    assert f'<span data-code="{contract.code}">{contract.code}</span> 产线改造报价' in html
    assert 'data-figure="amount">CNY 300,000.00' in html and 'data-figure="paid">CNY 50,000.00' in html
    assert 'data-figure="outstanding">CNY 250,000.00' in html
    assert 'Yunfan MES' in section(html, 'record-lines')
    plans = section(html, 'record-plans')
    assert f'href="/admin/paymentplan/details/?id={plan.id}"' in plans and 'Partially paid' in plans
    assert '设备到货验收' in section(html, 'record-milestones')
    assert 'BANK-001' in section(html, 'record-payments')
    approvals = section(html, 'record-approvals')
    assert 'Approved' in approvals and '同意' in approvals
    # every code links to its record page: customer 360°, opportunity, quote
    assert f'href="/admin/customer/360/?id={deal["customer"].id}"' in html
    assert f'href="/admin/opportunity/details/?id={deal["opportunity"].id}"' in html
    assert f'href="/admin/quote/details/?id={deal["quote"].id}"' in html
    assert 'id="documents-panel"' in html and 'id="record-timeline"' in html
    # business fields first, internal id and version last
    assert html.index('id="record-details"') < html.index('id="record-internal"')
    zh = page_of(as_role('sales', 'zh_Hans_CN'), 'contract', contract)
    assert '云帆MES' in section(zh, 'record-lines') and '回款计划' in zh and '交付里程碑' in zh
    assert '审批记录' in zh and '已回款' in zh and '待回款' in zh and '动态' in zh and '同意' in section(zh, 'record-approvals')
    assert 'Outstanding' not in zh and 'Activity' not in zh


def test_opportunity_page_in_english_and_chinese(as_role, deal):
    opportunity = deal['opportunity']
    html = page_of(as_role('sales'), 'opportunity', opportunity)
    # the approved contract won the deal: Won at 100 %
    assert 'data-figure="amount">CNY 300,000.00' in html and 'data-figure="weighted">CNY 300,000.00' in html
    assert 'Won · 100%' in html
    assert 'Yunfan MES' in section(html, 'record-products')
    chain = section(html, 'record-chain')
    assert '李总' in chain and f'/admin/contact/details/?id={deal["boss"].id}' in chain
    assert deal['quote'].code in section(html, 'record-quotes')
    assert deal['contract'].code in section(html, 'record-contracts')
    assert '现场调研产线' in section(html, 'record-followups')
    history = section(html, 'record-history')
    assert 'Validate' in history and 'Propose' in history
    assert 'Health score' in html   # the diagnosis panel
    zh = page_of(as_role('sales', 'zh_Hans_CN'), 'opportunity', opportunity)
    assert '赢单 · 100%' in zh and '决策链' in zh and '阶段历史' in zh and '加权金额' in zh


def test_quote_lead_and_plan_pages(as_role, deal):
    client = as_role('sales')
    quote = page_of(client, 'quote', deal['quote'])
    assert 'data-figure="total">CNY 300,000.00' in quote and 'Yunfan MES' in section(quote, 'record-lines')
    assert deal['contract'].code in section(quote, 'record-contracts')
    lead = page_of(client, 'lead', deal['lead'])
    assert '首次电话沟通' in section(lead, 'record-followups')
    assert deal['opportunity'].code in section(lead, 'record-opportunities')
    assert '138 0571 2233' in section(lead, 'record-contact')
    plan = page_of(as_role('finance'), 'paymentplan', deal['plan'])
    assert 'data-figure="paid">CNY 50,000.00' in plan and 'data-figure="outstanding">CNY 150,000.00' in plan
    assert 'BANK-001' in section(plan, 'record-payments') and deal['contract'].code in plan
    zh = as_role('finance', 'zh_Hans_CN')
    assert '回款' in page_of(zh, 'paymentplan', deal['plan'])
    zh = as_role('sales', 'zh_Hans_CN')
    assert '跟进' in page_of(zh, 'lead', deal['lead']) and '报价' in page_of(zh, 'quote', deal['quote'])


def test_out_of_scope_record_is_not_found(as_role, users, deal):
    other = make_customer(owner=users['manager'])
    theirs = make_opportunity(customer=other, owner=users['manager'], name='Not yours at all')
    client = as_role('sales')
    response = client.get(f'/admin/opportunity/details/?id={theirs.id}')
    assert response.status_code == 404 and 'Not yours at all' not in response.get_data(as_text=True)
    assert client.get('/admin/contract/details/?id=999999').status_code == 404
    assert client.get('/admin/paymentplan/details/?id=abc').status_code == 404
    assert as_role('finance').get(f'/admin/lead/details/?id={deal["lead"].id}').status_code == 403


def acts(html):
    return set(re.findall(r'data-act="([a-z_]+)"', html))


def test_next_step_buttons_follow_the_role_and_the_record(as_role, deal):
    opportunity, contract, plan = deal['opportunity'], deal['contract'], deal['plan']
    sales, finance, ops = as_role('sales'), as_role('finance'), as_role('ops')
    # the opportunity is won: no new quote or chain member, but a follow-up may still be logged
    assert {'log_followup', 'move_stage'} <= acts(page_of(sales, 'opportunity', opportunity))
    assert not {'new_quote', 'add_chain_member'} & acts(page_of(sales, 'opportunity', opportunity))
    # a payment is recorded by finance, ops or an admin (the gate's Payment rule), not by sales
    assert 'record_payment' not in acts(page_of(sales, 'contract', contract))
    assert 'record_payment' in acts(page_of(finance, 'contract', contract))
    assert 'record_payment' in acts(page_of(finance, 'paymentplan', plan))
    assert 'record_payment' in acts(page_of(ops, 'paymentplan', plan))
    assert 'log_followup' in acts(page_of(sales, 'lead', deal['lead']))
    # the milestone's "Accept delivery" comes back to the contract page
    html = page_of(sales, 'contract', contract)
    assert 'data-step="accept_milestone"' in html and 'next=/admin/contract/details/' in html
    assert 'id="step-upload"' in html


def test_open_deal_offers_quote_and_chain_and_they_work(as_role, users, deal):
    from ltc.models import FollowUp, OpportunityContact, Quote
    from .wiring import form_page
    customer = deal['customer']
    with audit.acting_as(users['sales'], 'admin'):
        open_deal = opportunities.save_opportunity(make_opportunity(customer=customer, owner=users['sales'],
                                                                    name='二期扩产', amount=Decimal('200000')))
        audit.save(OpportunityProduct(opportunity=open_deal, product=deal['product'], quantity=2,
                                      unit_price=Decimal('100000'), amount=Decimal('200000')))
        engineer = make_contact(customer=customer, name='赵工', title='技术负责人')
    sales = as_role('sales')
    assert {'new_quote', 'add_chain_member', 'log_followup'} <= acts(page_of(sales, 'opportunity', open_deal))
    # the decision-chain warning in the reader's language only
    html = page_of(as_role('sales', 'zh_Hans_CN'), 'opportunity', open_deal)
    assert '未识别决策者' in html and 'No decision maker identified' not in html
    finance = as_role('finance')
    finance_acts = acts(page_of(finance, 'contract', deal['contract']))
    assert {'new_quote', 'add_chain_member'} & finance_acts == set() and 'log_followup' in finance_acts
    # finance logs a collection call on the payment plan: it names the plan and its contract
    page = form_page(finance, f'/admin/paymentplan/act/log_followup/?id={deal["plan"].id}',
                     {'kind': 'call', 'happened_at': '2026/1/9 10:00', 'summary': '催款电话'}).get_data(as_text=True)
    assert 'was logged' in page and '催款电话' in page
    call = FollowUp.get(FollowUp.summary == '催款电话')
    assert (call.plan_id, call.contract_id) == (deal['plan'].id, deal['contract'].id)
    base = f'/admin/opportunity/act/%s/?id={open_deal.id}'
    # log a follow-up: typed time kept, shown on the page
    page = form_page(sales, base % 'log_followup', {'kind': 'visit', 'happened_at': '2026/1/8 14:30',
                                                   'summary': '技术交流会'}).get_data(as_text=True)
    assert 'was logged' in page and '技术交流会' in page
    followup = FollowUp.get(FollowUp.summary == '技术交流会')
    assert followup.opportunity_id == open_deal.id and followup.owner_id == users['sales'].id
    assert str(followup.happened_at) == '2026-01-08 14:30:00'
    # add a chain member from the customer's contacts
    form = sales.get(base % 'add_chain_member').get_data(as_text=True)
    assert '赵工' in form and '技术负责人' in form
    role = DecisionRole.get(DecisionRole.is_decision_maker == False)   # noqa: E712
    page = form_page(sales, base % 'add_chain_member', {'contact': engineer.id, 'role': role.id,
                                                       'attitude': 'supporter', 'influence': 'high'})
    assert '赵工' in section(page.get_data(as_text=True), 'record-chain')
    assert OpportunityContact.get(OpportunityContact.contact == engineer.id).influence == 'high'
    # a new quote takes the opportunity's products and owner
    page = form_page(sales, base % 'new_quote', {'title': '二期报价'}).get_data(as_text=True)
    quote = Quote.get(Quote.title == '二期报价')
    assert quote.opportunity_id == open_deal.id and quote.owner_id == users['sales'].id
    assert quote.total == Decimal('200000')
    # it lands on the new quote's page, where its lines are checked and edited
    assert f'data-code="{quote.code}">{quote.code}</span>' in page and 'id="edit-lines"' in page
    assert deal['product'].code in section(page, 'record-lines')
    # a contact of another customer is refused, nothing saved
    stranger = make_contact(name='外人')
    before = OpportunityContact.select().count()
    page = form_page(sales, base % 'add_chain_member', {'contact': stranger.id, 'role': role.id,
                                                       'attitude': 'neutral', 'influence': 'low'})
    assert OpportunityContact.select().count() == before and 'Not a valid choice' in page.get_data(as_text=True)


def test_record_payment_from_the_plan_page(as_role, deal):
    from ltc.models import Payment
    from .wiring import form_page
    plan = deal['plan']
    finance = as_role('finance')
    url = f'/admin/paymentplan/act/record_payment/?id={plan.id}'
    form = finance.get(url).get_data(as_text=True)
    assert 'value="150000.00"' in form   # what is still due on the plan
    page = form_page(finance, url, {'amount': '999,999', 'method': 'bank_transfer'}).get_data(as_text=True)
    assert 'exceeds' in page and Payment.select().count() == 1
    page = form_page(finance, url, {'amount': '150,000.00', 'method': 'bank_transfer',
                                    'reference': 'BANK-002'}).get_data(as_text=True)
    assert 'was recorded' in page and 'BANK-002' in section(page, 'record-payments')
    assert PaymentPlan.get_by_id(plan.id).status == 'paid'
    assert 'record_payment' not in acts(page)   # nothing left to collect on it
    sales = as_role('sales')
    token = csrf_from(page_of(sales, 'contract', deal['contract']))
    assert sales.post(url, data={'csrf_token': token, 'amount': '1', 'method': 'cash'}).status_code == 403


def test_next_steps_in_chinese(as_role, deal):
    html = page_of(as_role('finance', 'zh_Hans_CN'), 'paymentplan', deal['plan'])
    assert '登记回款' in html
    form = as_role('finance', 'zh_Hans_CN').get(
        f'/admin/paymentplan/act/record_payment/?id={deal["plan"].id}').get_data(as_text=True)
    assert '留空则为今天' in form and 'Record payment' not in form
    assert '记录跟进' in page_of(as_role('sales', 'zh_Hans_CN'), 'lead', deal['lead'])


def test_submit_and_approve_buttons_by_role(as_role, users, deal):
    from ..factories import make_contract, make_contract_line
    with audit.acting_as(users['sales'], 'admin'):
        draft = make_contract(customer=deal['customer'], owner=users['sales'], department=users['sales'].department,
                              amount=Decimal('1000'))
        make_contract_line(contract=draft, product=deal['product'])
    sales, manager = as_role('sales'), as_role('manager')
    assert 'submit' in acts(page_of(sales, 'contract', draft))
    with audit.acting_as(users['sales'], 'admin'):
        contracts.submit(draft, by=users['sales'])
    assert not {'submit', 'approve'} & acts(page_of(sales, 'contract', draft))
    assert 'approve' in acts(page_of(manager, 'contract', draft))
    assert 'approve' not in acts(page_of(as_role('finance'), 'contract', draft))


def test_follow_ups_documents_and_links_on_quote_contract_plan_and_payment_pages(app, as_role, users, deal):
    """Log follow-up on the quote, contract and plan pages; documents on plans and payments; linked codes;
    inline choices in Chinese."""
    from werkzeug.security import generate_password_hash
    from ltc.models import Document, FollowUp, Payment
    from ..factories import make_user
    from .conftest import PASSWORD, login
    from .test_documents import PDF, upload
    from .wiring import form_page
    quote, contract, plan = deal['quote'], deal['contract'], deal['plan']
    sales, finance = as_role('sales'), as_role('finance')
    for view, row in (('quote', quote), ('contract', contract), ('paymentplan', plan)):
        assert 'log_followup' in acts(page_of(sales, view, row))
    # a quote's follow-up is its opportunity's; shown on the quote page with the opportunity's others
    page = form_page(sales, f'/admin/quote/act/log_followup/?id={quote.id}',
                     {'kind': 'call', 'summary': '报价解释'}).get_data(as_text=True)
    assert 'was logged' in page and '报价解释' in section(page, 'record-followups') and '现场调研产线' in page
    assert FollowUp.get(FollowUp.summary == '报价解释').opportunity_id == deal['opportunity'].id
    # a contract's and a plan's are collection follow-ups naming the contract (and the plan)
    page = form_page(sales, f'/admin/contract/act/log_followup/?id={contract.id}',
                     {'kind': 'call', 'summary': '催签回单', 'happened_at': '2026-01-08 14:30'}).get_data(as_text=True)
    assert '催签回单' in section(page, 'record-followups')
    page = form_page(sales, f'/admin/paymentplan/act/log_followup/?id={plan.id}',
                     {'kind': 'visit', 'summary': '上门催款'}).get_data(as_text=True)
    assert '上门催款' in section(page, 'record-followups') and '催签回单' not in section(page, 'record-followups')
    signed, dunned = FollowUp.get(FollowUp.summary == '催签回单'), FollowUp.get(FollowUp.summary == '上门催款')
    assert (signed.contract_id, signed.plan_id, signed.customer_id) == (contract.id, None, deal['customer'].id)
    assert (dunned.contract_id, dunned.plan_id, dunned.owner_id) == (contract.id, plan.id, users['sales'].id)
    assert str(signed.happened_at) == '2026-01-08 14:30:00'
    assert '上门催款' in section(page_of(sales, 'contract', contract), 'record-followups')
    # finance logs collection follow-ups on the plans it keeps (the gate's FollowUp rule) but not on deals
    assert 'log_followup' in acts(page_of(finance, 'paymentplan', plan))
    # every code links to its record page, products' included
    product = deal['product']
    for view, key, sec in (('opportunity', 'opportunity', 'record-products'), ('quote', 'quote', 'record-lines'),
                           ('contract', 'contract', 'record-lines')):
        html = section(page_of(sales, view, deal[key]), sec)
        assert f'<a href="/admin/product/details/?id={product.id}" data-code="{product.code}">' in html, view
    assert sales.get(f'/admin/product/details/?id={product.id}').status_code == 200

    # the payment's record page; documents on plans and payments like on contracts
    payment = Payment.get()
    make_user('sales', username='sales9', password_hash=generate_password_hash(PASSWORD),
              department=make_department(name='华南销售部'))
    outsider = app.test_client()
    assert login(outsider, 'sales9').status_code == 302
    html = page_of(finance, 'payment', payment)
    assert f'<span data-code="{payment.code}">{payment.code}</span> CNY 50,000.00' in html
    assert f'data-code="{contract.code}"' in html and f'data-code="{plan.code}"' in html
    assert payment.code in section(html, 'record-payments') and 'id="documents-panel"' in html
    assert html.index('record-details') < html.index('id="record-internal"')
    # a bank slip on the payment, the collection letter on the plan: both listed and downloaded in scope
    for entity, view, row, name in (('Payment', 'payment', payment, 'slip.pdf'),
                                    ('PaymentPlan', 'paymentplan', plan, '催款函.pdf')):
        url = f'/admin/{view}/details/?id={row.id}'
        assert upload(finance, url, entity, row.id, PDF, name).status_code == 302
        doc = Document.get(Document.filename == name)
        assert (doc.entity, doc.entity_id, doc.entity_code) == (entity, row.id, row.code)
        assert name in page_of(finance, view, row)
        assert sales.get(f'/admin/document/download/?id={doc.id}').status_code == 200
        # a sales user of another department: not found, as for a missing document
        assert outsider.get(f'/admin/document/download/?id={doc.id}').status_code == 404
    assert 'PaymentPlan' in as_role('ops').get('/admin/document/new/').get_data(as_text=True)

    # the choices of inline rows (and of the row "Add" copies) in the reader's language
    html = as_role('ops', 'zh_Hans_CN').get(f'/admin/contract/edit/?id={contract.id}').get_data(as_text=True)
    assert '按日期</option>' in html and 'By date</option>' not in html                   # the rows
    assert '按日期&lt;/option&gt;' in html and 'By date&lt;' not in html                  # the row "Add" copies
    # a code in the timeline links to its record page
    from ltc.models import Opportunity
    opportunity = Opportunity.get_by_id(deal['opportunity'].id)
    with audit.acting_as(users['sales'], 'admin'):
        engineer = make_contact(customer=deal['customer'], name='赵工')
        opportunity.contact = engineer
        audit.save(opportunity)
    timeline = section(page_of(sales, 'opportunity', opportunity), 'record-timeline')
    assert f'<a href="/admin/contact/details/?id={engineer.id}" data-code="{engineer.code}">' in timeline
    assert 'Contact</b>' in timeline and '赵工' in timeline
