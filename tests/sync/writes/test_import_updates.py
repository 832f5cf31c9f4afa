"""An import updates existing records in batches: the same records, versions, audit rows, outcomes and
messages as updating them one by one."""
import json
import re
from decimal import Decimal

import openpyxl

from ltc import db as db_module
from ltc.models import AuditLog, Customer, GradingRule, Lead
from ltc.services import audit
from ltc.sync.engine.revert import revert_run
from ltc.sync.formats.tables import open_path
from ltc.sync.mapping.entities import get
from ltc.sync.writes import importer, updates
from ltc.sync.writes.export import export_entity
from ltc.sync.writes.importer import apply_import, plan_import
from tests.factories import make_customer, make_lead

# Per lead (by its position among the edited ones): the cells changed in the file. Different sets of
# columns, some with derived fields (company -> company_norm, phone/e-mail -> their keys, industry ->
# grade and score under the grading rule below).
EDITS = [
    {'region_city': '深圳'},
    {'region_city': '广州'},
    {'company': '新名字科技有限公司'},
    {'company': '另一个名字（北京）有限公司', 'region_city': '北京'},
    {'phone': '+86 139 1234 5678', 'email': 'New@Example.CN'},
    {'industry': '制造业'},
    {'industry': '制造业', 'budget': 250000},
    {'region_city': '杭州'},          # an admin saves this lead between the preview and the apply
    {'requirement': '新的需求'},        # an admin deletes this lead between the preview and the apply
    {},                               # unchanged
]
RACED_AT, DELETED_AT = 7, 8
COUNT = len(EDITS)
CHANGED = 'changed in the database since the preview'
DELETED = 'was deleted in the database since the preview'


def _export(tmp_path, entity, codes, name):
    """Export the records of ENTITY with CODES to NAME.xlsx; return its path."""
    model = get(entity).model
    path = tmp_path / f'{name}.xlsx'
    export_entity(entity, path, query=model.select().where(model.code << codes).order_by(model.id))
    return path


def _edit(path, entity, edits, appended=()):
    """Set cells of PATH by record code ({code: {attr: value}}) and append rows ({attr: value})."""
    mapping = get(entity)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    column = {(mapping.column_for(h) or mapping.key).attr: i + 1 for i, h in enumerate(header) if h}
    for row in range(2, sheet.max_row + 1):
        for attr, value in edits.get(sheet.cell(row, 1).value, {}).items():
            sheet.cell(row, column[attr]).value = value
    for values in appended:
        sheet.append([None] * len(header))
        for attr, value in values.items():
            sheet.cell(sheet.max_row, column[attr]).value = value
    book.save(path)


def _apply(path, entity, monkeypatch, batched, meanwhile=None):
    """Preview PATH, let MEANWHILE change the database, then apply; BATCHED or row by row."""
    with audit.acting_as('tester', 'cli'):
        plan = plan_import(entity, open_path(path), lang='en')
        if meanwhile:
            meanwhile()
        statements, real = [], updates.update_versioned
        monkeypatch.setattr(updates, 'update_versioned', lambda model, fields, rows, now: (
            statements.append(sorted(f.name for f in fields)) or real(model, fields, rows, now)))
        if not batched:
            monkeypatch.setattr(updates, 'batchable', lambda model: False)
        result = apply_import(plan)
    monkeypatch.undo()
    return result, statements


def _admin(save=None, delete=None, model=Lead):
    """Return a function making an admin save SAVE (code, {attr: value}) and delete the record DELETE."""
    def act():
        with audit.acting_as('admin', 'admin'):
            if save:
                record = model.get(model.code == save[0])
                for attr, value in save[1].items():
                    setattr(record, attr, value)
                audit.save(record)
            if delete:
                audit.delete(model.get(model.code == delete))
    return act


def _record(model, code):
    values = model.get(model.code == code).field_values()
    # search_keys: the pinyin of the name, which the two halves' names differ in
    return {k: v for k, v in values.items() if k not in ('id', 'code', 'created_at', 'updated_at', 'search_keys')}


