"""A run killed before new rows got their codes, then those rows edited in the sheet: nothing doubles."""
import pytest

from ltc.models import Lead
from ltc.sync.engine import twoway as engine

from ..helpers import edit_sheet as edit, kill_before_sheet_write, lead_target, read_xlsx


@pytest.fixture
def target(db, tmp_path):
    target = lead_target(tmp_path, 5)
    engine.run_sync(target)
    return target


def header(target):
    return read_xlsx(target.options['path'])[0]


def sheet_rows(target):
    return read_xlsx(target.options['path'])[1:]


def new_row(target, **values):
    cols = header(target)
    row = [None] * len(cols)
    for name, value in values.items():
        row[cols.index(name)] = value
    return row


def test_a_new_row_edited_after_a_killed_run_is_matched_not_created_again(target, monkeypatch):
    edit(target, lambda s: (s.append(new_row(target, 公司名称='新公司甲', 联系人='王五', 电话='13911112222',
                                             邮箱='wang@jia.cn')),
                            s.append(new_row(target, 公司名称='新公司乙', 联系人='赵六', 电话='13933334444'))))
    kill_before_sheet_write(target, monkeypatch)
    assert Lead.select().where(Lead.company.in_(['新公司甲', '新公司乙'])).count() == 2
    cols = header(target)

    def change(s):   # the sales team edits both rows (still without codes) before the next run
        for r in range(2, s.max_row + 1):
            if s.cell(r, cols.index('公司名称') + 1).value == '新公司甲':
                s.cell(r, cols.index('联系人') + 1, '王五（采购）')
            if s.cell(r, cols.index('公司名称') + 1).value == '新公司乙':
                s.cell(r, cols.index('电话') + 1, '13955556666')
    edit(target, change)
    result = engine.run_sync(target)
    assert result.exit_code == 0, [r.message('en') for r in result.problems()]
    assert Lead.select().where(Lead.company == '新公司甲').count() == 1   # not doubled
    assert Lead.select().where(Lead.company == '新公司乙').count() == 1
    assert Lead.get(Lead.company == '新公司甲').contact_name == '王五（采购）'   # the edit is kept
    assert Lead.get(Lead.company == '新公司乙').phone == '13955556666'
    codes = {r[0] for r in sheet_rows(target)}
    assert {Lead.get(Lead.company == n).code for n in ('新公司甲', '新公司乙')} <= codes
    assert engine.run_sync(target).totals()['unchanged'] == 7


def test_a_different_new_row_is_not_taken_for_a_lost_creation(target, monkeypatch):
    edit(target, lambda s: s.append(new_row(target, 公司名称='新公司丙', 联系人='钱七', 电话='13977778888')))
    kill_before_sheet_write(target, monkeypatch)
    cols = header(target)

    def replace(s):   # the row is deleted and an unrelated one typed in its place
        for r in range(2, s.max_row + 1):
            if s.cell(r, cols.index('公司名称') + 1).value == '新公司丙':
                s.delete_rows(r)
                break
        s.append(new_row(target, 公司名称='别的公司', 联系人='孙八', 电话='13800009999'))
    edit(target, replace)
    result = engine.run_sync(target)
    assert result.totals()['created'] == 1, result.totals()
    assert Lead.select().where(Lead.company == '新公司丙').count() == 1   # kept, not overwritten
    assert Lead.select().where(Lead.company == '别的公司').count() == 1
