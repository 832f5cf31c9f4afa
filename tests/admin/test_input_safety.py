"""No input kills the worker or answers 500; control characters never reach a cell as a formula."""
import csv
import io
import re
from pathlib import Path

import openpyxl

from ltc.admin import uploads
from ltc.models import AuditLog, Lead
from ltc.models.sync import SyncRun
from tests.sync.formats.test_limits import far_cell_bomb

from ..factories import make_lead
from .conftest import csrf_from
from .test_sync_screens import HEADER, MAPPING, upload

EVIL = '\x01=HYPERLINK("http://evil.example","x")'


def test_the_upload_refuses_the_far_cell_bomb_and_the_worker_lives_on(app, as_role, db, tmp_path):
    client = as_role('admin')
    bomb = far_cell_bomb(tmp_path / 'bomb.xlsx').read_bytes()
    page = upload(client, bomb, name='team leads.xlsx').get_data(as_text=True)
    assert 'The file was refused: team leads.xlsx has 16,384 columns; at most 500 columns' in page
    page = upload(client, ('公司名称' + ',' * 700 + '\n华为\n').encode(), name='wide.csv').get_data(as_text=True)
    assert 'wide.csv has 701 columns (row 1)' in page
    assert not [p for p in (Path(app.instance_path) / 'imports').iterdir() if p.suffix in ('.xlsx', '.csv')]
    zh = as_role('admin', lang='zh_Hans_CN')
    assert '有 16,384 列' in upload(zh, bomb, name='b.xlsx').get_data(as_text=True)
    assert client.get('/admin/lead/').status_code == 200   # the same process serves on


def test_control_characters_are_refused_in_forms_and_dropped_before_escaping_in_exports(as_role, db):
    clients = {lang: as_role('admin', lang=lang) for lang in ('en', 'zh_Hans_CN')}
    leads, audits = Lead.select().count(), AuditLog.select().count()
    for lang, message in (('en', 'Contains the control character U+0001; delete it.'),
                          ('zh_Hans_CN', '含有控制字符 U+0001；请删除。')):
        client = clients[lang]
        page = client.get('/admin/lead/new/').get_data(as_text=True)
        response = client.post('/admin/lead/new/', data={'company': EVIL, 'source': 'website',
                                                         'csrf_token': csrf_from(page)})
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert (Lead.select().count(), AuditLog.select().count()) == (leads, audits)
    page = client.get('/admin/lead/new/').get_data(as_text=True)
    response = client.post('/admin/lead/new/', data={'company': '多行\n备注\t公司', 'source': 'website',
                                                     'csrf_token': csrf_from(page)})
    assert response.status_code == 302   # tab and line breaks are text, as in imports

    # Text stored before forms refused it leaves in list exports escaped after the cleaning.
    make_lead(company=EVIL, contact_name='+cmd|calc')   # written before forms refused such text
    client = clients['en']
    rows = list(csv.reader(io.StringIO(client.get('/admin/lead/export/csv/').get_data(as_text=True))))
    companies = [row[rows[0].index('Company')] for row in rows[1:]]
    assert "'" + EVIL[1:] in companies and not any('\x01' in c for c in companies)
    book = openpyxl.load_workbook(io.BytesIO(client.get('/admin/lead/export/xlsx/').data))
    sheet = book.active
    column = [c.value for c in sheet[1]].index('Company') + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    assert "'" + EVIL[1:] in [c.value for c in cells]
    assert all(c.data_type != 'f' for row in sheet.iter_rows() for c in row)


def test_inline_rows_are_checked_too():
    from wtforms import FieldList, FormField, StringField
    from wtforms.form import Form

    from ltc.admin.base import text_fields

    class Line(Form):
        notes = StringField()

    class Parent(Form):
        name = StringField()
        lines = FieldList(FormField(Line), min_entries=2)
    assert [f.name for f in text_fields(Parent())] == ['name', 'lines-0-notes', 'lines-1-notes']


