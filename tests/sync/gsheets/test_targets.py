"""`sync add --gsheet`, `sheets check`, `sync run` and the periodic sync job against the emulator."""
import json
from datetime import timedelta

from ltc import jobs
from ltc.db import utcnow
from ltc.models import JobRun, Lead
from ltc.models.sync import SyncRun, SyncTarget
from ltc.sync.engine.targets import add_target
from ltc.sync.writes.export import export_entity
from tests.conftest_sheets import sheets_emulator  # noqa: F401
from tests.factories import make_lead

URL = 'https://docs.google.com/spreadsheets/d/1TeamKey/edit#gid=0'


def _setup(app, emulator):
    app.config['GOOGLE_API_BASE'] = emulator.base_url
    emulator.create_spreadsheet('1TeamKey', 'Team')


def test_add_check_and_run_a_google_sheet_target(app, runner, db, sheets_emulator):
    _setup(app, sheets_emulator)
    make_lead(company='甲公司', phone='0012')
    result = runner.invoke(args=['ltc', 'sync', 'add', 'team', '--entity', 'leads', '--gsheet', URL,
                                 '--worksheet', 'Leads', '--lang', 'en'])
    assert result.exit_code == 0, result.output
    assert 'gsheet: 1TeamKey › Leads, worksheet created' in result.output
    target = SyncTarget.get(SyncTarget.name == 'team')
    assert (target.backend, target.options) == ('gsheet', {'key': '1TeamKey', 'worksheet': 'Leads'})
    assert sheets_emulator.rendered('1TeamKey', 'Leads')[0][:2] == ['Lead code', 'Company']
    result = runner.invoke(args=['ltc', 'sheets', 'check', 'team'])
    assert result.exit_code == 0, result.output
    assert 'access: ok' in result.output and 'header: ok' in result.output and 'rows: 0' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'run', 'team'])
    assert result.exit_code == 0, result.output
    assert sheets_emulator.rendered('1TeamKey', 'Leads')[1][:2] == [Lead.get().code, '甲公司']
    result = runner.invoke(args=['ltc', 'sheets', 'check', 'team'])
    assert 'rows: 1' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'list'])
    assert '1TeamKey › Leads' in result.output


def test_add_refuses_bad_input_and_check_reports_a_changed_header(app, runner, db, sheets_emulator):
    _setup(app, sheets_emulator)
    result = runner.invoke(args=['ltc', 'sync', 'add', 'x', '--entity', 'leads'])
    assert result.exit_code == 2 and '--gsheet' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'add', 'x', '--entity', 'leads', '--gsheet', 'not a key!'])
    assert result.exit_code == 2 and 'neither a Google Sheets address' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'add', 'x', '--entity', 'leads', '--gsheet', 'missing'])
    assert result.exit_code == 2 and 'does not exist' in result.output
    assert not SyncTarget.select().exists()
    assert runner.invoke(args=['ltc', 'sync', 'add', 'team', '--entity', 'leads', '--gsheet', URL]).exit_code == 0
    assert runner.invoke(args=['ltc', 'sync', 'run', 'team']).exit_code == 0
    sheets_emulator.type_values('1TeamKey', '线索', [['电话X']], row=1, col=5)
    result = runner.invoke(args=['ltc', 'sheets', 'check', 'team'])
    assert result.exit_code == 1 and 'header changed' in result.output


def test_periodic_job_runs_every_target_and_records_errors_per_target(app, db, sheets_emulator, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv('LTC_GOOGLE_API_BASE', sheets_emulator.base_url)   # the consumer has no app context
    monkeypatch.setenv('LTC_GOOGLE_MAX_TRIES', '1')
    monkeypatch.setattr('ltc.sync.gsheets.table._clients', {})
    _setup(app, sheets_emulator)
    for i in range(3):
        make_lead(company=f'公司{i}')
    path = tmp_path / 'leads.xlsx'
    export_entity('leads', path)
    add_target('file', 'leads', path)
    from ltc.sync.engine.targets import add_gsheet_target
    add_gsheet_target('google', 'leads', '1TeamKey')
    add_gsheet_target('broken', 'leads', '1TeamKey', worksheet='Other')
    sheets_emulator.spreadsheet('1TeamKey').delete_sheet(sheets_emulator.sheet('1TeamKey', 'Other').sheet_id)
    huey = jobs.get_huey(app)
    counts = jobs.run_job('sync_targets', huey)
    assert counts == {'targets': 3, 'done': 2, 'attention': 0, 'failed': 1, 'locked': 0, 'not_due': 0, 'idle': 0,
                      'teams_changed': 0}
    assert len(sheets_emulator.rendered('1TeamKey', '线索')) == 4
    failed = SyncRun.get(SyncRun.status == 'failed')
    assert failed.target.name == 'broken' and "no worksheet 'Other'" in failed.message
    run = JobRun.select().order_by(JobRun.id.desc()).first()
    assert run.status == 'ok' and json.loads(run.counts)['failed'] == 1
    # Right after, the targets that ran are not due yet (every 5 minutes); the failed one is tried again.
    counts = jobs.run_job('sync_targets', huey)
    assert counts == {'targets': 3, 'done': 0, 'attention': 0, 'failed': 1, 'locked': 0, 'not_due': 2, 'idle': 0,
                      'teams_changed': 0}
    # Idempotent: a later run changes nothing (the file, unchanged on both sides, is not even read: idle);
    # a locked target is skipped, not failed.
    SyncTarget.update(last_run_at=utcnow() - timedelta(minutes=10)).execute()
    target = SyncTarget.get(SyncTarget.name == 'google')
    SyncTarget.update(lock_owner='elsewhere:1', locked_at=utcnow()).where(SyncTarget.id == target.id).execute()
    counts = jobs.run_job('sync_targets', huey)
    assert counts == {'targets': 3, 'done': 0, 'attention': 0, 'failed': 1, 'locked': 1, 'not_due': 0, 'idle': 1,
                      'teams_changed': 0}
    assert Lead.select().count() == 3


def test_client_knobs_come_from_the_environment(monkeypatch):
    from ltc.config import load
    from ltc.sync.gsheets.http import RetryPolicy
    monkeypatch.setenv('LTC_GOOGLE_MAX_TRIES', '3')
    monkeypatch.setenv('LTC_GOOGLE_DEADLINE_SECONDS', '9.5')
    monkeypatch.setenv('LTC_GOOGLE_TIMEOUT_SECONDS', '4')
    monkeypatch.setenv('LTC_GOOGLE_REQUESTS_PER_MINUTE', '30')
    config = load()
    assert RetryPolicy.from_config(config) == RetryPolicy(max_tries=3, deadline=9.5, timeout=4.0)
    assert config['GOOGLE_REQUESTS_PER_MINUTE'] == '30' and load()['GOOGLE_REQUEST_BURST'] == '10'
