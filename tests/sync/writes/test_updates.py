"""Sheet rows written into the database in batches: the same records, versions, audit rows and refusals
as writing them one by one."""
import json
from decimal import Decimal

import openpyxl

from ltc import db as db_module
from ltc.models import AuditLog, Customer, GradingRule, Lead
from ltc.services import audit
from ltc.sync.engine import twoway as engine
from ltc.sync.engine.targets import add_target
from ltc.sync.writes import updates
from ltc.sync.writes.export import export_entity
from tests.factories import make_customer, make_lead

from ..engine.test_sync_race import RACED, admin_save, admin_saves_during_run, lead, row_of, sheet_set, status
from ..helpers import read_xlsx

# Per lead (by its position among the edited ones): the cells changed in the sheet. Different sets of
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
    {'region_city': '杭州'},          # an admin saves this lead while the run plans
    {'requirement': '新的需求'},        # an admin deletes this lead while the run plans
]
RACED_AT, DELETED_AT = 7, 8
COUNT = len(EDITS)


def _leads(count):
    for i in range(count):
        make_lead(company=f'测试公司{i % COUNT}', phone=f'1380000000{i % COUNT}', region_city='旧城',
                  requirement='原需求', budget=Decimal('1000'))


def _export(tmp_path, name):
    path = tmp_path / f'{name}.xlsx'
    export_entity('leads', path)
    target = add_target(name, 'leads', path)
    assert engine.run_sync(target).exit_code == 0
    return target


def _edit(target, codes):
    for code, values in zip(codes, EDITS):
        sheet_set(target, code, **values)


def _run(target, monkeypatch, codes, batched):
    """Sync TARGET with an admin saving one lead and deleting another after the plan; return the Result."""
    original = engine.apply_plan

    def admin_during_run(*args, **kwargs):
        admin_save(codes[RACED_AT], region_city='管理员城市')
        with audit.acting_as('admin', 'admin'):
            audit.delete(lead(codes[DELETED_AT]))
        return original(*args, **kwargs)
    monkeypatch.setattr(engine, 'apply_plan', admin_during_run)
    if not batched:
        monkeypatch.setattr(updates, 'batchable', lambda model: False)
    result = engine.run_sync(target)
    monkeypatch.undo()
    return result


def _record(code):
    values = Lead.get(Lead.code == code).field_values()
    return {k: v for k, v in values.items() if k not in ('id', 'code', 'created_at', 'updated_at')}


def _audits(code, run_code):
    return [(a.actor, a.source, a.action, json.loads(a.changes)) for a in AuditLog.select().where(
        AuditLog.entity_code == code, AuditLog.batch == run_code).order_by(AuditLog.id)]


def test_batches_write_what_the_single_path_writes(db, tmp_path, monkeypatch):
    audit.save(GradingRule(name='target industry', field='industry', value='manufacturing', points=70))
    _leads(2 * COUNT)
    codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()]
    single_codes, batch_codes = codes[:COUNT], codes[COUNT:]
    single, batched = _export(tmp_path, 'single'), _export(tmp_path, 'batched')
    _edit(single, single_codes)
    _edit(batched, batch_codes)
    statements = []
    real = updates.update_versioned
    monkeypatch.setattr(updates, 'update_versioned', lambda model, fields, rows, now: (
        statements.append(sorted(f.name for f in fields)) or real(model, fields, rows, now)))
    one = _run(single, monkeypatch, single_codes, batched=False)
    assert statements == []
    monkeypatch.setattr(updates, 'update_versioned', lambda model, fields, rows, now: (
        statements.append(sorted(f.name for f in fields)) or real(model, fields, rows, now)))
    many = _run(batched, monkeypatch, batch_codes, batched=True)
    # One statement per set of changed fields: the two city edits (and the raced lead's, refused
    # before it) share one; the rest differ by their own or their derived fields (the factory's
    # leads were never normalised or graded, so every edit adds those keys and the grade).
    assert len(statements) == 6
    assert statements.count(['company_norm', 'grade', 'phone_norm', 'region_city']) == 1

    for mine, theirs in zip(single_codes, batch_codes):
        a, b = row_of(one, mine), row_of(many, theirs)
        assert (a.outcome, a.changes, a.message('en'), a.message('zh')) == (
            b.outcome, b.changes, b.message('en'), b.message('zh')), (mine, theirs)
        assert status(single, mine) == status(batched, theirs)
        if mine == single_codes[DELETED_AT]:
            assert not Lead.select().where(Lead.code << (mine, theirs)).exists()
            continue
        assert _record(mine) == _record(theirs)
        assert _audits(mine, one.run_code) == _audits(theirs, many.run_code)
    assert row_of(many, batch_codes[RACED_AT]).outcome == 'conflict'
    assert RACED in row_of(many, batch_codes[RACED_AT]).message('en')
    assert lead(batch_codes[RACED_AT]).region_city == '管理员城市'
    assert lead(batch_codes[0]).version == 2 and lead(batch_codes[RACED_AT]).version == 2
    assert lead(batch_codes[5]).grade == 'high' and lead(batch_codes[5]).score == 70
    assert lead(batch_codes[4]).phone_norm == '13912345678' and lead(batch_codes[4]).email_norm == 'new@example.cn'
    assert lead(batch_codes[2]).company_norm == '新名字科技'
    assert AuditLog.select().where(AuditLog.batch == many.run_code, AuditLog.action == 'update').count() == COUNT - 2


