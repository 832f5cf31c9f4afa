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
