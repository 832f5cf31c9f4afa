"""Team fan-out: one template target gives each member of a department (sub-departments included) a tab of
the same Google spreadsheet, or a file of their own, holding that member's slice and running as them; the
set follows the department when a member leaves and another joins."""
import openpyxl

from ltc import jobs
from ltc.models import AuditLog, Lead, User
from ltc.models.sync import SyncTarget
from ltc.services import audit, users
from tests.conftest_sheets import sheets_emulator  # noqa: F401
from tests.factories import make_department, make_lead, make_user


def _department_of_five():
    """East (D-EAST) with a sub-department: five reps, a finance user (no sheet) and a rep elsewhere."""
    east = make_department(name='华东', code='D-EAST')
    north = make_department(name='华东北', code='D-EAST-N', parent=east)
    west = make_department(name='西部', code='D-WEST')
    boss = make_user('admin', username='boss')
    reps = [make_user('sales', username=f'rep{i}', department=east if i < 4 else north) for i in range(1, 6)]
    make_user('finance', username='cashier', department=east)
    stranger = make_user('sales', username='far', department=west)
    with audit.acting_as(boss, 'cli'):
        leads = {rep.username: [make_lead(company=f'{rep.username}甲', owner=rep, department=rep.department),
                                make_lead(company=f'{rep.username}乙', owner=rep, department=rep.department)]
                 for rep in reps + [stranger]}
        closed = make_lead(company='rep1 丢', owner=reps[0], department=east, status='disqualified')
    return boss, reps, leads, closed


def _leave_and_join(boss, reps):
    """rep2 leaves LTC, rep3 moves to another department, newbie joins the sub-department."""
    with audit.acting_as(boss, 'admin'):
        gone = User.get(User.username == 'rep2')
        gone.active = False
        users.save_user(gone)
        moved = User.get(User.username == 'rep3')
        moved.department = User.get(User.username == 'far').department
        users.save_user(moved)
        newbie = make_user('sales', username='newbie', department=reps[4].department)
        lead = make_lead(company='新人的线索', owner=newbie, department=newbie.department)
    return newbie, lead


def _codes(rows):
    return sorted(r[0] for r in rows[1:] if r and r[0])


