"""Printable documents: PDFs whose text (read back with pypdf) carries the record, the company's details and
the amounts in figures and Chinese capitals, in zh and en; stored on the record when generated for sending."""
import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from ltc.models import Document, Setting
from ltc.services import printing, quotes, receivables
from tests.factories import make_customer, make_product, make_user
from tests.services.cashkit import live_contract

D = datetime.date


def pdf_text(data):
    return ''.join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace(' ', '')


@pytest.mark.parametrize('amount, words', [('10050', '壹万零伍拾元整'), ('100010000', '壹亿零壹万元整'),
                                           ('1.05', '壹元零伍分'), ('0', '零元整'), ('123456789.12',
                                            '壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分'), ('1010', '壹仟零壹拾元整')])
def test_capitals(amount, words):
    assert printing.capitals(amount) == words


@pytest.fixture
def world(db):
    for code, value in (('company.name', '云帆科技有限公司'), ('company.name_en', 'Yunfan Tech Ltd'),
                        ('company.bank_name', '招商银行上海分行'), ('company.bank_account', '121900000010001')):
        Setting.create(code=code, value=value)
    customer = make_customer(name='华东制造有限公司')
    contract = live_contract('300000', customer=customer)
    receivables.set_plans(contract, [{'amount': '100000', 'due_on': D(2026, 3, 1)},
                                     {'amount': '200000', 'due_on': D(2026, 6, 1)}])
    return {'customer': customer, 'contract': contract}


def test_contract_pdf_in_chinese_and_english(world):
    contract = world['contract']
    zh = pdf_text(printing.render_pdf('contract', contract.code, 'zh'))
    for text in (contract.code, '华东制造有限公司', '云帆科技有限公司', '300,000.00', '叁拾万元整', '壹拾万元整',
                 '招商银行上海分行', '121900000010001'):
        assert text in zh, text
    en = pdf_text(printing.render_pdf('contract', contract.code, 'en'))
    assert 'YunfanTechLtd' in en and 'Contractnumber' in en and '叁拾万元整' in en


def test_quote_and_statement(world):
    quote = quotes.create_quote(world['customer'], '报价', quoted_on=D(2026, 3, 1),
                                lines=[{'product': make_product(name='MES系统', list_price=Decimal('5000')),
                                        'quantity': 2}])
    text = pdf_text(printing.render_pdf('quote', quote.code, 'zh'))
    assert quote.code in text and 'MES系统' in text and '10,000.00' in text and '报价单' in text
    html = printing.render_html('statement', world['customer'].code, 'en', on=D(2026, 5, 1))
    assert 'Statement of account' in html and '@page' in html and '300,000.00' in html
    text = pdf_text(printing.render_pdf('statement', world['customer'].code, 'zh', on=D(2026, 5, 1)))
    assert '对账单' in text and '应收余额' in text and '叁拾万元整' in text


def test_markup_in_data_is_escaped(world):
    world['customer'].name = '<script>alert(1)</script>'
    world['customer'].save()
    assert '<script>alert' not in printing.render_html('contract', world['contract'].code, 'zh')


def test_stored_for_sending(world, app, tmp_path):
    fin = make_user('finance')
    with app.test_request_context():
        app.config['UPLOAD_FOLDER'] = str(tmp_path)
        document = printing.store('contract', world['contract'].code, 'zh', fin)
    assert Document.get_by_id(document.id).entity_code == world['contract'].code
    assert document.filename == f'contract-{world["contract"].code}-zh.pdf'
