"""Admin → contract renewal, quote validity, customer lock/unlock, care-task completion and the team feed."""
import contextlib
import datetime
import json
from decimal import Decimal

from ltc.db import utcnow
from ltc.models import AuditLog, CareTask, Contract, ContractLine, Customer, Quote, User
from ltc.services import audit, care, opportunities, quotes
from ltc.services.followups import record_followup

from ..factories import (make_contract, make_contract_line, make_customer, make_department, make_opportunity,
                         make_product, make_stage_moves, make_user)
from .conftest import csrf_from
from .wiring import bulk, form_page, version_of

TODAY = datetime.date.today()


@contextlib.contextmanager
def unchanged(*models):
    """Assert that every row of MODELS and of the audit log is the same after the block."""
    def snap():
        return ([sorted(m.select().dicts(), key=lambda r: r['id']) for m in models],
                sorted(AuditLog.select().dicts(), key=lambda r: r['id']))
    before = snap()
    yield
    assert snap() == before


def audits(entity, code, action):
    return list(AuditLog.select().where(AuditLog.entity == entity, AuditLog.entity_code == code,
                                        AuditLog.action == action).order_by(AuditLog.id))


def no_csrf_post(client, url, data):
    """POST without a token: the admin answers 'form expired … nothing was saved'."""
    response = client.post(url, data=data, follow_redirects=True)
    assert response.status_code == 200
    assert 'Reload the page and try again' in response.get_data(as_text=True)


# -- contract renewal ----------------------------------------------------------------------------
def live_contract(owner, status='effective', end_on=datetime.date(2026, 12, 31)):
    contract = make_contract(owner=owner, amount=Decimal('1000'), status=status,
                             start_on=datetime.date(2026, 1, 1), end_on=end_on)
    make_contract_line(contract=contract)
    return Contract.get_by_id(contract.id)


def test_renew_creates_the_draft_renewal_through_the_service(as_role, users, db):
    contract = live_contract(users['sales'])
    client = as_role('sales')
    details = client.get(f'/admin/contract/details/?id={contract.id}').get_data(as_text=True)
    assert 'data-act="renew"' in details
    url = f'/admin/contract/act/renew/?id={contract.id}'
    form = client.get(url).get_data(as_text=True)
    assert 'name="end_on"' in form and 'name="start_on"' in form and 'name="version"' in form
    page = form_page(client, url, {'end_on': '2027-12-31'}).get_data(as_text=True)
    renewal = Contract.get(Contract.renewal_of == contract.id)
    assert 'Renewal draft created:' in page and f'>{renewal.code}</a>' in page
    assert renewal.status == 'draft' and renewal.start_on == datetime.date(2027, 1, 1)
    assert renewal.end_on == datetime.date(2027, 12, 31) and renewal.owner_id == users['sales'].id
    assert renewal.title == contract.title and renewal.amount == contract.amount
    assert ContractLine.select().where(ContractLine.contract == renewal.id).count() == 1
    [row] = audits('Contract', renewal.code, 'renew')
    assert (row.actor, row.source) == ('sales1', 'admin')
    assert Contract.get_by_id(contract.id).status == 'effective'   # the old contract runs on
    old = client.get(f'/admin/contract/details/?id={contract.id}').get_data(as_text=True)
    assert f'Renewed by {renewal.code}' in old
    new = client.get(f'/admin/contract/details/?id={renewal.id}').get_data(as_text=True)
    assert f'Renews {contract.code}' in new and 'data-act="renew"' not in new


def test_renew_bad_input_is_a_field_error_and_saves_nothing(as_role, users, db):
    contract = live_contract(users['sales'])
    client = as_role('sales')
    url = f'/admin/contract/act/renew/?id={contract.id}'
    with unchanged(Contract, ContractLine):
        page = form_page(client, url, {'end_on': ''}).get_data(as_text=True)
        assert 'field-error' in page and 'This field is required.' in page
        page = form_page(client, url, {'end_on': '2027-13-45'}).get_data(as_text=True)
        assert 'field-error' in page and 'is not a date; type it as 2027-01-31 or 2027/1/31.' in page
        page = form_page(client, url, {'start_on': '2027-06-01', 'end_on': '2027-01-31'}).get_data(as_text=True)
        assert 'Nothing was saved: The renewal ends (2027-01-31) before it starts (2027-06-01)' in page
        assert 'id="act-form"' in page   # the form is shown again


