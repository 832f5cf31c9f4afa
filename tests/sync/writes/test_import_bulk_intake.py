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
