"""bench/load.py: the clients log in as demo users and ask only for records those users may see."""
import datetime
import random

from bench import load
from ltc.models import Contract, Customer, Lead, Opportunity, User
from ltc.services import scope, users
from ltc.services.demo import build_demo


def test_accounts_sample_what_each_demo_user_may_see(db):
    build_demo(seed=42, today=datetime.date(2026, 11, 27))
    accounts = load._accounts(3, random.Random(1))
    assert [a['username'] for a in accounts['admin']] == [load.ADMIN]
    assert len(accounts['sales']) == 3 and len(accounts['manager']) == 5
    deals = set(Contract.select(Contract.customer).tuples()) | set(Opportunity.select(Opportunity.customer).tuples())
    for role, members in accounts.items():
        for account in members:
            user = User.get(User.username == account['username'])
            assert scope.role_of(user) == role
            ids = [lead_id for lead_id, _terms in account['leads']]
            visible = Lead.select().where(Lead.id.in_(ids), scope.condition(Lead, user))
            assert len(ids) == load.LEADS_PER_USER and visible.count() == len(ids), account['username']
            edits = account['edits']   # what is left after the 40 (a small demo: few or none)
            assert not set(edits) & set(ids), account['username']
            assert Lead.select().where(Lead.id.in_(edits), scope.condition(Lead, user)).count() == len(edits)
            customers = account['customers']
            assert customers and Customer.select().where(
                Customer.id.in_(customers), scope.condition(Customer, user)).count() == len(customers)
            assert all((c,) in deals for c in customers)
            assert {arg for arg, _value in account['filters']} <= {'flt0_0', 'flt0_1', 'flt0_3', 'flt0_4', 'flt0_5'}
    assert all(len(a['edits']) == load.EDITS_PER_USER for a in accounts['admin'] + accounts['manager'])
    assert users.authenticate(accounts['sales'][0]['username'], load.PASSWORD)   # the run's password
    assert load._filter_arg('industry') == 'flt0_0' and load._filter_arg('owner') == 'flt0_5'
