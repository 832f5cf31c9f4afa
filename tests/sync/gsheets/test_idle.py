"""Idle runs are cheap: the periodic job skips a target whose sheet (Drive modifiedTime, a file's mtime)
and slice have not moved since its last run, counted in requests to the emulator; schedules per target."""
import datetime
import json
from pathlib import Path

import pytest

from ltc.db import utcnow
from ltc.models import Lead
from ltc.models.sync import SyncRun, SyncTarget
from ltc.services import audit, gate
from ltc.sync.engine import idle
from ltc.sync.engine.schedule import WORKING, check_schedule, is_due
from ltc.sync.engine.scheduled import run_active_targets
from ltc.sync.engine.targets import add_gsheet_target, add_target, set_schedule
from ltc.sync.errors import SyncError
from ltc.sync.writes.export import export_entity
from tests.conftest_sheets import gsheets_client, sheets_emulator  # noqa: F401
from tests.factories import make_department, make_lead, make_user

CASSETTES = Path(__file__).resolve().parents[2] / 'data' / 'gspread-cassettes'   # Google's recorded answers, in the repository


def _team(count=3):
    east = make_department(name='华东', code='D-EAST')
    admin = make_user('admin', username='boss')
    reps = [make_user('sales', username=f'rep{i}', department=east) for i in range(count)]
    with audit.acting_as(admin, 'cli'):
        leads = {rep.username: [make_lead(company=f'{rep.username}公司{j}', owner=rep, department=east)
                                for j in range(2)] for rep in reps}
    return admin, reps, leads


def _cycle(emulator, now):
    emulator.clear_log()
    counts = run_active_targets(now=now)
    return counts, emulator.kinds()


@pytest.fixture
def google(app, sheets_emulator):
    app.config.update(GOOGLE_API_BASE=sheets_emulator.base_url, GOOGLE_REQUESTS_PER_MINUTE=60000,
                      GOOGLE_REQUEST_BURST=1000)
    with app.app_context():
        yield sheets_emulator


def test_idle_google_targets_cost_one_drive_request_each(db, google, sheets_emulator):
    # One spreadsheet per rep: Drive's modifiedTime is the file's, so tabs of one spreadsheet move together.
    admin, reps, leads = _team()
    with audit.acting_as(admin, 'cli'):
        for rep in reps:
            sheets_emulator.create_spreadsheet(f'1Key{rep.username}', rep.username)
            add_gsheet_target(rep.username, 'leads', f'1Key{rep.username}', worksheet='Leads',
                              run_as=rep.username, where=['owner=me'])
    now = utcnow()
    counts, _ = _cycle(sheets_emulator, now)               # first runs fill the sheets
    assert counts['done'] == 3
    counts, _ = _cycle(sheets_emulator, now + datetime.timedelta(minutes=5))   # their own writes moved the sheets
    assert counts['done'] == 3
    counts, kinds = _cycle(sheets_emulator, now + datetime.timedelta(minutes=10))
    assert counts['idle'] == 3 and counts['done'] == 0
    assert kinds == ['drive.get'] * 3                     # one request per idle target
    runs = SyncRun.select().count()
    # A database change inside rep0's slice: rep0's sheet is read (its stamp taken before the read); the
    # others stay idle at one request each.
    lead = Lead.get_by_id(leads['rep0'][0].id)
    with audit.acting_as(admin, 'admin'):
        gate.update_fields(gate.Actor(admin), lead, {'company': '改名公司'})
    counts, kinds = _cycle(sheets_emulator, now + datetime.timedelta(minutes=15))
    assert counts['done'] == 1 and counts['idle'] == 2
    assert kinds.count('drive.get') == 3 and 'spreadsheets.batchUpdate' in kinds   # the write, with the header note
    assert ['改名公司'] == [r[1] for r in sheets_emulator.rendered('1Keyrep0', 'Leads') if r[0] == lead.code]
    # A user's edit in rep1's sheet moves its modifiedTime: that sheet is read.
    _cycle(sheets_emulator, now + datetime.timedelta(minutes=20))   # rep0 settles after its own write
    sheets_emulator.type_values('1Keyrep1', 'Leads', [['rep1改名']], row=2, col=2)
    counts, kinds = _cycle(sheets_emulator, now + datetime.timedelta(minutes=25))
    assert counts['done'] == 1 and counts['idle'] == 2
    assert Lead.select().where(Lead.company == 'rep1改名').exists()
    assert SyncRun.select().count() > runs


def test_idle_files_cost_no_request_and_are_not_read(app, db, tmp_path, monkeypatch):
    admin, reps, leads = _team(1)
    path = tmp_path / 'rep0.xlsx'
    export_entity('leads', path, template=True)
    with audit.acting_as(admin, 'cli'):
        add_target('rep0', 'leads', path, run_as='rep0', where=['owner=me'])
    now = utcnow()
    assert run_active_targets(now=now)['done'] == 1
    assert run_active_targets(now=now + datetime.timedelta(minutes=5))['done'] == 1   # its own write
    from ltc.sync.formats import xlsx
    reads = []
    real = xlsx.XlsxTable.read
    monkeypatch.setattr(xlsx.XlsxTable, 'read', lambda self: reads.append(1) or real(self))
    counts = run_active_targets(now=now + datetime.timedelta(minutes=10))
    assert counts['idle'] == 1 and reads == []
    # A lead leaving the slice is a database change of a record in the sheet: the file is read.
    other = make_user('sales', username='other', department=reps[0].department)
    from ltc.services import assignment
    assignment.assign_lead(Lead.get_by_id(leads['rep0'][0].id), by=admin, to=other)
    counts = run_active_targets(now=now + datetime.timedelta(minutes=15))
    assert counts['done'] == 1 and reads