def test_renewing_a_draft_is_refused_with_the_rule_in_the_users_language(as_role, users, db):
    draft = live_contract(users['sales'], status='draft')
    client, chinese = as_role('sales'), as_role('sales', 'zh_Hans_CN')
    assert 'data-act="renew"' not in client.get(f'/admin/contract/details/?id={draft.id}').get_data(as_text=True)
    url = f'/admin/contract/act/renew/?id={draft.id}'
    with unchanged(Contract, ContractLine):
        page = form_page(client, url, {'end_on': '2027-12-31'}).get_data(as_text=True)
        assert 'Nothing was saved: Rule status-flow: contract' in page and 'renew needs it to be' in page
        page = form_page(chinese, url, {'end_on': '2027-12-31'}).get_data(as_text=True)
        assert '规则 status-flow' in page and '才能续签' in page and '续签' in page


def test_renewing_a_renewed_contract_is_refused_naming_the_renewal(as_role, users, db):
    contract = live_contract(users['sales'])
    client, chinese = as_role('sales'), as_role('sales', 'zh_Hans_CN')
    url = f'/admin/contract/act/renew/?id={contract.id}'
    stale = client.get(url).get_data(as_text=True)   # a second tab, opened before the first renewal
    form_page(client, url, {'end_on': '2027-12-31'})
    renewal = Contract.get(Contract.renewal_of == contract.id)
    details = client.get(f'/admin/contract/details/?id={contract.id}').get_data(as_text=True)
    assert 'data-act="renew"' not in details and f'Renewed by {renewal.code}' in details
    with unchanged(Contract, ContractLine):
        page = client.post(url, data={'csrf_token': csrf_from(stale), 'end_on': '2028-12-31'},
                           follow_redirects=True).get_data(as_text=True)
        assert (f'Nothing was saved: Rule contract-renewed: contract {contract.code} was already renewed by '
                f'{renewal.code} (draft)') in page
        page = form_page(chinese, url, {'end_on': '2028-12-31'}).get_data(as_text=True)
        assert f'规则 contract-renewed：合同 {contract.code} 已续签为 {renewal.code}（草稿）' in page


def test_renew_outside_scope_is_404_and_without_csrf_is_refused(as_role, users, db):
    contract = live_contract(users['sales'])
    url = f'/admin/contract/act/renew/?id={contract.id}'
    manager, sales = as_role('manager'), as_role('sales')   # the manager has no department: own rows only
    token = csrf_from(manager.get('/admin/contract/').get_data(as_text=True))
    with unchanged(Contract, ContractLine):
        assert manager.get(url).status_code == 404
        assert manager.post(url, data={'csrf_token': token, 'end_on': '2027-12-31'}).status_code == 404
        no_csrf_post(sales, url, {'end_on': '2027-12-31'})


def test_renew_from_a_stale_page_saves_nothing(as_role, users, db):
    contract = live_contract(users['sales'])
    client = as_role('sales')
    url = f'/admin/contract/act/renew/?id={contract.id}'
    html = client.get(url).get_data(as_text=True)
    changed = Contract.get_by_id(contract.id)
    with audit.acting_as('someone', 'admin'):
        changed.title = 'Changed meanwhile'
        audit.save(changed)
    with unchanged(Contract, ContractLine):
        page = client.post(url, data={'csrf_token': csrf_from(html), 'version': str(contract.version),
                                      'end_on': '2027-12-31'}, follow_redirects=True).get_data(as_text=True)
        assert 'This record changed since you opened it' in page


