"""Spreadsheet screens: import (upload, mapping, preview, confirm), exports, sync targets."""
import io
import re
from pathlib import Path

import openpyxl

from ltc.admin import uploads
from ltc.models import AuditLog, Lead
from ltc.models.sync import SyncConflict, SyncRun, SyncTarget
from ltc.models.sync_admin import ImportMapping
from ltc.services import audit
from ltc.sync.writes.export import export_entity
from tests.conftest_sheets import sheets_emulator  # noqa: F401
from tests.factories import make_customer, make_lead

from .conftest import csrf_from

HEADER = 'Lead code,Firma,Contact,Phone,Source\n'
MAPPING = {'col-0': 'code', 'col-1': 'company', 'col-2': 'contact_name', 'col-3': 'phone', 'col-4': 'source'}


def upload(client, content, name='leads.csv', entity='leads'):
    page = client.get('/admin/import/').get_data(as_text=True)
    return client.post('/admin/import/', data={'entity': entity, 'csrf_token': csrf_from(page),
                                               'file': (io.BytesIO(content), name)},
                       content_type='multipart/form-data')


def token_of(response):
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return re.search(r'/admin/import/([^/]+)/mapping', response.headers['Location']).group(1)


def preview_rows(html):
    return dict(re.findall(r'data-row="(\d+)" data-outcome="(\w+)"', html))


def leads_file(code):
    return (HEADER + f'{code},Acme Updated,Wang,13800000001,Website\n'
            ',NewCo,Li,13900000002,官网\n'
            ',BadCo,Zhao,13700000003 ext 1234 5678 9012 3456 7890 1234,火星\n').encode('utf-8')


