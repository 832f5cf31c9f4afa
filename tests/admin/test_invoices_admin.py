"""Invoices in the admin: requested by a form, issued, sent and reversed by finance's actions only."""
import datetime

from ltc.models import Invoice
from ltc.services import receivables
from tests.factories import make_customer
from tests.services.cashkit import live_contract

from .conftest import csrf_from
from .wiring import act, form_page

D = datetime.date


def test_request_issue_send_reverse(as_role, users, db):
    contract = live_contract('10000', customer=make_customer(credit_code='91310000MA1FL0XX1X'))
    plan = receivables.set_plans(contract, [{'amount': '10000', 'due_on': D(2026, 3, 1)}])[0]
    fin = as_role('finance')
    page = form_page(fin, '/admin/invoice/new/', {'plan': str(plan.id), 'amount': '4000', 'kind': 'vat_special',
                                                  'tax_rate': '13'}).get_data(as_text=True)
    invoice = Invoice.get()
    assert invoice.amount == 4000 and invoice.status == 'requested', page[:2000]
    page = form_page(fin, '/admin/invoice/new/', {'plan': str(plan.id), 'amount': '7000', 'kind': 'vat_special',
                                                  'tax_rate': '13'}).get_data(as_text=True)
    assert 'invoice-over-plan' in page and Invoice.select().count() == 1
    sales = as_role('sales')
    html = sales.get('/admin/invoice/').get_data(as_text=True)
    assert sales.post(f'/admin/invoice/act/issue/?id={invoice.id}',
                      data={'csrf_token': csrf_from(html), 'number': 'X'}).status_code in (403, 404)
    assert Invoice.get_by_id(invoice.id).status == 'requested'
    form_page(fin, f'/admin/invoice/act/issue/?id={invoice.id}', {'number': '04450001', 'issued_on': '2026-03-02'})
    assert Invoice.get_by_id(invoice.id).status == 'issued'
    act(fin, 'invoice', 'send_invoice', invoice.id)
    assert Invoice.get_by_id(invoice.id).status == 'sent'
    page = act(fin, 'invoice', 'reverse', invoice.id, {'reason': ''}).get_data(as_text=True)
    assert 'needs a reason' in page
    act(fin, 'invoice', 'reverse', invoice.id, {'reason': '抬头错误'})
    assert Invoice.get_by_id(invoice.id).status == 'reversed'
