import pytest

from ltc.sync.errors import SyncError
from ltc.sync.mappings import LEADS
from ltc.sync.reader import locate


def test_header_below_a_title_block_and_instructions():
    grid = [['线索导入表', None], ['说明：带*为必填', None], [], ['*公司名称', '电话', '备注说明'],
            ['华为', 13800138000.0, 'x'], [None, None, None], ['中兴', '0755-1234', None]]
    sheet = locate(grid, LEADS)
    assert sheet.header_row == 4
    assert [n for n, _ in sheet.rows] == [5, 7]
    assert sheet.unknown == ['备注说明']


def test_second_header_row_of_english_keys_is_not_data():
    grid = [['公司名称', '联系人', '自定义'], ['company', 'contact_name', 'phone'], ['华为', '张三', '138']]
    sheet = locate(grid, LEADS)
    assert sheet.header_row == 1
    assert [n for n, _ in sheet.rows] == [3]
    assert sheet.columns[2].attr == 'phone'


def test_status_column_found_and_ignored():
    sheet = locate([['线索编号', '公司名称', '同步状态'], ['L1', 'A', 'old message']], LEADS)
    assert sheet.status_pos == 2 and sheet.key_pos == 0


def test_missing_header_and_missing_required_column_are_refused():
    with pytest.raises(SyncError, match='no header row for leads'):
        locate([['a', 'b'], [1, 2]], LEADS, 'x.xlsx')
    with pytest.raises(SyncError, match='lacks the required column 公司名称'):
        locate([['联系人', '电话'], ['张三', '1']], LEADS, 'x.xlsx')


def test_user_mapping_applies_even_when_no_header_matches():
    sheet = locate([['名字', '号码'], ['华为', '138']], LEADS, overrides={0: 'company', 1: 'phone'})
    assert sheet.header_row == 1 and [c.attr for c in sheet.columns.values()] == ['company', 'phone']