def test_upload_mapping_preview_confirm_and_reimport(app, as_role, db):
    existing = make_lead(company='Acme', contact_name='Wang', phone='13800000001', source='website')
    client = as_role('admin')
    content = leads_file(existing.code)
    token = token_of(upload(client, content))
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    assert 'data-header="Contact"' in page and '<option value="contact_name" selected>' in page
    assert 'mapping-remembered' not in page
    # 'Firma' is not a known header: the user maps it to the company by hand.
    response = client.post(f'/admin/import/{token}/mapping',
                           data={**MAPPING, 'on_existing': 'update', 'sheet': '', 'csrf_token': csrf_from(page)})
    assert response.status_code == 302 and response.headers['Location'].endswith('/preview')
    audits, leads = AuditLog.select().count(), Lead.select().count()
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    assert preview_rows(html) == {'2': 'updated', '3': 'created', '4': 'error'}
    assert 'Acme Updated' in html and '<del>Acme</del>' in html
    assert 'Row 4, column &#34;Phone&#34;' in html and 'shorten it' in html   # row, column, value and the fix
    # an unknown source is no error: the field is left empty and the value named once
    assert '&#34;火星&#34; is not an allowed value; left empty' in html and 'preview-note' in html
    assert (AuditLog.select().count(), Lead.select().count()) == (audits, leads)   # preview writes nothing
    assert 'rows to write: 2' in html and 'Website' in html

    response = client.post(f'/admin/import/{token}/confirm', data={'csrf_token': csrf_from(html)})
    assert response.headers['Location'].endswith('/progress')
    uploads.THREADS[token].join(30)
    status = client.get(f'/admin/import/{token}/status').get_json()
    assert status['state'] == 'done' and status['percent'] == 100
    assert SyncRun.select().order_by(SyncRun.id.desc()).get().source == 'leads.csv'   # as uploaded
    result = client.get(f'/admin/import/{token}/result').get_data(as_text=True)
    assert 'data-total="created"' in result and 'data-total="error"' in result
    run = SyncRun.get(SyncRun.code == status['run'])
    assert f'/admin/syncrun/details/?id={run.id}' in result
    assert Lead.get_by_id(existing.id).company == 'Acme Updated'
    assert Lead.select().where(Lead.company == 'NewCo').count() == 1
    assert not Lead.select().where(Lead.company == 'BadCo').exists()
    assert Lead.select().count() == leads + 1
    report = client.get(f'/admin/import/{token}/report.xlsx')
    rows = list(openpyxl.load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert rows[0][-1] == 'Error' and 'shorten it' in rows[3][-1] and '火星' in rows[3][-1]
    assert not (Path(app.instance_path) / 'imports' / f'{token}.csv').exists()   # the upload is cleaned up

    # The same file again: remembered mapping, every valid row unchanged, nothing to import.
    token = token_of(upload(client, content))
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    assert 'mapping-remembered' in page
    firma = re.search(r'data-header="Firma">(.*?)</select>', page, re.S).group(1)
    assert '<option value="company" selected>' in firma
    assert ImportMapping.select().count() == 1
    client.post(f'/admin/import/{token}/mapping',
                data={**MAPPING, 'on_existing': 'update', 'sheet': '', 'csrf_token': csrf_from(page)})
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    # Unchanged rows are left out of the first view, and one click away.
    assert preview_rows(html) == {'4': 'error'}
    assert '2 unchanged rows are not listed.' in html and 'only=all' in html
    assert 'id="confirm-import" disabled' in html
    every = client.get(f'/admin/import/{token}/preview?only=all').get_data(as_text=True)
    assert preview_rows(every) == {'2': 'unchanged', '3': 'unchanged', '4': 'error'}
    assert 'preview-hidden' not in every


def test_confirm_refuses_when_data_changed_since_preview(as_role, db):
    existing = make_lead(company='Acme', contact_name='Wang', phone='13800000001', source='website')
    client = as_role('admin')
    token = token_of(upload(client, leads_file(existing.code)))
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    client.post(f'/admin/import/{token}/mapping',
                data={**MAPPING, 'on_existing': 'update', 'sheet': '', 'csrf_token': csrf_from(page)})
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    existing.company = 'Acme Updated'
    audit.save(existing)
    response = client.post(f'/admin/import/{token}/confirm', data={'csrf_token': csrf_from(html)})
    assert response.headers['Location'].endswith('/preview')
    assert token not in uploads.THREADS and not Lead.select().where(Lead.company == 'NewCo').exists()


def test_sheet_choice_and_skip_option(as_role, db, tmp_path):
    make_lead(company='Acme', source='website')
    book = openpyxl.Workbook()
    book.active.title = 'East'
    book.active.append(['Company', 'Source'])
    book.active.append(['East Co', 'Website'])
    west = book.create_sheet('West')
    west.append(['Company', 'Source'])
    west.append(['West Co', 'Website'])
    west.append(['West Two', 'Website'])
    data = io.BytesIO()
    book.save(data)
    client = as_role('admin')
    token = token_of(upload(client, data.getvalue(), name='two.xlsx'))
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    assert '<option value="West"' in page
    client.post(f'/admin/import/{token}/mapping', data={'sheet': 'West', 'csrf_token': csrf_from(page)})
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    assert '<option value="West" selected>' in page
    client.post(f'/admin/import/{token}/mapping', data={'sheet': 'West', 'col-0': 'company', 'col-1': 'source',
                                                       'on_existing': 'skip', 'csrf_token': csrf_from(page)})
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    assert preview_rows(html) == {'2': 'created', '3': 'created'}


def test_bad_files_are_refused_with_the_readers_message(app, as_role, db):
    client = as_role('admin')
    page = upload(client, b'this is not a workbook', name='leads.xlsx').get_data(as_text=True)
    assert 'The file was refused' in page and 'leads.xlsx' in page
    page = upload(client, b'hello', name='notes.txt').get_data(as_text=True)
    assert 'is not a spreadsheet' in page
    page = upload(client, 'Foo,Bar\n1,2\n'.encode(), name='x.csv').get_data(as_text=True)
    assert 'has no header row' in page
    assert not list((Path(app.instance_path) / 'imports').glob('*.csv')) and not list((Path(app.instance_path) / 'imports').glob('*.xlsx'))


def test_upload_size_is_capped(app, as_role, db):
    app.config['IMPORT_MAX_UPLOAD_MB'] = 1
    client = as_role('admin')
    page = upload(client, b'a,b\n' * 300_000).get_data(as_text=True)
    assert 'larger than 1 MB' in page


def test_import_respects_scope_for_sales(as_role, users, db):
    other = make_lead(company='Theirs', owner=users['manager'], source='website')
    client = as_role('sales')
    token = token_of(upload(client, (HEADER + f'{other.code},Changed,,,Website\n').encode()))
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    client.post(f'/admin/import/{token}/mapping',
                data={**MAPPING, 'on_existing': 'update', 'sheet': '', 'csrf_token': csrf_from(page)})
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    assert preview_rows(html) == {'2': 'error'} and 'was not found among the records you may change' in html
    assert 'Theirs' not in html   # the refused row shows nothing of the stored record


def test_export_respects_scope_and_template_is_blank(app, as_role, users, db):
    make_lead(company='Mine Co', owner=users['sales'], source='website')
    make_lead(company='Other Co', owner=users['manager'], source='website')
    client = as_role('sales')
    assert 'data-entity="leads"' in client.get('/admin/spreadsheets/').get_data(as_text=True)
    text = client.get('/admin/spreadsheets/leads.csv').data.decode('utf-8-sig')
    assert 'Mine Co' in text and 'Other Co' not in text
    book = openpyxl.load_workbook(io.BytesIO(client.get('/admin/spreadsheets/leads.xlsx').data))
    values = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
    assert 'Mine Co' in values and 'Other Co' not in values
    admin = as_role('admin').get('/admin/spreadsheets/leads.csv').data.decode('utf-8-sig')
    assert 'Other Co' in admin
    template = client.get('/admin/spreadsheets/leads.xlsx?template=1')
    sheet = openpyxl.load_workbook(io.BytesIO(template.data)).worksheets[0]
    assert sheet.max_row == 1 and sheet.cell(1, 2).value == 'Company'
    assert not list((Path(app.instance_path) / 'imports').glob('export-*'))


def _post(client, url, page_url, **data):
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={**data, 'csrf_token': csrf_from(page)})


