"""Delete policy `delete`: a row removed from the sheet whose record was edited in the database.

Deleting it would lose the edit, so the record is kept and the deletion is listed as a
conflict (field DELETION) that the inbox settles by deleting or keeping the record; runs in
between leave it alone. An edit made since the last sync is seen by the merge, one made while
the run goes on by the version the plan saw.
"""
import json

import openpyxl
import pytest

from ltc.models import AuditLog, Lead
from ltc.models.sync import DELETION, SyncConflict, SyncState
from ltc.services import audit
from ltc.sync.engine import twoway as engine
from ltc.sync.engine.conflicts import resolve_conflict
from ltc.sync.engine.targets import add_target
from ltc.sync.errors import SyncError
from ltc.sync.writes.export import export_entity
from tests.factories import make_lead

from ..helpers import read_xlsx
from .test_sync_race import admin_save, admin_saves_during_run, row_of

EDITED = 'removed from the sheet, but changed in the database since the last sync (City)'
RACED = 'removed from the sheet, but changed in the database while this sync ran'


def _target(tmp_path, lang='zh', conflict_policy='db'):
    for i in range(6):
        make_lead(company=f'公司{i}', phone=f'1390000000{i}', region_city='旧城')
    path = tmp_path / 'leads.xlsx'
    export_entity('leads', path)
    target = add_target('team', 'leads', path, lang=lang, delete_policy='delete', conflict_policy=conflict_policy)
    assert engine.run_sync(target).totals()['unchanged'] == 6
    return target


@pytest.fixture
def target(db, tmp_path):
    return _target(tmp_path)


def remove_rows(target, *codes):
    path = target.options['path']
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    for row in reversed(range(2, sheet.max_row + 1)):
        if sheet.cell(row, 1).value in codes:
            sheet.delete_rows(row)
    book.save(path)


def codes_in_sheet(target):
    return [r[0] for r in read_xlsx(target.options['path'])[1:]]


def exists(code):
    return Lead.select().where(Lead.code == code).exists()


def deletes(code):
    return AuditLog.select().where(AuditLog.entity_code == code, AuditLog.action == 'delete')


def test_edited_record_is_kept_and_listed_unchanged_one_is_deleted(target):
    admin_save('L000002', region_city='管理员城市')
    remove_rows(target, 'L000001', 'L000002')
    result = engine.run_sync(target)
    assert result.exit_code == 1
    assert result.totals()['deleted'] == 1 and result.totals()['conflict'] == 1
    assert not exists('L000001') and exists('L000002')
    assert Lead.get(Lead.code == 'L000002').region_city == '管理员城市'
    row = row_of(result, 'L000002')
    assert row.outcome == 'conflict' and EDITED in row.message('en')
    assert row.message('zh').startswith('已从表格删除，但自上次同步后已在数据库中修改（城市）；记录已保留')
    (conflict,) = SyncConflict.select()
    assert (conflict.code, conflict.field, conflict.status, conflict.sheet_value) == ('L000002', DELETION, 'open', None)
    assert conflict.is_deletion
    assert json.loads(conflict.base_value) == {'region_city': '旧城'}
    assert json.loads(conflict.db_value) == {'region_city': '管理员城市'}

    # No flip-flop: the kept record is neither deleted, nor put back, nor listed again.
    admin_save('L000002', contact_title='总监')
    for _ in range(2):
        again = engine.run_sync(target)
        assert again.exit_code == 0 and again.totals()['deleted'] == 0, again.problems()
        assert exists('L000002') and 'L000002' not in codes_in_sheet(target)
        assert SyncConflict.select().count() == 1


def test_settled_by_deleting(target):
    admin_save('L000003', region_city='管理员城市')
    remove_rows(target, 'L000003')
    engine.run_sync(target)
    conflict = SyncConflict.get()
    with pytest.raises(SyncError, match='choose delete or keep'):
        resolve_conflict(conflict.id, 'edit', '随便')
    assert resolve_conflict(conflict.id, 'delete', by='boss').status == 'deleted_record'
    assert not exists('L000003')
    assert deletes('L000003').get().note == f'sync conflict {conflict.id}'
    result = engine.run_sync(target)
    assert result.exit_code == 0 and result.totals()['unchanged'] == 5, result.problems()
    assert not SyncState.select().where(SyncState.code == 'L000003').exists()
    assert 'L000003' not in codes_in_sheet(target)


