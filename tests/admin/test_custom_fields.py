"""Custom fields on the admin: defined in Settings, typed inputs on the forms, list columns, a filter, details,
the 360° page, audit rows by label, and the list export that imports back unchanged, in Chinese and English."""
import io
import re

import openpyxl

from ltc.models import AuditLog, Contract, Customer, CustomField
from ltc.services import custom_fields
from ltc.sync.formats.tables import open_path
from ltc.sync.writes.importer import run_import

from ..factories import make_customer
from .wiring import form_page


def _view(client, endpoint):
    return next(v for v in client.application.extensions['admin'][0]._views if getattr(v, 'endpoint', '') == endpoint)


def _define_in_settings(admin):
    for data in ({'entity': 'customers', 'key': 'employees', 'label_zh': '员工人数', 'label_en': 'Headcount',
                  'kind': 'number', 'sequence': '10'},
                 {'entity': 'customers', 'key': 'founded', 'label_zh': '成立日期', 'label_en': 'Founded',
                  'kind': 'date', 'sequence': '20'},
                 {'entity': 'customers', 'key': 'tier', 'label_zh': '合作层级', 'label_en': 'Tier', 'kind': 'choice',
                  'options': 'gold | Gold | 金牌\nsilver | Silver | 银牌', 'required': 'y', 'active': 'y',
                  'sequence': '30'}):
        data.setdefault('active', 'y')
        page = form_page(admin, '/admin/customfield/new/', data)
        assert 'alert-danger' not in page.get_data(as_text=True), page.get_data(as_text=True)[-3000:]
    assert [f.key for f in CustomField.of('customers')] == ['employees', 'founded', 'tier']


def test_define_fill_list_filter_export_and_reimport_in_both_languages(as_role, users, db, tmp_path):
    admin = as_role('admin')
    _define_in_settings(admin)
    refused = form_page(admin, '/admin/customfield/new/', {'entity': 'customers', 'key': 'name2', 'label_zh': '客户名称',
                                                           'label_en': 'Name 2', 'kind': 'text', 'active': 'y',
                                                           'sequence': '40'}).get_data(as_text=True)
    assert 'is the header of the built-in field Customer name' in refused
    customer = make_customer(name='星河科技', owner=users['admin'])
    base = {'name': '星河科技', 'kind': 'enterprise', 'level': 'potential', 'currency': 'CNY',
            'yearly_category_spend': '0', 'target_share': '0', 'owner': users['admin'].id}
    form = admin.get(f'/admin/customer/edit/?id={customer.id}').get_data(as_text=True)
    assert 'Headcount' in form and 'data-role="ltc-date"' in form and '<option value="gold">Gold</option>' in form
    bad = form_page(admin, f'/admin/customer/edit/?id={customer.id}', {
        **base, 'custom__employees': 'many', 'custom__founded': '2010-13-45', 'custom__tier': '',
        'version': str(customer.version)}).get_data(as_text=True)
    assert '&#34;many&#34; is not a number' in bad or '"many" is not a number' in bad
    assert 'is not a date' in bad and Customer.get_by_id(customer.id).custom is None
    zh = as_role('admin', lang='zh_Hans_CN')
    bad = form_page(zh, f'/admin/customer/edit/?id={customer.id}', {
        **base, 'custom__employees': 'many', 'custom__founded': '2010/5/4', 'custom__tier': 'gold',
        'version': str(customer.version)}).get_data(as_text=True)
    assert '不是数字' in bad
    form_page(admin, f'/admin/customer/edit/?id={customer.id}', {
        **base, 'custom__employees': '1,200', 'custom__founded': '2010年5月4日', 'custom__tier': 'gold',
        'version': str(customer.version)})
    customer = Customer.get_by_id(customer.id)
    assert customer.custom == {'employees': '1200.00', 'founded': '2010-05-04', 'tier': 'gold'}
    entry = AuditLog.select().where(AuditLog.entity == 'Customer', AuditLog.action == 'update').get()
    audit_zh = zh.get(f'/admin/auditlog/details/?id={entry.id}').get_data(as_text=True)
    assert '<b>合作层级</b>: — → 金牌' in audit_zh and '<b>员工人数</b>' in audit_zh
    other = make_customer(name='晨光贸易', owner=users['admin'])
    custom_fields.set_values(other, {'tier': 'silver', 'employees': '30'})
    listed = zh.get('/admin/customer/').get_data(as_text=True)
    assert '合作层级' in listed and '金牌' in listed and '银牌' in listed and '1,200.00' in listed
    view = _view(admin, 'customer')
    number = next(i for i, f in enumerate(view._filters) if getattr(f, 'definition', None) and f.definition.key == 'tier')
    filtered = admin.get(f'/admin/customer/?flt0_{number}=gold').get_data(as_text=True)
    assert '星河科技' in filtered and '晨光贸易' not in filtered
    number = next(i for i, f in enumerate(view._filters) if getattr(f, 'definition', None)
                  and f.definition.key == 'founded')
    filtered = admin.get(f'/admin/customer/?flt0_{number}=2010-01-01+to+2010-12-31').get_data(as_text=True)
    assert '星河科技' in filtered and '晨光贸易' not in filtered
    details = admin.get(f'/admin/customer/details/?id={customer.id}').get_data(as_text=True)
    assert 'Tier' in details and 'Gold' in details and 'May 4, 2010' in details
    page = zh.get(f'/admin/customer/360/?id={customer.id}').get_data(as_text=True)
    assert '合作层级' in page and '金牌' in page
    for client, headers in ((admin, ('Headcount', 'Founded', 'Tier')), (zh, ('员工人数', '成立日期', '合作层级'))):
        data = client.get('/admin/customer/export/xlsx/').get_data()
        rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
        assert tuple(rows[0][-3:]) == headers
        path = tmp_path / f'export-{headers[0]}.xlsx'
        path.write_bytes(data)
        result = run_import('customers', open_path(path), lang='zh' if client is zh else 'en')
        assert result.totals()['unchanged'] == 2, [r.message('en') for r in result.problems()]


