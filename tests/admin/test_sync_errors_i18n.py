"""The spreadsheet screens show the sync's refusals in the user's language (file named as uploaded)."""
import io
import json
from pathlib import Path

import pytest

from ltc.models.sync import SyncConflict, SyncRun, SyncTarget
from ltc.services import audit
from ltc.sync.engine import twoway as engine
from ltc.sync.engine.targets import add_target
from ltc.sync.errors import SyncError
from ltc.sync.runs import state
from ltc.sync.writes.export import export_entity
from tests.factories import make_lead

from .conftest import csrf_from

DATA = Path(__file__).resolve().parent.parent / 'data'
NO_HEADER = 'Foo,Bar\n1,2\n'.encode()


def upload(client, content, name):
    page = client.get('/admin/import/').get_data(as_text=True)
    response = client.post('/admin/import/', data={'entity': 'leads', 'csrf_token': csrf_from(page),
                                                   'file': (io.BytesIO(content), name)},
                           content_type='multipart/form-data')
    assert response.status_code == 200   # refused: the upload form again, with the message
    return response.get_data(as_text=True)


def post(client, url, page_url, **data):
    page = client.get(page_url).get_data(as_text=True)
    response = client.post(url, data={**data, 'csrf_token': csrf_from(page)})
    if response.status_code == 302:
        return client.get(response.headers['Location']).get_data(as_text=True)
    return response.get_data(as_text=True)


def test_upload_without_header_row_is_refused_in_chinese(app, as_role, db):
    page = upload(as_role('admin', lang='zh_Hans_CN'), NO_HEADER, '三月线索.csv')
    assert '文件被拒绝：三月线索.csv 中找不到线索的表头行：前 30 行中没有一行含有 线索编号 (Lead code)' in page
    assert '`flask ltc export leads --template` 导出模板。' in page
    assert 'has no header row' not in page
    page = upload(as_role('admin', lang='zh_Hans_CN'), (DATA / 'dimastbk_python-calamine__password.xlsx').read_bytes(),
                  '加密.xlsx')
    assert '文件被拒绝：加密.xlsx 设有密码保护；请在 Excel 中打开，取消密码' in page
    assert not list((Path(app.instance_path) / 'imports').glob('*.csv'))


def test_upload_without_header_row_is_refused_in_english(as_role, db):
    page = upload(as_role('admin', lang='en'), NO_HEADER, '三月线索.csv')
    assert 'The file was refused: 三月线索.csv has no header row for leads: none of the first 30 rows' in page
    assert '表头' not in page


@pytest.fixture
def target(db, tmp_path):
    for i in range(3):
        make_lead(company=f'公司{i}')
    path = tmp_path / 'team.xlsx'
    export_entity('leads', path)
    target = add_target('team', 'leads', path)
    engine.run_sync(target)
    return target


def test_sync_screens_refuse_in_chinese(as_role, target, monkeypatch):
    client = as_role('admin', lang='zh_Hans_CN')
    page = post(client, '/admin/synctarget/new/', '/admin/synctarget/new/', name='', entity='leads',
                backend='file', path='')
    assert '未添加同步目标：请为同步目标填写名称。' in page
    page = post(client, '/admin/synctarget/new/', '/admin/synctarget/new/', name='team', entity='leads',
                backend='file', path=target.options['path'])
    assert '未添加同步目标：已有名为 team 的同步目标；请换一个名称。' in page

    details = f'/admin/synctarget/details/?id={target.id}'
    SyncTarget.update(lock_owner='otherhost:1', locked_at=state.utcnow()).execute()
    page = post(client, f'/admin/synctarget/run/{target.id}', details, dry_run='0')
    assert '同步被拒绝，未写入任何数据：同步目标 team 正由 otherhost:1 同步' in page
    SyncTarget.update(lock_owner=None, locked_at=None).execute()

    dry = engine.run_sync(target, dry_run=True)
    run = SyncRun.get(SyncRun.code == dry.run_code)
    page = post(client, f'/admin/syncrun/revert/{run.id}', f'/admin/syncrun/details/?id={run.id}')
    assert f'未撤销任何内容：运行 {run.code} 是预演，没有做任何更改。' in page

    conflict = SyncConflict.create(run=run, target=target, code='L000001', field='company', sheet_value='x',
                                   status='kept_db')
    page = post(client, '/admin/syncconflict/action/', '/admin/syncconflict/', action='keep_db',
                rowid=str(conflict.id))
    assert f'冲突 {conflict.id}：冲突 {conflict.id} 已经处理过（已保留数据库值）。' in page

    def refuse(*args, **kwargs):
        raise SyncError('out.xlsx: write to a .xlsx or .csv file.', zh='out.xlsx：请写入 .xlsx 或 .csv 文件。')
    monkeypatch.setattr('ltc.admin.views_sync.export_entity', refuse)
    response = client.get('/admin/spreadsheets/leads.xlsx')
    page = client.get(response.headers['Location']).get_data(as_text=True)
    assert '导出失败：out.xlsx：请写入 .xlsx 或 .csv 文件。' in page


def test_sync_screens_refuse_in_english(as_role, target):
    client = as_role('admin', lang='en')
    page = post(client, '/admin/synctarget/new/', '/admin/synctarget/new/', name='', entity='leads',
                backend='file', path='')
    assert 'The target was not added: Give the target a name.' in page
    SyncTarget.update(lock_owner='otherhost:1', locked_at=state.utcnow()).execute()
    page = post(client, f'/admin/synctarget/run/{target.id}', f'/admin/synctarget/details/?id={target.id}',
                dry_run='0')
    assert 'The sync was refused; nothing was written: Sync target team is being synced by otherhost:1' in page
    assert '同步' not in page.split('The sync was refused')[1][:300]


def test_google_sheets_refusals_in_chinese(as_role, db):
    client = as_role('ops', lang='zh_Hans_CN')
    assert '若该名称的工作表尚不存在，将自动创建' in client.get('/admin/synctarget/new/').get_data(as_text=True)
    key = '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF'
    page = post(client, '/admin/synctarget/new/', '/admin/synctarget/new/', name='g', entity='customers',
                backend='gsheet', key=key, worksheet='客户')
    assert '未添加同步目标：未设置 LTC_GOOGLE_CREDENTIALS' in page   # the sheet is opened when it is added
    assert not SyncTarget.select().exists()
    # A target added where the credentials were set (the CLI on another machine) cannot run here.
    target = audit.save(SyncTarget(name='g', entity='customers', backend='gsheet',
                                   settings=json.dumps({'key': key, 'worksheet': '客户'})))
    page = post(client, f'/admin/synctarget/run/{target.id}', f'/admin/synctarget/details/?id={target.id}',
                dry_run='1')
    assert '同步被拒绝，未写入任何数据：未设置 LTC_GOOGLE_CREDENTIALS' in page