"""Big-table lists: a scoped, filtered count stops at COUNT_CAP; above it the pages say N+."""
from ltc.admin.listing import COUNT_CAP, capped_count, in_scope
from ltc.db import reserve_codes, utcnow
from ltc.models import Lead


def _leads(count, owner, **values):
    """Insert COUNT leads owned by OWNER in bulk (the factories would write an audit row each)."""
    now = utcnow()
    rows = [{'code': code, 'company': f'Bulk {code}', 'source': 'website', 'status': 'assigned',
             'grade': 'general', 'owner': owner.id, 'created_at': now, 'updated_at': now, 'version': 1,
             'budget': 0, **values} for code in reserve_codes('L', count)]
    for start in range(0, len(rows), 500):
        Lead.insert_many(rows[start:start + 500]).execute()


def test_a_scoped_filtered_count_is_exact_to_the_cap_then_stops(users, db):
    sales = users['sales']
    _leads(COUNT_CAP, sales, industry='energy')
    _leads(5, users['manager'], industry='energy')   # outside the sales user's scope
    _leads(3, sales, industry='finance')
    query = in_scope(Lead.select(), Lead, sales).where(Lead.industry == 'energy')
    assert COUNT_CAP == 1000
    assert capped_count(query) == COUNT_CAP
    _leads(1, sales, industry='energy')
    assert capped_count(query) is None   # the list switches to a previous/next pager
    assert capped_count(in_scope(Lead.select(), Lead, sales).where(Lead.industry == 'finance')) == 3


def test_pages_above_the_cap_show_no_count_and_the_dashboard_says_cap_plus(as_role, users, db):
    _leads(COUNT_CAP + 1, users['sales'])
    client = as_role('sales')
    listing = client.get('/admin/lead/').get_data(as_text=True)
    assert 'List (' not in listing and 'Bulk L' in listing
    assert client.get('/admin/lead/?page=49').status_code == 200
    home = client.get('/admin/').get_data(as_text=True)
    assert '1,000+' in home and '10,000+' not in home
    _leads(1, users['manager'])
    manager_only = as_role('admin').get('/admin/lead/?flt0_5=%d' % users['manager'].id).get_data(as_text=True)
    assert 'List (1)' in manager_only


def test_the_lead_list_opens_newest_first_by_arrival_not_by_row_number(as_role, users, db):
    import datetime
    from ..factories import make_lead
    fresh = make_lead(company='Fresh Lead Co', owner=users['sales'], status='new')
    old = make_lead(company='Old Dropped Co', owner=users['sales'], status='disqualified',
                    created_at=datetime.datetime.now() - datetime.timedelta(days=30))   # written later, came earlier
    html = as_role('sales').get('/admin/lead/').get_data(as_text=True)
    assert html.index(fresh.code) < html.index(old.code)


def test_payment_plans_list_their_customer_and_filter_by_contract_number(as_role, users, db):
    from decimal import Decimal
    from ..factories import make_contract, make_customer, make_payment_plan
    acme = make_customer(name='新测智能装备有限公司', name_en='Xince Intelligent Equipment Co., Ltd.')
    mine = make_contract(customer=acme, amount=Decimal('1000'), owner=users['finance'])
    other = make_contract(amount=Decimal('500'))
    plan, theirs = make_payment_plan(contract=mine, amount=Decimal('1000')), make_payment_plan(contract=other)
    finance = as_role('finance')
    html = finance.get('/admin/paymentplan/').get_data(as_text=True)
    assert 'col-customer' in html and 'Xince Intelligent Equipment Co., Ltd.' in html
    filtered = finance.get(f'/admin/paymentplan/?flt0_0={mine.code}').get_data(as_text=True)
    assert plan.code in filtered and theirs.code not in filtered
    assert '新测智能装备有限公司' in as_role('finance', 'zh_Hans_CN').get('/admin/paymentplan/').get_data(as_text=True)
