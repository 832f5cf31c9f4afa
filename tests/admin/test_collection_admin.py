"""Collection and printed documents in the admin: dunning levels raised from a plan's page and the plans list
(who and when, through collection.dun), the customer statement as xlsx and PDF from the 360° page in zh and
en, and "Generate for sending" storing a quote's, contract's or statement's PDF with the record's documents."""
import datetime
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from ltc.models import AuditLog, Document, DunningStep
from ltc.services import collection, quotes, receivables
from tests.factories import make_customer, make_department, make_product, make_user
from tests.services.cashkit import live_contract

from .conftest import csrf_from
from .wiring import act, bulk

D = datetime.date
TODAY = datetime.date.today()


def pdf_text(data):
    return ''.join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace(' ', '')


@pytest.fixture
def deal(db, users):
    dept = make_department()
    boss = make_user('manager', department=dept, username='boss')
    owner = make_user('sales', department=dept, manager=boss, username='rep')
    customer = make_customer(name='华东制造有限公司', name_en='East China Manufacturing', owner=owner)
    contract = live_contract('300000', owner=owner, customer=customer)
    plans = receivables.set_plans(contract, [{'amount': '100000', 'due_on': TODAY - datetime.timedelta(days=40)},
                                             {'amount': '150000', 'due_on': TODAY - datetime.timedelta(days=10)},
                                             {'amount': '50000', 'due_on': TODAY + datetime.timedelta(days=30)}])
    return {'boss': boss, 'owner': owner, 'customer': customer, 'contract': contract, 'plans': plans}


def test_dunning_from_the_plan_page_and_the_list(as_role, deal):
    first, second, later = deal['plans']
    fin = as_role('finance')
    page = fin.get(f'/admin/paymentplan/details/?id={first.id}').get_data(as_text=True)
    assert 'data-act="dun"' in page and 'No dunning steps yet.' in page
    assert 'data-act="dun"' not in fin.get(f'/admin/paymentplan/details/?id={later.id}').get_data(as_text=True)
    page = act(fin, 'paymentplan', 'dun', first.id, {'level': '', 'on': '', 'note': '已发邮件'}).get_data(as_text=True)
    step = DunningStep.get()
    assert (step.level, step.done_by.username, step.done_on, step.note) == ('reminder', 'finance1', TODAY, '已发邮件')
    assert 'data-level="reminder"' in page and 'finance one' in page, page[:3000]
    assert '· Reminder</div>' in page   # next to the due date among the figures
    page = act(fin, 'paymentplan', 'dun', first.id, {'level': 'escalation'}).get_data(as_text=True)
    assert 'dunning-order' in page and DunningStep.select().count() == 1   # never skipped
    # The list action raises every selected overdue plan one level, dated and signed.
    html = bulk(fin, 'paymentplan', 'dun', [first.id, second.id]).get_data(as_text=True)
    assert 'name="level"' in html   # the form first: the level (default: the next one), the date, a note
    done = fin.post(f'/admin/paymentplan/act/dun/?ids={first.id},{second.id}',
                    data={'csrf_token': csrf_from(html), 'level': '', 'on': TODAY.isoformat(), 'note': ''},
                    follow_redirects=True)
    assert done.status_code == 200
    assert collection.current_level(first) == 'call' and collection.current_level(second) == 'reminder'
    # A plan that is not overdue is refused; a sales user of another team is not let in at all.
    page = act(fin, 'paymentplan', 'dun', later.id, {'level': ''}).get_data(as_text=True)
    assert 'dunning-overdue' in page and collection.current_level(later) is None
    html = fin.get(f'/admin/paymentplan/details/?id={first.id}').get_data(as_text=True)
    steps = DunningStep.select().count()
    refused = as_role('sales').post(f'/admin/paymentplan/act/dun/?id={first.id}',
                                    data={'csrf_token': csrf_from(html), 'level': ''}, follow_redirects=True)
    assert DunningStep.select().count() == steps, refused.get_data(as_text=True)[-3000:]
    assert refused.status_code in (403, 404) or 'Not found' in refused.get_data(as_text=True)


