"""The gate at the admin doors: form fields and references, owner changes, bulk choices, record actions."""
from ltc.models import AuditLog, Customer, Lead
from ltc.services import audit
from tests.factories import make_customer, make_lead, make_user
from tests.services.unchanged import unchanged

from .conftest import csrf_from
from .wiring import version_of


def _edit(client, url, data):
    html = client.get(url).get_data(as_text=True)
    return client.post(url, data={'csrf_token': csrf_from(html), 'version': version_of(html), **data},
                       follow_redirects=True).get_data(as_text=True)


def test_customer_form_owner_on_a_pool_customer_is_a_claim(as_role, users, db):
    pool = make_customer(name='公海甲')
    client = as_role('sales')
    page = _edit(client, f'/admin/customer/edit/?id={pool.id}',
                 {'name': '公海甲', 'kind': 'enterprise', 'level': 'potential', 'currency': 'CNY',
                  'owner': users['sales'].id})
    assert 'Nothing was saved' not in page, page[:2000]
    assert Customer.get_by_id(pool.id).owner_id == users['sales'].id
    assert AuditLog.select().where(AuditLog.entity_code == pool.code, AuditLog.action == 'claim').count() == 1


def test_customer_form_cannot_give_a_customer_away_as_sales(as_role, users, db):
    mine = make_customer(name='我的客户', owner=users['sales'])
    other = make_user('sales', username='colleague')
    client = as_role('sales')
    with unchanged(mine):
        page = _edit(client, f'/admin/customer/edit/?id={mine.id}',
                     {'name': '我的客户', 'kind': 'enterprise', 'level': 'potential', 'currency': 'CNY',
                      'owner': other.id})
        assert 'Nothing was saved' in page


def test_lead_form_refuses_an_owner_outside_scope_and_a_finance_owner(as_role, users, db):
    client = as_role('admin')
    lead = make_lead(company='甲', owner=users['sales'])
    with unchanged(lead):
        page = _edit(client, f'/admin/lead/edit/?id={lead.id}', {'company': '甲', 'source': 'website',
                                                                 'currency': 'CNY', 'owner': users['finance'].id})
        assert 'cannot own this record' in page


def test_assign_owner_offers_no_finance_user(as_role, users, db):
    lead = make_lead(company='乙', owner=users['sales'])
    client = as_role('admin')
    page = client.get(f'/admin/lead/bulk/owner/?ids={lead.id}').get_data(as_text=True)
    assert f'value="{users["sales"].id}"' in page and f'value="{users["finance"].id}"' not in page
    html = page
    response = client.post(f'/admin/lead/bulk/owner/?ids={lead.id}', data={
        'csrf_token': csrf_from(html), 'ids': str(lead.id), 'value': str(users['finance'].id)})
    assert Lead.get_by_id(lead.id).owner_id == users['sales'].id and response.status_code == 200


def test_merge_into_another_owners_lead_is_refused(as_role, users, db):
    other = make_user('sales', username='other')
    theirs = make_lead(company='重复公司', owner=other, phone='13811112222')
    mine = make_lead(company='重复公司', owner=users['sales'], phone='13811112222', duplicate_of=theirs)
    client = as_role('sales')
    html = client.get('/admin/lead/').get_data(as_text=True)
    with unchanged(theirs, mine):
        page = client.post('/admin/lead/action/', data={'action': 'merge', 'rowid': [str(mine.id)],
                                                        'csrf_token': csrf_from(html)},
                           follow_redirects=True).get_data(as_text=True)
        assert 'was not found among the records you may change' in page


def test_convert_never_attaches_to_another_owners_customer(as_role, users, db):
    other = make_user('sales', username='other2')
    theirs = make_customer(name='同名客户有限公司', owner=other)
    lead = make_lead(company='同名客户有限公司', owner=users['sales'], contact_name='张三')
    client = as_role('sales')
    html = client.get('/admin/lead/').get_data(as_text=True)
    page = client.post('/admin/lead/action/', data={'action': 'convert', 'rowid': [str(lead.id)],
                                                    'csrf_token': csrf_from(html)},
                       follow_redirects=True).get_data(as_text=True)
    assert theirs.code not in page
    lead = Lead.get_by_id(lead.id)
    assert lead.status == 'converted' and lead.converted_customer_id != theirs.id
    assert Customer.get_by_id(lead.converted_customer_id).owner_id == users['sales'].id
    with audit.acting_as('tester', 'cli'):
        assert Customer.select().where(Customer.owner == other.id).count() == 1


