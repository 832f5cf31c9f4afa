"""Admin screens: forms, search and filters, exports, inline lines, bulk actions, languages, 360°."""
import io
import re
from decimal import Decimal

from openpyxl import load_workbook

from ltc.models import AuditLog, Lead, PaymentPlan

from ..factories import make_contract, make_customer, make_lead, make_payment_plan
from .conftest import csrf_from

LEAD_FORM = {'source': 'website', 'budget': '0', 'currency': 'CNY', 'status': 'new', 'grade': 'ungraded'}


def test_every_role_sees_the_dashboard(as_role, db):
    for role in ('admin', 'manager', 'sales', 'ops', 'finance'):
        html = as_role(role).get('/admin/').get_data(as_text=True)
        assert 'id="dashboard-counts"' in html and 'id="unread-reminders"' in html, role
    assert as_role('sales').get('/admin/user/').status_code == 403
    assert as_role('admin').get('/admin/user/').status_code == 200


def test_create_lead_is_audited_and_owned_by_the_sales_user(as_role, users, db):
    client = as_role('sales')
    token = csrf_from(client.get('/admin/lead/new/').get_data(as_text=True))
    response = client.post('/admin/lead/new/', data={**LEAD_FORM, 'company': '华为 Test', 'phone': '138-0000-1111',
                                                     'email': 'Ops@Example.COM', 'csrf_token': token})
    assert response.status_code == 302
    lead = Lead.get(Lead.company == '华为 Test')
    assert lead.owner_id == users['sales'].id and lead.phone_norm == '13800001111'
    assert lead.email_norm == 'ops@example.com'
    row = AuditLog.get(AuditLog.entity_code == lead.code)
    assert row.actor == 'sales1' and row.source == 'admin' and row.action == 'create'


def test_search_and_filter_the_lead_list(as_role, db):
    a = make_lead(company='Alpha', phone_norm='13911112222', email_norm='a@x.cn', industry='energy')
    b = make_lead(company='Beta', phone_norm='13733334444', email_norm='b@y.cn', industry='finance')
    client = as_role('admin')
    for term, hit, miss in ((a.code, a, b), ('139111', a, b), ('b@y', b, a)):
        html = client.get('/admin/lead/?search=' + term).get_data(as_text=True)
        assert f'>{hit.code}<' in html and f'>{miss.code}<' not in html, term
    html = client.get('/admin/lead/?flt0_0=finance').get_data(as_text=True)
    assert f'>{b.code}<' in html and f'>{a.code}<' not in html


def test_export_respects_scope_filters_cap_and_escapes_formulas(app, as_role, users, db):
    make_lead(company='=HYPERLINK("http://evil")', owner=users['sales'])
    make_lead(company='@SUM(A1)', owner=users['sales'])
    make_lead(company='Other owner', owner=users['manager'])
    client = as_role('sales')
    text = client.get('/admin/lead/export/csv/').get_data().decode('utf-8-sig')
    assert "'=HYPERLINK" in text and "'@SUM" in text and 'Other owner' not in text
    make_lead(company='Energy one', industry='energy', owner=users['sales'])
    filtered = client.get('/admin/lead/export/csv/?flt0_0=energy').get_data().decode('utf-8-sig')
    assert 'Energy one' in filtered and 'HYPERLINK' not in filtered
    app.config['EXPORT_MAX_ROWS'] = 1
    assert len(client.get('/admin/lead/export/csv/').get_data().decode('utf-8-sig').strip().splitlines()) == 2
    app.config['EXPORT_MAX_ROWS'] = 100
    book = load_workbook(io.BytesIO(client.get('/admin/lead/export/xlsx/').get_data()))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil\")" in values and 'Other owner' not in values


