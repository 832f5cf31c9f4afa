"""Data scope: sales see their own and the pool, managers their department tree, ops everything."""
from ltc.models import Contact, Contract, Customer, Lead, PaymentPlan
from ltc.services import scope

from ..factories import (make_contact, make_contract, make_customer, make_department, make_lead,
                         make_payment_plan, make_user)


def _codes(model, user):
    return {r.code for r in scope.scoped(model.select(), model, user)}


def test_sales_see_own_and_pool_only(db):
    alice, bob = make_user('sales'), make_user('sales')
    mine = make_customer(owner=alice)
    theirs = make_customer(owner=bob)
    pool = make_customer(owner=None)
    assert _codes(Customer, alice) == {mine.code, pool.code}
    make_contact(customer=theirs)
    own_contact = make_contact(customer=mine)
    assert _codes(Contact, alice) == {own_contact.code}
    lead = make_lead(owner=alice)
    make_lead(owner=bob)
    assert _codes(Lead, alice) == {lead.code}
    assert not scope.can_see(theirs, alice) and scope.can_see(pool, alice)


def test_manager_sees_department_tree(db):
    top = make_department(name='华东大区')
    child = make_department(name='上海分部', parent=top)
    other = make_department(name='华北大区')
    boss = make_user('manager', department=top)
    rep = make_user('sales', department=child)
    outsider = make_user('sales', department=other)
    a = make_lead(owner=rep)
    make_lead(owner=outsider)
    b = make_lead(owner=None, department=child)
    assert _codes(Lead, boss) == {a.code, b.code}


def test_ops_and_admin_see_everything_finance_sees_money(db):
    ops, finance, rep = make_user('ops'), make_user('finance'), make_user('sales')
    contract = make_contract(owner=rep)
    plan = make_payment_plan(contract=contract)
    make_lead(owner=rep)
    assert _codes(Lead, ops) == {r.code for r in Lead.select()}
    assert plan.code in _codes(PaymentPlan, finance)
    assert contract.code in _codes(Contract, finance)
    assert _codes(Lead, finance) == set()


def test_inactive_user_sees_nothing(db):
    user = make_user('admin', active=False)
    make_lead()
    assert _codes(Lead, user) == set()