def _audits(code, run_code):
    return [(a.actor, a.source, a.action, json.loads(a.changes)) for a in AuditLog.select().where(
        AuditLog.entity_code == code, AuditLog.batch == run_code).order_by(AuditLog.id)]


def _row(result, code):
    return next(r for r in result.rows if r.code == code)


def _swap(pairs, ids=None):
    """Return a function rewriting the texts and parent ids of the row-by-row half into the batched half's."""
    pattern = re.compile('|'.join(re.escape(a) for a in sorted(pairs, key=len, reverse=True)))

    def same(value, reference=False):
        if reference and isinstance(value, int) and value in (ids or {}):
            return ids[value]
        if isinstance(value, str):
            return pattern.sub(lambda m: pairs[m.group(0)], value)
        if isinstance(value, dict):
            return {k: same(v, k == 'parent') for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(same(v, reference) for v in value)
        return value
    return same


def test_batched_import_writes_what_the_single_path_writes(db, tmp_path, monkeypatch):
    audit.save(GradingRule(name='target industry', field='industry', value='manufacturing', points=70))
    for i in range(2 * COUNT):
        make_lead(company=f'测试公司{i % COUNT}', phone=f'1380000000{i % COUNT}', region_city='旧城',
                  requirement='原需求', budget=Decimal('1000'))
    codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()]
    mine, theirs = codes[:COUNT], codes[COUNT:]
    paths = []
    for name, half in (('single', mine), ('batched', theirs)):
        paths.append(_export(tmp_path, 'leads', half, name))
        _edit(paths[-1], 'leads', dict(zip(half, EDITS)))
    one, single_statements = _apply(paths[0], 'leads', monkeypatch, batched=False, meanwhile=_admin(
        (mine[RACED_AT], {'region_city': '管理员城市'}), mine[DELETED_AT]))
    many, statements = _apply(paths[1], 'leads', monkeypatch, batched=True, meanwhile=_admin(
        (theirs[RACED_AT], {'region_city': '管理员城市'}), theirs[DELETED_AT]))
    assert single_statements == []
    # One statement per set of changed fields: the two city edits share one; the others differ by
    # their own or their derived fields (the factory's leads were never normalised nor graded).
    assert len(statements) == 6, statements
    assert statements.count(['company_norm', 'grade', 'phone_norm', 'region_city']) == 1

    same = _swap(dict(zip(mine, theirs)))
    for a_code, b_code in zip(mine, theirs):
        a, b = _row(one, a_code), _row(many, b_code)
        assert (a.outcome, same(a.changes), same(a.message('en')), same(a.message('zh'))) == (
            b.outcome, b.changes, b.message('en'), b.message('zh')), (a_code, b_code)
        if a_code == mine[DELETED_AT]:
            assert not Lead.select().where(Lead.code << (a_code, b_code)).exists()
            continue
        assert _record(Lead, a_code) == _record(Lead, b_code)
        assert _audits(a_code, one.run_code) == _audits(b_code, many.run_code)
    assert one.totals() == many.totals() == {'created': 0, 'updated': 7, 'unchanged': 1, 'conflict': 2,
                                             'error': 0, 'deleted': 0, 'skipped': 0}
    raced, deleted = _row(many, theirs[RACED_AT]), _row(many, theirs[DELETED_AT])
    assert CHANGED in raced.message('en') and '预览之后已在数据库中被修改' in raced.message('zh')
    assert DELETED in deleted.message('en') and '预览之后已在数据库中被删除' in deleted.message('zh')
    assert Lead.get(Lead.code == theirs[RACED_AT]).region_city == '管理员城市'
    assert Lead.get(Lead.code == theirs[0]).version == 2 and Lead.get(Lead.code == theirs[RACED_AT]).version == 2
    assert Lead.get(Lead.code == theirs[5]).grade == 'high' and Lead.get(Lead.code == theirs[5]).score == 70
    assert Lead.get(Lead.code == theirs[4]).phone_norm == '13912345678'
    assert Lead.get(Lead.code == theirs[2]).company_norm == '新名字科技'
    assert AuditLog.select().where(AuditLog.batch == many.run_code, AuditLog.action == 'update').count() == 7

    with audit.acting_as('tester', 'cli'):
        undo = revert_run(many.run_code)
    assert undo.exit_code == 0 and undo.totals()['updated'] == 7
    assert [Lead.get(Lead.code == c).region_city for c in theirs[:2]] == ['旧城', '旧城']
    assert Lead.get(Lead.code == theirs[2]).company == '测试公司2'
    assert Lead.get(Lead.code == theirs[RACED_AT]).region_city == '管理员城市'