def test_settled_by_keeping_puts_the_record_back_into_the_sheet(target):
    admin_save('L000004', region_city='管理员城市')
    remove_rows(target, 'L000004')
    engine.run_sync(target)
    conflict = SyncConflict.get()
    assert resolve_conflict(conflict.id, 'db').status == 'kept_record'   # db: the database's record
    result = engine.run_sync(target)
    assert result.exit_code == 0 and row_of(result, 'L000004').outcome == 'updated'   # added to the sheet
    row = next(r for r in read_xlsx(target.options['path'])[1:] if r[0] == 'L000004')
    assert '管理员城市' in row
    assert engine.run_sync(target).totals()['unchanged'] == 6
    remove_rows(target, 'L000004')   # removed again, now unchanged since that run: deleted
    assert engine.run_sync(target).totals()['deleted'] == 1 and not exists('L000004')


def test_keep_and_delete_are_for_deletions_only(target):
    remove_rows(target, 'L000005')
    admin_save('L000005', region_city='管理员城市')
    engine.run_sync(target)
    deletion = SyncConflict.get()
    admin_save('L000001', region_city='库')
    path = target.options['path']
    book = openpyxl.load_workbook(path)
    book.worksheets[0].cell(2, next(i for i, h in enumerate(read_xlsx(path)[0], 1) if h == '城市'), '表')
    book.save(path)
    assert engine.run_sync(target).totals()['conflict'] == 1
    field = SyncConflict.get(SyncConflict.field == 'region_city')
    with pytest.raises(SyncError, match='choose db, sheet or edit'):
        resolve_conflict(field.id, 'delete')
    assert exists('L000001') and SyncConflict.get_by_id(field.id).status == 'open'
    assert resolve_conflict(deletion.id, 'sheet').status == 'deleted_record'   # sheet: the row is gone
    assert not exists('L000005')


def test_keeping_a_record_deleted_meanwhile_is_refused_deleting_it_settles(target):
    admin_save('L000006', region_city='管理员城市')
    remove_rows(target, 'L000006')
    engine.run_sync(target)
    conflict = SyncConflict.get()
    Lead.get(Lead.code == 'L000006').delete_instance()
    with pytest.raises(SyncError, match='no longer exists'):
        resolve_conflict(conflict.id, 'keep')
    assert resolve_conflict(conflict.id, 'delete').status == 'deleted_record'
    assert engine.run_sync(target).exit_code == 0


def test_sheet_conflict_policy_keeps_the_edited_record_too(db, tmp_path):
    target = _target(tmp_path, conflict_policy='sheet')
    admin_save('L000001', region_city='管理员城市')
    remove_rows(target, 'L000001')
    assert engine.run_sync(target).totals()['conflict'] == 1 and exists('L000001')


def test_dry_run_shows_the_conflict_and_writes_nothing(target):
    admin_save('L000001', region_city='管理员城市')
    remove_rows(target, 'L000001', 'L000002')
    result = engine.run_sync(target, dry_run=True)
    assert result.totals()['conflict'] == 1 and result.totals()['deleted'] == 1
    assert exists('L000001') and exists('L000002') and SyncConflict.select().count() == 0
    assert engine.run_sync(target).totals()['conflict'] == 1


def test_admin_edit_during_the_run_keeps_the_record(db, tmp_path, monkeypatch):
    target = _target(tmp_path, lang='en')
    remove_rows(target, 'L000002', 'L000003')
    admin_saves_during_run(monkeypatch, 'L000002', region_city='改于同步中')
    result = engine.run_sync(target)
    monkeypatch.undo()
    assert exists('L000002') and Lead.get(Lead.code == 'L000002').region_city == '改于同步中'
    assert not exists('L000003') and not deletes('L000002').exists()
    row = row_of(result, 'L000002')
    assert row.outcome == 'conflict' and RACED in row.message('en'), row
    assert '同步期间已在数据库中修改' in row.message('zh')
    assert result.exit_code == 1 and result.totals()['deleted'] == 1 and result.totals()['conflict'] == 1
    (conflict,) = SyncConflict.select()
    assert (conflict.code, conflict.field) == ('L000002', DELETION)
    assert json.loads(conflict.db_value) == {'region_city': '改于同步中'}
    second = engine.run_sync(target)
    assert second.exit_code == 0 and second.totals()['unchanged'] == 4, second.problems()
    assert exists('L000002') and 'L000002' not in codes_in_sheet(target) and SyncConflict.select().count() == 1
    resolve_conflict(conflict.id, 'keep')
    assert row_of(engine.run_sync(target), 'L000002').outcome == 'updated'
    assert 'L000002' in codes_in_sheet(target)


