"""Documents: storage by content hash, limits, the record's scope on every read, audit rows, delete."""
import io
import json

import pytest

from ltc.errors import NotFound, RuleViolation, ValidationError
from ltc.models import AuditLog, Document
from ltc.services import documents
from ltc.services.messages import text

from ..factories import make_contract, make_customer, make_department, make_opportunity, make_user

PDF = b'%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n'


@pytest.fixture
def limits(tmp_path):
    return documents.Limits(tmp_path / 'docs', max_mb=1, types={'pdf', 'txt', 'png', 'exe', 'html'})


@pytest.fixture
def people(db):
    team = make_department()
    return {'admin': make_user('admin'), 'ops': make_user('ops'), 'finance': make_user('finance'),
            'manager': make_user('manager', department=team), 'sales': make_user('sales', department=team),
            'other': make_user('sales')}


def attach(record, data, name, by, limits, **kw):
    return documents.attach(record, io.BytesIO(data), name, by=by, limits=limits, **kw)


def test_attach_stores_by_content_hash_and_audits(db, people, limits):
    import hashlib
    contract = make_contract(owner=people['sales'])
    doc = attach(contract, PDF, '../../签约扫描件 v2.pdf', people['sales'], limits, title='Signed scan')
    key = hashlib.sha256(PDF).hexdigest()
    assert (doc.storage_key, doc.size, doc.filename) == (key, len(PDF), '签约扫描件 v2.pdf')
    assert (doc.entity, doc.entity_id, doc.entity_code) == ('Contract', contract.id, contract.code)
    assert doc.content_type == 'application/pdf' and doc.uploaded_by_id == people['sales'].id
    assert (limits.directory / key[:2] / key).read_bytes() == PDF
    again = attach(contract, PDF, 'copy.pdf', people['sales'], limits)   # same content, stored once
    assert again.storage_key == key and len(list(limits.directory.glob('*/*'))) == 1
    row = AuditLog.get(AuditLog.entity == 'Document', AuditLog.entity_code == doc.code)
    assert row.action == 'create' and row.note == f'Contract {contract.code}'
    assert json.loads(row.changes)['filename'] == [None, '签约扫描件 v2.pdf']
    assert [d.code for d in documents.documents_of(contract, people['sales'])] == [again.code, doc.code]


REFUSED = [
    ('setup.exe', b'MZ\x90\x00', 'cannot be attached'),                 # blocked even if configured
    ('page.html', b'<p>hi</p>', 'cannot be attached'),
    ('notes.svg', b'<svg/>', 'cannot be attached'),                     # not in the allowed list
    ('invoice.pdf.exe', b'MZ', 'cannot be attached'),
    ('report.pdf', b'MZ\x90\x00\x03', 'it is a program'),               # executable content, harmless name
    ('readme.txt', b'  <!DOCTYPE html><script>alert(1)</script>', 'web page or script'),
    ('empty.pdf', b'', 'it is empty'),
    ('big.pdf', b'%PDF' + b'x' * (1024 * 1024), 'larger than 1 MB'),
]


def test_limits_refuse_and_leave_nothing(db, people, limits):
    contract = make_contract(owner=people['sales'])
    for name, data, expected in REFUSED:
        with pytest.raises(ValidationError) as info:
            attach(contract, data, name, people['sales'], limits)
        assert expected in str(info.value) and text(info.value, 'zh') != str(info.value), name
    assert not Document.select().exists()
    assert not [p for p in limits.directory.rglob('*') if p.is_file()]   # no temporary file left


def test_clean_filename():
    assert documents.clean_filename('C:\\Users\\x\\合同 扫描.PDF') == '合同 扫描.PDF'
    assert documents.clean_filename('a<b>:"c|?*\x00\x1f.pdf') == 'a_b_c_.pdf'
    assert documents.clean_filename('...') == 'file'
    long = documents.clean_filename('x' * 300 + '.pdf')
    assert len(long) == 200 and long.endswith('.pdf')
    assert documents.content_type('a.HTML') == 'application/octet-stream'
    assert documents.content_type('scan.PDF') == 'application/pdf'


def test_reads_follow_the_scope_of_the_record(db, people, limits):
    mine = make_contract(owner=people['sales'])
    theirs = make_contract(owner=people['other'])
    doc = attach(theirs, PDF, 'theirs.pdf', people['admin'], limits)
    opportunity = make_opportunity(owner=people['other'])
    on_opportunity = attach(opportunity, PDF, 'deal.pdf', people['other'], limits)
    # Not in scope: the same NotFound as a document that does not exist.
    for asked in (doc.id, 999999, 'x'):
        with pytest.raises(NotFound) as info:
            documents.open_document(asked, people['sales'], limits)
        assert str(info.value).startswith('Not found: the record or document does not exist')
    assert documents.documents_of(theirs, people['sales']) == []
    with pytest.raises(NotFound):
        attach(theirs, PDF, 'x.pdf', people['sales'], limits)
    with pytest.raises(NotFound):
        documents.record_of('Contract', theirs.id, people['sales'])
    # The manager of the owner's department, ops and finance (contracts) may; finance not opportunities.
    theirs.owner = people['sales']
    theirs.save()
    for who in ('sales', 'manager', 'ops', 'finance'):
        found, path = documents.open_document(doc.id, people[who], limits)
        assert found.id == doc.id and path.read_bytes() == PDF
    with pytest.raises(NotFound):
        documents.open_document(on_opportunity.id, people['finance'], limits)
    assert documents.record_of('Contract', mine.id, people['sales']).id == mine.id
    # The scope follows the record's id, not its (editable) code.
    theirs.code = 'HT-RENAMED'
    theirs.save()
    assert [d.id for d in documents.documents_of(theirs, people['sales'])] == [doc.id]
    # Finance sees customers that have a contract, but may not attach files to them.
    customer = make_customer(owner=people['sales'])
    make_contract(customer=customer)
    with pytest.raises(RuleViolation) as info:
        attach(customer, PDF, 'x.pdf', people['finance'], limits)
    assert 'may not attach files to a customer' in str(info.value)
    assert attach(customer, PDF, 'ok.pdf', people['sales'], limits).entity == 'Customer'


def test_delete_by_uploader_or_managers_audits_and_frees_unused_files(db, people, limits):
    contract = make_contract(owner=people['sales'])
    first = attach(contract, PDF, 'a.pdf', people['sales'], limits)
    second = attach(contract, PDF, 'b.pdf', people['manager'], limits)
    path = documents.path_of(limits, first.storage_key)
    with pytest.raises(RuleViolation):   # sales did not attach it
        documents.delete_document(second.id, people['sales'], limits)
    with pytest.raises(NotFound):        # another sales user cannot even see it
        documents.delete_document(first.id, people['other'], limits)
    documents.delete_document(first.id, people['sales'], limits)
    assert path.exists()                 # still the content of the second document
    documents.delete_document(second.id, people['manager'], limits)
    assert not path.exists() and not Document.select().exists()
    deleted = {r.entity_code: r for r in AuditLog.select().where(AuditLog.entity == 'Document',
                                                                 AuditLog.action == 'delete')}
    assert set(deleted) == {first.code, second.code}
    assert deleted[first.code].note == f'Contract {contract.code}'