# -- quote validity ------------------------------------------------------------------------------
def sent_quote(owner, valid_until=TODAY + datetime.timedelta(days=10)):
    customer = make_customer(owner=owner)
    quote = quotes.create_quote(customer, 'ERP', quoted_on=TODAY - datetime.timedelta(days=5),
                                valid_until=valid_until, owner=owner,
                                lines=[{'product': make_product(), 'quantity': 1}])
    return quotes.send_quote(quote)


def test_extend_validity_through_the_service(as_role, users, db):
    quote = sent_quote(users['sales'])
    client = as_role('sales')
    assert 'data-act="extend_validity"' in client.get(
        f'/admin/quote/details/?id={quote.id}').get_data(as_text=True)
    url = f'/admin/quote/act/extend_validity/?id={quote.id}'
    assert f'value="{quote.valid_until.isoformat()}"' in client.get(url).get_data(as_text=True)
    new_date = TODAY + datetime.timedelta(days=40)
    page = form_page(client, url, {'valid_until': new_date.isoformat()}).get_data(as_text=True)
    assert f'The validity was extended to {new_date.isoformat()}.' in page
    assert Quote.get_by_id(quote.id).valid_until == new_date
    row = audits('Quote', quote.code, 'update')[-1]
    assert row.actor == 'sales1' and row.source == 'admin'
    assert json.loads(row.changes)['valid_until'] == [quote.valid_until.isoformat(), new_date.isoformat()]


def test_extending_an_accepted_quote_or_before_the_quote_date_is_refused(as_role, users, db):
    quote = sent_quote(users['sales'])
    client, chinese = as_role('sales'), as_role('sales', 'zh_Hans_CN')
    url = f'/admin/quote/act/extend_validity/?id={quote.id}'
    with unchanged(Quote):
        page = form_page(client, url, {'valid_until': '2000-01-01'}).get_data(as_text=True)
        assert (f'Nothing was saved: Quote {quote.code} would be valid until 2000-01-01, before its quote date '
                f'{quote.quoted_on.isoformat()}') in page
        page = form_page(client, url, {'valid_until': 'soon'}).get_data(as_text=True)
        assert 'field-error' in page and 'is not a date; type it as 2027-01-31 or 2027/1/31.' in page
    quotes.accept_quote(Quote.get_by_id(quote.id))
    assert 'data-act="extend_validity"' not in client.get(
        f'/admin/quote/details/?id={quote.id}').get_data(as_text=True)
    later = (TODAY + datetime.timedelta(days=60)).isoformat()
    with unchanged(Quote, Contract):
        page = form_page(client, url, {'valid_until': later}).get_data(as_text=True)
        assert 'Rule status-flow: quote' in page and 'is accepted; changing its validity needs' in page
        page = form_page(chinese, url, {'valid_until': later}).get_data(as_text=True)
        assert '才能修改有效期' in page


def test_quote_form_refuses_a_validity_before_the_quote_date(as_role, users, db):
    quote = sent_quote(users['sales'])
    client, chinese = as_role('sales'), as_role('sales', 'zh_Hans_CN')
    url = f'/admin/quote/edit/?id={quote.id}'
    quoted_on, early = quote.quoted_on.isoformat(), (quote.quoted_on - datetime.timedelta(days=1)).isoformat()
    fields = {'title': 'ERP', 'customer': quote.customer_id, 'quoted_on': quoted_on, 'currency': 'CNY',
              'owner': users['sales'].id}
    product = make_product()
    with unchanged(Quote):
        html = client.get(url).get_data(as_text=True)
        page = client.post(url, follow_redirects=True, data={
            **fields, 'valid_until': early, 'version': version_of(html),
            'csrf_token': csrf_from(html)}).get_data(as_text=True)
        assert (f'Nothing was saved: Quote {quote.code} would be valid until {early}, before its quote date '
                f'{quoted_on}; choose a validity date on or after {quoted_on}.') in page
        html = chinese.get(url).get_data(as_text=True)
        page = chinese.post(url, follow_redirects=True, data={
            **fields, 'valid_until': early, 'version': version_of(html),
            'csrf_token': csrf_from(html)}).get_data(as_text=True)
        assert f'报价单 {quote.code} 的有效期 {early} 早于报价日期 {quoted_on}' in page
        page = form_page(client, '/admin/quote/new/', {**fields, 'title': 'Backdated', 'valid_until': early,
                                                       'lines-0-product': product.id,
                                                       'lines-0-quantity': '1'}).get_data(as_text=True)
        assert f'The quote would be valid until {early}, before its quote date {quoted_on}' in page
    html = client.get(url).get_data(as_text=True)
    client.post(url, data={**fields, 'valid_until': quoted_on, 'version': version_of(html),
                           'csrf_token': csrf_from(html)})
    assert Quote.get_by_id(quote.id).valid_until == quote.quoted_on   # the quote date itself is fine