def test_team_tabs_on_google_follow_the_department(app, runner, db, sheets_emulator):
    app.config.update(GOOGLE_API_BASE=sheets_emulator.base_url, GOOGLE_REQUESTS_PER_MINUTE='600000',
                      GOOGLE_REQUEST_BURST='10000')   # no client-side rate-limit waits in a test
    sheets_emulator.create_spreadsheet('1TeamKey', 'East team')
    boss, reps, leads, closed = _department_of_five()
    result = runner.invoke(args=['ltc', 'sync', 'add', 'east', '--entity', 'leads', '--gsheet', '1TeamKey',
                                 '--worksheet', '线索', '--as', 'boss', '--where', 'stage=open', '--lang', 'zh'])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=['ltc', 'sync', 'team', 'east', '--department', 'D-EAST', '--tabs'])
    assert result.exit_code == 0, result.output
    assert 'east (department D-EAST): 5 made' in result.output
    team = {t.run_as.username: t for t in SyncTarget.select().where(SyncTarget.team_of.is_null(False))}
    assert sorted(team) == ['rep1', 'rep2', 'rep3', 'rep4', 'rep5']   # not the finance user, not far
    assert team['rep5'].options == {'key': '1TeamKey', 'worksheet': '线索·rep5'}
    assert team['rep5'].terms == [('stage', 'open'), ('owner', 'me')] and team['rep5'].lang == 'zh'
    header = sheets_emulator.rendered('1TeamKey', '线索·rep5')[0]
    assert header[0] == '线索编号' and header[-1] == '同步状态'
    note = sheets_emulator.sheet('1TeamKey', '线索·rep5').notes[(0, 0)]   # the header says whose sheet it is
    assert '(rep5)\n范围：阶段=open，负责人=me\n' in note
    for name in team:
        assert runner.invoke(args=['ltc', 'sync', 'run', f'east-{name}']).exit_code == 0
    for name in team:
        assert _codes(sheets_emulator.rendered('1TeamKey', f'线索·{name}')) == sorted(x.code for x in leads[name])
    assert closed.code not in _codes(sheets_emulator.rendered('1TeamKey', '线索·rep1'))

    # A rep adds a row in their tab: it is theirs.
    sheets_emulator.type_values('1TeamKey', '线索·rep4', [['', '四的新客户']], row=4)
    assert runner.invoke(args=['ltc', 'sync', 'run', 'east-rep4']).exit_code == 0
    assert Lead.get(Lead.company == '四的新客户').owner_id == reps[3].id

    newbie, new_lead = _leave_and_join(boss, reps)
    sheets_emulator.clear_log()
    with app.app_context():
        counts = jobs.sync_targets()   # the periodic job keeps the team in step, then runs what is due
    assert counts['teams_changed'] == 1 and counts['failed'] == 0, counts
    team = {t.run_as.username: t for t in SyncTarget.select().where(SyncTarget.team_of.is_null(False))}
    assert sorted(team) == ['newbie', 'rep1', 'rep2', 'rep3', 'rep4', 'rep5']
    assert not team['rep2'].active and not team['rep3'].active and team['newbie'].active
    assert _codes(sheets_emulator.rendered('1TeamKey', '线索·newbie')) == [new_lead.code]
    # The leavers' rows stay in the database, and in their (paused) tabs.
    assert Lead.select().where(Lead.owner == reps[1].id).count() == 2
    assert not AuditLog.select().where(AuditLog.entity == 'Lead', AuditLog.action == 'delete').exists()
    assert _codes(sheets_emulator.rendered('1TeamKey', '线索·rep2')) == sorted(x.code for x in leads['rep2'])

    # Nothing changed in the team: keeping it in step costs no request.
    sheets_emulator.clear_log()
    result = runner.invoke(args=['ltc', 'sync', 'team', 'east'])
    assert result.exit_code == 0 and '0 made, 0 made active again, 0 deactivated, 4 kept' in result.output
    assert sheets_emulator.count() == 0

    # rep3 comes back: the same target is made active again, no new tab.
    with audit.acting_as(boss, 'admin'):
        back = User.get(User.username == 'rep3')
        back.department = reps[0].department
        users.save_user(back)
    result = runner.invoke(args=['ltc', 'sync', 'team', 'east'])
    assert 'made active again: east-rep3' in result.output
    assert SyncTarget.get(SyncTarget.name == 'east-rep3').active


def test_team_files_for_excel_follow_the_department(app, runner, db, tmp_path):
    boss, reps, leads, closed = _department_of_five()
    from ltc.sync.writes.export import export_entity
    path = tmp_path / 'east.xlsx'
    export_entity('leads', path, template=True, lang='en')
    result = runner.invoke(args=['ltc', 'sync', 'add', 'east', '--entity', 'leads', '--file', str(path),
                                 '--as', 'boss', '--where', 'stage=open', '--lang', 'en'])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=['ltc', 'sync', 'team', 'east', '--department', '华东', '--spreadsheets'])
    assert result.exit_code == 0 and '5 made' in result.output, result.output
    assert runner.invoke(args=['ltc', 'sync', 'run', '--all']).exit_code == 0

    def codes(name):
        book = openpyxl.load_workbook(tmp_path / f'east-{name}.xlsx')
        assert book.sheetnames[0] == 'Leads' and book['Leads'].protection.sheet   # locked columns came along
        return _codes([[c.value for c in row] for row in book['Leads'].iter_rows()])

    for rep in reps:
        assert codes(rep.username) == sorted(x.code for x in leads[rep.username])
    newbie, new_lead = _leave_and_join(boss, reps)
    with app.app_context():
        counts = jobs.sync_targets()
    assert counts['teams_changed'] == 1 and counts['failed'] == 0, counts
    assert codes('newbie') == [new_lead.code]
    assert not SyncTarget.get(SyncTarget.name == 'east-rep2').active
    assert (tmp_path / 'east-rep2.xlsx').exists() and Lead.select().where(Lead.owner == reps[1].id).count() == 2
    # Refusals in one sentence: no department; a member's target as template; not an admin.
    result = runner.invoke(args=['ltc', 'sync', 'team', 'east-rep1'])
    assert result.exit_code == 2 and "member's sheet of a team" in result.output
    result = runner.invoke(args=['ltc', 'sync', 'team', 'east', '--department', 'D-NOWHERE'])
    assert result.exit_code == 2 and "There is no department 'D-NOWHERE'" in result.output


