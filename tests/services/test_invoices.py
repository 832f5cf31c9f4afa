"""Invoices per payment plan: never more than the plan, a reversal frees its amount, issue needs the number
and (for a VAT special invoice) the buyer's tax ID; the gap lists; only finance issues."""
import datetime
from decimal import Decimal

import pytest

from ltc.errors import LTCError, RuleViolation, ValidationError
from ltc.models import Invoice, PaymentPlan
from ltc.services import invoices, receivables
from tests.factories import make_customer, make_department, make_user
from tests.services.cashkit import live_contract, unchanged

D = datetime.date


@pytest.fixture
def plans(db):
    customer = make_customer(name='华东制造有限公司', credit_code='91310000MA1FL0XX1X', invoice_title='华东制造有限公司')
    contract = live_contract('300000', customer=customer)
    rows = receivables.set_plans(contract, [{'amount': '100000', 'due_on': D(2026, 3, 1)},
                                            {'amount': '200000', 'due_on': D(2026, 6, 1)}])
    return contract, [PaymentPlan.get_by_id(p.id) for p in rows]


def test_split_tax_adds_up_to_the_cent():
    assert invoices.split_tax('113000', 13) == (Decimal('100000.00'), Decimal('13000.00'))
    net, tax = invoices.split_tax('100', 6)
    assert net + tax == Decimal('100.00') and net == Decimal('94.34')


def test_several_invoices_never_more_than_the_plan_and_a_reversal_frees_its_amount(plans):
    contract, (first, second) = plans
    a = invoices.request_invoice(first, '60000')
    assert (a.status, a.net_amount, a.tax_amount, a.buyer_title, a.buyer_tax_id) == \
        ('requested', Decimal('53097.35'), Decimal('6902.65'), '华东制造有限公司', '91310000MA1FL0XX1X')
    b = invoices.request_invoice(first)   # the rest
    assert b.amount == Decimal('40000.00')
    with unchanged(Invoice), pytest.raises(RuleViolation, match='invoice-over-plan') as err:
        invoices.request_invoice(first, '0.01')
    assert '100,000.00 planned' in str(err.value) and '尚可开票 0.00' in err.value.details['zh']
    invoices.issue(a, '04450001', D(2026, 3, 2))
    invoices.reverse(a, '抬头错误 / wrong title')
    assert Invoice.get_by_id(a.id).status == 'reversed'
    c = invoices.request_invoice(first)
    assert c.amount == Decimal('60000.00')
    assert invoices.invoiced(first) == Decimal('100000.00')


def test_issue_needs_number_unique_and_the_buyer_tax_id(plans, db):
    contract, (first, _second) = plans
    a = invoices.request_invoice(first, '1000')
    with pytest.raises(ValidationError, match='needs its number'):
        invoices.issue(a, ' ')
    invoices.issue(a, 'N1')
    b = invoices.request_invoice(first, '1000')
    with unchanged(Invoice), pytest.raises(RuleViolation, match='invoice-number'):
        invoices.issue(b, 'N1')
    with pytest.raises(RuleViolation, match='status-flow'):
        invoices.send(b)
    nobody = live_contract('1000', customer=make_customer(name='无税号客户'))
    plan = receivables.set_plans(nobody, [{'amount': '1000', 'due_on': D(2026, 3, 1)}])[0]
    c = invoices.request_invoice(plan)
    with unchanged(Invoice), pytest.raises(RuleViolation, match='invoice-buyer'):
        invoices.issue(c, 'N2')


def test_only_finance_issues_and_scope_holds(plans):
    contract, (first, _second) = plans
    sales = make_user('sales', department=make_department())
    with pytest.raises(LTCError, match='not found'):
        invoices.request_invoice(first, '100', by=sales)   # not their contract
    owner = contract.owner
    a = invoices.request_invoice(first, '100', by=owner)   # the owner may ask for one
    with unchanged(Invoice), pytest.raises(LTCError, match='may not issue'):
        invoices.issue(a, 'N9', by=owner)
    assert invoices.issue(a, 'N9', by=make_user('finance')).status == 'issued'


def test_a_draft_contracts_plan_is_not_invoiced(db):
    from tests.factories import make_contract, make_contract_line
    draft = make_contract(amount=Decimal('1000'))
    make_contract_line(contract=draft)
    plan = receivables.set_plans(draft, [{'amount': '1000', 'due_on': D(2026, 3, 1)}])[0]
    with unchanged(Invoice), pytest.raises(RuleViolation, match='invoice-plan'):
        invoices.request_invoice(plan)


def test_gap_lists(plans):
    contract, (first, second) = plans
    invoices.issue(invoices.request_invoice(first), 'N1')            # invoiced 100k, nothing paid
    receivables.record_payment(contract, '100000', today=D(2026, 2, 1), received_on=D(2026, 2, 1))
    receivables.record_payment(contract, '50000', plan=second, today=D(2026, 2, 1), received_on=D(2026, 2, 1))
    invoices.request_invoice(second, '20000')                           # requested only: not yet invoiced
    assert invoices.invoiced_not_collected() == []
    [(plan, issued, paid, gap)] = invoices.collected_not_invoiced()
    assert (plan.id, issued, paid, gap) == (second.id, Decimal('0.00'), Decimal('50000.00'), Decimal('50000.00'))
    invoices.issue(invoices.request_invoice(second, '100000'), 'N2')
    [(plan, issued, paid, gap)] = invoices.invoiced_not_collected()
    assert (plan.id, gap) == (second.id, Decimal('50000.00'))
    outsider = make_user('manager', department=make_department())
    assert invoices.invoiced_not_collected(outsider) == []
