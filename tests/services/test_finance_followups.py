"""Finance logs collection follow-ups: calls and visits about the contracts and plans it keeps."""
import pytest

from ltc.errors import LTCError
from ltc.models import Customer, FollowUp
from ltc.services import audit, gate, scope
from ltc.services.followups import record_followup
from tests.factories import make_contract, make_lead, make_payment_plan, make_user


def test_finance_logs_a_collection_call_on_a_plan_and_changes_only_its_own(db):
    finance, other = make_user('finance', username='fin_a'), make_user('finance', username='fin_b')
    contract = make_contract()
    plan = make_payment_plan(contract=contract)
    values = {'customer': contract.customer_id, 'contract': contract.id, 'plan': plan.id, 'kind': 'call'}
    gate.check_write(finance, FollowUp(**values), 'create', fields=list(values), values=values)   # as a door asks
    with audit.acting_as(finance, 'web'):
        call = record_followup(by=finance, plan=plan, kind='call', summary='催款：客户承诺月底付款')
    assert (call.contract_id, call.plan_id, call.customer_id, call.owner_id) == (
        contract.id, plan.id, contract.customer_id, finance.id)
    assert Customer.get_by_id(contract.customer_id).last_followup_at == call.happened_at
    # every finance user reads the contract's collection follow-ups; only the owner changes one
    readable = FollowUp.select().where(scope.condition(FollowUp, other))
    assert call.id in [f.id for f in readable]
    assert gate.visible(other, FollowUp, [call.id], write=True) == set()
    assert gate.visible(finance, FollowUp, [call.id], write=True) == {call.id}


def test_finance_cannot_log_on_a_lead_nor_read_sales_follow_ups(db):
    finance, rep = make_user('finance'), make_user('sales')
    lead = make_lead(owner=rep)
    with audit.acting_as(rep, 'web'):
        visit = record_followup(by=rep, lead=lead, summary='拜访')
    values = {'lead': lead.id, 'kind': 'call'}
    with pytest.raises(LTCError):   # a lead is sales' record: finance may not name it
        gate.check_write(finance, FollowUp(**values), 'create', fields=list(values), values=values)
    assert visit.id not in [f.id for f in FollowUp.select().where(scope.condition(FollowUp, finance))]
