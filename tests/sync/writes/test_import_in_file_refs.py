"""A sheet may name, as a parent, a record that another row of the same sheet creates."""
import pytest

from ltc.models import AuditLog, Customer
from ltc.services import audit
from ltc.sync.engine.revert import revert_run
from ltc.sync.formats.tables import open_path
from ltc.sync.writes import importer
from ltc.sync.writes.importer import run_import
from tests.factories import make_customer

from ..helpers import write_xlsx

HEADER = ['客户名称', '上级客户', '客户类型', '年品类支出']


def _import(tmp_path, rows, name='c.xlsx', **kwargs):
    with audit.acting_as('tester', 'cli'):
        return run_import('customers', open_path(write_xlsx(tmp_path / name, [HEADER] + rows)), lang='en', **kwargs)


def _parent(name):
    customer = Customer.get(Customer.name == name)
    return customer.parent.name if customer.parent_id else None


def test_members_before_their_group_are_linked_in_one_import(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, 'BATCH', 2)   # the group row lands in a later batch than its members
    rows = [['华南分公司', '星河集团', '企业客户'], ['华北分公司', '星河集团', '企业客户'],
            ['深圳办事处', '华南分公司', '企业客户'], ['星河集团', None, '集团客户'], ['无关公司', None, None]]
    preview = _import(tmp_path, rows, dry_run=True)
    assert preview.totals()['created'] == 5 and preview.totals()['error'] == 0, preview.totals()
    assert '上级客户 "星河集团" is created by row 5 of this file' in preview.rows[0].message('en')
    assert Customer.select().count() == 0
    result = _import(tmp_path, rows)
    assert result.totals() == preview.totals()
    assert (_parent('华南分公司'), _parent('华北分公司'), _parent('深圳办事处'), _parent('星河集团')) == (
        '星河集团', '星河集团', '华南分公司', None)
    created = AuditLog.select().where(AuditLog.batch == result.run_code, AuditLog.action == 'create')
    assert created.count() == 5   # one audit row per record, its parent already in it
    assert all('parent' in a.changes for a in created if a.entity_code == Customer.get(Customer.name == '深圳办事处').code)
    again = _import(tmp_path, rows, name='again.xlsx')
    assert again.totals()['unchanged'] == 5, again.totals()


def test_a_run_with_linked_rows_reverts_as_a_whole(db, tmp_path):
    result = _import(tmp_path, [['成员甲', '母公司', None], ['母公司', None, '集团客户']])
    assert result.totals()['created'] == 2
    with audit.acting_as('tester', 'cli'):
        revert_run(result.run_code)
    assert Customer.select().count() == 0


def test_an_existing_customer_can_be_moved_under_a_new_group(db, tmp_path):
    existing = make_customer(name='老客户')
    result = _import(tmp_path, [[existing.name, '新集团', None], ['新集团', None, '集团客户']])
    assert result.totals()['updated'] == 1 and result.totals()['created'] == 1, result.totals()
    assert result.rows[0].changes['parent'] == ['', '新集团']
    assert _parent('老客户') == '新集团'


@pytest.mark.parametrize('rows, bad_rows, message', [
    ([['甲', '乙', None], ['乙', '甲', None]], {2, 3}, 'refers in a circle'),
    ([['甲', '甲', None]], {2}, 'is this row itself'),
    ([['甲', '重名', None], ['重名', None, None], ['重名 ', None, None]], {2, 4}, 'rows 3, 4 of this file are all named'),
    ([['甲', '不存在', None]], {2}, 'no customer has the code or name "不存在"'),
    ([['甲', '乙', None], ['乙', None, None, '不是数字']], {2, 3}, 'refers to row 3, which has errors'),
])
def test_references_that_cannot_be_written_fail_in_the_preview_and_change_nothing(db, tmp_path, rows, bad_rows,
                                                                                 message):
    preview = _import(tmp_path, rows, dry_run=True)
    failed = {r.row for r in preview.rows if r.outcome == 'error'}
    assert bad_rows <= failed, [(r.row, r.outcome, r.message('en')) for r in preview.rows]
    assert any(message in r.message('en') for r in preview.rows), [r.message('en') for r in preview.rows]
    result = _import(tmp_path, rows, name='apply.xlsx')
    assert {r.row for r in result.rows if r.outcome == 'error'} == failed
    names = {r[0].strip() for i, r in enumerate(rows, 2) if i not in failed}
    assert {c.name for c in Customer.select()} == names