def test_a_failed_run_or_a_dated_slice_is_never_idle(app, db, tmp_path):
    admin, reps, leads = _team(1)
    path = tmp_path / 'rep0.xlsx'
    export_entity('leads', path, template=True)
    with audit.acting_as(admin, 'cli'):
        target = add_target('rep0', 'leads', path, run_as='rep0', where=['owner=me', 'created=last 7'])
    run_active_targets(now=utcnow())
    run_active_targets(now=utcnow() + datetime.timedelta(minutes=5))
    target = SyncTarget.get_by_id(target.id)
    last = idle.last_finished(target)
    assert not idle.database_moved(target, last)
    assert idle.database_moved(target, last, today=last.started_at.date() + datetime.timedelta(days=1))
    SyncRun.update(status='failed').where(SyncRun.id == last.id).execute()
    assert idle.unchanged(target) == (False, None)


def test_drive_files_get_answers_as_google_does(sheets_emulator, gsheets_client):
    """Same fields as Google's recorded answer, RFC 3339 UTC with milliseconds, moving only on writes."""
    recorded = json.loads((CASSETTES / 'ClientTest.test_open_by_name_has_metadata.json').read_text())
    answers = [json.loads(i['response']['body']['string']) for i in recorded['interactions']
               if i['request']['method'] == 'GET' and '/drive/v3/files/' in i['request']['uri']]
    if not answers:
        pytest.skip('cassettes not available')
    sheets_emulator.create_spreadsheet('1Key', 'T')
    got = gsheets_client.http_client.get_file_drive_metadata('1Key')
    assert set(got) == set(answers[0])
    assert len(got['modifiedTime']) == len(answers[0]['modifiedTime']) and got['modifiedTime'].endswith('Z')
    datetime.datetime.strptime(got['modifiedTime'], '%Y-%m-%dT%H:%M:%S.%fZ')
    import requests
    bare = requests.get(f'{sheets_emulator.base_url}/drive/v3/files/1Key').json()
    assert set(bare) == {'kind', 'id', 'name', 'mimeType'}   # Drive v3's default fields
    ws = gsheets_client.open_by_key('1Key').sheet1
    ws.get_all_values()
    assert gsheets_client.http_client.get_file_drive_metadata('1Key')['modifiedTime'] == got['modifiedTime']
    ws.update([['x']], 'A1')
    assert gsheets_client.http_client.get_file_drive_metadata('1Key')['modifiedTime'] > got['modifiedTime']


def test_schedules_every_working_hours_and_cron(app, db):
    class T:
        schedule, every_minutes, last_run_at, active = '', 30, None, True
    t = T()
    monday_10 = datetime.datetime(2026, 12, 7, 2, 0)     # 10:00 in Shanghai
    assert is_due(t, monday_10)
    t.last_run_at = monday_10
    assert not is_due(t, monday_10 + datetime.timedelta(minutes=20))
    assert is_due(t, monday_10 + datetime.timedelta(minutes=30))
    t.schedule = check_schedule('working hours')
    assert t.schedule == WORKING
    assert is_due(t, monday_10 + datetime.timedelta(minutes=30))
    assert not is_due(t, monday_10 + datetime.timedelta(hours=9))          # 19:00
    assert not is_due(t, monday_10 + datetime.timedelta(days=5))           # Saturday
    t.schedule = check_schedule('0 9,13 * * 1-5')
    assert not is_due(t, monday_10 + datetime.timedelta(hours=2))          # 12:00: no 9 or 13 o'clock passed
    assert is_due(t, monday_10 + datetime.timedelta(hours=3, minutes=2))   # 13:02: 13:00 passed since 10:00
    t.last_run_at = monday_10 + datetime.timedelta(hours=3, minutes=2)
    assert not is_due(t, monday_10 + datetime.timedelta(hours=3, minutes=7))
    with pytest.raises(SyncError, match='not a schedule'):
        check_schedule('every tuesday')
    with pytest.raises(SyncError, match='not a schedule'):
        check_schedule('0 9 * *')


def test_schedule_set_and_shown_from_cli_and_admin(app, runner, db, tmp_path):
    make_lead(company='甲')
    path = tmp_path / 'x.xlsx'
    export_entity('leads', path)
    result = runner.invoke(args=['ltc', 'sync', 'add', 'x', '--entity', 'leads', '--file', str(path),
                                 '--schedule', 'working hours', '--every', '30'])
    assert result.exit_code == 0, result.output
    assert 'every 30 min in working hours' in runner.invoke(args=['ltc', 'sync', 'list']).output
    result = runner.invoke(args=['ltc', 'sync', 'set', 'x', '--schedule', '0 9 * * 1-5'])
    assert result.exit_code == 0 and 'runs cron 0 9 * * 1-5' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'set', 'x', '--schedule', 'at noon'])
    assert result.exit_code == 2 and 'is not a schedule' in result.output and 'Traceback' not in result.output
    target = SyncTarget.get(SyncTarget.name == 'x')
    assert target.schedule == '0 9 * * 1-5'
    set_schedule(target, schedule='every')
    assert SyncTarget.get_by_id(target.id).schedule == ''
