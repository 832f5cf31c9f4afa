"""Daily work in the admin: line prices from the product, owners from the deal, the next stage
preselected, and the 403/404 pages inside the admin layout in the user's language."""
import datetime
import html
import re
from decimal import Decimal

from ltc.models import Contract, Lead, Opportunity, OpportunityProduct, Quote, QuoteLine, Stage

from ..factories import make_customer, make_department, make_opportunity, make_product
from .wiring import act, form_page

TODAY = datetime.date.today()


def _quote(client, customer, **extra):
    return form_page(client, '/admin/quote/new/', {
        'title': extra.pop('title', 'Priced'), 'customer': customer.id, 'quoted_on': TODAY.isoformat(),
        'currency': 'CNY', **extra}).get_data(as_text=True)


def test_blank_line_prices_are_the_list_price_and_a_zero_total_warns(as_role, users, db):
    customer = make_customer(owner=users['sales'])
    product = make_product(list_price=Decimal('1250.00'))
    free = make_product(list_price=Decimal('0'))
    sales = as_role('sales')
    form = html.unescape(sales.get('/admin/quote/new/').get_data(as_text=True))
    price_box = re.search(r'<input[^>]*id="unit_price"[^>]*>', form).group(0)
    assert 'value=""' in price_box or 'value' not in price_box   # empty, not a silent 0.00
    page = _quote(sales, customer, **{'lines-0-product': product.id, 'lines-0-quantity': '2',
                                      'lines-0-unit_price': '', 'lines-0-discount_pct': '10'})
    assert 'NOT NULL' not in page and 'alert-warning' not in page
    line = QuoteLine.get(QuoteLine.product == product.id)
    assert line.unit_price == Decimal('1250.00') and line.amount == Decimal('2250.00')
    assert Quote.get_by_id(line.quote_id).total == Decimal('2250.00')
    chinese = as_role('sales', 'zh_Hans_CN')
    page = _quote(chinese, customer, title='Free', **{'lines-0-product': free.id, 'lines-0-quantity': '1'})
    quote = Quote.get(Quote.title == 'Free')
    assert quote.total == 0 and f'已保存，但：报价单 {quote.code} 的总额为 0.00' in page

    # opportunity product lines: an empty price and amount come from the product
    product = make_product(list_price=Decimal('800.00'))
    opportunity = make_opportunity(owner=users['sales'], customer=make_customer(owner=users['sales']))
    page = form_page(as_role('sales'), f'/admin/opportunity/edit/?id={opportunity.id}', {
        'name': opportunity.name, 'customer': opportunity.customer_id, 'amount': '100000', 'currency': 'CNY',
        'priority': 'medium', 'owner': users['sales'].id, 'version': opportunity.version,
        'products-0-product': product.id, 'products-0-quantity': '3', 'products-0-unit_price': '',
        'products-0-amount': ''}).get_data(as_text=True)
    assert 'NOT NULL' not in page
    line = OpportunityProduct.get(OpportunityProduct.opportunity == opportunity.id)
    assert (line.unit_price, line.amount) == (Decimal('800.00'), Decimal('2400.00'))


def test_quote_and_contract_belong_to_the_deal_and_own_leads_to_the_department(as_role, users, db):
    east = make_department(name='East')
    seller = users['sales']
    seller.department = east
    seller.save()
    opportunity = make_opportunity(owner=seller, department=east, customer=make_customer(owner=seller))
    product = make_product()
    ops = as_role('ops')
    _quote(ops, opportunity.customer, title='For the deal', opportunity=opportunity.id,
           **{'lines-0-product': product.id, 'lines-0-quantity': '1'})
    quote = Quote.get(Quote.title == 'For the deal')
    assert quote.owner_id == seller.id
    act(ops, 'quote', 'accept', quote.id)
    contract = Contract.get(Contract.quote == quote.id)
    assert (contract.owner_id, contract.department_id) == (seller.id, east.id)

    # a sales user's own new lead is theirs and their department's
    form_page(as_role('sales'), '/admin/lead/new/', {'company': 'Own Lead Co', 'contact_name': 'Li',
                                                     'source': 'website', 'currency': 'CNY'})
    lead = Lead.get(Lead.company == 'Own Lead Co')
    assert (lead.owner_id, lead.department_id) == (users['sales'].id, east.id)


def test_move_stage_preselects_the_next_stage(as_role, users, db):
    opportunity = make_opportunity(owner=users['sales'], stage=Stage.get(Stage.code == 'ST-ANALYSE'))
    sales = as_role('sales')
    page = sales.get(f'/admin/opportunity/act/move_stage/?id={opportunity.id}').get_data(as_text=True)
    nxt = Stage.get(Stage.code == 'ST-PROPOSE')
    assert f'<option selected value="{nxt.id}">' in page
    assert page.count('<option selected') == 1
    negotiate = make_opportunity(owner=users['sales'], stage=Stage.get(Stage.code == 'ST-NEGOTIATE'))
    page = sales.get(f'/admin/opportunity/act/move_stage/?id={negotiate.id}').get_data(as_text=True)
    assert f'<option selected value="{Stage.get(Stage.code == "ST-WON").id}">' in page
    page = sales.get(f'/admin/opportunity/act/move_stage/?ids={opportunity.id},{negotiate.id}').get_data(as_text=True)
    assert '<option selected' not in page and '<option value="">' in page   # several: the blank first
    page = form_page(sales, f'/admin/opportunity/act/move_stage/?ids={opportunity.id},{negotiate.id}',
                     {'choice': ''}).get_data(as_text=True)
    assert 'field-error' in page and Opportunity.get_by_id(opportunity.id).stage.code == 'ST-ANALYSE'


def test_403_and_404_pages_are_in_the_admin_layout_and_language(as_role, users, db):
    finance = as_role('finance', 'zh_Hans_CN')
    response = finance.get('/admin/lead/')
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and '无权访问' in page and 'id="ltc-user"' in page
    assert 'Forbidden' not in page
    sales = as_role('sales')
    theirs = make_customer(owner=users['manager'], name='Secret Customer')
    for url in (f'/admin/customer/details/?id={theirs.id}', '/admin/customer/details/?id=999999',
                '/no-such-page'):
        response = sales.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 404 and 'Not found' in page and 'id="ltc-user"' in page, url
        assert 'Secret Customer' not in page
    assert '未找到' in as_role('sales', 'zh_Hans_CN').get('/no-such-page').get_data(as_text=True)
