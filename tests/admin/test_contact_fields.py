"""The fields real files carry (mobile, WeChat, address, website, notes, next contact) on the admin forms,
lists, filters, details, exports and the 360° page."""
import datetime

from ltc.models import AuditLog, Contact, Customer, Lead

from ..factories import make_customer, make_lead
from .wiring import form_page


def test_lead_form_list_filter_sort_details_and_export(as_role, users, db):
    admin = as_role('admin')
    page = form_page(admin, '/admin/lead/new/', {
        'company': '星河科技', 'source': 'website', 'currency': 'CNY', 'phone': '0755-88886666',
        'mobile': '13800138000', 'wechat': 'xh_wx', 'website': 'xh.cn', 'address': '深圳南山',
        'notes': '比较急', 'next_contact_on': '2026-03-09'})
    assert page.status_code == 200 and 'alert-danger' not in page.get_data(as_text=True)
    lead = Lead.get(Lead.company == '星河科技')
    assert (lead.mobile, lead.wechat, lead.website, lead.address, lead.notes, lead.next_contact_on) == \
        ('13800138000', 'xh_wx', 'xh.cn', '深圳南山', '比较急', datetime.date(2026, 3, 9))
    assert lead.phone_norm == '13800138000'
    changes = AuditLog.get(AuditLog.entity == 'Lead', AuditLog.action == 'create').changes
    assert 'xh_wx' in changes and '2026-03-09' in changes   # audited like every other field
    make_lead(company='晚些联系', next_contact_on=datetime.date(2026, 5, 1))
    listed = admin.get('/admin/lead/').get_data(as_text=True)
    assert 'Next contact' in listed and '13800138000' in listed
    index = next(i for i, f in enumerate(admin.application.extensions['admin'][0]._views)
                 if getattr(f, 'endpoint', '') == 'lead')
    view = admin.application.extensions['admin'][0]._views[index]
    number = next(i for i, f in enumerate(view._filters) if f.column.name == 'next_contact_on')
    html = admin.get(f'/admin/lead/?flt0_{number}=2026-03-01+to+2026-03-31').get_data(as_text=True)
    assert '星河科技' in html and '晚些联系' not in html
    html = admin.get('/admin/lead/?sort=11&desc=1').get_data(as_text=True)   # next_contact_on, newest first
    assert html.index('晚些联系') < html.index('星河科技')
    details = admin.get(f'/admin/lead/details/?id={lead.id}').get_data(as_text=True)
    assert 'xh_wx' in details and '深圳南山' in details
    export = admin.get('/admin/lead/export/csv/').get_data(as_text=True)
    assert 'WeChat' in export and 'xh_wx' in export and '2026-03-09' in export


def test_customer_and_contact_forms_and_the_360_page(as_role, users, db):
    admin = as_role('admin')
    customer = make_customer(name='星河科技', owner=users['admin'])
    form_page(admin, f'/admin/customer/edit/?id={customer.id}', {
        'name': '星河科技', 'kind': 'enterprise', 'level': 'potential', 'currency': 'CNY',
        'yearly_category_spend': '0', 'target_share': '0', 'owner': users['admin'].id,
        'mobile': '13800138000', 'wechat': 'c_wx', 'next_contact_on': '2026-03-09',
        'version': str(customer.version)})
    customer = Customer.get_by_id(customer.id)
    assert (customer.mobile, customer.wechat, customer.next_contact_on) == \
        ('13800138000', 'c_wx', datetime.date(2026, 3, 9))
    form_page(admin, '/admin/contact/new/', {'customer': customer.id, 'name': '李四', 'gender': 'unknown',
                                             'address': '北京', 'website': 'ls.cn', 'wechat': 'ls_wx',
                                             'next_contact_on': '2026-04-01'})
    contact = Contact.get(Contact.name == '李四')
    assert (contact.address, contact.website, contact.next_contact_on) == ('北京', 'ls.cn', datetime.date(2026, 4, 1))
    page = admin.get(f'/admin/customer/360/?id={customer.id}').get_data(as_text=True)
    assert '13800138000' in page and 'c_wx' in page and 'Mar 9, 2026' in page
    assert 'ls_wx' in page and 'Apr 1, 2026' in page
    admin.get('/lang/zh_Hans_CN', headers={'Referer': '/admin/'})
    export = admin.get('/admin/contact/export/csv/').get_data(as_text=True)
    assert '北京' in export and 'ls.cn' in export and '2026-04-01' in export
    zh = admin.get(f'/admin/customer/360/?id={customer.id}').get_data(as_text=True)
    assert '下次联系' in zh and '微信' in zh