def test_sync_target_add_run_conflict_resolve_and_revert(as_role, db, tmp_path):
    for i in range(3):
        make_lead(company=f'公司{i}', phone=f'1380000000{i}')
    path = tmp_path / 'team.xlsx'
    export_entity('leads', path)
    client = as_role('admin')
    response = _post(client, '/admin/synctarget/new/', '/admin/synctarget/new/', name='team', entity='leads',
                     backend='file', path=str(path), lang='zh', conflict_policy='db', delete_policy='keep',
                     max_vanish='20')
    target = SyncTarget.get(SyncTarget.name == 'team')
    assert response.headers['Location'].endswith(f'/details/?id={target.id}')
    details = f'/admin/synctarget/details/?id={target.id}'
    assert 'id="run-now"' in client.get(details).get_data(as_text=True)
    _post(client, f'/admin/synctarget/run/{target.id}', details, dry_run='1')
    assert SyncRun.get(SyncRun.target == target).status == 'dry_run'
    response = _post(client, f'/admin/synctarget/run/{target.id}', details, dry_run='0')
    assert '/admin/syncrun/details/' in response.headers['Location']

    book = openpyxl.load_workbook(path)
    book.worksheets[0].cell(2, 2, 'sheet says')
    book.worksheets[0].cell(3, 2, 'sheet edit')
    book.save(path)
    first = Lead.get(Lead.code == 'L000001')
    first.company = 'db says'
    audit.save(first)
    response = _post(client, f'/admin/synctarget/run/{target.id}', details, dry_run='0')
    run = SyncRun.select().order_by(SyncRun.id.desc()).first()
    run_page = client.get(response.headers['Location']).get_data(as_text=True)
    assert 'id="run-results"' in run_page and 'data-outcome="conflict"' in run_page
    assert Lead.get(Lead.code == 'L000002').company == 'sheet edit'

    conflicts = client.get('/admin/syncconflict/').get_data(as_text=True)
    conflict = SyncConflict.get(SyncConflict.status == 'open')
    assert 'sheet says' in conflicts
    _post(client, '/admin/syncconflict/action/', '/admin/syncconflict/', action='take_sheet',
          rowid=str(conflict.id))
    assert SyncConflict.get_by_id(conflict.id).status == 'took_sheet'
    assert Lead.get(Lead.code == 'L000001').company == 'sheet says'

    response = _post(client, f'/admin/syncrun/revert/{run.id}', f'/admin/syncrun/details/?id={run.id}')
    assert response.status_code == 302
    assert Lead.get(Lead.code == 'L000002').company == '公司1'
    assert SyncRun.get_by_id(run.id).status == 'reverted'


