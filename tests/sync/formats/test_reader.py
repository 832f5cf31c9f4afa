import pytest

from ltc.sync.errors import SyncError
from ltc.sync.formats.reader import locate
from ltc.sync.mapping.entities import LEADS


def test_header_below_a_title_block_and_instructions():
    grid = [['线索导入表', None], ['说明：带*为必填', None], [], ['*公司名称', '电话', '内部编号'],
            ['华为', 13800138000.0, 'x'], [None, None, None], ['中兴', '0755-1234', None]]
    sheet = locate(grid, LEADS)
    assert sheet.header_row == 4
    assert [n for n, _ in sheet.rows] == [5, 7]
    assert sheet.unknown == ['内部编号']


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


def test_a_file_of_another_entity_is_named_in_the_refusal():
    """Leads uploaded as contacts (or the other way round): the refusal says what the file holds."""
    from ltc.sync.mapping.entities import CONTACTS
    leads = [['线索编号', '公司名称', '联系人', '电话', '邮箱', '来源'], ['L1', '华为', '张三', '138', '', '官网']]
    with pytest.raises(SyncError) as refused:
        locate(leads, CONTACTS, 'leads.xlsx')
    assert 'looks like leads' in str(refused.value) and 'import it as `leads`' in str(refused.value)
    assert '请改为按线索（`leads`）导入' in refused.value.details['zh']
    contacts = [['联系人编号', '姓名', '客户', '手机'], ['CT1', '张三', 'C1', '138']]
    with pytest.raises(SyncError) as refused:
        locate(contacts, LEADS, 'contacts.xlsx')
    assert 'looks like contacts' in str(refused.value)
    # A file of no known kind gets no such hint.
    with pytest.raises(SyncError) as refused:
        locate([['联系人', '电话'], ['张三', '1']], LEADS, 'x.xlsx')
    assert 'looks like' not in str(refused.value) and '看起来是' not in refused.value.details['zh']
