"""Helpers for the quote-to-cash tests: a contract ready to collect, and proof that a refusal changed nothing."""
import contextlib
from decimal import Decimal

from ltc.models import AuditLog
from ltc.services import contracts
from tests.factories import make_contract, make_contract_line, make_department, make_user


@contextlib.contextmanager
def unchanged(*models):
    """Assert that the rows of MODELS and the audit log are the same after the block."""
    def snap():
        return [sorted(m.select().dicts(), key=lambda r: r['id']) for m in models]
    before, audits = snap(), AuditLog.select().count()
    yield
    assert snap() == before
    assert AuditLog.select().count() == audits


def approver(department=None):
    """Return a user who may approve: the manager of DEPARTMENT, or an admin for contracts of nobody's team."""
    return make_user(role='manager', department=department) if department else make_user(role='admin')


def live_contract(amount='100000', owner=None, status='effective', **kw):
    """Return a contract with one line matching AMOUNT, approved (and executing when asked)."""
    owner = owner or make_user(department=make_department())
    contract = make_contract(amount=Decimal(amount), owner=owner, department=owner.department, **kw)
    make_contract_line(contract=contract)
    contracts.submit(contract, by=owner if owner.active else None)   # an inactive user may not act
    contracts.approve(contract, approver(owner.department))
    if status == 'executing':
        contracts.activate(contract)
    return type(contract).get_by_id(contract.id)
