"""`flask ltc print`: PDF and HTML files, stored on the record when asked."""
import io

from pypdf import PdfReader

from ltc.models import Document
from tests.factories import make_user
from tests.services.cashkit import live_contract


def test_print_contract(db, runner, tmp_path):
    contract = live_contract('1000')
    make_user('finance', username='fin')
    path = tmp_path / 'c.pdf'
    result = runner.invoke(args=['ltc', 'print', 'contract', contract.code, str(path), '--lang', 'en'])
    assert result.exit_code == 0, result.output
    text = ''.join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert contract.code in text and '壹仟元整' in text.replace(' ', '')
    html = tmp_path / 'c.html'
    assert runner.invoke(args=['ltc', 'print', 'contract', contract.code, str(html), '--html']).exit_code == 0
    assert '合同编号' in html.read_text(encoding='utf-8')
    result = runner.invoke(args=['ltc', 'print', 'contract', contract.code, str(path), '--store', '--user', 'fin'])
    assert result.exit_code == 0 and 'stored as document' in result.output, result.output
    assert Document.get().entity_code == contract.code