def test_statement_from_the_360_page_and_documents_generated_for_sending(as_role, deal, users):
    receivables.record_payment(deal['contract'], '60000', received_on=TODAY)
    fin = as_role('finance')
    cid = deal['customer'].id
    page = fin.get(f'/admin/customer/360/?id={cid}').get_data(as_text=True)
    for key in ('xlsx-zh', 'xlsx-en', 'pdf-zh', 'pdf-en'):
        assert f'data-statement="{key}"' in page, key
    book = load_workbook(io.BytesIO(fin.get(f'/admin/customer/statement/?id={cid}&fmt=xlsx&lang=zh').data))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if c is not None]
    assert '对账单' in cells and cells[cells.index('应收余额') + 1] == 240000
    book = load_workbook(io.BytesIO(fin.get(f'/admin/customer/statement/?id={cid}&fmt=xlsx&lang=en').data))
    assert 'Statement of account' in [c.value for c in book.active['A']]
    zh = pdf_text(fin.get(f'/admin/customer/statement/?id={cid}&fmt=pdf&lang=zh').data)
    assert '对账单' in zh and '240,000.00' in zh and '贰拾肆万元整' in zh
    en = pdf_text(fin.get(f'/admin/customer/statement/?id={cid}&fmt=pdf&lang=en').data)
    assert 'Statementofaccount' in en and '240,000.00' in en
    # Another team's sales user gets the same 404 as for a customer that does not exist.
    assert as_role('sales').get(f'/admin/customer/statement/?id={cid}&fmt=pdf').status_code == 404
    assert as_role('sales').get('/admin/customer/statement/?id=999999&fmt=pdf').status_code == 404
    _generate_for_sending(as_role, deal, users, fin)


def _generate_for_sending(as_role, deal, users, fin):
    """'Generate for sending' stores the PDF of a quote, a contract and a statement with the record's documents."""
    contract, customer = deal['contract'], deal['customer']
    quote = quotes.create_quote(customer, '报价', opportunity=None,
                                lines=[{'product': make_product(name='MES系统'), 'quantity': 1}])
    adm = as_role('admin')
    page = adm.get(f'/admin/quote/details/?id={quote.id}').get_data(as_text=True)
    assert 'id="record-print"' in page and 'data-act="generate_quote"' in page
    assert quote.code in adm.get(f'/admin/quote/print/?id={quote.id}&fmt=html&lang=zh').get_data(as_text=True)
    audits = AuditLog.select().count()
    page = act(adm, 'quote', 'generate_quote', quote.id, {'doc_lang': 'en'}).get_data(as_text=True)
    doc = Document.get(Document.entity == 'Quote')
    assert (doc.entity_id, doc.filename, doc.uploaded_by_id) == (quote.id, f'quote-{quote.code}-en.pdf',
                                                                   users['admin'].id)
    assert f'data-document="{doc.code}"' in page and doc.filename in page   # flashed and in the documents panel
    assert AuditLog.select().where(AuditLog.entity == 'Document').count() == 1 and AuditLog.select().count() > audits
    page = act(fin, 'contract', 'generate_contract', contract.id, {'doc_lang': 'zh'}).get_data(as_text=True)
    doc = Document.get(Document.entity == 'Contract')
    assert doc.filename == f'contract-{contract.code}-zh.pdf' and doc.filename in page
    # Finance stores a statement on a customer it may read but not upload files to.
    html = fin.get(f'/admin/customer/360/?id={customer.id}').get_data(as_text=True)
    assert 'id="c360-generate-statement"' in html
    page = act(fin, 'customer', 'generate_statement', customer.id, {'doc_lang': 'zh', 'on': ''},
               page=f'/admin/customer/360/?id={customer.id}').get_data(as_text=True)
    doc = Document.get(Document.entity == 'Customer')
    assert doc.filename == f'statement-{customer.code}-{TODAY.isoformat()}-zh.pdf' and doc.filename in page
    assert adm.get(f'/admin/document/download/?id={doc.id}').data.startswith(b'%PDF')
