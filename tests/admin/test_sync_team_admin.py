"""Admin → Sync targets → a target's page: an admin makes team sheets from it (one per member of a
department) and sees a member's sheet name its template; other sync roles are refused."""
import openpyxl

from ltc.models.sync import SyncTarget
from ltc.services import audit
from tests.admin.conftest import csrf_from
from tests.conftest_sheets import sheets_emulator  # noqa: F401
from tests.factories import make_department, make_user


def test_admin_makes_team_sheets_from_a_target_page(as_role, users, db, tmp_path):
    from ltc.sync.engine.targets import add_target
    from ltc.sync.writes.export import export_entity
    east = make_department(name='华东', code='D-EAST')
    for name in ('wang', 'zhao'):
        make_user('sales', username=name, department=east)
    path = tmp_path / 'east.xlsx'
    with audit.acting_as(users['admin'], 'cli'):
        export_entity('leads', path, template=True, lang='en')
        template = add_target('east', 'leads', path, lang='en', where=['stage=open'])
    ops = as_role('ops')
    page = ops.get(f'/admin/synctarget/details/?id={template.id}').get_data(as_text=True)
    assert 'id="target-team"' not in page
    ops.post(f'/admin/synctarget/team/{template.id}', data={'csrf_token': csrf_from(page), 'department': 'D-EAST'})
    assert not SyncTarget.select().where(SyncTarget.team_of == template.id).exists()
    client = as_role('admin')
    page = client.get(f'/admin/synctarget/details/?id={template.id}').get_data(as_text=True)
    assert 'id="target-team"' in page and 'value="D-EAST"' in page
    page = client.post(f'/admin/synctarget/team/{template.id}', follow_redirects=True,
                       data={'csrf_token': csrf_from(page), 'department': 'D-EAST', 'mode': 'tabs'}
                       ).get_data(as_text=True)
    assert 'Team sheets of east: 2 made, 0 made active again, 0 deactivated, 0 kept.' in page
    assert 'members of D-EAST, one tab each' in page and 'Keep team sheets in step' in page
    assert openpyxl.load_workbook(path).sheetnames[-2:] == ['Leads·wang', 'Leads·zhao']
    assert SyncTarget.get_by_id(template.id).options['sheet'] == 'Leads'   # pinned to its own tab
    member = SyncTarget.get(SyncTarget.name == 'east-wang')
    assert member.run_as.username == 'wang' and member.terms == [('stage', 'open'), ('owner', 'me')]
    page = client.get(f'/admin/synctarget/details/?id={member.id}').get_data(as_text=True)
    assert 'belongs to the team of east' in page and 'id="target-team"' not in page


def test_admin_is_told_which_google_team_sheets_nobody_could_be_given(app, as_role, users, db, sheets_emulator):
    """One spreadsheet each on Google: a member with an e-mail address gets edit access to theirs; the page
    names the sheet of a member LTC could not share it with, for the admin to share by hand."""
    from ltc.sync.engine.targets import add_gsheet_target
    app.config.update(GOOGLE_API_BASE=sheets_emulator.base_url, GOOGLE_REQUESTS_PER_MINUTE='600000',
                      GOOGLE_REQUEST_BURST='10000')
    sheets_emulator.create_spreadsheet('1TeamKey', 'East team')
    east = make_department(name='华东', code='D-EAST')
    make_user('sales', username='wang', department=east, email='wang@example.com')
    make_user('sales', username='zhao', department=east)
    with app.app_context(), audit.acting_as(users['admin'], 'cli'):
        template, _ = add_gsheet_target('east', 'leads', '1TeamKey', worksheet='Leads', lang='en')
    client = as_role('admin')
    page = client.get(f'/admin/synctarget/details/?id={template.id}').get_data(as_text=True)
    page = client.post(f'/admin/synctarget/team/{template.id}', follow_redirects=True,
                       data={'csrf_token': csrf_from(page), 'department': 'D-EAST', 'mode': 'spreadsheets'}
                       ).get_data(as_text=True)
    assert 'Team sheets of east: 2 made' in page
    assert 'Not shared with their member' in page and 'east-zhao' in page.split('Not shared with their member')[1]
    wang = SyncTarget.get(SyncTarget.name == 'east-wang')
    assert [p['emailAddress'] for p in sheets_emulator.spreadsheet(wang.options['key']).permissions] == [
        'wang@example.com']
