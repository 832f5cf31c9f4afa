"""Admin → documents: the panel on a record's page, upload, download and delete, in and out of scope."""
import io

from ltc.models import AuditLog, Document
from ltc.services import audit, documents

from ..factories import make_contract, make_customer, make_opportunity
from .conftest import csrf_from

PDF = b'%PDF-1.4\n%%EOF\n'


def upload(client, page_url, entity, record_id, data, name, title=''):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post('/admin/document/upload/', data={
        'csrf_token': token, 'entity': entity, 'record_id': str(record_id), 'title': title, 'next': page_url,
        'file': (io.BytesIO(data), name)}, content_type='multipart/form-data')


def test_upload_on_a_contract_then_download_as_in_and_out_of_scope_users(app, as_role, users, db):
    contract = make_contract(owner=users['sales'], title='Scanned deal')
    client = as_role('sales')
    page_url = f'/admin/contract/details/?id={contract.id}'
    html = client.get(page_url).get_data(as_text=True)
    assert 'id="documents-panel"' in html and 'id="document-upload"' in html
    response = upload(client, page_url, 'Contract', contract.id, PDF, '签约 扫描.pdf', title='Signed contract')
    assert response.status_code == 302 and response.headers['Location'].endswith(page_url)
    doc = Document.get()
    assert (doc.entity_id, doc.uploaded_by_id, doc.title) == (contract.id, users['sales'].id, 'Signed contract')
    row = AuditLog.get(AuditLog.entity == 'Document', AuditLog.entity_code == doc.code)
    assert (row.actor, row.source, row.action) == ('sales1', 'admin', 'create')
    html = client.get(page_url).get_data(as_text=True)
    assert 'attached to' in html and f'/admin/document/download/?id={doc.id}' in html
    got = client.get(f'/admin/document/download/?id={doc.id}')
    assert got.status_code == 200 and got.data == PDF
    assert got.headers['Content-Type'] == 'application/pdf'
    assert got.headers['Content-Disposition'].startswith('attachment;')
    assert "filename*=UTF-8''%E7%AD%BE%E7%BA%A6%20%E6%89%AB%E6%8F%8F.pdf" in got.headers['Content-Disposition']
    assert got.headers['X-Content-Type-Options'] == 'nosniff' and 'sandbox' in got.headers['Content-Security-Policy']
    assert as_role('finance').get(f'/admin/document/download/?id={doc.id}').status_code == 200
    # Another sales user: 404 for the file, the same as for a document that does not exist.
    other = as_role('manager')   # manager1 has no department: only their own records
    missing = other.get('/admin/document/download/?id=999999')
    refused = other.get(f'/admin/document/download/?id={doc.id}')
    import re
    # a fresh CSP nonce per page; the logout form's CSRF token is signed with the second it was made
    same = [re.sub(rb'nonce="[^"]*"|name="csrf_token" value="[^"]*"', b'', r.data) for r in (refused, missing)]
    assert refused.status_code == missing.status_code == 404 and same[0] == same[1]
    assert PDF not in refused.data
    assert other.get(f'/admin/document/details/?id={doc.id}').status_code == 404
    assert doc.code not in other.get('/admin/document/').get_data(as_text=True)