def test_admin_edit_of_an_unsynced_field_during_the_run_keeps_the_record(db, tmp_path, monkeypatch):
    target = _target(tmp_path)
    remove_rows(target, 'L000004')
    original = engine.apply_plan

    def apply_after_touch(*args, **kwargs):
        lead = Lead.get(Lead.code == 'L000004')
        with audit.acting_as('admin', 'admin'):
            audit.save(lead)   # a save that changes no synced field still moves the version
        return original(*args, **kwargs)
    monkeypatch.setattr(engine, 'apply_plan', apply_after_touch)
    result = engine.run_sync(target)
    monkeypatch.undo()
    assert exists('L000004') and row_of(result, 'L000004').outcome == 'conflict'
    assert json.loads(SyncConflict.get().db_value) == {}


def test_deleting_a_record_others_refer_to_is_refused_and_the_conflict_stays_open(db, tmp_path):
    from ltc.models import Customer
    from ltc.services.messages import text
    from tests.factories import make_contract, make_customer
    customer = make_customer(name='集团', region_city='旧城')
    make_customer(name='别家')
    path = tmp_path / 'customers.xlsx'
    export_entity('customers', path)
    target = add_target('accounts', 'customers', path, delete_policy='delete')
    engine.run_sync(target)
    make_contract(customer=customer)
    customer = Customer.get_by_id(customer.id)
    customer.region_city = '新城'
    with audit.acting_as('admin', 'admin'):
        audit.save(customer)
    remove_rows(target, customer.code)
    assert engine.run_sync(target).totals()['conflict'] == 1
    conflict = SyncConflict.get()
    with pytest.raises(SyncError, match=f'{customer.code} cannot be deleted') as refused:
        resolve_conflict(conflict.id, 'delete')
    assert text(refused.value, 'zh').startswith(f'{customer.code} 无法删除')
    assert SyncConflict.get_by_id(conflict.id).status == 'open' and Customer.get_or_none(Customer.id == customer.id)


def test_an_edit_of_a_field_the_sheet_does_not_show_keeps_the_record(target):
    """An admin changed the lead since the last sync, but only where the sheet cannot show it (its
    department; the grade is read-only in the sheet): the removal still becomes a conflict."""
    from tests.factories import make_department
    lead = Lead.get(Lead.code == 'L000002')
    lead.department = make_department(name='华南')
    audit.save(lead)
    remove_rows(target, 'L000002', 'L000003')   # L000003 untouched: deleted as before
    result = engine.run_sync(target)
    assert exists('L000002') and not exists('L000003')
    row = next(r for r in result.rows if r.code == 'L000002')
    assert row.outcome == 'conflict' and result.exit_code == 1
    assert 'fields not in the sheet' in row.message('en') and '表格中没有的字段' in row.message('zh')
    conflict = SyncConflict.get(SyncConflict.code == 'L000002')
    assert conflict.field == DELETION and conflict.status == 'open'
    assert engine.run_sync(target).exit_code == 0 and exists('L000002')   # tombstoned until settled
    resolve_conflict(conflict.id, 'delete')
    assert not exists('L000002')


def test_the_runs_own_writes_do_not_count_as_edits(target):
    """A record the last run wrote (a sheet edit flowed to it) is deleted when its row goes next."""
    path = target.options['path']
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    at = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == 'L000004')
    sheet.cell(at, headers.index('城市') + 1).value = '新城'
    book.save(path)
    assert engine.run_sync(target).totals()['updated'] == 1
    remove_rows(target, 'L000004')
    result = engine.run_sync(target)
    assert not exists('L000004') and result.exit_code == 0
