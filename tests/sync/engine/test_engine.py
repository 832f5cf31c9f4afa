import openpyxl
import pytest

from ltc.models import AuditLog, Lead
from ltc.models.sync import SyncConflict, SyncState, SyncTarget
from ltc.services import audit
from ltc.sync.engine import twoway as engine
from ltc.sync.engine.revert import revert_run
from ltc.sync.engine.targets import add_target
from ltc.sync.errors import SyncError
from ltc.sync.runs import state
from ltc.sync.writes.export import export_entity
from tests.factories import make_lead

from ..helpers import edit_sheet as edit, kill_before_sheet_write, lead_target, read_xlsx


@pytest.fixture(autouse=True, params=['one window', 'windows of 3 rows'])
def windows(request, monkeypatch):
    """Every test also runs with the records and base rows read three rows at a time, as a large sheet's are."""
    if request.param != 'one window':
        monkeypatch.setattr(engine.Records, 'WINDOW', 3)
        monkeypatch.setattr(state, 'WINDOW', 3)


@pytest.fixture
def target(db, tmp_path):
    target = lead_target(tmp_path, 10)
    assert engine.run_sync(target).totals()['unchanged'] == 10
    return target


def rows(target):
    return {r[0]: r for r in read_xlsx(target.options['path'])[1:]}


def db_edit(code, **values):
    lead = Lead.get(Lead.code == code)
    for k, v in values.items():
        setattr(lead, k, v)
    audit.save(lead)


def test_one_sided_changes_flow_both_ways_and_identical_changes_are_no_conflict(target):
    edit(target, lambda s: (s.cell(2, 2, 'sheet edit'), s.cell(4, 2, 'same both')))
    db_edit('L000002', company='db edit')
    db_edit('L000003', company='same both')
    result = engine.run_sync(target)
    assert result.exit_code == 0, result.problems()
    assert Lead.get(Lead.code == 'L000001').company == 'sheet edit'
    assert rows(target)['L000002'][1] == 'db edit'
    assert result.totals()['updated'] == 2 and result.totals()['conflict'] == 0
    assert engine.run_sync(target).totals() == {**result.totals(), 'updated': 0, 'unchanged': 10}


def test_conflict_keeps_database_value_marks_and_lists_it(target):
    from tests.factories import make_user
    admin = make_user('admin')
    edit(target, lambda s: s.cell(2, 2, 'sheet says'))
    db_edit('L000001', company='db says')
    result = engine.run_sync(target)
    assert result.exit_code == 1 and result.totals()['conflict'] == 1
    assert Lead.get(Lead.code == 'L000001').company == 'db says'
    row = rows(target)['L000001']
    assert row[1] == 'db says' and '冲突' in row[-1] and 'sheet says' in row[-1]
    conflict = SyncConflict.get()
    assert (conflict.field, conflict.sheet_value, conflict.db_value, conflict.status) == \
        ('company', 'sheet says', 'db says', 'open')
    assert engine.run_sync(target).exit_code == 0
    # Whoever resolves them (no run-as user: the admins) finds 'conflict to resolve' in the inbox.
    from ltc.models import Reminder
    from ltc.services import reminders
    [reminder] = Reminder.select().where(Reminder.kind == 'sync_conflict')
    assert reminder.user_id == admin.id and reminder.entity_code == target.code
    assert reminders.render(reminder, 'en') == 'Sync target team: 1 conflict(s) to resolve'


def test_conflict_policy_sheet_takes_the_sheet_value(target):
    SyncTarget.update(conflict_policy='sheet').execute()
    target = SyncTarget.get_by_id(target.id)
    edit(target, lambda s: s.cell(2, 2, 'sheet says'))
    db_edit('L000001', company='db says')
    assert engine.run_sync(target).totals()['conflict'] == 1
    assert Lead.get(Lead.code == 'L000001').company == 'sheet says'


def test_new_rows_get_codes_and_new_records_are_appended(target):
    edit(target, lambda s: s.append([None, '表格新增', '钱七']))
    make_lead(company='数据库新增')
    result = engine.run_sync(target)
    assert result.totals()['created'] == 1
    sheet = rows(target)
    created = Lead.get(Lead.company == '表格新增')
    assert sheet[created.code][1] == '表格新增'
    added = Lead.get(Lead.company == '数据库新增')
    assert sheet[added.code][1] == '数据库新增'
    assert engine.run_sync(target).totals()['unchanged'] == 12