def test_bad_sort_indexes_ajax_names_and_form_parts_answer_4xx_not_500(app, as_role, users, db):
    from flask_login import login_user

    from ltc.admin.auth import SessionUser
    make_lead()
    client = as_role('admin')
    for sort in ('1', '0', '-1', '999', 'x', '1.5', '99999999999999999999'):   # as the browser sends them
        assert client.get(f'/admin/lead/?sort={sort}&desc=1').status_code == 200, sort
    assert client.get('/admin/lead/export/csv/?sort=1').status_code == 200
    # Every index of every list, through the path `?sort=N` takes (without rendering 500 pages).
    with app.test_request_context('/admin/'):
        login_user(SessionUser(users['admin']))
        for view in app.extensions['ltc_admin']._views:
            if hasattr(view, '_list_columns'):
                for index in range(-1, len(view._list_columns) + 2):
                    column = view._get_column_by_idx(index)
                    view.get_list(0, column and column[0], True, None, [])

    # Ajax look-ups by a name that is no loader are not found; offset and limit are clamped.
    for name in ('opportunitycontact.contact', 'opportunityproduct.product', 'nonsense', ''):
        assert client.get(f'/admin/opportunity/ajax/lookup/?name={name}&query=a').status_code == 404, name
    assert client.get('/admin/opportunity/ajax/lookup/?query=a').status_code == 404
    response = client.get('/admin/opportunity/ajax/lookup/?name=customer&query=&offset=-5&limit=-3')
    assert response.status_code == 200 and response.get_json() == []

    # A form part without a name is a bad request with a readable sentence.
    body = b'--XX\r\nContent-Disposition: form-data; filename="a.csv"\r\n\r\na,b\r\n--XX--\r\n'
    for url in ('/admin/import/', '/admin/lead/new/', '/login'):
        response = client.post(url, data=body, content_type='multipart/form-data; boundary=XX')
        assert response.status_code == 400, url
        assert 'has no name; nothing was changed' in response.get_data(as_text=True)
        assert '没有名称' in response.get_data(as_text=True)


def _import(client, content):
    token = re.search(r'/admin/import/([^/]+)/mapping', upload(client, content).headers['Location']).group(1)
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    client.post(f'/admin/import/{token}/mapping', data={**MAPPING, 'on_existing': 'update', 'sheet': '',
                                                        'csrf_token': csrf_from(page)})
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    client.post(f'/admin/import/{token}/confirm', data={'csrf_token': csrf_from(html)})
    uploads.THREADS[token].join(30)
    return token, client.get(f'/admin/import/{token}/result').get_data(as_text=True)


def test_a_control_character_in_an_import_cell_is_reported_and_a_failed_report_is_no_failed_run(
        as_role, db, monkeypatch):
    from ltc.sync.writes.results import Result
    client = as_role('admin')
    content = io.StringIO()
    csv.writer(content, lineterminator='\n').writerows([['', 'Good Co', 'Li', '', 'Website'],
                                                        ['', EVIL, 'Wang', '', 'Website']])
    token, page = _import(client, (HEADER + content.getvalue()).encode())
    assert 'Import finished' in page and 'data-total="created"' in page and 'data-total="error"' in page
    assert 'report-missing' not in page
    report = client.get(f'/admin/import/{token}/report.xlsx')
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).active
    cell = sheet.cell(row=3, column=2)
    assert cell.value == "'" + EVIL[1:] and cell.data_type != 'f'
    assert 'U+0001' in sheet.cell(row=3, column=sheet.max_column).value
    text = client.get(f'/admin/import/{token}/report.csv').data.decode('utf-8-sig')
    assert "'" + EVIL[1:].replace('"', '""') in text and '\x01' not in text

    # A report that cannot be written does not make a written run look failed.
    def broken(self, path, lang='zh'):
        raise OSError('disk full')
    monkeypatch.setattr(Result, 'write_report', broken)
    token, page = _import(client, (HEADER + ',Solo Co,Li,,Website\n').encode())
    assert 'Import finished' in page and 'Import failed' not in page
    assert 'The import was written, but a report file could not be made' in page
    run = SyncRun.select().order_by(SyncRun.id.desc()).get()
    assert f'/admin/syncrun/details/?id={run.id}' in page and 'id="report-xlsx"' not in page
    assert Lead.select().where(Lead.company == 'Solo Co').exists()
    assert client.get(f'/admin/import/{token}/report.xlsx').status_code == 404