def test_gsheet_target_added_in_the_admin_gets_its_worksheet_like_the_cli(app, as_role, db, sheets_emulator):
    app.config['GOOGLE_API_BASE'] = sheets_emulator.base_url
    key = '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF'
    sheets_emulator.create_spreadsheet(key, 'Team customers')
    customer = make_customer(name='甲有限公司')
    client = as_role('ops')
    url = f'https://docs.google.com/spreadsheets/d/{key}/edit#gid=0'
    response = _post(client, '/admin/synctarget/new/', '/admin/synctarget/new/', name='g', entity='customers',
                     backend='gsheet', key=url, worksheet='', lang='en')
    target = SyncTarget.get(SyncTarget.name == 'g')
    assert target.backend == 'gsheet' and target.options == {'key': key, 'worksheet': 'Customers'}
    page = client.get(response.headers['Location']).get_data(as_text=True)
    assert 'Sync target g was added.' in page
    assert 'The worksheet Customers was created in the Google Sheet' in page
    header = sheets_emulator.rendered(key, 'Customers')[0]
    assert header[:2] == ['Customer code', 'Customer name'] and header[-1] == 'Sync status'
    sheet = sheets_emulator.sheet(key, 'Customers')
    assert sheet.frozen_rows == 1 and sheet.protected[0]['range']['endColumnIndex'] == 1
    # A second target on the same worksheet uses it as it is.
    response = _post(client, '/admin/synctarget/new/', '/admin/synctarget/new/', name='g2', entity='customers',
                     backend='gsheet', key=key, worksheet='Customers', lang='en')
    page = client.get(response.headers['Location']).get_data(as_text=True)
    assert 'Sync target g2 was added.' in page and 'was created' not in page
    assert len(sheets_emulator.spreadsheet(key).sheets) == 2   # the default sheet and Customers
    response = _post(client, f'/admin/synctarget/run/{target.id}', f'/admin/synctarget/details/?id={target.id}')
    assert 'syncrun' in response.headers['Location']
    assert sheets_emulator.rendered(key, 'Customers')[1][:2] == [customer.code, '甲有限公司']
    for refused, error in ((dict(name='g', key=key), 'A sync target named g exists already'),
                           (dict(name='x', key='not a key!'), 'neither a Google Sheets address'),
                           (dict(name='y', key='1MissingSheetKey'), 'does not exist')):
        page = _post(client, '/admin/synctarget/new/', '/admin/synctarget/new/', entity='customers',
                     backend='gsheet', lang='en', **refused).get_data(as_text=True)
        assert 'The target was not added' in page and error in page
    assert SyncTarget.select().count() == 2
    page = _post(client, '/admin/synctarget/new/', '/admin/synctarget/new/', name='bad', entity='leads',
                 backend='file', path='/nonexistent/x.xlsx').get_data(as_text=True)
    assert 'The target was not added' in page and 'does not exist' in page


def test_non_admin_roles_are_refused(as_role, app, db):
    sales = as_role('sales')
    for url in ('/admin/synctarget/', '/admin/syncrun/', '/admin/syncconflict/', '/admin/synctarget/new/',
                '/admin/importmapping/'):
        assert sales.get(url).status_code == 403, url
    page = sales.get('/admin/import/').get_data(as_text=True)
    assert sales.post('/admin/synctarget/run/1', data={'csrf_token': csrf_from(page)}).status_code == 403
    assert as_role('finance').get('/admin/import/').status_code == 403
    assert app.test_client().get('/admin/import/').status_code == 302
    assert sales.get('/admin/import/nope/preview').status_code == 404   # another session's token