def test_vanished_rows_are_kept_and_mass_disappearance_stops(target):
    edit(target, lambda s: s.delete_rows(2, 1))
    result = engine.run_sync(target)
    assert result.totals()['skipped'] == 1 and Lead.select().count() == 10
    assert 'L000001' not in rows(target)
    assert engine.run_sync(target).totals()['skipped'] == 0   # tombstone: not re-appended
    edit(target, lambda s: s.delete_rows(2, 5))
    before = read_xlsx(target.options['path'])
    with pytest.raises(SyncError, match='5 of 9 rows disappeared'):
        engine.run_sync(target)
    assert read_xlsx(target.options['path']) == before and Lead.select().count() == 10
    assert not SyncTarget.get_by_id(target.id).lock_owner


def test_delete_policy_deletes_records(target):
    SyncTarget.update(delete_policy='delete').execute()
    target = SyncTarget.get_by_id(target.id)
    edit(target, lambda s: s.delete_rows(2, 1))
    assert engine.run_sync(target).totals()['deleted'] == 1
    assert not Lead.select().where(Lead.code == 'L000001').exists()


def test_changed_header_stops_before_writing(target):
    edit(target, lambda s: s.cell(1, 3, '随便'))
    with pytest.raises(SyncError, match='header of .* changed since the last sync'):
        engine.run_sync(target)
    assert engine.run_sync(target, accept_header=True).exit_code == 0


def test_lock_held_refuses(target):
    SyncTarget.update(lock_owner='otherhost:1', locked_at=state.utcnow()).execute()
    with pytest.raises(SyncError, match='is being synced by otherhost:1'):
        engine.run_sync(target)


def test_dry_run_writes_nothing(target):
    edit(target, lambda s: (s.cell(2, 2, 'sheet edit'), s.append([None, 'new'])))
    before = read_xlsx(target.options['path'])
    result = engine.run_sync(target, dry_run=True)
    assert result.totals()['created'] == 1 and result.totals()['updated'] == 1
    assert read_xlsx(target.options['path']) == before
    assert Lead.get(Lead.code == 'L000001').company == '公司0' and Lead.select().count() == 10


def test_killed_after_database_before_sheet_converges(target, monkeypatch):
    edit(target, lambda s: (s.cell(2, 2, 'sheet edit'), s.append([None, 'new from sheet'])))
    db_edit('L000002', company='db edit')
    kill_before_sheet_write(target, monkeypatch)
    assert Lead.select().where(Lead.company == 'new from sheet').count() == 1
    result = engine.run_sync(target)
    assert result.exit_code == 0, [r.message('en') for r in result.problems()]
    assert Lead.select().where(Lead.company == 'new from sheet').count() == 1   # not doubled
    sheet = rows(target)
    assert sheet['L000002'][1] == 'db edit' and sheet['L000001'][1] == 'sheet edit'
    assert Lead.get(Lead.company == 'new from sheet').code in sheet
    assert engine.run_sync(target).totals()['unchanged'] == 11


def test_killed_after_sheet_before_base_converges(target, monkeypatch):
    edit(target, lambda s: s.cell(2, 2, 'sheet edit'))
    db_edit('L000002', company='db edit')
    monkeypatch.setattr(state, 'save_base', lambda *a: (_ for _ in ()).throw(RuntimeError('killed')))
    with pytest.raises(RuntimeError):
        engine.run_sync(target)
    monkeypatch.undo()
    result = engine.run_sync(target)
    assert result.exit_code == 0 and result.totals()['unchanged'] == 10
    audits = AuditLog.select().where(AuditLog.entity == 'Lead', AuditLog.action == 'update').count()
    assert audits == 2   # the sheet edit and the db edit, each once


def test_admin_edit_during_run_is_not_overwritten(target, monkeypatch):
    edit(target, lambda s: s.cell(2, 2, 'sheet edit'))
    original = engine.write_database

    def with_admin_edit(*args, **kwargs):
        db_edit('L000001', company='admin edit meanwhile')
        return original(*args, **kwargs)
    monkeypatch.setattr(engine, 'write_database', with_admin_edit)
    result = engine.run_sync(target)
    assert result.totals()['conflict'] == 1
    assert Lead.get(Lead.code == 'L000001').company == 'admin edit meanwhile'
    monkeypatch.undo()
    second = engine.run_sync(target)
    assert second.totals()['conflict'] == 1   # both sides changed since the base: listed, db kept
    assert Lead.get(Lead.code == 'L000001').company == 'admin edit meanwhile'


def test_revert_a_sync_run(target):
    edit(target, lambda s: s.cell(2, 2, 'sheet edit'))
    result = engine.run_sync(target)
    revert_run(result.run_code)
    assert Lead.get(Lead.code == 'L000001').company == '公司0'


