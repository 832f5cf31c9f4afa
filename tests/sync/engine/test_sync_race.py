"""A sync whose database write loses the version race to an admin save made while it runs.

The admin's save always wins: the row is reported in the run, nothing of the admin's edit is
overwritten, and the next run merges the row again against a base that says what the sheet
really holds — a sheet change still flows, the same field changed on both sides is a real
conflict, and a field the admin changed that the sync had just written into the sheet is no
conflict.
"""
import openpyxl
import pytest

from ltc.models import AuditLog, Lead
from ltc.models.sync import SyncConflict
from ltc.services import audit
from ltc.sync.engine import twoway as engine
from ltc.sync.engine.targets import add_target
from ltc.sync.mapping.entities import LEADS
from ltc.sync.writes.export import export_entity
from tests.factories import make_lead

from ..helpers import read_xlsx

RACED = 'changed in the database while this sync ran'


def _target(tmp_path, conflict_policy='db'):
    for i in range(6):
        make_lead(company=f'公司{i}', phone=f'1390000000{i}', region_city='旧城', contact_title='经理',
                  requirement='原需求')
    path = tmp_path / 'leads.xlsx'
    export_entity('leads', path)
    target = add_target('team', 'leads', path, conflict_policy=conflict_policy)
    assert engine.run_sync(target).totals()['unchanged'] == 6
    return target


@pytest.fixture
def target(db, tmp_path):
    return _target(tmp_path)


def _column(target, attr):
    header = read_xlsx(target.options['path'])[0]
    return next(i for i, h in enumerate(header) if (LEADS.column_for(h) or LEADS.key).attr == attr)


def sheet_set(target, code, **values):
    path = target.options['path']
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == code)
    for attr, value in values.items():
        sheet.cell(row, _column(target, attr) + 1).value = value
    book.save(path)


def sheet_get(target, code, attr):
    return next(r for r in read_xlsx(target.options['path'])[1:] if r[0] == code)[_column(target, attr)]


def status(target, code):
    rows = read_xlsx(target.options['path'])
    column = rows[0].index('同步状态')
    return next(r for r in rows[1:] if r[0] == code)[column]


def admin_save(code, **values):
    """Save through the audited, versioned service path, as an admin form does."""
    lead = Lead.get(Lead.code == code)
    for attr, value in values.items():
        setattr(lead, attr, value)
    with audit.acting_as('admin', 'admin'):
        audit.save(lead)


def admin_saves_during_run(monkeypatch, code, **values):
    """Make an admin save land after the run has planned and before it writes the database."""
    original = engine.apply_plan

    def apply_after_admin_save(*args, **kwargs):
        admin_save(code, **values)
        return original(*args, **kwargs)
    monkeypatch.setattr(engine, 'apply_plan', apply_after_admin_save)


def row_of(result, code):
    return next(r for r in result.rows if r.code == code)


def lead(code):
    return Lead.get(Lead.code == code)


def sync_updates(code, run_code):
    return AuditLog.select().where(AuditLog.entity_code == code, AuditLog.source == 'sync',
                                   AuditLog.batch == run_code).count()


def test_admin_edit_of_a_field_the_run_wrote_to_the_sheet_is_no_conflict_next_run(target, monkeypatch):
    admin_save('L000001', requirement='改于同步前')           # flows to the sheet in this run
    sheet_set(target, 'L000001', region_city='表格城市')        # flows to the database
    admin_saves_during_run(monkeypatch, 'L000001', requirement='改于同步中')
    first = engine.run_sync(target)
    monkeypatch.undo()
    row = row_of(first, 'L000001')
    assert row.outcome == 'conflict' and RACED in row.message('en'), row
    assert first.totals()['conflict'] == 1 and first.totals()['updated'] == 0
    assert list(row.changes) == ['requirement']                  # the city was not written
    assert lead('L000001').requirement == '改于同步中' and lead('L000001').region_city == '旧城'
    assert sync_updates('L000001', first.run_code) == 0
    assert sheet_get(target, 'L000001', 'requirement') == '改于同步前'   # written before the save won
    assert '同步期间' in status(target, 'L000001')

    second = engine.run_sync(target)
    assert second.exit_code == 0, [r.message('en') for r in second.problems()]
    assert SyncConflict.select().count() == 0
    assert lead('L000001').region_city == '表格城市'              # the sheet change was retried
    assert lead('L000001').requirement == '改于同步中'            # the admin's edit kept ...
    assert sheet_get(target, 'L000001', 'requirement') == '改于同步中'   # ... and carried to the sheet
    assert status(target, 'L000001') is None                     # the run's message is cleared
    assert engine.run_sync(target).totals()['unchanged'] == 6


def test_admin_edit_of_an_untouched_field_lets_the_sheet_change_flow_next_run(target, monkeypatch):
    sheet_set(target, 'L000002', region_city='表格城市')
    admin_saves_during_run(monkeypatch, 'L000002', contact_title='总监')
    first = engine.run_sync(target)
    monkeypatch.undo()
    assert row_of(first, 'L000002').outcome == 'conflict'
    assert lead('L000002').region_city == '旧城' and lead('L000002').contact_title == '总监'
    second = engine.run_sync(target)
    assert second.exit_code == 0, [r.message('en') for r in second.problems()]
    assert (lead('L000002').region_city, lead('L000002').contact_title) == ('表格城市', '总监')
    assert sheet_get(target, 'L000002', 'contact_title') == '总监'
    assert SyncConflict.select().count() == 0
    assert engine.run_sync(target).totals()['unchanged'] == 6


