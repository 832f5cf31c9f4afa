"""Factories: make_x(**overrides) builds a valid record through the audited write path."""
import datetime
import itertools
from decimal import Decimal

from ltc.models import (Contact, Contract, ContractLine, Customer, Department, Lead,
                        Opportunity, PaymentPlan, Product, ProductCategory, Role, Stage, StageHistory, User)
from ltc.services import audit

_n = itertools.count(1)


def _save(model, defaults, overrides):
    defaults.update(overrides)
    return audit.save(model(**defaults))


def make_department(**kw):
    return _save(Department, {'name': f'销售{next(_n)}部', 'name_en': 'Sales'}, kw)


def make_user(role='sales', **kw):
    n = next(_n)
    return _save(User, {'username': f'user{n}', 'display_name': f'用户{n}',
                        'role': Role.get(Role.name == role)}, kw)


def make_customer(**kw):
    return _save(Customer, {'name': f'测试客户{next(_n)}有限公司', 'industry': 'manufacturing'}, kw)


def make_contact(**kw):
    customer = kw.pop('customer', None) or make_customer()
    return _save(Contact, {'customer': customer, 'name': f'联系人{next(_n)}'}, kw)


def make_lead(**kw):
    return _save(Lead, {'company': f'线索公司{next(_n)}', 'source': 'website'}, kw)


def make_product(**kw):
    category = kw.pop('category', None) or _save(ProductCategory, {'name': f'类别{next(_n)}'}, {})
    return _save(Product, {'name': f'产品{next(_n)}', 'category': category,
                           'list_price': Decimal('1000.00')}, kw)


def make_opportunity(**kw):
    customer = kw.pop('customer', None) or make_customer()
    stage = kw.pop('stage', None) or Stage.get(Stage.code == 'ST-VALIDATE')
    return _save(Opportunity, {'name': f'商机{next(_n)}', 'customer': customer, 'stage': stage,
                               'amount': Decimal('100000')}, kw)


def make_contract(**kw):
    customer = kw.pop('customer', None) or make_customer()
    return _save(Contract, {'title': f'合同{next(_n)}', 'customer': customer,
                            'amount': Decimal('100000'), 'signed_on': datetime.date(2026, 1, 5)}, kw)


def make_contract_line(**kw):
    contract = kw.pop('contract', None) or make_contract()
    return _save(ContractLine, {'contract': contract, 'product': kw.pop('product', None) or make_product(),
                                'quantity': 1, 'unit_price': contract.amount, 'amount': contract.amount}, kw)


def make_payment_plan(**kw):
    contract = kw.pop('contract', None) or make_contract()
    return _save(PaymentPlan, {'contract': contract, 'amount': contract.amount,
                               'due_on': datetime.date(2026, 3, 1)}, kw)


def make_stage_moves(moves):
    """Insert Validate → Analyse moves, each (opportunity, user, changed_at), in one statement.

    A busy team's history for the feed tests: hundreds of rows at chosen times, without the
    audit rows move_stage would write for each.
    """
    validate, analyse = (Stage.get(Stage.code == code).id for code in ('ST-VALIDATE', 'ST-ANALYSE'))
    StageHistory.insert_many([
        {'code': f'SH-T{next(_n):06d}', 'opportunity': opportunity.id, 'from_stage': validate, 'to_stage': analyse,
         'changed_at': at, 'changed_by': user.id, 'created_at': at, 'updated_at': at, 'version': 1}
        for opportunity, user, at in moves]).execute()


def make_two_reps():
    """Return (department 华东, an admin, rep_a, rep_b): two sales reps of one department and an admin."""
    east = make_department(name='华东', code='D-EAST')
    admin = make_user('admin', username='boss')
    a = make_user('sales', username='rep_a', department=east)
    b = make_user('sales', username='rep_b', department=east)
    return east, admin, a, b


def make_workbook_deals():
    """Two reps' leads, contracts and payment plans (rep_a: two leads and a contract of 40,000 with a plan; rep_b:
    one of each). Returns (admin, rep_a, rep_b, rep_a's leads, rep_b's lead, rep_a's contract, rep_b's)."""
    east, admin, a, b = make_two_reps()
    with audit.acting_as(admin, 'cli'):
        leads = [make_lead(company=f'Alpha {i}', owner=a, department=east) for i in range(2)]
        theirs = make_lead(company='Beta', owner=b, department=east)
        mine_c = make_contract(title='Alpha deal', owner=a, department=east, customer=make_customer(owner=a))
        their_c = make_contract(title='Beta deal', owner=b, department=east, customer=make_customer(owner=b))
        make_payment_plan(contract=mine_c, owner=a, amount=Decimal('40000'))
        make_payment_plan(contract=their_c, owner=b)
    return admin, a, b, leads, theirs, mine_c, their_c