def test_extend_outside_scope_is_404_and_without_csrf_is_refused(as_role, users, db):
    quote = sent_quote(users['sales'])
    url = f'/admin/quote/act/extend_validity/?id={quote.id}'
    later = (TODAY + datetime.timedelta(days=60)).isoformat()
    manager, sales = as_role('manager'), as_role('sales')
    token = csrf_from(manager.get('/admin/quote/').get_data(as_text=True))
    with unchanged(Quote):
        assert manager.get(url).status_code == 404
        assert manager.post(url, data={'csrf_token': token, 'valid_until': later}).status_code == 404
        no_csrf_post(sales, url, {'valid_until': later})


# -- customer lock / unlock ----------------------------------------------------------------------
def test_lock_and_unlock_through_the_service(as_role, users, db):
    customer = make_customer(owner=users['sales'])
    ops, sales = as_role('ops'), as_role('sales')
    assert 'data-act="lock"' in ops.get(f'/admin/customer/details/?id={customer.id}').get_data(as_text=True)
    assert 'name="locked"' not in ops.get(f'/admin/customer/edit/?id={customer.id}').get_data(as_text=True)
    page = form_page(ops, f'/admin/customer/act/lock/?id={customer.id}',
                     {'reason': 'strategic account'}).get_data(as_text=True)
    assert '1 customer was locked.' in page and 'Exempt from the public pool' in page
    assert Customer.get_by_id(customer.id).locked
    [row] = audits('Customer', customer.code, 'lock')
    assert (row.actor, row.source, row.note) == ('ops1', 'admin', 'strategic account')
    details = ops.get(f'/admin/customer/details/?id={customer.id}').get_data(as_text=True)
    assert 'data-act="unlock"' in details and 'data-act="lock"' not in details
    # The pool's rule applies to the locked customer: its owner cannot release it.
    with unchanged(Customer):
        page = form_page(sales, f'/admin/customer/act/release/?id={customer.id}',
                         {'reason': 'no budget'}).get_data(as_text=True)
        assert 'Release refused: customer' in page and 'unlock it first' in page
    form_page(ops, f'/admin/customer/act/unlock/?id={customer.id}', {'reason': 'contract ended'})
    assert not Customer.get_by_id(customer.id).locked
    [row] = audits('Customer', customer.code, 'unlock')
    assert (row.actor, row.note) == ('ops1', 'contract ended')


def test_lock_needs_a_reason_and_locking_twice_is_refused(as_role, users, db):
    customer = make_customer(owner=users['sales'])
    ops, chinese = as_role('ops'), as_role('ops', 'zh_Hans_CN')
    url = f'/admin/customer/act/lock/?id={customer.id}'
    with unchanged(Customer):
        page = form_page(ops, url, {'reason': '   '}).get_data(as_text=True)
        assert 'field-error' in page and 'This field is required.' in page
        page = form_page(ops, url, {'reason': 'x' * 256}).get_data(as_text=True)
        assert 'field-error' in page and 'longer than 255' in page
    form_page(ops, url, {'reason': 'key account'})
    with unchanged(Customer):
        page = form_page(ops, url, {'reason': 'again'}).get_data(as_text=True)
        assert 'Nothing was saved: Rule customer-lock: customer' in page and 'already locked' in page
        page = form_page(chinese, url, {'reason': 'again'}).get_data(as_text=True)
        assert '已锁定；无需重复锁定' in page