def test_admin_edit_of_the_same_field_is_a_real_conflict_next_run(target, monkeypatch):
    sheet_set(target, 'L000003', region_city='表格城市')
    admin_saves_during_run(monkeypatch, 'L000003', region_city='管理员城市')
    first = engine.run_sync(target)
    monkeypatch.undo()
    assert row_of(first, 'L000003').outcome == 'conflict'
    assert lead('L000003').region_city == '管理员城市'
    second = engine.run_sync(target)
    assert second.totals()['conflict'] == 1
    (conflict,) = SyncConflict.select()
    assert (conflict.code, conflict.field, conflict.base_value, conflict.sheet_value, conflict.db_value) == (
        'L000003', 'region_city', '旧城', '表格城市', '管理员城市')
    assert lead('L000003').region_city == '管理员城市'           # policy db: the admin's value is kept
    assert sheet_get(target, 'L000003', 'region_city') == '管理员城市'
    third = engine.run_sync(target)
    assert third.exit_code == 0 and third.totals()['unchanged'] == 6


def test_listed_conflict_in_a_refused_row_is_not_listed_again(target, monkeypatch):
    sheet_set(target, 'L000004', region_city='表格城市', contact_title='表格职务')
    admin_save('L000004', region_city='库城市')   # conflict on the city: the database value is kept
    admin_saves_during_run(monkeypatch, 'L000004', region_city='库城市二')
    first = engine.run_sync(target)
    monkeypatch.undo()
    assert row_of(first, 'L000004').outcome == 'conflict'
    assert SyncConflict.select().count() == 1                    # listed once, the cell shows the database
    assert sheet_get(target, 'L000004', 'region_city') == '库城市'
    assert (lead('L000004').region_city, lead('L000004').contact_title) == ('库城市二', '经理')
    second = engine.run_sync(target)
    assert second.exit_code == 0, [r.message('en') for r in second.problems()]
    assert SyncConflict.select().count() == 1
    assert (lead('L000004').region_city, lead('L000004').contact_title) == ('库城市二', '表格职务')
    assert sheet_get(target, 'L000004', 'region_city') == '库城市二'
    assert engine.run_sync(target).totals()['unchanged'] == 6


def test_sheet_policy_conflict_in_a_refused_row_is_listed_once_when_settled(db, tmp_path, monkeypatch):
    target = _target(tmp_path, conflict_policy='sheet')
    sheet_set(target, 'L000005', region_city='表格城市')
    admin_save('L000005', region_city='库城市')    # a conflict the sheet policy settles by the sheet
    admin_saves_during_run(monkeypatch, 'L000005', contact_title='总监')
    first = engine.run_sync(target)
    monkeypatch.undo()
    assert row_of(first, 'L000005').outcome == 'conflict'
    assert (lead('L000005').region_city, lead('L000005').contact_title) == ('库城市', '总监')
    assert SyncConflict.select().count() == 0      # nothing was taken from the sheet yet
    second = engine.run_sync(target)
    (conflict,) = SyncConflict.select()
    assert (conflict.field, conflict.sheet_value, conflict.db_value) == ('region_city', '表格城市', '库城市')
    assert (lead('L000005').region_city, lead('L000005').contact_title) == ('表格城市', '总监')
    assert sheet_get(target, 'L000005', 'contact_title') == '总监'
    assert second.totals()['conflict'] == 1
    third = engine.run_sync(target)
    assert third.exit_code == 0 and third.totals()['unchanged'] == 6


def test_record_deleted_during_run_is_reported_not_fatal(target, monkeypatch):
    sheet_set(target, 'L000006', region_city='表格城市')
    sheet_set(target, 'L000001', region_city='另一城市')
    original = engine.apply_plan

    def apply_after_admin_delete(*args, **kwargs):
        with audit.acting_as('admin', 'admin'):
            audit.delete(lead('L000006'))
        return original(*args, **kwargs)
    monkeypatch.setattr(engine, 'apply_plan', apply_after_admin_delete)
    first = engine.run_sync(target)
    monkeypatch.undo()
    row = row_of(first, 'L000006')
    assert row.outcome == 'conflict' and 'deleted in the database while this sync ran' in row.message('en')
    assert lead('L000001').region_city == '另一城市'            # the rest of the run went on
    assert not Lead.select().where(Lead.code == 'L000006').exists()
    second = engine.run_sync(target)
    assert row_of(second, 'L000006').outcome == 'skipped'        # "deleted in the database; delete this row"
    assert not Lead.select().where(Lead.code == 'L000006').exists()
    assert SyncConflict.select().count() == 0


def test_row_removed_from_the_sheet_and_deleted_by_an_admin_meanwhile(db, tmp_path, monkeypatch):
    for i in range(6):
        make_lead(company=f'公司{i}')
    path = tmp_path / 'leads.xlsx'
    export_entity('leads', path)
    target = add_target('team', 'leads', path, delete_policy='delete')
    engine.run_sync(target)
    book = openpyxl.load_workbook(path)
    book.worksheets[0].delete_rows(7)                 # L000006 removed from the sheet
    book.save(path)
    original = engine.apply_plan

    def apply_after_admin_delete(*args, **kwargs):
        with audit.acting_as('admin', 'admin'):
            audit.delete(lead('L000006'))
        return original(*args, **kwargs)
    monkeypatch.setattr(engine, 'apply_plan', apply_after_admin_delete)
    result = engine.run_sync(target)
    monkeypatch.undo()
    assert row_of(result, 'L000006').outcome == 'deleted' and result.exit_code == 0
    assert AuditLog.select().where(AuditLog.entity_code == 'L000006', AuditLog.action == 'delete').count() == 1
    assert engine.run_sync(target).totals()['unchanged'] == 5
