"""Bank receipts in the admin: finance matches a receipt to a suggested plan; other roles cannot."""
import datetime

from ltc.models import BankReceipt, PaymentPlan
from ltc.services import receivables, reconcile
from tests.factories import make_customer
from tests.services.cashkit import live_contract

from .wiring import form_page

D = datetime.date


def test_match_from_the_receipt_page(as_role, users, db):
    contract = live_contract('1000', customer=make_customer(name='甲公司'))
    plan = receivables.set_plans(contract, [{'amount': '1000', 'due_on': D(2026, 3, 1)}])[0]
    reconcile.import_statement([['交易日期', '对方户名', '金额'], ['2026-03-02', '甲公司', '1000']])
    receipt = BankReceipt.get()
    assert as_role('sales').get('/admin/bankreceipt/').status_code == 403
    fin = as_role('finance')
    url = f'/admin/bankreceipt/act/match/?id={receipt.id}'
    assert plan.code in fin.get(url).get_data(as_text=True)
    page = form_page(fin, url, {'choice': str(plan.id)}).get_data(as_text=True)
    assert 'recorded as a payment' in page
    assert PaymentPlan.get_by_id(plan.id).status == 'paid' and BankReceipt.get().status == 'matched'