def _lose_race_inside_the_batch(monkeypatch, code, delete=False):
    """Make an admin save (or delete) CODE after the batch read its records, before its UPDATE."""
    real, done = updates.update_versioned, []

    def admin_first(model, fields, rows, now):
        if not done:
            done.append(1)
            if delete:
                with audit.acting_as('admin', 'admin'):
                    audit.delete(lead(code))
            else:
                admin_save(code, contact_title='管理员职务')
        return real(model, fields, rows, now)
    monkeypatch.setattr(updates, 'update_versioned', admin_first)


def test_version_race_inside_a_batch_is_refused_and_retried_next_run(db, tmp_path, monkeypatch):
    _leads(4)
    target = _export(tmp_path, 'team')
    codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()]
    for code in codes:
        sheet_set(target, code, region_city=f'{code}城')
    _lose_race_inside_the_batch(monkeypatch, codes[1])
    first = engine.run_sync(target)
    monkeypatch.undo()
    row = row_of(first, codes[1])
    assert row.outcome == 'conflict' and RACED in row.message('en') and '同步期间' in status(target, codes[1])
    assert first.totals()['updated'] == 3 and first.totals()['conflict'] == 1
    assert (lead(codes[1]).region_city, lead(codes[1]).contact_title) == ('旧城', '管理员职务')
    assert lead(codes[1]).version == 2     # created, then the admin's save: nothing of the run's
    assert AuditLog.select().where(AuditLog.entity_code == codes[1], AuditLog.batch == first.run_code).count() == 0
    assert [lead(c).region_city for c in (codes[0], codes[2], codes[3])] == [f'{c}城' for c in (
        codes[0], codes[2], codes[3])]
    second = engine.run_sync(target)
    assert second.exit_code == 0 and second.totals()['conflict'] == 0, [r.message('en') for r in second.problems()]
    assert (lead(codes[1]).region_city, lead(codes[1]).contact_title) == (f'{codes[1]}城', '管理员职务')
    assert engine.run_sync(target).totals()['unchanged'] == 4


def test_record_deleted_inside_a_batch_is_reported_as_deleted(db, tmp_path, monkeypatch):
    _leads(3)
    target = _export(tmp_path, 'team')
    codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()]
    for code in codes:
        sheet_set(target, code, region_city='新城')
    _lose_race_inside_the_batch(monkeypatch, codes[0], delete=True)
    result = engine.run_sync(target)
    monkeypatch.undo()
    row = row_of(result, codes[0])
    assert row.outcome == 'conflict' and 'deleted in the database while this sync ran' in row.message('en')
    assert result.totals()['updated'] == 2
    assert [lead(c).region_city for c in codes[1:]] == ['新城', '新城']


