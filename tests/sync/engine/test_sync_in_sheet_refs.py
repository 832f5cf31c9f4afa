"""Two-way sync links a row naming a record that another row of the same sheet creates, in one run.

The merge resolves such names with the import's `resolve_in_file_refs` and the run writes the
naming rows after the named ones (`ready_rows`), so a group and its members added in one edit
are linked at once, and the next run finds nothing to do.
"""
import openpyxl
import pytest

from ltc.models import AuditLog, Customer
from ltc.services import audit
from ltc.sync.engine import twoway as engine
from ltc.sync.engine.targets import add_target
from ltc.sync.writes.export import export_entity
from tests.factories import make_customer

from ..helpers import kill_before_sheet_write, read_xlsx


@pytest.fixture
def target(db, tmp_path):
    make_customer(name='老客户', credit_code='91310000000000001X')
    make_customer(name='另一家')
    path = tmp_path / 'customers.xlsx'
    export_entity('customers', path)
    target = add_target('accounts', 'customers', path, lang='en')
    assert engine.run_sync(target).totals()['unchanged'] == 2
    return target


def header(target):
    return read_xlsx(target.options['path'])[0]


def add_rows(target, *rows, edits=()):
    """Append ROWS ({header: value}) and apply EDITS ((code, header, value)) to the target's sheet."""
    path = target.options['path']
    names = header(target)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    for values in rows:
        sheet.append([values.get(h) for h in names])
    for code, name, value in edits:
        row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == code)
        sheet.cell(row, names.index(name) + 1).value = value
    book.save(path)


def parent(name):
    customer = Customer.get(Customer.name == name)
    return customer.parent.name if customer.parent_id else None


def sheet_row(target, name):
    names = header(target)
    return next(dict(zip(names, r)) for r in read_xlsx(target.options['path'])[1:] if r[names.index('客户名称')] == name)


def test_members_added_before_their_group_are_linked_in_one_run(target, monkeypatch):
    monkeypatch.setattr(engine, 'BATCH', 2)   # the group lands in a later batch than its members
    add_rows(target, {'客户名称': '华南分公司', '上级客户': '星河集团'}, {'客户名称': '深圳办事处', '上级客户': '华南分公司'},
             {'客户名称': '华北分公司', '上级客户': '星河集团'}, {'客户名称': '星河集团', '客户类型': '集团客户'})
    preview = engine.run_sync(target, dry_run=True)
    assert preview.totals()['created'] == 4 and preview.exit_code == 0, [r.message('en') for r in preview.problems()]
    note = next(r for r in preview.rows if r.row == 4).message('en')
    assert '上级客户 "星河集团" is created by row 7 of this file' in note
    assert Customer.select().count() == 2
    result = engine.run_sync(target)
    assert result.exit_code == 0 and result.totals()['created'] == 4, [r.message('en') for r in result.problems()]
    assert (parent('华南分公司'), parent('华北分公司'), parent('深圳办事处'), parent('星河集团')) == (
        '星河集团', '星河集团', '华南分公司', None)
    member = Customer.get(Customer.name == '深圳办事处')
    (created,) = AuditLog.select().where(AuditLog.entity_code == member.code, AuditLog.batch == result.run_code)
    assert 'parent' in created.changes   # one audit row, the parent already in it
    assert sheet_row(target, '深圳办事处')['客户编码'] == member.code   # code written back
    again = engine.run_sync(target)
    assert again.exit_code == 0 and again.totals()['unchanged'] == 6, again.totals()


def test_an_existing_customer_moved_under_a_group_added_in_the_same_edit(target):
    code = Customer.get(Customer.name == '老客户').code
    add_rows(target, {'客户名称': '新集团', '客户类型': '集团客户'}, edits=[(code, '上级客户', '新集团')])
    result = engine.run_sync(target)
    assert result.exit_code == 0, [r.message('en') for r in result.problems()]
    assert result.totals()['updated'] == 1 and result.totals()['created'] == 1
    assert next(r for r in result.rows if r.code == code).changes['parent'] == ['', '新集团']
    assert parent('老客户') == '新集团'
    assert engine.run_sync(target).totals()['unchanged'] == 3