def test_lock_roles_scope_and_csrf(as_role, users, db):
    customer = make_customer(owner=users['sales'])
    url = f'/admin/customer/act/lock/?id={customer.id}'
    sales = as_role('sales')   # locking is for admins, managers and ops
    assert 'data-act="lock"' not in sales.get(f'/admin/customer/details/?id={customer.id}').get_data(as_text=True)
    token = csrf_from(sales.get('/admin/customer/').get_data(as_text=True))
    manager = as_role('manager')   # no department: only their own customers and the pool
    manager_token = csrf_from(manager.get('/admin/customer/').get_data(as_text=True))
    ops = as_role('ops')
    with unchanged(Customer):
        assert sales.post(url, data={'csrf_token': token, 'reason': 'mine'}).status_code == 403
        assert manager.get(url).status_code == 404
        assert manager.post(url, data={'csrf_token': manager_token, 'reason': 'x'}).status_code == 404
        no_csrf_post(ops, url, {'reason': 'no token'})


# -- care tasks ----------------------------------------------------------------------------------
def care_task(owner, kind='return_visit', **kw):
    customer = make_customer(owner=owner)
    return audit.save(CareTask(customer=customer, kind=kind, due_on=TODAY, owner=owner, **kw))


def test_complete_care_task_through_the_service(as_role, users, db):
    task = care_task(users['sales'], notes='ask about the rollout')
    client = as_role('sales')
    assert 'data-act="complete_care"' in client.get(
        f'/admin/caretask/details/?id={task.id}').get_data(as_text=True)
    edit = client.get(f'/admin/caretask/edit/?id={task.id}').get_data(as_text=True)
    assert 'name="status"' not in edit and 'name="satisfaction"' not in edit
    url = f'/admin/caretask/act/complete_care/?id={task.id}'
    assert 'ask about the rollout' in client.get(url).get_data(as_text=True)
    page = form_page(client, url, {'satisfaction': '4', 'notes': 'happy with the rollout'}).get_data(as_text=True)
    assert '1 care task was completed.' in page
    task = CareTask.get_by_id(task.id)
    assert (task.status, task.satisfaction, task.notes) == ('done', 4, 'happy with the rollout')
    assert task.done_at is not None
    [row] = audits('CareTask', task.code, 'complete')
    assert (row.actor, row.source) == ('sales1', 'admin')


def test_completing_a_done_task_or_a_visit_without_score_is_refused(as_role, users, db):
    task = care_task(users['sales'])
    client, chinese = as_role('sales'), as_role('sales', 'zh_Hans_CN')
    url = f'/admin/caretask/act/complete_care/?id={task.id}'
    with unchanged(CareTask):
        page = form_page(client, url, {'satisfaction': ''}).get_data(as_text=True)
        assert 'Nothing was saved: A return visit needs a satisfaction score from 1 to 5.' in page
        page = form_page(client, url, {'satisfaction': '9'}).get_data(as_text=True)
        assert 'field-error' in page and 'Not a valid choice' in page
    care.complete_task(task, satisfaction=5)
    with unchanged(CareTask):
        page = form_page(client, url, {'satisfaction': '3'}).get_data(as_text=True)
        assert 'Rule care-open: care task' in page and 'only open tasks can be completed' in page
        page = form_page(chinese, url, {'satisfaction': '3'}).get_data(as_text=True)
        assert '规则 care-open' in page and '只有待办任务才能完成' in page


