"""Contains-search in the admin: the list search box and the ajax look-ups, on leads written by the
form, an import and an import update, within the user's scope."""
import json

from ltc.models import Lead
from ltc.services import audit
from ltc.sync.formats.tables import open_path
from ltc.sync.writes.importer import run_import

from ..factories import make_contact, make_customer, make_lead
from .conftest import csrf_from
from .test_views import LEAD_FORM

FORM_LEAD = '杭州新测智能装备有限公司'


def _found(client, search, view='lead'):
    response = client.get(f'/admin/{view}/', query_string={'search': search})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _lookup(client, name, query, view='opportunity'):
    response = client.get(f'/admin/{view}/ajax/lookup/', query_string={'name': name, 'query': query})
    assert response.status_code == 200
    return ' '.join(label for _id, label in json.loads(response.get_data(as_text=True)))


def test_leads_from_the_form_an_import_and_an_import_update_are_found_anywhere_in_scope(
        as_role, users, db, tmp_path):
    sales = as_role('sales')
    token = csrf_from(sales.get('/admin/lead/new/').get_data(as_text=True))
    response = sales.post('/admin/lead/new/', data={**LEAD_FORM, 'company': FORM_LEAD,
                                                    'phone': '13805712233', 'csrf_token': token})
    assert response.status_code == 302
    renamed = make_lead(company='旧名称贸易有限公司', owner=users['sales'])
    make_lead(company='杭州新测物流有限公司', owner=users['manager'])   # outside the sales user's scope
    path = tmp_path / 'leads.csv'
    path.write_text('线索编号,公司名称,电话,负责人\n'
                    ',Ningbo Shengshi Trading Co.,0574-8888 1234,sales1\n'
                    f'{renamed.code},温州瑞达电气有限公司,,sales1\n', encoding='utf-8')
    with audit.acting_as('tester', 'cli'):
        result = run_import('leads', open_path(path), lang='en')
    assert (result.totals()['created'], result.totals()['updated']) == (1, 1)

    for term in ('新测', '智能装备', 'hzxc', 'hangzhou', 'HangZhou XinCe', '138 0571 2233', '0571-2233'):
        page = _found(sales, term)
        assert FORM_LEAD in page and '杭州新测物流' not in page, term   # scope applies to the search
    assert '杭州新测物流' in _found(as_role('admin'), '新测')
    for term in ('Shengshi', 'ningbo shengshi', '8888 1234'):
        assert 'Ningbo Shengshi Trading' in _found(sales, term), term
    for term in ('瑞达', 'ruida', 'wzrd'):
        assert '温州瑞达电气' in _found(sales, term), term
    assert '温州瑞达电气' not in _found(sales, '旧名称')   # the old name left the index with the update
    assert FORM_LEAD not in _found(sales, 'hzxcx') and FORM_LEAD not in _found(sales, '新测 物流')
    assert 'Shengshi' in _found(sales, 'N') and FORM_LEAD in _found(sales, '杭')   # one letter: starts with
    assert 'pinyin (contains)' in _found(sales, '')


def test_customer_contact_and_user_look_ups_match_anywhere_in_scope(as_role, users, db):
    mine = make_customer(name=FORM_LEAD, name_en='Hangzhou Xince Intelligent Equipment',
                         phone='0571-8765 4321', owner=users['sales'])
    make_customer(name='宁波新测贸易有限公司', owner=users['manager'])
    make_contact(customer=mine, name='欧阳明', mobile='139 1111 2222')
    sales = as_role('sales')
    for term in ('新测', 'Intelligent', 'hzxc', '87654321'):
        found = _lookup(sales, 'customer', term)   # an English reader sees the English name
        assert 'Hangzhou Xince Intelligent Equipment' in found and '宁波新测' not in found, term
    assert FORM_LEAD in _lookup(as_role('sales', lang='zh_Hans_CN'), 'customer', 'Intelligent')
    assert FORM_LEAD in _found(sales, 'xince intelligent', 'customer')
    assert '宁波新测' in _lookup(as_role('admin'), 'customer', '新测')
    for term in ('阳明', 'oym', 'ouyang', '13911112222'):
        assert '欧阳明' in _lookup(sales, 'contact', term), term
    assert 'sales1' in _lookup(sales, 'owner', 'les1') and 'sales1' in _lookup(sales, 'owner', 'ALE')
    assert _lookup(sales, 'customer', 'nothing like this') == ''


def _bulk_leads(owner, companies, first_minute):
    """Insert leads named COMPANIES owned by OWNER, the later ones newer (one minute apart); return their codes."""
    import datetime
    from ltc.db import reserve_codes
    start = datetime.datetime(2026, 1, 1) + datetime.timedelta(minutes=first_minute)
    codes = reserve_codes('L', len(companies))
    rows = [{'code': code, 'company': company, 'source': 'website', 'status': 'assigned', 'grade': 'general',
             'owner': owner.id, 'created_at': start + datetime.timedelta(minutes=i),
             'updated_at': start, 'version': 1, 'budget': 0}
            for i, (code, company) in enumerate(zip(codes, companies))]
    for at in range(0, len(rows), 500):
        Lead.insert_many(rows[at:at + 500]).execute()
    return codes