def test_chinese_screens(as_role, db):
    client = as_role('admin', lang='zh_Hans_CN')
    page = client.get('/admin/import/').get_data(as_text=True)
    assert '导入表格' in page
    assert '导出与模板' in client.get('/admin/spreadsheets/').get_data(as_text=True)


def _to_preview(client, content, mapping=None):
    token = token_of(upload(client, content))
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    client.post(f'/admin/import/{token}/mapping', data={**(mapping or MAPPING), 'on_existing': 'update',
                                                        'sheet': '', 'csrf_token': csrf_from(page)})
    return token


def test_big_preview_is_paged_and_totals_always_shown(as_role, db):
    client = as_role('admin')
    lines = ''.join(f',Co {i},P{i},,Website\n' for i in range(140)) + f',Bad,X,{"9" * 41},Website\n'
    token = _to_preview(client, (HEADER + lines).encode())
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    assert len(preview_rows(html)) == 100
    assert 'data-total="created">Created 140' in html and 'data-total="error">Error 1' in html
    page2 = client.get(f'/admin/import/{token}/preview?page=2').get_data(as_text=True)
    assert len(preview_rows(page2)) == 41 and 'data-total="created">Created 140' in page2
    errors = client.get(f'/admin/import/{token}/preview?only=error').get_data(as_text=True)
    assert preview_rows(errors) == {'142': 'error'}


def test_progress_page_and_status_follow_the_apply(as_role, db, monkeypatch):
    import threading
    from ltc.admin import sync_import
    from ltc.sync.writes.importer import apply_import
    reached, release = threading.Event(), threading.Event()

    def slow_apply(plan, progress=None):
        progress(3, 4)
        reached.set()
        release.wait(10)
        return apply_import(plan, progress=progress)
    monkeypatch.setattr(sync_import, 'apply_import', slow_apply)
    client = as_role('admin')
    token = _to_preview(client, (HEADER + ',Solo,Li,,Website\n').encode())
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    client.post(f'/admin/import/{token}/confirm', data={'csrf_token': csrf_from(html)})
    assert reached.wait(10)
    page = client.get(f'/admin/import/{token}/progress').get_data(as_text=True)
    assert f'data-ltc-progress="/admin/import/{token}/status"' in page
    assert client.get(f'/admin/import/{token}/status').get_json() | {'result': None} == \
        {'state': 'running', 'done': 3, 'total': 4, 'percent': 75, 'result': None}
    assert client.get(f'/admin/import/{token}/result').status_code == 302   # still running
    release.set()
    uploads.THREADS[token].join(30)
    assert client.get(f'/admin/import/{token}/status').get_json()['state'] == 'done'
    assert Lead.select().where(Lead.company == 'Solo').exists()


def test_export_is_capped(app, as_role, db):
    app.config['EXPORT_MAX_ROWS'] = 2
    for i in range(3):
        make_lead(company=f'Cap {i}', source='website')
    text = as_role('admin').get('/admin/spreadsheets/leads.csv').data.decode('utf-8-sig')
    assert 'Cap 1' in text and 'Cap 2' not in text


def test_conflict_edited_from_its_details_page(as_role, db, tmp_path):
    from ltc.sync.engine.targets import add_target
    from ltc.sync.engine.twoway import run_sync
    make_lead(company='Start', phone='13800000009')
    path = tmp_path / 'one.xlsx'
    export_entity('leads', path)
    target = add_target('one', 'leads', path)
    run_sync(target)
    book = openpyxl.load_workbook(path)
    book.worksheets[0].cell(2, 2, 'sheet side')
    book.save(path)
    lead = Lead.get(Lead.code == 'L000001')
    lead.company = 'db side'
    audit.save(lead)
    run_sync(target)
    conflict = SyncConflict.get(SyncConflict.status == 'open')
    client = as_role('ops')
    details = f'/admin/syncconflict/details/?id={conflict.id}'
    assert 'id="resolve-edit"' in client.get(details).get_data(as_text=True)
    response = _post(client, f'/admin/syncconflict/resolve/{conflict.id}', details, choice='edit', value='typed')
    assert response.status_code == 302
    assert Lead.get(Lead.code == 'L000001').company == 'typed'
    assert SyncConflict.get_by_id(conflict.id).status == 'edited'
    page = client.get(details).get_data(as_text=True)
    assert 'id="resolve-edit"' not in page   # settled: no more buttons
    response = _post(client, f'/admin/syncconflict/resolve/{conflict.id}', details, choice='db')
    assert 'already settled' in client.get(response.headers['Location']).get_data(as_text=True)