def test_contract_record_page_shows_and_saves_custom_fields_after_approval(as_role, users, db):
    from ..factories import make_contract
    custom_fields.define('contracts', 'archive_box', '档案盒号', 'Archive box')
    contract = make_contract(status='effective')
    custom_fields.set_values(contract, {'archive_box': 'B-17'})   # free on an effective contract: not a term
    admin = as_role('admin', lang='zh_Hans_CN')
    page = admin.get(f'/admin/contract/details/?id={contract.id}').get_data(as_text=True)
    assert '档案盒号' in page and 'B-17' in page
    assert Contract.get_by_id(contract.id).custom == {'archive_box': 'B-17'}
    from ltc.models import Lead
    custom_fields.define('leads', 'expo_booth', '展位号', 'Booth', required=True)
    en = as_role('admin')
    refused = form_page(en, '/admin/lead/new/', {'company': '星河科技', 'source': 'website', 'currency': 'CNY'})
    assert 'This field is required' in refused.get_data(as_text=True) and not Lead.select().exists()
    form_page(en, '/admin/lead/new/', {'company': '星河科技', 'source': 'website', 'currency': 'CNY',
                                       'custom__expo_booth': 'A-12'})
    lead = Lead.get()
    assert lead.custom == {'expo_booth': 'A-12'}
    assert 'A-12' in en.get(f'/admin/lead/details/?id={lead.id}').get_data(as_text=True)
    assert 'value="A-12"' in en.get(f'/admin/lead/edit/?id={lead.id}').get_data(as_text=True)


def test_the_import_mapping_keeps_an_unknown_column_as_a_custom_field(as_role, users, db):
    from ltc.admin import uploads
    from ltc.models import Lead
    from .conftest import csrf_from
    from .test_sync_screens import preview_rows, token_of, upload
    admin = as_role('admin', lang='zh_Hans_CN')
    token = token_of(upload(admin, '公司名称,展位号,预算金额说明\n星河科技,A-12,十万\n'.encode('utf-8')))
    page = admin.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    assert page.count('class="form-inline mt-1 keep-custom"') == 2 and '<option value="date">日期</option>' in page
    page = admin.post(f'/admin/import/{token}/keep', data={'csrf_token': csrf_from(page), 'col-0': 'company',
                                                            'col-1': '', 'col-2': '', 'keep': '1',
                                                            'kind-1': 'text', 'sheet': ''},
                      follow_redirects=True).get_data(as_text=True)
    assert '列「展位号」已保存为自定义字段「展位号」' in page
    booth = re.search(r'data-header="展位号">(.*?)</select>', page, re.S).group(1)
    assert '<option value="custom:zhan_wei_hao" selected>展位号</option>' in booth
    assert page.count('class="form-inline mt-1 keep-custom"') == 1   # the other unknown column still offers it
    response = admin.post(f'/admin/import/{token}/mapping', data={
        'csrf_token': csrf_from(page), 'col-0': 'company', 'col-1': 'custom:zhan_wei_hao', 'col-2': '',
        'on_existing': 'update', 'sheet': ''})
    html = admin.get(response.headers['Location']).get_data(as_text=True)
    assert preview_rows(html) == {'2': 'created'} and 'A-12' in html
    admin.post(f'/admin/import/{token}/confirm', data={'csrf_token': csrf_from(html)})
    uploads.THREADS[token].join(30)
    assert Lead.get().custom == {'zhan_wei_hao': 'A-12'}
    sales = as_role('sales')
    token = token_of(upload(sales, '公司名称,展位号2\n乙公司,B-3\n'.encode('utf-8')))
    assert 'Keep as custom field' not in sales.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