def test_row_breaking_a_rule_in_a_batch_fails_alone(db, tmp_path):
    for i in range(4):
        make_customer(name=f'客户{i}', credit_code=f'91440300MA5XXXXXX{i}', region_city='旧城')
    path = tmp_path / 'customers.xlsx'
    export_entity('customers', path)
    target = add_target('customers', 'customers', path)
    engine.run_sync(target)
    header = read_xlsx(path)[0]
    city, credit = header.index('城市') + 1, header.index('统一社会信用代码') + 1
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    sheet.cell(2, credit).value = '91440300MA5XXXXXX9'     # a new, unique code: written
    sheet.cell(3, credit).value = '91440300MA5XXXXXX3'     # the fourth customer's code: refused
    sheet.cell(3, city).value = '新城'
    sheet.cell(4, city).value = '新城'
    sheet.cell(5, city).value = '新城'
    book.save(path)
    codes = [c for (c,) in Customer.select(Customer.code).order_by(Customer.id).tuples()]
    versions = {c: Customer.get(Customer.code == c).version for c in codes}
    result = engine.run_sync(target)
    failed = row_of(result, codes[1])
    assert failed.outcome == 'error' and result.totals()['updated'] == 3, result.totals()
    assert '必须唯一' in read_xlsx(path)[2][-1]
    assert Customer.get(Customer.code == codes[1]).credit_code == '91440300MA5XXXXXX1'
    assert Customer.get(Customer.code == codes[1]).region_city == '旧城'
    assert Customer.get(Customer.code == codes[0]).credit_code == '91440300MA5XXXXXX9'
    assert [Customer.get(Customer.code == c).region_city for c in codes[2:]] == ['新城', '新城']
    assert {c: Customer.get(Customer.code == c).version - versions[c] for c in codes} == {
        codes[0]: 1, codes[1]: 0, codes[2]: 1, codes[3]: 1}
    written = AuditLog.select().where(AuditLog.batch == result.run_code, AuditLog.action == 'update')
    assert sorted(a.entity_code for a in written) == [codes[0], codes[2], codes[3]]


def test_update_versioned_writes_each_type_and_skips_stale_rows(db):
    from ltc.models import Opportunity
    from tests.factories import make_opportunity
    import datetime
    first, second, stale = (make_opportunity(expected_close_on=datetime.date(2026, 1, 1)) for _ in range(3))
    fields = [Opportunity.amount, Opportunity.expected_close_on, Opportunity.lost_reason, Opportunity.customer]
    now = db_module.utcnow()
    written = db_module.update_versioned(Opportunity, fields, [
        (first.id, first.version, [Decimal('1234.567'), datetime.date(2027, 3, 4), None, second.customer_id]),
        (second.id, second.version, [Decimal('0'), None, None, second.customer_id]),
        (stale.id, stale.version - 1, [Decimal('9'), None, 'stale', stale.customer_id]),
    ], now)
    assert written == {first.id, second.id}
    got = Opportunity.get_by_id(first.id)
    assert (got.amount, got.expected_close_on, got.lost_reason, got.customer_id, got.version) == (
        Decimal('1234.57'), datetime.date(2027, 3, 4), None, second.customer_id, first.version + 1)
    assert abs((got.updated_at - now).total_seconds()) < 1e-3
    assert Opportunity.get_by_id(second.id).expected_close_on is None
    assert Opportunity.get_by_id(stale.id).version == stale.version and Opportunity.get_by_id(stale.id).amount == stale.amount


def test_old_sqlite_writes_row_by_row(db, tmp_path, monkeypatch):
    _leads(3)
    target = _export(tmp_path, 'team')
    codes = [c for (c,) in Lead.select(Lead.code).order_by(Lead.id).tuples()]
    for code in codes:
        sheet_set(target, code, region_city='新城')
    calls, real = [], updates.update_versioned
    monkeypatch.setattr(updates, 'update_versioned', lambda *args: calls.append(args) or real(*args))
    if db_module.is_sqlite():
        monkeypatch.setattr(updates, 'SQLITE_UPDATE_FROM', False)   # before 3.35: no RETURNING
    result = engine.run_sync(target)
    assert result.totals()['updated'] == 3 and [lead(c).region_city for c in codes] == ['新城'] * 3
    assert calls == [] if db_module.is_sqlite() else len(calls) == 1