def test_complete_and_cancel_care_tasks_in_bulk(as_role, users, db):
    birthdays = [care_task(users['sales'], kind='birthday') for _ in range(2)]
    client = as_role('sales')
    response = bulk(client, 'caretask', 'complete_care', [t.id for t in birthdays])
    page = response.get_data(as_text=True)
    assert 'id="act-form"' in page and all(t.code in page for t in birthdays)
    ids = ','.join(str(t.id) for t in birthdays)
    form_page(client, f'/admin/caretask/act/complete_care/?ids={ids}', {'notes': 'card sent'})
    assert all(CareTask.get_by_id(t.id).status == 'done' for t in birthdays)
    holiday = care_task(users['sales'], kind='holiday')
    url = f'/admin/caretask/act/cancel_care/?id={holiday.id}'
    with unchanged(CareTask):
        page = form_page(client, url, {'reason': ''}).get_data(as_text=True)
        assert 'Cancelling care task' in page and 'needs a reason' in page
    form_page(client, url, {'reason': 'customer asked for no gifts'})
    assert CareTask.get_by_id(holiday.id).status == 'cancelled'
    assert audits('CareTask', holiday.code, 'cancel')[0].note == 'customer asked for no gifts'


def test_care_outside_scope_is_404_and_without_csrf_is_refused(as_role, users, db):
    task = care_task(users['sales'], kind='birthday')
    url = f'/admin/caretask/act/complete_care/?id={task.id}'
    manager, sales, finance = as_role('manager'), as_role('sales'), as_role('finance')
    token = csrf_from(manager.get('/admin/caretask/').get_data(as_text=True))
    with unchanged(CareTask):
        assert manager.get(url).status_code == 404
        assert manager.post(url, data={'csrf_token': token, 'notes': 'x'}).status_code == 404
        assert manager.post('/admin/caretask/action/', data={
            'action': 'complete_care', 'rowid': [str(task.id)], 'csrf_token': token}).status_code == 404
        no_csrf_post(sales, url, {'notes': 'no token'})
        assert finance.get(url).status_code == 403


# -- team feed -----------------------------------------------------------------------------------
def feed_world(users):
    """East (with a sub-team) and West; the sales user and manager in East; return the opportunities."""
    east, west = make_department(name='华东'), make_department(name='华西')
    sub = make_department(name='华东二组', parent=east)
    for role, dept in (('sales', east), ('manager', east)):
        user = User.get_by_id(users[role].id)
        user.department = dept
        audit.save(user)
    colleague, outsider = make_user(department=sub), make_user(department=west)
    mine = make_opportunity(owner=users['sales'], name='我的项目')
    theirs = make_opportunity(owner=colleague, name='同事项目')
    far = make_opportunity(owner=outsider, name='华西项目')
    opportunities.move_stage(mine, 'ST-ANALYSE', by=users['sales'])
    opportunities.move_stage(theirs, 'ST-ANALYSE', by=colleague)
    opportunities.move_stage(far, 'ST-ANALYSE', by=outsider)
    visit = record_followup(opportunity=mine, by=users['sales'], kind='visit', summary='met the CIO',
                            is_major=True)
    return east, west, mine, theirs, far, visit


def test_team_feed_is_scoped_to_what_the_user_may_see(as_role, users, db):
    page = as_role('sales').get('/admin/feed/').get_data(as_text=True)
    assert 'id="feed-no-department"' in page and 'id="feed-table"' not in page
    east, west, mine, theirs, far, visit = feed_world(users)
    admin = as_role('admin')
    assert 'href="/admin/feed/"' in admin.get('/admin/').get_data(as_text=True)
    page = admin.get(f'/admin/feed/?department={east.id}').get_data(as_text=True)
    assert all(code in page for code in (mine.code, theirs.code, visit.code)) and far.code not in page
    assert 'data-kind="followup"' in page and 'met the CIO' in page
    page = admin.get(f'/admin/feed/?department={west.id}').get_data(as_text=True)
    assert far.code in page and mine.code not in page
    manager = as_role('manager')
    page = manager.get('/admin/feed/').get_data(as_text=True)   # their own department by default
    assert mine.code in page and theirs.code in page and far.code not in page
    assert manager.get(f'/admin/feed/?department={west.id}').status_code == 404
    sales = as_role('sales')
    page = sales.get('/admin/feed/').get_data(as_text=True)
    assert mine.code in page and visit.code in page and theirs.code not in page and far.code not in page
    assert f'/admin/opportunity/details/?id={mine.id}' in page
    assert as_role('finance').get('/admin/feed/').status_code == 403
    anonymous = admin.application.test_client().get('/admin/feed/')
    assert anonymous.status_code == 302 and '/login' in anonymous.headers['Location']


