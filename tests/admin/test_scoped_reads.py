"""Reads go through the scope: spreadsheet exports per role, 360° group names, share of wallet,
target look-ups and actuals, the reminders inbox."""
import datetime
import json
from decimal import Decimal

from ltc.models import Reminder, Target
from ltc.services import audit, planning

from ..factories import make_contact, make_contract, make_customer, make_department, make_user
from .conftest import PASSWORD, csrf_from, login


def test_finance_exports_only_signing_contacts_and_never_leads(as_role, users, db):
    customer = make_customer(owner=users['sales'])
    signer = make_contact(customer=customer, name='王签约', mobile='13900000001')
    buyer = make_contact(customer=customer, name='李采购', mobile='13900000002', wechat='li-wx')
    make_contract(customer=customer, customer_signer='王签约', owner=users['sales'])
    finance = as_role('finance')
    screen = finance.get('/admin/spreadsheets/').get_data(as_text=True)
    assert 'data-entity="contacts"' in screen and 'data-entity="leads"' not in screen
    text = finance.get('/admin/spreadsheets/contacts.csv').data.decode('utf-8-sig')
    assert '王签约' in text and '李采购' not in text and '13900000002' not in text
    for entity in ('leads', 'opportunities'):
        assert finance.get(f'/admin/spreadsheets/{entity}.csv').status_code == 404
    listing = finance.get('/admin/contact/').get_data(as_text=True)   # the admin list agrees
    assert signer.code in listing and buyer.code not in listing
    assert finance.get(f'/admin/contact/edit/?id={signer.id}').status_code in (302, 403)
    everything = as_role('sales').get('/admin/spreadsheets/contacts.csv').data.decode('utf-8-sig')
    assert '李采购' in everything


def test_cli_export_as_a_user_is_scoped_and_role_checked(runner, users, db, tmp_path):
    customer = make_customer(owner=users['sales'])
    make_contact(customer=customer, name='王签约')
    make_contact(customer=customer, name='李采购')
    make_contract(customer=customer, customer_signer='王签约')
    out = tmp_path / 'contacts.csv'
    result = runner.invoke(args=['ltc', 'export', 'contacts', str(out), '--as', users['finance'].username])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding='utf-8-sig')
    assert '王签约' in text and '李采购' not in text
    refused = runner.invoke(args=['ltc', 'export', 'leads', str(tmp_path / 'l.csv'), '--as', users['finance'].username,
                                  '--lang', 'en'])
    assert refused.exit_code == 2 and 'may not export leads' in refused.output, refused.output
    assert not (tmp_path / 'l.csv').exists()


def test_360_hides_names_of_other_owners_group_members(as_role, users, db):
    parent = make_customer(name='远航集团有限公司', owner=users['admin'], kind='group')
    mine = make_customer(name='远航(上海)有限公司', owner=users['sales'], parent=parent)
    make_customer(name='远航(北京)有限公司', owner=users['admin'], parent=mine)
    sub = make_customer(name='远航(苏州)有限公司', owner=users['sales'], parent=mine)
    html = as_role('sales').get(f'/admin/customer/360/?id={mine.id}').get_data(as_text=True)
    assert '远航集团有限公司' not in html and parent.code not in html and 'id="c360-hidden-parent"' in html
    assert '远航(北京)有限公司' not in html and 'Subsidiaries of other owners: 1' in html
    assert sub.code in html
    admin = as_role('admin').get(f'/admin/customer/360/?id={mine.id}').get_data(as_text=True)
    assert '远航集团有限公司' in admin and '远航(北京)有限公司' in admin


def test_share_of_wallet_counts_only_contracts_the_reader_may_see(as_role, users, db):
    today = datetime.date.today()
    customer = make_customer(owner=users['sales'], yearly_category_spend=Decimal('1000000'))
    make_contract(customer=customer, owner=users['sales'], amount=Decimal('100000'), status='effective',
                  signed_on=today)
    make_contract(customer=customer, owner=users['admin'], amount=Decimal('300000'), status='effective',
                  signed_on=today)
    html = as_role('sales').get(f'/admin/customer/360/?id={customer.id}').get_data(as_text=True)
    assert '10.00%' in html and '400,000.00' not in html and '300,000.00' not in html
    assert '40.00%' in as_role('admin').get(f'/admin/customer/360/?id={customer.id}').get_data(as_text=True)
    from ltc.services.dashboard import share_of_wallet_gaps
    gaps = share_of_wallet_gaps(users['sales'], today)
    assert [g['ours'] for g in gaps if g['code'] == customer.code] in ([], [100000.0])