def test_entity_choices_follow_lead_to_cash_order(as_role, db):
    """Leads come first (what sales teams import most), then the rest in process order."""
    for url in ('/admin/import/', '/admin/synctarget/new/'):
        page = as_role('admin').get(url).get_data(as_text=True)
        options = re.findall(r'<option value="(leads|customers|contacts|opportunities|products|contracts|'
                             r'payment_plans|payments)"', page)
        assert options == ['leads', 'customers', 'contacts', 'opportunities', 'products', 'contracts',
                           'payment_plans', 'payments'], url


def test_deletion_conflict_deleted_or_kept_from_its_details_page(as_role, db, tmp_path):
    from ltc.sync.engine.targets import add_target
    from ltc.sync.engine.twoway import run_sync
    for i in range(6):
        make_lead(company=f'Co {i}', region_city='Old')
    path = tmp_path / 'del.xlsx'
    export_entity('leads', path)
    target = add_target('del', 'leads', path, delete_policy='delete')
    run_sync(target)
    book = openpyxl.load_workbook(path)
    book.worksheets[0].delete_rows(2, 2)   # L000001 and L000002 removed from the sheet ...
    book.save(path)
    for code in ('L000001', 'L000002'):   # ... after an admin edited them
        lead = Lead.get(Lead.code == code)
        lead.region_city = 'Edited'
        audit.save(lead)
    assert run_sync(target).totals()['conflict'] == 2
    first, second = SyncConflict.select().order_by(SyncConflict.id)
    client = as_role('ops')
    listing = client.get('/admin/syncconflict/').get_data(as_text=True)
    assert 'Row removed from the sheet' in listing and 'City: Edited' in listing and 'City: Old' in listing
    details = f'/admin/syncconflict/details/?id={first.id}'
    page = client.get(details).get_data(as_text=True)
    assert 'id="resolve-delete"' in page and 'id="resolve-keep"' in page and 'id="resolve-edit"' not in page
    response = _post(client, f'/admin/syncconflict/resolve/{first.id}', details, choice='delete')
    assert 'L000001 was deleted.' in client.get(response.headers['Location']).get_data(as_text=True)
    assert not Lead.select().where(Lead.code == 'L000001').exists()
    details = f'/admin/syncconflict/details/?id={second.id}'
    response = _post(client, f'/admin/syncconflict/resolve/{second.id}', details, choice='keep')
    assert 'puts it back in the sheet' in client.get(response.headers['Location']).get_data(as_text=True)
    assert SyncConflict.get_by_id(second.id).status == 'kept_record'
    assert run_sync(target).exit_code == 0
    assert 'L000002' in [r[0] for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)]


