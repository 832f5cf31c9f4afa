"""Bulk lead intake across import batches: duplicate links stay right and shared keys are looked up once."""
import peewee

from ltc.models import Lead
from ltc.services import audit
from ltc.services.leads import save_lead
from ltc.sync.formats.tables import open_path
from ltc.sync.writes import importer
from ltc.sync.writes.importer import run_import

from ..helpers import write_xlsx


def _count_root_lookups(monkeypatch):
    seen = []
    original = peewee.Database.execute_sql

    def execute_sql(self, sql, params=None, *args, **kwargs):
        if 'MIN(id)' in sql and '"email_domain"' in sql:
            seen.append(list(params or ()))
        return original(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(peewee.Database, 'execute_sql', execute_sql)
    return seen


def test_rows_sharing_a_company_domain_across_batches_all_point_at_the_first(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, 'BATCH', 50)
    names = ['艾克美科技有限公司', '上海艾克美科技有限公司', '上海市艾克美技术有限公司', '艾克美科技']   # one company
    rows = [['公司名称', '邮箱']] + [[names[i % 4], f'buyer{i}@acme.cn'] for i in range(160)]
    lookups = _count_root_lookups(monkeypatch)
    with audit.acting_as('tester', 'cli'):
        result = run_import('leads', open_path(write_xlsx(tmp_path / 'l.xlsx', rows)))
    assert result.totals()['created'] == 160, result.totals()
    first = Lead.select().order_by(Lead.id).first()
    assert first.duplicate_of_id is None
    others = Lead.select().where(Lead.id != first.id)
    assert {lead.duplicate_of_id for lead in others} == {first.id}   # the root, never a chain
    # 4 batches: the first reads the domain (no root in the database yet); later batches use the
    # roots earlier batches inserted instead of re-reading the domain's companies.
    assert [p for p in lookups if 'acme.cn' in p] == [['acme.cn']]


def test_an_older_root_in_the_database_is_found_once_and_used_for_every_batch(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, 'BATCH', 40)
    older = save_lead(Lead(company='Acme Holdings', email='boss@acme.cn', source='website'))
    rows = [['公司名称', '邮箱']] + [[f'Acme Holdings {"Ltd" if i % 2 else "Co., Ltd."}', f'b{i}@acme.cn']
                                  for i in range(100)]
    lookups = _count_root_lookups(monkeypatch)
    with audit.acting_as('tester', 'cli'):
        result = run_import('leads', open_path(write_xlsx(tmp_path / 'l.xlsx', rows)))
    assert result.totals()['created'] == 100
    imported = Lead.select().where(Lead.id != older.id)
    assert {lead.duplicate_of_id for lead in imported} == {older.id}
    assert len([p for p in lookups if 'acme.cn' in p]) == 1


def test_rows_naming_their_owner_are_assigned_to_that_owner_with_one_lookup(db, tmp_path, monkeypatch):
    from tests.factories import make_user
    rep = make_user('sales', username='rep1', display_name='销售一')
    rows = [['公司名称', '负责人']] + [[f'客户{i}', 'rep1' if i % 2 else '销售一'] for i in range(120)]
    queries = []
    original = peewee.Database.execute_sql

    def execute_sql(self, sql, params=None, *args, **kwargs):
        if 'FROM "user"' in sql and 'WHERE ("t1"."id" = ' in sql:
            queries.append(sql)
        return original(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(peewee.Database, 'execute_sql', execute_sql)
    with audit.acting_as('tester', 'cli'):
        result = run_import('leads', open_path(write_xlsx(tmp_path / 'l.xlsx', rows)))
    assert result.totals()['created'] == 120, result.totals()
    leads = list(Lead.select())
    assert {(lead.owner_id, lead.status) for lead in leads} == {(rep.id, 'assigned')}
    assert all(lead.assigned_at is not None for lead in leads)
    assert len(queries) == 1, queries


def test_the_dry_run_says_what_the_apply_decides_for_each_new_lead(db, tmp_path, monkeypatch):
    from ltc.models import AssignmentRule, AuditLog, GradingRule
    from ltc.models.choices import LEAD_GRADES
    from tests.factories import make_department, make_user
    monkeypatch.setattr(importer, 'BATCH', 7)   # links and owners decided across six batches
    team = make_department()
    users = [make_user(department=team, username=f'rr{i}') for i in range(3)]
    capped = make_user(department=team, username='capped', open_lead_cap=2)
    audit.save(AssignmentRule(name='web', priority=10, source='website', method='round_robin', target_department=team))
    audit.save(AssignmentRule(name='fairs', priority=20, source='exhibition', method='least_loaded',
                              target_department=team))
    audit.save(GradingRule(name='目标行业', field='industry', value='manufacturing', points=70, sequence=1))
    audit.save(GradingRule(name='web', field='source', value='website', points=30, sequence=2))
    older = save_lead(Lead(company='Acme Holdings', email='boss@acme.cn', source='referral'))
    rows = [['公司名称', '电话', '邮箱', '线索来源', '行业', '预算']]
    for i in range(40):
        company, phone, email = f'独立公司{i}', f'1390000{i:04d}', f'x{i}@own{i}.cn'
        if i % 5 == 0:
            company, email = f'Acme Holdings {"Ltd" if i % 2 else "Co., Ltd."}', f'b{i}@acme.cn'   # the stored lead
        elif i % 5 == 1:
            company, phone = '北辰科技有限公司', '13800000001'   # a new lead of this file, in every batch
        elif i % 7 == 3:
            company, email = f'上海艾克美{"科技" if i % 2 else "技术"}有限公司', f'c{i}@aikemei.cn'   # alike, one domain
        rows.append([company, phone, email, ('转介绍', '官网', '展会')[i % 3], '制造业' if i % 4 else '金融', 10000 * i])
    path = write_xlsx(tmp_path / 'l.xlsx', rows)
    pointer, audits = AssignmentRule.get(AssignmentRule.name == 'web').last_assignee_id, AuditLog.select().count()
    with audit.acting_as('tester', 'cli'):
        dry = run_import('leads', open_path(path), dry_run=True)
    assert Lead.select().count() == 1 and AuditLog.select().count() == audits   # the preview wrote nothing
    assert AssignmentRule.get(AssignmentRule.name == 'web').last_assignee_id == pointer
    said = {r.row: r.message('en') for r in dry.rows}
    with audit.acting_as('tester', 'cli'):
        result = run_import('leads', open_path(path))
    assert result.totals()['created'] == 40, result.totals()
    codes = {r.row: r.code for r in result.rows}
    row_of = {code: number for number, code in codes.items()}
    by_code = {lead.code: lead for lead in Lead.select()}
    code_of = {lead.id: lead.code for lead in by_code.values()}
    names = {u.id: u.username for u in users + [capped]}
    wrote = {}
    for number, code in codes.items():
        lead = by_code[code]
        parts = [f'will be graded {LEAD_GRADES.label(lead.grade, "en")} (score {lead.score or 0})']
        if lead.duplicate_of_id:
            target = code_of[lead.duplicate_of_id]
            parts.append(f'duplicate of row {row_of[target]} of this file' if target in row_of
                         else f'duplicate of {target}')
        parts.append(f'owner {names[lead.owner_id]}' if lead.owner_id else 'no owner')
        wrote[number] = '; '.join(parts)
    assert said == wrote
    text = ' '.join(said.values())
    assert f'duplicate of {older.code}' in text and 'duplicate of row 3 of this file' in text
    assert len({lead.owner_id for lead in by_code.values()} - {None}) == 4 and 'no owner' in text
    assert len({lead.grade for lead in by_code.values() if lead.id != older.id}) > 1