def test_upload_out_of_scope_is_404_refusals_are_shown_and_new_page_attaches_by_code(as_role, users, db):
    theirs = make_contract(owner=users['manager'])
    client = as_role('sales')
    mine = make_contract(owner=users['sales'])
    page_url = f'/admin/contract/details/?id={mine.id}'
    assert upload(client, page_url, 'Contract', theirs.id, PDF, 'x.pdf').status_code == 404
    assert upload(client, page_url, 'Lead', mine.id, PDF, 'x.pdf').status_code == 404
    response = upload(client, page_url, 'Contract', mine.id, b'MZ\x90\x00', 'tool.exe')
    assert response.status_code == 302
    html = client.get(page_url).get_data(as_text=True)
    assert 'Nothing was saved' in html and 'files of type .exe cannot be attached' in html
    client.set_cookie('ltc_lang', 'zh_Hans_CN')
    upload(client, page_url, 'Contract', mine.id, b'<html><script>1</script></html>', 'page.txt')
    assert '这是网页或脚本，不能作为附件上传' in client.get(page_url).get_data(as_text=True)
    client.set_cookie('ltc_lang', 'en')
    assert not Document.select().exists()
    # The Documents screen's "Create" page attaches by record kind and code.
    opportunity = make_opportunity(owner=users['sales'])
    html = client.get('/admin/document/new/').get_data(as_text=True)
    assert 'id="document-new"' in html and 'value="Opportunity"' in html
    response = client.post('/admin/document/upload/', data={
        'csrf_token': csrf_from(html), 'entity': 'Opportunity', 'code': opportunity.code,
        'file': (io.BytesIO(b'minutes'), 'minutes.txt')}, content_type='multipart/form-data')
    assert response.headers['Location'].endswith(f'/admin/opportunity/details/?id={opportunity.id}')
    assert Document.get().entity_id == opportunity.id
    theirs = make_opportunity(owner=users['manager'])
    response = client.post('/admin/document/upload/', data={
        'csrf_token': csrf_from(html), 'entity': 'Opportunity', 'code': theirs.code,
        'file': (io.BytesIO(b'x'), 'x.txt')}, content_type='multipart/form-data', follow_redirects=True)
    assert 'Not found: the record or document does not exist' in response.get_data(as_text=True)
    assert Document.select().count() == 1


def test_customer_page_and_360_list_documents_and_delete_goes_through_the_service(app, as_role, users, db):
    customer = make_customer(owner=users['sales'])
    with app.app_context(), audit.acting_as(users['admin'], 'admin'):
        by_admin = documents.attach(customer, io.BytesIO(PDF), 'profile.pdf', by=users['admin'])
    client = as_role('sales')
    page_url = f'/admin/customer/details/?id={customer.id}'
    upload(client, page_url, 'Customer', customer.id, PDF, 'mine.pdf')
    mine = Document.get(Document.filename == 'mine.pdf')
    c360 = client.get(f'/admin/customer/360/?id={customer.id}').get_data(as_text=True)
    assert 'profile.pdf' in c360 and 'mine.pdf' in c360 and 'id="document-upload"' in c360
    html = client.get(page_url).get_data(as_text=True)
    assert f'data-delete-document="{mine.id}"' in html and f'data-delete-document="{by_admin.id}"' not in html
    token = csrf_from(html)
    client.post('/admin/document/delete/', data={'csrf_token': token, 'id': by_admin.id, 'url': page_url})
    assert Document.get_or_none(Document.id == by_admin.id) is not None   # not theirs: refused
    client.post('/admin/document/delete/', data={'csrf_token': token, 'id': mine.id, 'url': page_url})
    assert Document.get_or_none(Document.id == mine.id) is None
    assert AuditLog.get(AuditLog.entity_code == mine.code, AuditLog.action == 'delete').actor == 'sales1'
    # Same content as the admin's document: the file stays for it.
    assert documents.path_of(documents.Limits(app.config['DOCUMENTS_DIR']), by_admin.storage_key).exists()
    # Editing the title goes through the service too: the uploader or admin/ops/manager, versioned.
    doc = by_admin
    html = client.get(f'/admin/document/edit/?id={doc.id}').get_data(as_text=True)
    response = client.post(f'/admin/document/edit/?id={doc.id}', data={
        'title': 'Mine now', 'version': doc.version, 'csrf_token': csrf_from(html)}, follow_redirects=True)
    assert 'may change it' in response.get_data(as_text=True)
    assert Document.get_by_id(doc.id).title == 'profile'
    ops = as_role('ops')
    html = ops.get(f'/admin/document/edit/?id={doc.id}').get_data(as_text=True)
    ops.post(f'/admin/document/edit/?id={doc.id}', data={
        'title': 'Signed scan', 'version': doc.version, 'csrf_token': csrf_from(html)})
    assert Document.get_by_id(doc.id).title == 'Signed scan'
    assert AuditLog.get(AuditLog.entity_code == doc.code, AuditLog.action == 'update').actor == 'ops1'
    stale = ops.post(f'/admin/document/edit/?id={doc.id}', data={   # opened on the old version
        'title': 'Other', 'version': doc.version, 'csrf_token': csrf_from(html)}, follow_redirects=True)
    assert 'changed since you opened it' in stale.get_data(as_text=True)
    assert Document.get_by_id(doc.id).title == 'Signed scan'