def test_sync_screens_read_in_the_users_language(as_role, db, tmp_path):
    """Targets, runs and conflicts show labels, not stored keys: entity, backend, policies, kinds,
    statuses, column names and row messages in Chinese for a Chinese user, English otherwise."""
    from ltc.sync.engine.targets import add_target
    from ltc.sync.engine.twoway import run_sync
    for i in range(3):
        make_lead(company=f'Co {i}', contact_name='Old')
    path = tmp_path / 'team.xlsx'
    export_entity('leads', path)
    target = add_target('team', 'leads', path)
    run_sync(target)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    sheet.cell(2, headers.index('联系人') + 1).value = 'Sheet name'
    sheet.cell(3, headers.index('电话') + 1).value = '13800000000'
    book.save(path)
    lead = Lead.get(Lead.code == 'L000001')
    lead.contact_name = 'Database name'
    audit.save(lead)
    result = run_sync(target)
    assert result.totals()['conflict'] == 1 and result.totals()['updated'] == 1
    run = SyncRun.get(SyncRun.code == result.run_code)
    conflict = SyncConflict.get()
    zh = as_role('ops', lang='zh_Hans_CN')
    page = zh.get(f'/admin/synctarget/details/?id={target.id}').get_data(as_text=True)
    for text in ('线索', 'Excel 文件', '保留数据库的值', '不删除，仅标记', '中文', '线索编号, 公司名称', str(path)):
        assert text in page, text
    assert '>leads<' not in page and '>keep<' not in page and 'code,company' not in page
    page = zh.get(f'/admin/syncrun/details/?id={run.id}').get_data(as_text=True)
    assert '同步' in page and '完成（有错误或冲突）' in page
    assert '「联系人」冲突' in page and '电话: ' in page   # row message and changes in Chinese
    page = zh.get(f'/admin/syncconflict/details/?id={conflict.id}').get_data(as_text=True)
    assert re.search(r'<td>\s*联系人\s*</td>', page) and '待处理' in page
    en = as_role('ops')
    page = en.get(f'/admin/syncrun/details/?id={run.id}').get_data(as_text=True)
    assert 'Leads' in page and 'conflict on 联系人' in page and 'Phone: ' in page
    page = en.get(f'/admin/synctarget/details/?id={target.id}').get_data(as_text=True)
    assert 'Excel file' in page and 'Keep the database value' in page and 'Lead code, Company' in page


def test_bulk_take_sheet_never_deletes_records(as_role, db, tmp_path):
    """Selecting many conflicts and taking the sheet's values settles field conflicts only; rows
    removed from the sheet stay open until someone deletes or keeps each one on its page."""
    from ltc.sync.engine.targets import add_target
    from ltc.sync.engine.twoway import run_sync
    for i in range(6):
        make_lead(company=f'Co {i}', region_city='Old', contact_name='Old')
    path = tmp_path / 'bulk.xlsx'
    export_entity('leads', path)
    target = add_target('bulk', 'leads', path, delete_policy='delete')
    run_sync(target)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    sheet.cell(4, headers.index('联系人') + 1).value = 'Sheet'   # L000003: a field conflict
    sheet.delete_rows(2, 1)                                       # L000001: removed from the sheet
    book.save(path)
    for code, field in (('L000001', 'region_city'), ('L000003', 'contact_name')):
        lead = Lead.get(Lead.code == code)
        setattr(lead, field, 'Edited')
        audit.save(lead)
    assert run_sync(target).totals()['conflict'] == 2
    ids = [str(c.id) for c in SyncConflict.select()]
    client = as_role('ops')
    response = _post(client, '/admin/syncconflict/action/', '/admin/syncconflict/', action='take_sheet',
                     rowid=ids)
    page = client.get(response.headers['Location']).get_data(as_text=True)
    assert '1 row removed from the sheet was left open' in page
    assert Lead.select().where(Lead.code == 'L000001').exists()   # not deleted in bulk
    statuses = {c.code: c.status for c in SyncConflict.select()}
    assert statuses == {'L000001': 'open', 'L000003': 'took_sheet'}


def test_mapping_step_shows_how_sure_each_automatic_match_is(as_role, db):
    client = as_role('admin')
    content = ('Account,Adress,客户等级划分,签约人,Websit\n'
               '必填,选填,下拉选择,选填,选填\n'
               '星河科技,杭州,VIP客户,张三,x.cn\n').encode('utf-8')
    token = token_of(upload(client, content, name='crm.csv', entity='customers'))
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    hints = dict(re.findall(r'class="badge badge-\w+ mapping-hint" data-position="(\d)">([^<]*)<', page))
    assert hints['1'] == 'Similar name, 92% sure: check it'
    assert hints['2'] == 'Not imported; perhaps Level (80%)'
    assert '0' not in hints and 'id="mapping-check"' in page
    adress = re.search(r'data-header="Adress">(.*?)</select>', page, re.S).group(1)
    assert '<option value="address" selected>' in adress   # used, and marked for checking
    level = re.search(r'data-header="客户等级划分">(.*?)</select>', page, re.S).group(1)
    assert 'selected' not in level   # a weak match is asked about, never guessed
    assert 'Skipped 1 description row under the header (row 2)' in page