def test_names_that_cannot_be_linked_fail_their_rows_only(target):
    add_rows(target, {'客户名称': '甲', '上级客户': '乙'}, {'客户名称': '乙', '上级客户': '甲'},
             {'客户名称': '丙', '上级客户': '重名'}, {'客户名称': '重名'}, {'客户名称': '重名 '},
             {'客户名称': '丁', '上级客户': '不存在'}, {'客户名称': '戊', '上级客户': '己'}, {'客户名称': '己'})
    result = engine.run_sync(target)
    messages = {r.row: r.message('en') for r in result.rows if r.row}
    assert 'refers in a circle' in messages[4] and 'refers in a circle' in messages[5]
    assert 'rows 7, 8 of this file are all named' in messages[6]
    assert 'no customer has the code or name "不存在"' in messages[9]
    assert result.totals()['error'] == 4 and result.totals()['created'] == 4, result.totals()
    assert parent('戊') == '己'
    assert not Customer.select().where(Customer.name.in_(['甲', '乙', '丙', '丁'])).exists()
    assert 'refers in a circle' in sheet_row(target, '甲')['Sync status'] and sheet_row(target, '甲')['客户编码'] is None
    assert sheet_row(target, '戊')['Sync status'] is None


def test_a_member_of_a_group_that_cannot_be_created_is_reported_and_created_next_run(target):
    add_rows(target, {'客户名称': '成员', '上级客户': '新集团'},
             {'客户名称': '新集团', '统一社会信用代码': '91310000000000001X'})   # the credit code is taken
    result = engine.run_sync(target)
    member = next(r for r in result.rows if r.row == 4)
    assert member.outcome == 'error' and 'row 5, which it refers to, was not written' in member.message('en')
    assert not Customer.select().where(Customer.name.in_(['成员', '新集团'])).exists()
    assert 'was not written' in sheet_row(target, '成员')['Sync status']
    path = target.options['path']
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    sheet.cell(5, header(target).index('统一社会信用代码') + 1).value = None   # fixed
    book.save(path)
    second = engine.run_sync(target)
    assert second.exit_code == 0 and second.totals()['created'] == 2, [r.message('en') for r in second.problems()]
    assert parent('成员') == '新集团' and sheet_row(target, '成员')['Sync status'] is None


def test_a_conflict_on_the_parent_keeps_the_database_value(target):
    code = Customer.get(Customer.name == '老客户').code
    other = Customer.get(Customer.name == '另一家')
    customer = Customer.get(Customer.code == code)
    customer.parent = other
    audit.save(customer)
    add_rows(target, {'客户名称': '新集团'}, edits=[(code, '上级客户', '新集团')])
    result = engine.run_sync(target)
    assert next(r for r in result.rows if r.code == code).outcome == 'conflict'
    assert parent('老客户') == '另一家' and sheet_row(target, '老客户')['上级客户'] == other.code
    assert Customer.select().where(Customer.name == '新集团').exists()
    assert engine.run_sync(target).exit_code == 0


def test_a_run_killed_before_the_sheet_write_converges_without_doubles(target, monkeypatch):
    add_rows(target, {'客户名称': '成员', '上级客户': '新集团'}, {'客户名称': '新集团'})
    kill_before_sheet_write(target, monkeypatch)
    assert parent('成员') == '新集团'
    result = engine.run_sync(target)
    assert result.exit_code == 0 and result.totals()['created'] == 0, [r.message('en') for r in result.problems()]
    assert Customer.select().count() == 4
    assert sheet_row(target, '成员')['客户编码'] == Customer.get(Customer.name == '成员').code
    assert engine.run_sync(target).totals()['unchanged'] == 4


def test_sheet_policy_conflict_on_the_parent_takes_the_new_group(target):
    from ltc.models.sync import SyncConflict, SyncTarget
    SyncTarget.update(conflict_policy='sheet').execute()
    target = SyncTarget.get_by_id(target.id)
    code = Customer.get(Customer.name == '老客户').code
    customer = Customer.get(Customer.code == code)
    customer.parent = Customer.get(Customer.name == '另一家')
    audit.save(customer)
    add_rows(target, {'客户名称': '新集团'}, edits=[(code, '上级客户', '新集团')])
    result = engine.run_sync(target)
    assert next(r for r in result.rows if r.code == code).outcome == 'conflict'
    assert parent('老客户') == '新集团'
    conflict = SyncConflict.get()
    assert (conflict.field, conflict.sheet_value) == ('parent', '新集团')
    assert engine.run_sync(target).exit_code == 0
    assert engine.run_sync(target).totals()['unchanged'] == 3
