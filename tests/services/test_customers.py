"""Group customers (tree, no cycles, roll-ups), share of wallet, locking and the timeline."""
import datetime
from decimal import Decimal

import pytest

from ltc.errors import RuleViolation
from ltc.models import Customer, Payment
from ltc.services import audit, customers

from ..factories import make_contract, make_customer, make_opportunity
from .unchanged import unchanged

TODAY = datetime.date(2026, 6, 30)


def test_group_tree_and_cycle_refusal(db):
    group, child, grandchild = make_customer(), make_customer(), make_customer()
    customers.set_parent(child, group)
    customers.set_parent(grandchild, child)
    assert Customer.get_by_id(group.id).kind == 'group'
    assert set(customers.group_ids(group)) == {group.id, child.id, grandchild.id}
    assert customers.group_root(Customer.get_by_id(grandchild.id)).id == group.id
    group = Customer.get_by_id(group.id)
    with unchanged(group, child, grandchild), pytest.raises(RuleViolation, match='a group cannot contain itself'):
        customers.set_parent(group, Customer.get_by_id(grandchild.id))
    with unchanged(group), pytest.raises(RuleViolation, match='cannot be its own parent'):
        customers.set_parent(group, group)
    customers.set_parent(grandchild, None)
    assert Customer.get_by_id(grandchild.id).parent_id is None


def test_share_of_wallet_from_1m_of_10m_to_5m(db):
    customer = make_customer(yearly_category_spend=Decimal('10000000'), target_share=Decimal('50'))
    make_contract(customer=customer, amount=Decimal('600000'), status='effective',
                  signed_on=datetime.date(2026, 1, 10))
    make_contract(customer=customer, amount=Decimal('400000'), status='completed',
                  signed_on=datetime.date(2025, 9, 1))
    make_contract(customer=customer, amount=Decimal('999999'), status='draft', signed_on=datetime.date(2026, 2, 1))
    make_contract(customer=customer, amount=Decimal('777777'), status='effective',
                  signed_on=datetime.date(2025, 6, 29))   # older than 12 months
    wallet = customers.share_of_wallet(customer, TODAY)
    assert wallet['contracted_12m'] == Decimal('1000000.00')
    assert wallet['share_pct'] == Decimal('10.00') and wallet['target_amount'] == Decimal('5000000.00')
    assert wallet['gap'] == Decimal('4000000.00')


def test_share_of_wallet_without_spend(db):
    wallet = customers.share_of_wallet(make_customer(), TODAY)
    assert wallet['share_pct'] is None and wallet['gap'] == 0


def test_group_rollup(db):
    group = make_customer(yearly_category_spend=Decimal('4000000'), target_share=Decimal('50'))
    child = make_customer(yearly_category_spend=Decimal('6000000'), target_share=Decimal('0'))
    customers.set_parent(child, group)
    contract = make_contract(customer=child, amount=Decimal('1000000'), status='executing',
                             signed_on=datetime.date(2026, 3, 1))
    make_contract(customer=group, amount=Decimal('500000'), status='effective', signed_on=datetime.date(2026, 4, 1))
    audit.save(Payment(contract=contract, received_on=datetime.date(2026, 4, 1), amount=Decimal('300000')))
    make_opportunity(customer=child, amount=Decimal('200000'), weighted_amount=Decimal('20000'))
    rollup = customers.group_rollup(Customer.get_by_id(group.id), TODAY)
    assert rollup['members'] == 2 and rollup['contracted_total'] == Decimal('1500000.00')
    assert rollup['collected_total'] == Decimal('300000.00') and rollup['open_opportunities'] == 1
    assert rollup['pipeline_amount'] == Decimal('200000.00')
    wallet = rollup['share_of_wallet']
    assert wallet['yearly_spend'] == Decimal('10000000.00') and wallet['share_pct'] == Decimal('15.00')
    assert wallet['target_amount'] == Decimal('2000000.00') and wallet['gap'] == Decimal('500000.00')


def test_lock_and_timeline(db):
    customer = make_customer()
    customers.set_locked(customer, True, reason='strategic account')
    assert Customer.get_by_id(customer.id).locked
    kinds = [item['kind'] for item in customers.timeline(customer)]
    assert kinds[0] == 'lock' and 'create' in kinds


def test_lock_twice_or_unlock_an_unlocked_customer_is_refused(db):
    customer = make_customer()
    with unchanged(customer), pytest.raises(RuleViolation, match='is not locked'):
        customers.set_locked(customer, False)
    customers.set_locked(customer, True)
    with unchanged(customer), pytest.raises(RuleViolation, match='Rule customer-lock: .* already locked') as err:
        customers.set_locked(customer, True, reason='again')
    assert '已锁定' in err.value.details['zh']