def test_csv_target(db, tmp_path):
    make_lead(company='A')
    path = tmp_path / 'leads.csv'
    export_entity('leads', path)
    target = add_target('csv', 'leads', path)
    assert target.backend == 'csv'
    engine.run_sync(target)
    text = path.read_text(encoding='utf-8-sig').replace('L000001,A,', 'L000001,B,')
    path.write_text(text + ',C\n', encoding='utf-8-sig')
    result = engine.run_sync(target)
    assert result.totals()['updated'] == 1 and result.totals()['created'] == 1
    assert Lead.get(Lead.code == 'L000001').company == 'B'
    assert 'L000002,C' in path.read_text(encoding='utf-8-sig')
    assert SyncState.select().count() == 2


def test_merge_is_pure(target):
    edit(target, lambda s: s.cell(2, 2, 'sheet edit'))
    first = engine.plan_target(target)[2]
    second = engine.plan_target(target)[2]
    assert first.cells == second.cells and first.new_base == second.new_base
    assert Lead.get(Lead.code == 'L000001').company == '公司0'


def test_bad_row_is_reported_in_the_sheet_and_not_treated_as_vanished(target):
    from ltc.sync.mapping.entities import LEADS
    budget = 1 + [c.attr for c in LEADS.columns].index('budget')
    edit(target, lambda s: s.cell(2, budget, 'lots of money'))
    result = engine.run_sync(target)
    assert result.totals()['error'] == 1 and result.totals()['skipped'] == 0
    assert '不是数字' in rows(target)['L000001'][-1]
    edit(target, lambda s: s.cell(2, budget, 5000))
    fixed = engine.run_sync(target)
    assert fixed.exit_code == 0 and fixed.totals()['updated'] == 1
    assert Lead.get(Lead.code == 'L000001').budget == 5000
    assert rows(target)['L000001'][-1] is None   # the old message is cleared


def test_imported_leads_are_graded_assigned_and_deduplicated_like_form_leads(db, tmp_path):
    from ltc.models import AssignmentRule, AuditLog, GradingRule
    from ltc.services import audit
    from ltc.services.leads import save_lead
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes.importer import run_import
    from ...factories import make_user
    from ..helpers import write_xlsx
    audit.save(GradingRule(name='target industry', field='industry', value='manufacturing', points=70))
    rep = make_user('sales')
    audit.save(AssignmentRule(name='factories', industry='manufacturing', method='user', assignee=rep))
    older = save_lead(Lead(company='华为技术有限公司', phone='021-5555 0101', source='website'))
    rows = [['公司名称', '电话', '行业', '邮箱'],
            ['华为技术', '13800000001', '制造业', 'a@acme.cn'],
            ['Acme', '13800000002', '金融', 'b@acme.cn'],
            ['Other', '02155550101', '金融', 'x@qq.com'],
            ['上海华为技术', '13800000003', '金融', 'c@acme.cn']]
    result = run_import('leads', open_path(write_xlsx(tmp_path / 'l.xlsx', rows)))
    assert result.totals()['created'] == 4, result.totals()
    huawei, acme, other, branch = (Lead.get(Lead.company == name) for name in ('华为技术', 'Acme', 'Other', '上海华为技术'))
    assert huawei.grade == 'high' and huawei.score == 70 and 'target industry' in huawei.score_reasons
    assert huawei.owner_id == rep.id and huawei.status == 'assigned'
    assert acme.owner_id is None and acme.status == 'new' and acme.grade == 'worthless'
    assert huawei.duplicate_of_id == older.id        # same company, older record
    assert other.duplicate_of_id == older.id         # same phone
    assert acme.duplicate_of_id is None              # same e-mail domain, another company
    assert branch.duplicate_of_id == older.id        # same domain and an alike name: huawei's root
    creates = AuditLog.select().where(AuditLog.entity == 'Lead', AuditLog.action == 'create',
                                      AuditLog.batch == result.run_code)
    assert creates.count() == 4 and 'assigned' in creates.where(AuditLog.entity_code == huawei.code).get().changes
    edit = [['线索编号', '公司名称', '电话', '行业'], [acme.code, 'Acme', '13800000002', '制造业']]
    result = run_import('leads', open_path(write_xlsx(tmp_path / 'e.xlsx', edit)))
    assert result.totals()['updated'] == 1, result.totals()
    assert Lead.get_by_id(acme.id).grade == 'high'   # re-graded on import