def test_manager_targets_stay_inside_his_department_tree(app, users, db):
    from werkzeug.security import generate_password_hash
    east, west = make_department(name='华东大区'), make_department(name='西部大区')
    boss = make_user('manager', username='east.boss', department=east, password_hash=generate_password_hash(PASSWORD))
    rep = make_user('sales', username='east.rep', department=east)
    outsider = make_user('sales', username='west.rep', department=west)
    period = datetime.date.today().strftime('%Y-%m')
    make_contract(owner=outsider, department=west, status='effective', amount=Decimal('880000'),
                  signed_on=datetime.date.today())
    client = app.test_client()
    assert login(client, boss.username).status_code == 302
    found = json.loads(client.get('/admin/target/ajax/lookup/?name=user&query=').data)
    names = {row[1] for row in found}
    assert any('east.rep' in n for n in names) and not any('west.rep' in n for n in names)
    depts = json.loads(client.get('/admin/target/ajax/lookup/?name=department&query=').data)
    assert {row[0] for row in depts} == {east.id}
    page = client.get('/admin/target/new/').get_data(as_text=True)
    client.post('/admin/target/new/', data={'kind': 'sales', 'period': period, 'user': str(outsider.id),
                                            'amount': '1000', 'currency': 'CNY', 'csrf_token': csrf_from(page)})
    assert not Target.select().where(Target.user == outsider.id).exists()
    client.post('/admin/target/new/', data={'kind': 'sales', 'period': period, 'user': str(rep.id),
                                            'amount': '1000', 'currency': 'CNY', 'csrf_token': csrf_from(page)})
    assert Target.select().where(Target.user == rep.id).exists()
    # Even a target an admin set for the outsider shows the manager no achievement of West.
    with audit.acting_as('tester', 'cli'):
        planning.set_target('sales', period, 1000000, department=east)
        planning.set_target('sales', period, 1000000, user=outsider)
    assert all(r['achieved'] == 0 for r in planning.target_progress(period, user=boss))
    assert any(r['achieved'] == 880000 for r in planning.target_progress(period, user=users['admin']))
    import pytest
    from ltc.errors import RuleViolation
    with pytest.raises(RuleViolation, match='own department tree'):
        planning.set_target('sales', period, 5, user=outsider, by=boss)


def test_reminders_screen_shows_ones_own_and_admin_filters_by_recipient(as_role, users, db):
    with audit.acting_as('tester', 'cli'):
        for user, text in ((users['admin'], 'ADMIN-OWN'), (users['sales'], 'SALES-OWN')):
            audit.save(Reminder(user=user, kind='care_task', entity='Customer', entity_code='C1',
                                message=text, due_on=datetime.date.today(), dedupe_key=f'k{user.id}'))
    admin = as_role('admin')
    html = admin.get('/admin/reminder/').get_data(as_text=True)
    assert 'ADMIN-OWN' in html and 'SALES-OWN' not in html
    view = admin.application.extensions['admin'][0]._views
    reminders = next(v for v in view if getattr(v, 'model', None) is Reminder)
    index = next(i for i, f in enumerate(reminders._filters) if f.column is Reminder.user)
    key = next(k for k, (i, _f) in reminders._filter_args.items() if i == index)
    filtered = admin.get(f'/admin/reminder/?flt0_{key}={users["sales"].id}').get_data(as_text=True)
    assert 'SALES-OWN' in filtered and 'ADMIN-OWN' not in filtered
    sales = as_role('sales')
    assert 'ADMIN-OWN' not in sales.get(f'/admin/reminder/?flt0_{key}={users["admin"].id}').get_data(as_text=True)
