"""The sync target page: change how often the periodic job runs it, pause and resume."""
from ltc.models.sync import SyncTarget
from ltc.sync.engine.targets import add_target
from ltc.sync.writes.export import export_entity
from tests.factories import make_lead

from .conftest import csrf_from


def _target(tmp_path):
    make_lead(company='公司')
    path = tmp_path / 'daily.xlsx'
    export_entity('leads', path)
    return add_target('daily', 'leads', path, every_minutes=1440)


def test_admin_changes_the_schedule_pauses_and_refuses_a_stale_form(as_role, db, tmp_path):
    client = as_role('admin')
    target = _target(tmp_path)
    details = f'/admin/synctarget/details/?id={target.id}'
    page = client.get(details).get_data(as_text=True)
    assert 'id="target-schedule"' in page and 'value="1440"' in page
    token = csrf_from(page)
    response = client.post(f'/admin/synctarget/schedule/{target.id}',
                           data={'csrf_token': token, 'version': str(target.version), 'every_minutes': '720'})
    assert response.status_code == 302
    assert SyncTarget.get_by_id(target.id).every_minutes == 720
    stale = client.post(f'/admin/synctarget/schedule/{target.id}',
                        data={'csrf_token': token, 'version': str(target.version), 'every_minutes': '30'})
    assert 'nothing was saved' in client.get(stale.headers['Location']).get_data(as_text=True)
    assert SyncTarget.get_by_id(target.id).every_minutes == 720
    fresh = SyncTarget.get_by_id(target.id)
    client.post(f'/admin/synctarget/schedule/{target.id}',
                data={'csrf_token': token, 'version': str(fresh.version), 'every_minutes': '720', 'state': 'pause'})
    assert SyncTarget.get_by_id(target.id).active is False
    bad = client.post(f'/admin/synctarget/schedule/{target.id}',
                      data={'csrf_token': token, 'version': str(fresh.version + 1), 'every_minutes': '2'})
    assert 'from 5 to 10080' in client.get(bad.headers['Location']).get_data(as_text=True)
    no_token = client.post(f'/admin/synctarget/schedule/{target.id}',
                           data={'version': str(fresh.version + 1), 'every_minutes': '60'})
    assert no_token.status_code in (302, 400) and SyncTarget.get_by_id(target.id).every_minutes == 720
    sales = as_role('sales')
    assert sales.post(f'/admin/synctarget/schedule/{target.id}',
                      data={'csrf_token': token, 'every_minutes': '60'}).status_code in (302, 403)
    assert SyncTarget.get_by_id(target.id).every_minutes == 720


def test_admin_sets_the_slice_and_sees_it(as_role, db, tmp_path):
    client = as_role('admin')
    target = _target(tmp_path)
    details = f'/admin/synctarget/details/?id={target.id}'
    page = client.get(details).get_data(as_text=True)
    assert 'id="target-slice"' in page
    token = csrf_from(page)
    response = client.post(f'/admin/synctarget/slice/{target.id}',
                           data={'csrf_token': token, 'version': str(target.version),
                                 'where': 'status=new\nregion=广东', 'new_owner': 'rules'})
    assert response.status_code == 302
    fresh = SyncTarget.get_by_id(target.id)
    assert fresh.terms == [('status', 'new'), ('region', '广东')] and fresh.new_owner == 'rules'
    page = client.get(details).get_data(as_text=True)
    assert 'status=new' in page and 'region=广东' in page
    assert 'status=new' in client.get('/admin/synctarget/').get_data(as_text=True)
    bad = client.post(f'/admin/synctarget/slice/{target.id}',
                      data={'csrf_token': token, 'version': str(fresh.version), 'where': 'colour=red'})
    assert 'cannot filter on' in client.get(bad.headers['Location']).get_data(as_text=True)
    assert SyncTarget.get_by_id(target.id).terms == [('status', 'new'), ('region', '广东')]
