"""Approvals in the admin: the inbox lists what waits for the user; approve and reject go through the
approval rules, so no page skips a step or lets an out-of-tree manager decide."""
from werkzeug.security import generate_password_hash

from ltc.models import Contract, ContractApproval, User
from ltc.services import approvals
from tests.services.test_approvals import org, submitted  # noqa: F401  (the fixture)

from .conftest import PASSWORD, csrf_from, login
from .wiring import act


def client_for(app, user):
    row = User.get_by_id(user.id)
    row.password_hash = generate_password_hash(PASSWORD)
    row.save()
    client = app.test_client()
    client.set_cookie('ltc_lang', 'en')
    assert login(client, row.username).status_code == 302
    return client


def inbox_act(client, step, name, data=None):
    page = client.get(f'/admin/approvals/contracts/details/?id={step.id}')
    if page.status_code != 200:
        return page
    return client.post(f'/admin/approvals/contracts/act/{name}/?id={step.id}',
                       data={'csrf_token': csrf_from(page.get_data(as_text=True)), **(data or {})},
                       follow_redirects=True)


def test_inbox_and_actions_route_each_step(app, org):
    contract = submitted(org, '8000000')
    first = approvals.current_step(contract)
    north = client_for(app, org['mgr_north'])
    assert contract.code not in north.get('/admin/approvals/contracts/').get_data(as_text=True)
    assert inbox_act(north, first, 'approve_step').status_code == 404
    assert north.get(f'/admin/contract/details/?id={contract.id}').status_code == 404
    assert ContractApproval.get_by_id(first.id).decision == 'pending'

    sh = client_for(app, org['mgr_sh'])
    listing = sh.get('/admin/approvals/contracts/').get_data(as_text=True)
    assert contract.code in listing
    page = inbox_act(sh, first, 'approve_step', {'reason': 'ok'}).get_data(as_text=True)
    assert 'waiting for step 2 (Region head)' in page
    assert ContractApproval.get_by_id(first.id).decision == 'approved'
    # The same manager on the contract page: the region step is not theirs.
    html = sh.get(f'/admin/contract/details/?id={contract.id}').get_data(as_text=True)
    assert 'data-act="approve"' not in html
    page = act(sh, 'contract', 'approve', contract.id, {'reason': 'again'}).get_data(as_text=True)
    assert 'Nothing was saved' in page and 'approval-route' in page
    assert contract.code not in sh.get('/admin/approvals/contracts/').get_data(as_text=True)

    east = client_for(app, org['mgr_east'])
    second = approvals.current_step(contract)
    page = inbox_act(east, second, 'reject_step', {'reason': ''}).get_data(as_text=True)
    assert 'needs a reason' in page and ContractApproval.get_by_id(second.id).decision == 'pending'
    inbox_act(east, second, 'approve_step', {'reason': 'ok'})
    cfo = client_for(app, org['cfo'])
    html = cfo.get(f'/admin/contract/details/?id={contract.id}').get_data(as_text=True)
    assert 'data-act="approve"' in html
    act(cfo, 'contract', 'approve', contract.id, {'reason': 'ok'})
    assert Contract.get_by_id(contract.id).status == 'effective'


def test_reject_from_the_inbox_sends_the_contract_back_to_draft(app, org):
    contract = submitted(org, '1000')
    sh = client_for(app, org['mgr_sh'])
    inbox_act(sh, approvals.current_step(contract), 'reject_step', {'reason': '价格太低'})
    contract = Contract.get_by_id(contract.id)
    assert contract.status == 'draft'
    assert ContractApproval.get(ContractApproval.contract == contract.id).comment == '价格太低'


def test_only_admins_edit_approval_rules(app, org):
    assert client_for(app, org['mgr_east']).get('/admin/approvalrule/').status_code == 403
    admin = client_for(app, org['admin'])
    assert 'AR3' in admin.get('/admin/approvalrule/').get_data(as_text=True)