def _codes_on(page):
    import re
    return re.findall(r'\bL\d{6,}\b', page)


def test_a_term_in_most_rows_lists_the_newest_page_of_the_scope_without_reading_every_match(
        as_role, users, db, monkeypatch):
    from ltc import search
    from ltc.admin.listing import COUNT_CAP
    # 100,000 in production; here 1,070 leads have the term, more than the first 1,005 matches the
    # list counts among, which hold more than COUNT_CAP rows of either scope.
    monkeypatch.setattr(search, 'COMMON', COUNT_CAP + 5)
    monkeypatch.setattr(search, 'SAMPLE', 100)   # the first 100 matches estimate how many there are
    theirs = _bulk_leads(users['sales'], [f'宁波甲乙{i}号有限公司' for i in range(COUNT_CAP + 10)], 0)
    others = _bulk_leads(users['manager'], [f'杭州丙丁{i}号有限公司' for i in range(60)], 10_000)
    _bulk_leads(users['sales'], [f'宁波甲乙{i}号商行' for i in range(5)], 15_000)   # newest of all, no term
    assert search.common(Lead, ['有限公司']) is search.is_sqlite()   # PostgreSQL reads its matches in any order

    page = _found(as_role('sales'), '有限公司')
    assert 'List (' not in page   # more than the count cap: the pager without a count
    assert _codes_on(page) == theirs[::-1][:20]   # the newest 20 of the sales user's, newest first
    page = _found(as_role('admin'), '有限公司')
    assert _codes_on(page) == others[::-1][:20]
    # Common overall, a few in scope: the first matches hold too few, all are read, the count is exact.
    monkeypatch.setattr(search, 'COMMON', 10)
    monkeypatch.setattr(search, 'SAMPLE', 20)
    few = _bulk_leads(users['sales'], ['温州戊己甲有限公司', '温州戊己乙有限公司', '台州庚辛有限公司'], 20_000)
    _bulk_leads(users['manager'], [f'温州戊己{i}有限公司' for i in range(60)], 30_000)
    assert search.common(Lead, search.lookups('戊己')) is search.is_sqlite()
    page = _found(as_role('sales'), '戊己')
    assert 'List (2)' in page and _codes_on(page) == [few[1], few[0]]
    page = _found(as_role('sales'), '有限公司 戊己')   # several terms, all must match
    assert 'List (2)' in page and _codes_on(page) == [few[1], few[0]]
    assert 'List (1)' in _found(as_role('sales'), '台州庚辛')


def test_rows_check_a_term_on_their_columns_as_the_index_matches_it(users, db):
    from ltc import search
    from ltc.models import Customer
    from ..factories import make_customer
    make_customer(name='杭州新测智能装备有限公司', name_en='Hangzhou XINCE Intelligent', phone='(0571) 8765-4321',
                  email='Sales@Xince.cn', owner=users['sales'])
    make_customer(name='宁波新测贸易有限公司', phone='0574 8888 1234', owner=users['manager'])
    make_customer(name='Ökologie Handel GmbH', owner=users['sales'])
    for terms in (['新新测测'], ['87654321'], ['0571'], ['xince'], ['hzxc'], ['sales@xince'], ['有限公司'],
                  ['新新测测', '贸贸易易'], ['0574', 'nbxc'], ['zzqxjw'], ['kologie']):
        by_index = {c.id for c in Customer.select().where(search.condition(Customer, terms))}
        if search.is_sqlite():
            by_row = {c.id for c in Customer.select().where(search.row_condition(Customer, terms))}
            assert by_row == by_index, terms
        assert (terms == ['zzqxjw']) is not bool(by_index), terms
    # A letter SQLite's lower() does not fold is left to the index (the list reads all its matches).
    assert not search.common(Customer, ['ökologie'])


def test_a_look_up_of_a_common_term_lists_the_first_matches_by_number_within_scope(as_role, users, db, monkeypatch):
    from ltc import search
    monkeypatch.setattr(search, 'COMMON', 15)   # 100,000 in production
    monkeypatch.setattr(search, 'SAMPLE', 10)
    older = _bulk_leads(users['manager'], [f'杭州丙丁{i}号有限公司' for i in range(8)], 0)
    mine = _bulk_leads(users['sales'], [f'宁波甲乙{i}号有限公司' for i in range(12)], 100)
    assert search.common(Lead, ['有限公司']) is search.is_sqlite()
    # The first 15 matches fill an admin's page (and the next); a sales user has 7 of them, then all are read.
    assert _codes_on(_lookup(as_role('admin'), 'lead', '有限公司')) == (older + mine)[:10]
    response = as_role('admin').get('/admin/opportunity/ajax/lookup/',
                                    query_string={'name': 'lead', 'query': '有限公司', 'offset': 5})
    assert _codes_on(response.get_data(as_text=True)) == (older + mine)[5:15]
    assert _codes_on(_lookup(as_role('sales'), 'lead', '有限公司')) == mine[:10]
