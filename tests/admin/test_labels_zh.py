"""Every column header, filter and form label of the admin reads in Chinese when the user chose Chinese."""
import re

from flask_admin.contrib.peewee import ModelView

CJK = re.compile(r'[\u4e00-\u9fff]')


def test_every_admin_label_has_chinese(app, db):
    admin = app.extensions['admin'][0]
    missing = []
    with app.test_request_context('/admin/', headers={'Cookie': 'ltc_lang=zh_Hans_CN'}):
        for view in admin._views:
            if not isinstance(view, ModelView):
                continue
            names = [c for c, _label in view.get_list_columns()]
            names += [c for c, _label in view.get_details_columns()]
            names += list(view.form_columns or ())
            for name in dict.fromkeys(names):
                label = str(view.get_column_name(name))
                if not CJK.search(label):
                    missing.append(f'{view.endpoint}.{name}: {label!r}')
            for flt in view._filters or ():
                if not CJK.search(str(flt.name)):
                    missing.append(f'{view.endpoint} filter: {flt.name!r}')
    assert not missing, '\n'.join(sorted(set(missing)))


def test_audit_log_names_record_kinds_and_actions_in_the_users_language(as_role, db):
    from ..factories import make_lead
    make_lead()
    zh = as_role('admin', lang='zh_Hans_CN').get('/admin/auditlog/').get_data(as_text=True)
    assert re.search(r'col-entity">\s*线索', zh)
    assert re.search(r'col-action">\s*新建', zh) and re.search(r'col-source">\s*命令行', zh)
    users = as_role('admin', lang='zh_Hans_CN').get('/admin/user/').get_data(as_text=True)
    assert re.search(r'col-role">\s*销售', users) and not re.search(r'col-role">\s*sales\s*<', users)
    en = as_role('admin').get('/admin/auditlog/').get_data(as_text=True)
    assert re.search(r'col-entity">\s*Leads', en) and re.search(r'col-action">\s*Created', en)


def test_audit_log_shows_changes_as_labelled_fields(as_role, db):
    """Changes read "label: old → new" with choices by their labels; the list shows six fields."""
    from ltc.models import AuditLog
    from ..factories import make_lead
    lead = make_lead(company='华为技术', status='new')
    entry = AuditLog.select().where(AuditLog.entity_code == lead.code).get()
    zh = as_role('admin', lang='zh_Hans_CN')
    listing = zh.get('/admin/auditlog/').get_data(as_text=True)
    assert '个字段' in listing   # a created lead changes more than six fields
    details = zh.get(f'/admin/auditlog/details/?id={entry.id}').get_data(as_text=True)
    assert '<b>公司名称</b>: — → 华为技术' in details and '<b>状态</b>: — → 新建' in details
    assert '"company"' not in details   # not the stored JSON
    en = as_role('admin').get(f'/admin/auditlog/details/?id={entry.id}').get_data(as_text=True)
    assert '<b>Company</b>: — → 华为技术' in en and '<b>Status</b>: — → New' in en


def test_audit_log_names_referenced_records_and_formats_times(as_role, users, db):
    """A foreign key reads as the record's code and name (not `Owner: 16 → —`), a time as a time."""
    import datetime
    from ltc.models import AuditLog, Customer
    from ltc.services import customers
    from ..factories import make_customer, make_department
    branch = make_department(name='杭州分部', name_en='Hangzhou Branch')
    seller = users['sales']
    seller.department, seller.display_name_en = branch, 'Sally Seller'
    seller.save()
    customer = make_customer(name='新测智能', last_followup_at=datetime.datetime(2026, 3, 5, 9, 30))
    customers.assign_owner(customer, seller, by=users['admin'])
    entry = (AuditLog.select().where(AuditLog.entity_code == customer.code, AuditLog.action == 'assign').get())
    en = as_role('admin').get(f'/admin/auditlog/details/?id={entry.id}').get_data(as_text=True)
    assert f'<b>Owner</b>: — → {seller.code} Sally Seller' in en, en
    assert f'{branch.code} Hangzhou Branch' in en and '杭州分部' not in en
    zh = as_role('admin', lang='zh_Hans_CN').get(f'/admin/auditlog/details/?id={entry.id}').get_data(as_text=True)
    assert f'{branch.code} 杭州分部' in zh
    created = AuditLog.select().where(AuditLog.entity_code == customer.code, AuditLog.action == 'create').get()
    page = as_role('admin').get(f'/admin/auditlog/details/?id={created.id}').get_data(as_text=True)
    assert 'Mar 5, 2026' in page and '2026-03-05T09:30' not in page
    Customer.update(owner=None, department=None).where(Customer.id == customer.id).execute()
    seller_id = seller.id
    AuditLog.update(changes='{"owner": [null, 999999]}').where(AuditLog.id == entry.id).execute()
    en = as_role('admin').get(f'/admin/auditlog/details/?id={entry.id}').get_data(as_text=True)
    assert '#999999 (deleted)' in en and seller_id


def test_select_boxes_and_look_ups_name_records_in_english_in_the_english_ui(as_role, users, db):
    """`D000004 杭州分部` reads `D000004 Hangzhou Branch` in English, and look-ups do not ask to
    "Please select model"; the Chinese interface keeps the Chinese names; booleans read Yes/No."""
    import html as markup
    from ltc.models import AuditLog
    from ..factories import make_customer, make_department
    branch = make_department(name='杭州分部', name_en='Hangzhou Branch')
    en = markup.unescape(as_role('admin').get('/admin/user/new/').get_data(as_text=True))
    assert f'{branch.code} Hangzhou Branch' in en and '杭州分部' not in en
    zh = markup.unescape(as_role('admin', lang='zh_Hans_CN').get('/admin/user/new/').get_data(as_text=True))
    assert f'{branch.code} 杭州分部' in zh
    form = as_role('sales').get('/admin/followup/new/').get_data(as_text=True)
    assert 'Please select model' not in form and 'Type to search' in form
    customer = make_customer(owner=users['sales'], locked=True)
    entry = AuditLog.select().where(AuditLog.entity_code == customer.code).get()
    page = as_role('admin').get(f'/admin/auditlog/details/?id={entry.id}').get_data(as_text=True)
    assert '<b>Locked</b>: — → Yes' in page and 'True' not in page.split('<b>Locked</b>')[1][:20]
