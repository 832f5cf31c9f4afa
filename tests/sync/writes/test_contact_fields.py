"""Mobile and landline, WeChat, address, website, notes and next contact date: read from real files' headers,
written back by exports unchanged, kept by conversion and follow-ups."""
import datetime

import openpyxl

from ltc.models import Contact, Customer, GradingRule, Lead
from ltc.services.followups import record_followup
from ltc.services.leads import convert_lead, rule_hit, save_lead
from ltc.sync.formats.tables import open_path
from ltc.sync.writes.export import export_entity
from ltc.sync.writes.importer import plan_import, run_import
from tests.factories import make_customer, make_lead

from ..helpers import write_xlsx

NEXT = datetime.date(2026, 3, 9)


def test_a_chinese_lead_file_keeps_every_way_to_reach_the_lead(db, tmp_path):
    path = write_xlsx(tmp_path / 'leads.xlsx', [
        ['客户名称', '联系人', '手机号', '座机', '微信', '地址', '官网', '备注', '下次联系时间'],
        ['星河科技', '张三', '13800138000', '0755-88886666', 'zs_wx', '深圳市南山区科技园', 'www.xh.cn',
         '预算10万左右，比较急', '2026-03-09']])
    plan = plan_import('leads', open_path(path))
    assert not plan.sheet.unknown, plan.sheet.unknown
    result = run_import('leads', open_path(path))
    assert result.exit_code == 0, [r.message('en') for r in result.problems()]
    lead = Lead.get()
    assert (lead.mobile, lead.phone, lead.wechat, lead.address, lead.website, lead.notes, lead.next_contact_on) == \
        ('13800138000', '0755-88886666', 'zs_wx', '深圳市南山区科技园', 'www.xh.cn', '预算10万左右，比较急', NEXT)
    assert lead.phone_norm == '13800138000'   # duplicates are found by the person's own number


def test_a_lead_with_only_a_mobile_is_reachable_and_found_as_a_duplicate(db, tmp_path):
    old = make_lead(company='旧公司', phone='138-0013-8000')
    save_lead(old)
    path = write_xlsx(tmp_path / 'leads2.xlsx', [['Company', 'Mobile', 'Next contact date'],
                                                ['New Co', '+86 13800138000', '9/3/2026']])
    result = run_import('leads', open_path(path), lang='en')
    assert result.exit_code == 0, [r.message('en') for r in result.problems()]
    lead = Lead.get(Lead.company == 'New Co')
    assert lead.mobile == '+86 13800138000' and lead.phone is None and lead.next_contact_on == NEXT
    assert lead.duplicate_of.company == '旧公司'
    has_contact = GradingRule(name='has contact', field='has_contact', value='', points=10)
    assert rule_hit(has_contact, lead) == ''   # a mobile is a way to reach the lead


def test_customers_and_contacts_take_mobile_wechat_address_website_next_contact(db, tmp_path):
    path = write_xlsx(tmp_path / 'customers.xlsx', [
        ['客户名称', '电话', '手机', '微信', '网址', '地址', '下次联系日期'],
        ['星河科技', '0755-88886666', '13800138000', 'xh_wx', 'https://xh.cn', '深圳', '2026-03-09']])
    assert run_import('customers', open_path(path)).exit_code == 0
    customer = Customer.get()
    assert (customer.phone, customer.mobile, customer.wechat, customer.website, customer.address,
            customer.next_contact_on) == ('0755-88886666', '13800138000', 'xh_wx', 'https://xh.cn', '深圳', NEXT)
    path = write_xlsx(tmp_path / 'contacts.xlsx', [
        ['客户', '姓名', '固话', '手机号码', '微信号', '联系地址', '个人主页', '下次跟进日期'],
        ['星河科技', '李四', '010-66668888', '13900139000', 'ls_wx', '北京市海淀区', '', '2026-03-09']])
    plan = plan_import('contacts', open_path(path))
    assert plan.sheet.unknown == ['个人主页']   # named in the plan as not imported, never silently
    assert run_import('contacts', open_path(path)).exit_code == 0
    contact = Contact.get()
    assert (contact.phone, contact.mobile, contact.wechat, contact.address, contact.next_contact_on) == \
        ('010-66668888', '13900139000', 'ls_wx', '北京市海淀区', NEXT)


def test_exports_write_the_new_fields_and_read_them_back_unchanged(db, tmp_path):
    customer = make_customer(mobile='13800138000', wechat='c_wx', next_contact_on=NEXT)
    make_lead(mobile='013800000000', wechat='wx', website='a.cn', address='上海', notes='备注\n两行',
              next_contact_on=NEXT)
    Contact.create(customer=customer, name='王五', website='w.cn', address='广州', next_contact_on=NEXT)
    for entity in ('leads', 'customers', 'contacts'):
        for lang in ('zh', 'en'):
            path = tmp_path / f'{entity}-{lang}.xlsx'
            export_entity(entity, path, lang=lang)
            totals = run_import(entity, open_path(path), lang=lang).totals()
            assert totals['unchanged'] >= 1 and not totals['updated'] and not totals['error'], (entity, totals)
    header = [c.value for c in openpyxl.load_workbook(tmp_path / 'leads-en.xlsx')['Leads'][1]]
    for name in ('Phone', 'Mobile', 'WeChat', 'Website', 'Address', 'Notes', 'Next contact'):
        assert name in header
    sheet = openpyxl.load_workbook(tmp_path / 'leads-zh.xlsx')['线索']
    row = {h.value: c.value for h, c in zip(sheet[1], sheet[2])}
    assert row['手机'] == '013800000000' and row['下次联系日期'] == datetime.datetime(2026, 3, 9)


def test_conversion_and_follow_ups_carry_the_fields(db):
    lead = make_lead(company='星河', contact_name='张三', mobile='13800138000', phone='0755-1', wechat='zs',
                     website='xh.cn', address='深圳', next_contact_on=NEXT)
    done = convert_lead(lead)
    contact, customer = done['contact'], done['customer']
    assert (contact.mobile, contact.phone, contact.wechat, contact.next_contact_on) == \
        ('13800138000', '0755-1', 'zs', NEXT)
    assert (customer.website, customer.address) == ('xh.cn', '深圳')
    later = datetime.date(2026, 4, 1)
    record_followup(customer=customer, contact=contact, summary='电话沟通', next_contact_on=later)
    assert Customer.get_by_id(customer.id).next_contact_on == later
    assert Contact.get_by_id(contact.id).next_contact_on == later
    other = make_lead(company='另一家')
    record_followup(lead=other, next_contact_on=later)
    assert Lead.get_by_id(other.id).next_contact_on == later