def _race_inside_the_batch(monkeypatch, act):
    """Make ACT run after the batch read its records, before its first UPDATE statement."""
    real, done = updates.update_versioned, []

    def act_first(model, fields, rows, now):
        if not done:
            done.append(1)
            act()
        return real(model, fields, rows, now)
    monkeypatch.setattr(updates, 'update_versioned', act_first)


def test_records_changed_or_deleted_inside_a_batch_are_conflicts(db, tmp_path, monkeypatch):
    for i in range(4):
        make_lead(company=f'公司{i}', region_city='旧城')
    codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()]
    path = _export(tmp_path, 'leads', codes, 'leads')
    _edit(path, 'leads', {c: {'region_city': '新城'} for c in codes})
    with audit.acting_as('tester', 'cli'):
        plan = plan_import('leads', open_path(path), lang='en')
        _race_inside_the_batch(monkeypatch, _admin((codes[1], {'contact_title': '管理员职务'}), codes[2]))
        result = apply_import(plan)
    monkeypatch.undo()
    changed, deleted = _row(result, codes[1]), _row(result, codes[2])
    assert (changed.outcome, changed.message('en')) == (
        'conflict', f'{codes[1]} changed in the database since the preview; run the import again.')
    assert '在预览之后已在数据库中被修改' in changed.message('zh')
    assert (deleted.outcome, deleted.message('en')) == (
        'conflict', f'{codes[2]} was deleted in the database since the preview; nothing was written.')
    assert deleted.message('zh') == f'{codes[2]} 在预览之后已在数据库中被删除；未写入任何修改。'
    assert result.totals()['updated'] == 2 and result.totals()['conflict'] == 2
    assert (Lead.get(Lead.code == codes[1]).region_city, Lead.get(Lead.code == codes[1]).contact_title) == (
        '旧城', '管理员职务')
    assert [Lead.get(Lead.code == c).region_city for c in (codes[0], codes[3])] == ['新城', '新城']
    written = AuditLog.select().where(AuditLog.batch == result.run_code)
    assert sorted(a.entity_code for a in written) == [codes[0], codes[3]]
    with audit.acting_as('tester', 'cli'):
        again = importer.run_import('leads', open_path(path), lang='en')
    assert again.totals()['updated'] == 1 and Lead.get(Lead.code == codes[1]).region_city == '新城'


def _customers(group):
    """Make four customers of GROUP (0 or 1) with their own credit codes; return their codes."""
    return [make_customer(name=f'客户{group}{i}', credit_code=f'91440300MA5XXX{group}{i}XX', region_city='旧城').code
            for i in range(4)]


