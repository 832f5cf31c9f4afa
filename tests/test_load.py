"""bench/load.py: the clients log in as demo users and ask only for records those users may see."""
import datetime
import random

from bench import load
from ltc.models import Contract, Customer, Lead, Opportunity, User
from ltc.services import scope, users
from ltc.demo import build_demo


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
    assert len(accounts['admin'][0]['edits']) == load.EDITS_PER_USER
    assert users.authenticate(accounts['sales'][0]['username'], load.PASSWORD)   # the run's password
    assert load._filter_arg('industry') == 'flt0_0' and load._filter_arg('owner') == 'flt0_5'


def test_clients_never_get_the_same_lead_to_save():
    accounts = {role: [{'username': f'{role}{k}', 'edits': list(range(1000 * n + 100 * k, 1000 * n + 100 * k + 90))}
                       for k in range(count)]
                for n, (role, count) in enumerate((('sales', 3), ('manager', 2), ('admin', 1)))}
    handed = []
    for clients in (1, 2, 4):
        for mine in load._hand_out(accounts, clients):
            assert [a['username'][:-1] for a in mine.values()] == ['sales', 'manager', 'admin']
            handed += [lead for account in mine.values() for lead in account['edits']]
    assert len(handed) == len(set(handed)) > 0
    # A user's next EDIT_CHUNK per level it is used in: sales0 at 1, 2 and 4 clients, sales2 at 4 only.
    assert [len(a['edits']) for a in accounts['sales']] == [0, 0, 90 - load.EDIT_CHUNK]