def test_team_feed_shows_a_sales_user_as_many_items_as_asked(as_role, users, db):
    east = make_department(name='华东')
    sales = User.get_by_id(users['sales'].id)
    sales.department = east
    audit.save(sales)
    colleague = make_user(department=east)
    mine, theirs = make_opportunity(owner=sales, name='我的项目'), make_opportunity(owner=colleague)
    now, minute = utcnow() - datetime.timedelta(minutes=1), datetime.timedelta(minutes=1)
    # 150 moves of the team a minute apart; every 7th is the sales user's own (21, only 14 of them
    # among the newest 100), the others a colleague's.
    make_stage_moves([(mine, sales, now - i * minute) if i % 7 == 6 else (theirs, colleague, now - i * minute)
                      for i in range(150)])
    page = as_role('sales').get(f'/admin/feed/?department={east.id}&days=7&limit=20').get_data(as_text=True)
    assert page.count(f'data-code="{mine.code}"') == 20 and theirs.code not in page
    assert f'/admin/opportunity/details/?id={mine.id}' in page
    page = as_role('sales').get(f'/admin/feed/?department={east.id}&days=7&limit=50').get_data(as_text=True)
    assert page.count(f'data-code="{mine.code}"') == 21   # all there are
    page = as_role('admin').get(f'/admin/feed/?department={east.id}&days=7&limit=20').get_data(as_text=True)
    assert page.count('<tr data-kind=') == 20 and page.count(f'data-code="{theirs.code}"') == 18


def test_team_feed_filters_translations_and_bad_input(as_role, users, db):
    east, *_rest = feed_world(users)
    sales = as_role('sales')
    page = sales.get(f'/admin/feed/?department={east.id}&days=8').get_data(as_text=True)
    assert 'field-error' in page and 'Not a valid choice' in page and 'id="feed-table"' not in page
    page = sales.get(f'/admin/feed/?department={east.id}&days=7&limit=20').get_data(as_text=True)
    assert 'id="feed-table"' in page
    assert sales.get('/admin/feed/?department=abc').status_code == 404
    assert sales.post('/admin/feed/').status_code in (400, 405)
    zh = as_role('sales', 'zh_Hans_CN').get('/admin/feed/').get_data(as_text=True)
    assert '团队动态' in zh and '重要跟进' in zh
    ops = as_role('ops')   # no department of their own, but ops may open every department
    assert 'id="feed-table"' in ops.get(f'/admin/feed/?department={east.id}').get_data(as_text=True)
    assert 'id="feed-form"' in ops.get('/admin/feed/').get_data(as_text=True)


def test_details_buttons_carry_the_version_and_a_stale_click_saves_nothing(as_role, users, db):
    quote = quotes.create_quote(make_customer(owner=users['sales']), 'ERP', owner=users['sales'],
                                lines=[{'product': make_product(), 'quantity': 1}])
    client = as_role('sales')
    html = client.get(f'/admin/quote/details/?id={quote.id}').get_data(as_text=True)
    assert f'name="version" value="{quote.version}"' in html
    changed = Quote.get_by_id(quote.id)
    changed.notes = 'changed by someone else'
    audit.save(changed)
    with unchanged(Quote):
        page = client.post(f'/admin/quote/act/send/?id={quote.id}', follow_redirects=True, data={
            'csrf_token': csrf_from(html), 'version': str(quote.version)}).get_data(as_text=True)
        assert 'This record changed since you opened it' in page
    client.post(f'/admin/quote/act/send/?id={quote.id}', data={'csrf_token': csrf_from(html),
                                                                'version': str(changed.version)})
    assert Quote.get_by_id(quote.id).status == 'sent'