def test_team_spreadsheets_on_google_one_each(app, runner, db, sheets_emulator):
    app.config.update(GOOGLE_API_BASE=sheets_emulator.base_url, GOOGLE_REQUESTS_PER_MINUTE='600000',
                      GOOGLE_REQUEST_BURST='10000')
    sheets_emulator.create_spreadsheet('1TeamKey', 'East team')
    east = make_department(name='华东', code='D-EAST')
    make_user('admin', username='boss')
    for name in ('wang', 'zhao'):
        make_user('sales', username=name, display_name=f'{name}-显示名', department=east,
                  email=f'{name}@example.com' if name == 'wang' else None)
    assert runner.invoke(args=['ltc', 'sync', 'add', 'east', '--entity', 'leads', '--gsheet', '1TeamKey',
                               '--as', 'boss', '--lang', 'en']).exit_code == 0
    sheets_emulator.clear_log()
    result = runner.invoke(args=['ltc', 'sync', 'team', 'east', '--department', 'D-EAST', '--spreadsheets'])
    assert result.exit_code == 0 and '2 made' in result.output, result.output
    # Per member: one Drive create, one metadata read, one batchUpdate making the tab (and dropping Sheet1),
    # and for a member with an e-mail address one Drive permission: the spreadsheet is shared with them.
    made = ['drive.create', 'spreadsheets.get', 'spreadsheets.batchUpdate']
    assert sheets_emulator.kinds() == made + ['drive.permissions.create'] + made
    assert 'NOT shared with its member (share it in Google Drive): east-zhao' in result.output
    wang, zhao = (SyncTarget.get(SyncTarget.name == f'east-{n}') for n in ('wang', 'zhao'))
    shared = sheets_emulator.spreadsheet(wang.options['key']).permissions
    assert [(p['emailAddress'], p['role'], p['type'], p['notified']) for p in shared] == [
        ('wang@example.com', 'writer', 'user', True)]
    assert wang.options['permission'] == shared[0]['id'] and wang.options['shared_with'] == 'wang@example.com'
    assert sheets_emulator.spreadsheet(zhao.options['key']).permissions == []
    assert zhao.options['unshared'] == 'no e-mail address'

    # wang leaves: his target is paused and his access to the spreadsheet taken back; he returns: given again.
    boss = User.get(User.username == 'boss')
    with audit.acting_as(boss, 'admin'):
        user = User.get(User.username == 'wang')
        user.active = False
        users.save_user(user)
    assert 'deactivated (left the department): east-wang' in runner.invoke(
        args=['ltc', 'sync', 'team', 'east']).output
    assert sheets_emulator.spreadsheet(wang.options['key']).permissions == []
    assert 'permission' not in SyncTarget.get_by_id(wang.id).options
    with audit.acting_as(boss, 'admin'):
        user.active = True
        users.save_user(user)
    assert 'made active again: east-wang' in runner.invoke(args=['ltc', 'sync', 'team', 'east']).output
    again = sheets_emulator.spreadsheet(wang.options['key']).permissions
    assert [p['emailAddress'] for p in again] == ['wang@example.com']
    assert SyncTarget.get_by_id(wang.id).options['permission'] == again[0]['id']
    for name in ('wang', 'zhao'):
        target = SyncTarget.get(SyncTarget.name == f'east-{name}')
        spreadsheet = sheets_emulator.spreadsheet(target.options['key'])
        assert target.options['key'] != '1TeamKey' and spreadsheet.title == f'Leads·{name}-显示名'
        assert [s.title for s in spreadsheet.sheets] == ['Leads']
        assert sheets_emulator.rendered(target.options['key'], 'Leads')[0][:2] == ['Lead code', 'Company']