def test_edit_contract_with_inline_payment_plans(as_role, db):
    contract = make_contract(title='Plan me', amount=Decimal('1000'))
    plan = make_payment_plan(contract=contract, amount=Decimal('1000'))
    client = as_role('finance')
    token = csrf_from(client.get(f'/admin/contract/edit/?id={contract.id}').get_data(as_text=True))
    data = {'code': contract.code, 'title': 'Plan me', 'customer': contract.customer_id, 'status': 'draft',
            'amount': '1000', 'currency': 'CNY', 'signed_on': '2026-01-05', 'version': '1', 'csrf_token': token,
            'payment_plans-0-id': plan.id, 'payment_plans-0-sequence': '1', 'payment_plans-0-trigger': 'date',
            'payment_plans-0-due_on': '2026-03-01', 'payment_plans-0-amount': '600',
            'payment_plans-0-currency': 'CNY', 'payment_plans-0-status': 'pending',
            'payment_plans-1-id': '', 'payment_plans-1-sequence': '2', 'payment_plans-1-trigger': 'date',
            'payment_plans-1-due_on': '2026-06-01', 'payment_plans-1-amount': '400',
            'payment_plans-1-currency': 'CNY', 'payment_plans-1-status': 'pending'}
    response = client.post(f'/admin/contract/edit/?id={contract.id}', data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    plans = sorted(p.amount for p in PaymentPlan.select().where(PaymentPlan.contract == contract.id))
    assert plans == [Decimal('400'), Decimal('600')]
    assert AuditLog.select().where(AuditLog.entity == 'PaymentPlan').count() == 3


def test_bulk_assign_owner_is_scoped_and_audited(as_role, users, db):
    leads = [make_lead(), make_lead()]
    client = as_role('admin')
    ids = ','.join(str(l.id) for l in leads)
    page = client.get(f'/admin/lead/bulk/owner/?ids={ids}').get_data(as_text=True)
    response = client.post(f'/admin/lead/bulk/owner/?ids={ids}', data={
        'ids': ids, 'value': users['sales'].id, 'csrf_token': csrf_from(page)})
    assert response.status_code == 302
    assert {Lead.get_by_id(l.id).owner_id for l in leads} == {users['sales'].id}
    assert AuditLog.select().where(AuditLog.action == 'assign').count() == 2


def test_chinese_labels_and_language_switch(app, as_role, db):
    make_lead(status='new', grade='high')
    client = as_role('admin', lang='zh_Hans_CN')
    html = client.get('/admin/lead/').get_data(as_text=True)
    assert '公司名称' in html and '高价值' in html and '线索' in html
    assert '<span class="badge badge-success">高价值</span>' in html   # grade as a coloured badge
    assert '导出' in html   # Flask-Admin's own zh_Hans_CN catalogue ("Export")
    form = client.get('/admin/contract/new/').get_data(as_text=True)
    assert '签约日期' in form                                          # labels
    assert '官网' in client.get('/admin/lead/new/').get_data(as_text=True)   # choices by their labels
    assert re.search(r'添加\s*回款计划', form) and re.search(r'添加\s*明细', form)   # inline lines
    client.get('/lang/en', headers={'Referer': '/admin/lead/'})
    html = client.get('/admin/lead/').get_data(as_text=True)
    assert 'Company' in html and 'High-value' in html
    for code in ('zh', 'zh-CN', 'zh_Hans'):   # short forms a user may type mean Simplified Chinese
        client.get(f'/lang/{code}', headers={'Referer': '/admin/lead/'})
        assert '公司名称' in client.get('/admin/lead/').get_data(as_text=True)
        client.get('/lang/en', headers={'Referer': '/admin/lead/'})
    client.get('/lang/xx', headers={'Referer': '/admin/lead/'})   # unknown: English
    assert 'Company' in client.get('/admin/lead/').get_data(as_text=True)
    browser = app.test_client()
    page = browser.get('/login', headers={'Accept-Language': 'zh-CN,zh;q=0.9'}).get_data(as_text=True)
    assert '登录' in page


def test_customer_360_totals(as_role, db):
    customer = make_customer(yearly_category_spend=Decimal('1000000'))
    contract = make_contract(customer=customer, amount=Decimal('200000'), status='effective',
                             signed_on=__import__('datetime').date.today())
    make_payment_plan(contract=contract, amount=Decimal('50000'), status='pending',
                      due_on=__import__('datetime').date(2020, 1, 1))
    client = as_role('admin')
    html = client.get(f'/admin/customer/360/?id={customer.id}').get_data(as_text=True)
    assert contract.code in html and '200,000.00' in html and '50,000.00' in html and '20.00%' in html


def test_translations_are_compiled(tmp_path):
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po
    from ltc.admin.i18n import current_translations
    folder = current_translations() / 'zh_Hans_CN' / 'LC_MESSAGES'
    po = read_po(open(folder / 'messages.po', 'rb'))
    mo = read_mo(open(folder / 'messages.mo', 'rb'))
    def strings(catalog):   # a plural entry's id and strings are tuples
        def flat(value):
            return tuple(value) if isinstance(value, (list, tuple)) else value
        return {flat(m.id): flat(m.string) for m in catalog if m.id}
    assert strings(po) == strings(mo)
    assert all(m.string for m in po if m.id)
    # A msgid written twice keeps only one of its translations, silently: never allow it.
    ids = re.findall(r'^msgid "(.+)"$', (folder / 'messages.po').read_text(encoding='utf-8'), re.M)
    assert not {i for i in ids if ids.count(i) > 1}


def test_finance_sees_customers_with_contracts_only_and_cannot_edit_them(as_role, db):
    with_contract = make_contract().customer
    without = make_customer(name='No contract yet')
    client = as_role('finance')
    html = client.get('/admin/customer/').get_data(as_text=True)
    assert with_contract.code in html and without.code not in html
    assert client.get(f'/admin/customer/360/?id={with_contract.id}').status_code == 200
    assert client.get(f'/admin/customer/edit/?id={with_contract.id}').status_code == 302


def test_pool_filter_lists_customers_without_owner(app, as_role, users, db):
    pooled = make_customer(owner=None)
    owned = make_customer(owner=users['sales'])
    view = next(v for v in app.extensions['ltc_admin']._views if getattr(v, 'endpoint', '') == 'customer')
    arg = next(arg for arg, (_i, flt) in view._filter_args.items() if str(flt.name) == 'Public pool')
    html = as_role('admin').get(f'/admin/customer/?flt0_{arg}=1').get_data(as_text=True)
    assert pooled.code in html and owned.code not in html


def test_every_screen_sorts_only_on_indexed_columns(app):
    from peewee import ForeignKeyField
    from ltc.models import ALL_MODELS
    admin = app.extensions['ltc_admin']
    screened = {v.model for v in admin._views if hasattr(v, 'model')}
    # Without a grid: code counters, the generation of the settings' copies, API tokens (their own page:
    # a secret is shown once, never listed) and the API's stored answers to idempotent requests (a cache
    # that expires). Notification choices have their own page too (My notifications); an opportunity's
    # team its section of the opportunity page.
    unscreened = {'CodeSequence', 'ConfigGeneration', 'ApiToken', 'IdempotentAnswer', 'NotificationPreference',
                  'TeamMember'}
    assert screened >= {m for m in ALL_MODELS if m.__name__ not in unscreened}
    for view in admin._views:
        if not hasattr(view, 'model'):
            continue
        leading = {fields[0] for fields, _unique in view.model._meta.indexes}
        for name in view._sortable_columns:
            field = view.model._meta.fields[name]
            assert (field.index or field.unique or field.primary_key or isinstance(field, ForeignKeyField)
                    or name in leading), f'{view.endpoint}.{name} is sortable but not indexed'


def test_pages_have_no_inline_event_handlers(as_role, db):
    contract = make_contract()
    make_payment_plan(contract=contract)
    client = as_role('admin')
    for url in ('/admin/', '/admin/lead/', '/admin/lead/new/', f'/admin/contract/edit/?id={contract.id}',
                f'/admin/contract/details/?id={contract.id}', '/admin/customer/'):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r'<[^>]+\son[a-z]+=', html), url