def test_rule_broken_in_a_batch_and_rows_waiting_on_new_rows_match_the_single_path(db, tmp_path, monkeypatch):
    halves = [_customers(0), _customers(1)]
    pairs, paths = {}, []
    for group, half in enumerate(halves):
        # The first row takes a new code (written), the second the fourth's (refused), the third and
        # fourth move to a new city; the fourth also joins a group the file itself creates (written in
        # the round after the group's row).
        paths.append(_export(tmp_path, 'customers', half, f'customers{group}'))
        _edit(paths[-1], 'customers', {
            half[0]: {'credit_code': f'91440300MA5XXX{group}9XX'},
            half[1]: {'credit_code': f'91440300MA5XXX{group}3XX', 'region_city': '新城'},
            half[2]: {'region_city': '新城'},
            half[3]: {'region_city': '新城', 'parent': f'新集团{group}'},
        }, appended=[{'name': f'新集团{group}', 'kind': '集团客户'}])
        for i in range(4):
            pairs[f'客户0{i}'], pairs[f'91440300MA5XXX0{i}XX'] = f'客户1{i}', f'91440300MA5XXX1{i}XX'
    pairs.update(zip(halves[0], halves[1]))
    pairs.update({'新集团0': '新集团1', '91440300MA5XXX09XX': '91440300MA5XXX19XX'})
    versions = {c: Customer.get(Customer.code == c).version for half in halves for c in half}
    one, _ = _apply(paths[0], 'customers', monkeypatch, batched=False)
    many, statements = _apply(paths[1], 'customers', monkeypatch, batched=True)
    assert statements, 'the batched import wrote no statement of its own'

    same = _swap(pairs, {Customer.get(Customer.name == '新集团0').id: Customer.get(Customer.name == '新集团1').id})
    assert [(r.outcome, same(r.message('en')), same(r.message('zh'))) for r in one.rows] == [
        (r.outcome, r.message('en'), r.message('zh')) for r in many.rows]
    assert [r.outcome for r in many.rows] == ['updated', 'error', 'updated', 'updated', 'created']
    assert 'must be unique' in many.rows[1].message('en') and '必须唯一' in many.rows[1].message('zh')
    for a_code, b_code in zip(*halves):
        assert same(_record(Customer, a_code)) == _record(Customer, b_code)
        assert same(_audits(a_code, one.run_code)) == _audits(b_code, many.run_code)
        assert Customer.get(Customer.code == b_code).version - versions[b_code] == (
            Customer.get(Customer.code == a_code).version - versions[a_code])
    b = halves[1]
    assert [Customer.get(Customer.code == c).version - versions[c] for c in b] == [1, 0, 1, 1]
    assert Customer.get(Customer.code == b[1]).region_city == '旧城'
    assert Customer.get(Customer.code == b[3]).parent.name == '新集团1'
    written = AuditLog.select().where(AuditLog.batch == many.run_code, AuditLog.action == 'update')
    assert sorted(a.entity_code for a in written) == sorted([b[0], b[2], b[3]])

    with audit.acting_as('tester', 'cli'):
        undo = revert_run(many.run_code)
    assert undo.exit_code == 0, [r.message('en') for r in undo.rows]
    assert not Customer.select().where(Customer.name == '新集团1').exists()
    assert [Customer.get(Customer.code == c).region_city for c in b] == ['旧城'] * 4
    assert Customer.get(Customer.code == b[0]).credit_code == '91440300MA5XXX10XX'
    assert Customer.get(Customer.code == b[3]).parent_id is None


def test_import_on_a_database_without_batched_updates_still_writes(db, tmp_path, monkeypatch):
    make_lead(company='甲', region_city='旧城')
    make_lead(company='乙', region_city='旧城')
    codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()]
    path = _export(tmp_path, 'leads', codes, 'leads')
    _edit(path, 'leads', {codes[0]: {'region_city': '新城'}, codes[1]: {'company': '丙'}})
    monkeypatch.setattr(updates, 'SQLITE_UPDATE_FROM', False)   # SQLite before 3.35: row by row there
    result, statements = _apply(path, 'leads', monkeypatch, batched=True)
    assert result.totals()['updated'] == 2
    assert (Lead.get(Lead.code == codes[0]).region_city, Lead.get(Lead.code == codes[1]).company) == ('新城', '丙')
    assert len(statements) == (0 if db_module.is_sqlite() else 2), statements