def test_the_preview_of_a_new_row_shows_every_value_it_brings(as_role, db):
    client = as_role('admin')
    content = ('Company,Contact,Phone,Mobile,Title,E-mail,Source,Industry,Province,City\n'
               'Preview Co,Li,057188001122,13900000002,CTO,li@preview.example,Website,Energy,浙江省,杭州市\n')
    token = token_of(upload(client, content.encode('utf-8')))
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    columns = ('company', 'contact_name', 'phone', 'mobile', 'contact_title', 'email', 'source', 'industry',
               'region_province', 'region_city')
    client.post(f'/admin/import/{token}/mapping', data={
        **{f'col-{i}': attr for i, attr in enumerate(columns)}, 'on_existing': 'update', 'sheet': '',
        'csrf_token': csrf_from(page)})
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    assert preview_rows(html) == {'2': 'created'}
    for value in ('li@preview.example', 'Website', 'Energy', '浙江省', '杭州市'):
        assert value in html, value


def test_quotes_are_on_the_spreadsheets_page(as_role, users, db):
    from ltc.models import Quote
    from ..factories import make_customer
    import datetime
    quote = Quote.create(customer=make_customer(owner=users['sales']), title='Export me', owner=users['sales'],
                         quoted_on=datetime.date(2026, 3, 1), version=1, code='Q-EXPORT')
    client = as_role('sales')
    assert 'data-entity="quotes"' in client.get('/admin/spreadsheets/').get_data(as_text=True)
    assert 'Export me' in client.get('/admin/spreadsheets/quotes.csv').data.decode('utf-8-sig') and quote.code
    assert 'data-entity="quotes"' not in as_role('finance').get('/admin/spreadsheets/').get_data(as_text=True)


def test_mapping_step_joins_name_parts_splits_a_region_and_closed_rows_come_in(as_role, db):
    client = as_role('admin')
    content = ('Company,First Name,Last Name,区域,Status\n'
               'Acme,Wei,Zhang,"江苏省,南京市,玄武区",Working - Contacted\n'
               'Baker Foods,Tom,Baker,浙江省/杭州市,Closed - Not Converted\n').encode('utf-8')
    token = token_of(upload(client, content, name='sf.csv'))
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    for header, value in (('First Name', 'contact_name'), ('Last Name', 'contact_name'), ('区域', 'region')):
        select = re.search(rf'data-header="{header}">(.*?)</select>', page, re.S).group(1)
        assert f'<option value="{value}" selected>' in select, header
    hints = dict(re.findall(r'class="badge badge-\w+ mapping-hint" data-position="(\d)">([^<]*)<', page))
    assert hints['1'] == hints['2'] == 'Joined with the other parts into Contact'
    assert hints['3'] == 'Split into Province + City'
    # Both parts sent to the contact name is no "two columns for one field": they are joined.
    response = client.post(f'/admin/import/{token}/mapping', data={
        'col-0': 'company', 'col-1': 'contact_name', 'col-2': 'contact_name', 'col-3': 'region', 'col-4': 'status',
        'on_existing': 'update', 'sheet': '', 'csrf_token': csrf_from(page)})
    assert response.headers['Location'].endswith('/preview')
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    assert preview_rows(html) == {'2': 'created', '3': 'created'}
    assert 'Wei Zhang' in html and '南京市' in html
    assert 'arrives disqualified: created, then disqualified with the reason' in html and 'sf.csv' in html
    client.post(f'/admin/import/{token}/confirm', data={'csrf_token': csrf_from(html)})
    uploads.THREADS[token].join(30)
    acme, baker = Lead.get(Lead.company == 'Acme'), Lead.get(Lead.company == 'Baker Foods')
    assert (acme.contact_name, acme.region_province, acme.region_city) == ('Wei Zhang', '江苏省', '南京市')
    assert (baker.status, baker.disqualify_reason) == \
        ('disqualified', 'Disqualified in the source system (imported from sf.csv)')