def test_resolve_conflicts_take_sheet_edit_or_keep(target, runner):
    from ltc.sync.engine.conflicts import open_conflicts, resolve_conflict
    edit(target, lambda s: (s.cell(2, 2, 'sheet A'), s.cell(3, 2, 'sheet B'), s.cell(4, 2, 'sheet C')))
    for code in ('L000001', 'L000002', 'L000003'):
        db_edit(code, company=f'db {code}')
    engine.run_sync(target)
    first, second, third = list(open_conflicts())
    resolve_conflict(first.id, 'sheet')
    resolve_conflict(second.id, 'edit', '  typed value ')
    result = runner.invoke(args=['ltc', 'sync', 'resolve', str(third.id), '--take', 'db'])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=['ltc', 'sync', 'resolve', str(third.id), '--take', 'db']).exit_code == 2
    with pytest.raises(SyncError, match='cannot be'):
        resolve_conflict(SyncConflict.create(run=first.run, target=target, code='L000004', field='budget',
                                             sheet_value='x').id, 'edit', 'lots')
    assert Lead.get(Lead.code == 'L000001').company == 'sheet A'
    assert Lead.get(Lead.code == 'L000002').company == 'typed value'
    assert Lead.get(Lead.code == 'L000003').company == 'db L000003'
    assert engine.run_sync(target).exit_code == 0
    sheet = rows(target)
    assert (sheet['L000001'][1], sheet['L000002'][1]) == ('sheet A', 'typed value')


def test_sync_row_breaking_a_unique_rule_is_marked_not_created(db, tmp_path):
    from ltc.models import Customer
    from tests.factories import make_customer
    make_customer(name='已有', credit_code='91440300MA5XXXXXX1')
    path = tmp_path / 'customers.xlsx'
    export_entity('customers', path)
    target = add_target('customers', 'customers', path)
    engine.run_sync(target)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    sheet.append([None, '新客户', None, None, None, None, None, None, None, None, None, '91440300MA5XXXXXX1'])
    book.save(path)
    result = engine.run_sync(target)
    assert result.totals()['error'] == 1 and Customer.select().count() == 1
    last = read_xlsx(path)[-1]
    assert last[0] is None and '必须唯一' in last[-1]


def test_rows_in_another_order_than_the_records_merge_window_by_window(target, monkeypatch):
    """The sheet sorted backwards, edits on both sides in different windows, a row removed and a record
    added: the same outcome whatever the window (the records and base rows are read a window at a time)."""
    monkeypatch.setattr(engine.Records, 'WINDOW', 2)
    monkeypatch.setattr(state, 'WINDOW', 2)

    def backwards(sheet):
        data = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        for r, values in enumerate(reversed(data), start=2):
            for c, value in enumerate(values, start=1):
                sheet.cell(r, c, value)
    edit(target, backwards)
    edit(target, lambda s: (s.cell(2, 2, 'last lead, sheet edit'), s.cell(10, 2, 'second lead, sheet edit')))
    db_edit('L000005', company='db edit')
    edit(target, lambda s: s.delete_rows(4, 1))   # L000008
    make_lead(company='数据库新增')
    result = engine.run_sync(target)
    assert result.exit_code == 0, result.problems()
    assert (result.totals()['updated'], result.totals()['skipped']) == (4, 1)   # 2 sheet, 1 db, 1 appended
    assert Lead.get(Lead.code == 'L000010').company == 'last lead, sheet edit'
    assert Lead.get(Lead.code == 'L000002').company == 'second lead, sheet edit'
    sheet = rows(target)
    assert sheet['L000005'][1] == 'db edit' and 'L000008' not in sheet and sheet['L000011'][1] == '数据库新增'
    assert Lead.select().count() == 11
    again = engine.run_sync(target).totals()
    assert (again['unchanged'], again['updated'], again['skipped']) == (10, 0, 0)
    stored = {s.code: s.vanished for s in SyncState.select()}
    assert stored['L000008'] and len(stored) == 11


def test_a_run_reads_through_a_small_page_cache_and_gives_the_setting_back(target, monkeypatch):
    """On SQLite a run keeps at most ONE_PASS_CACHE_KB of pages (it reads its rows once); the connection's
    own setting is back after it. PostgreSQL's cache is the server's: nothing changes there."""
    from ltc import db as db_module
    seen = []
    read = engine.read_sheet

    def reading(*args, **kwargs):
        seen.append(db_module.database.execute_sql('PRAGMA cache_size').fetchone()[0] if db_module.is_sqlite()
                    else None)
        return read(*args, **kwargs)
    monkeypatch.setattr(engine, 'read_sheet', reading)
    before = db_module.database.execute_sql('PRAGMA cache_size').fetchone()[0] if db_module.is_sqlite() else None
    edit(target, lambda s: s.cell(2, 2, 'sheet edit'))
    assert engine.run_sync(target).totals()['updated'] == 1
    if db_module.is_sqlite():
        assert seen == [-db_module.ONE_PASS_CACHE_KB] and before == db_module.SQLITE_PRAGMAS['cache_size']
        assert db_module.database.execute_sql('PRAGMA cache_size').fetchone()[0] == before