def test_new_sync_target_runs_as_the_chosen_user(as_role, users, db, tmp_path):
    from ltc.models.sync import SyncTarget
    from ltc.sync.writes.export import export_entity
    path = tmp_path / 'leads.xlsx'
    with audit.acting_as('tester', 'cli'):
        export_entity('leads', path)
    client = as_role('admin')
    page = client.get('/admin/synctarget/new/').get_data(as_text=True)
    assert 'name="run_as"' in page and f'value="{users["sales"].username}"' in page
    client.post('/admin/synctarget/new/', data={'csrf_token': csrf_from(page), 'name': 'team-a', 'entity': 'leads',
                                                'backend': 'file', 'path': str(path), 'run_as': 'sales1'})
    assert SyncTarget.get(SyncTarget.name == 'team-a').run_as_id == users['sales'].id


def test_form_changes_that_are_requests_or_identity(as_role, users, db):
    """A converted lead's owner is not reassigned by its form; a contract's number never changes after creation."""
    from ltc.models import Contract
    from tests.factories import make_contract
    client = as_role('admin')
    lead = make_lead(company='丙', owner=users['manager'], status='converted')
    with unchanged(lead):
        page = _edit(client, f'/admin/lead/edit/?id={lead.id}', {'company': '丙', 'source': 'website',
                                                                 'currency': 'CNY', 'owner': users['sales'].id})
        assert 'only open leads can be assigned' in page
    contract = make_contract(owner=users['sales'])
    client = as_role('sales')
    with unchanged(contract):
        page = _edit(client, f'/admin/contract/edit/?id={contract.id}', {
            'code': 'HT999999', 'title': contract.title, 'customer': contract.customer_id, 'amount': '100000',
            'currency': 'CNY', 'owner': users['sales'].id})
        assert 'Nothing was saved' in page and 'code' in page
    assert Contract.get_by_id(contract.id).code == contract.code


# The admin doors x roles for what the gate added: a record referenced out of scope, a transition the
# role may not ask for. Each case must leave its table as it was, or (ops: every row in scope) write.
ROLES = ('sales', 'manager', 'finance', 'ops')


def test_admin_doors_by_role(app, as_role, users, db):
    from decimal import Decimal
    from ltc.models import Contact, Contract, ContractApproval, Opportunity, Stage
    from ltc.services import contracts
    from tests.factories import make_contract, make_contract_line
    import re

    def form_page(client, url, data):   # a role that may not open the page still posts a valid token
        html = client.get(url).get_data(as_text=True)
        if not re.search(r'name="csrf_token"', html):
            html = client.get('/admin/customer/').get_data(as_text=True)
        return client.post(url, data={'csrf_token': csrf_from(html), **data}, follow_redirects=True)
    owner = make_user('sales', username='owner9')
    theirs = make_customer(name='别人的客户', owner=owner)
    pending = make_contract(customer=theirs, owner=owner, amount=Decimal('1000'))
    make_contract_line(contract=pending)
    with audit.acting_as('tester', 'cli'):
        contracts.submit(pending)
    stage = Stage.get(Stage.code == 'ST-VALIDATE')
    doors = {
        'contact under an out-of-scope customer': (
            Contact, lambda c: form_page(c, '/admin/contact/new/', {'customer': theirs.id, 'name': '越界'})),
        'opportunity for an out-of-scope customer': (
            Opportunity, lambda c: form_page(c, '/admin/opportunity/new/', {
                'name': '越界商机', 'customer': theirs.id, 'stage': stage.id, 'amount': '1', 'currency': 'CNY',
                'priority': 'medium'})),
        'approve a contract': (
            ContractApproval, lambda c: form_page(c, f'/admin/contract/act/approve/?id={pending.id}', {})),
    }
    allowed = {('ops', 'contact under an out-of-scope customer'), ('ops', 'opportunity for an out-of-scope customer')}
    for role in ROLES:
        client = as_role(role)
        for name, (model, door) in doors.items():
            before = [r for r in model.select().dicts()]
            response = door(client)
            after = [r for r in model.select().dicts()]
            if (role, name) in allowed:
                assert len(after) == len(before) + 1, (role, name)
            else:
                assert after == before, (role, name, response.status_code)
    assert Contract.get_by_id(pending.id).status == 'pending_approval'
