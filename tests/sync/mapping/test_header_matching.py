"""Header matching that knows the field, description rows under the header, and the checks the
dry run shares with the apply (no database needed)."""
import pytest

from ltc.sync.errors import SyncError
from ltc.sync.formats.reader import locate
from ltc.sync.mapping import hooks
from ltc.sync.mapping.codecs import Text
from ltc.sync.mapping.entities import (CONTACTS, CONTRACTS, CUSTOMERS, LEADS, MAPPINGS, OPPORTUNITIES, PAYMENTS, bare,
                                       get, norm)


def attrs(mapping, headers):
    return {m.header: (m.column.attr if m.column else None) for m in mapping.resolve(headers)}


@pytest.mark.parametrize('mapping, header, attr', [
    (LEADS, 'Email Id', 'email'),
    (CUSTOMERS, 'Email Id', 'email'),
    (CUSTOMERS, 'Account', 'name'),
    (CUSTOMERS, 'Account Name', 'name'),
    (LEADS, 'account', 'company'),
    (CUSTOMERS, '客户姓名', 'name'),
    (CONTACTS, '客户姓名', 'customer'),
    (CONTACTS, '客户编号', 'customer'),
    (OPPORTUNITIES, '客户编号', 'customer'),
    (CONTRACTS, '客户姓名', 'customer'),
    (CONTRACTS, '合同总额', 'amount'),
    (CONTRACTS, '签订时间', 'signed_on'),
    (CONTRACTS, '合同编码', 'code'),
    (PAYMENTS, '收款凭证号', 'reference'),
    (CONTRACTS, '合同名称（支持要素提取）', 'title'),
    (CONTRACTS, '合同金额(元)', 'amount'),
    (CONTACTS, '姓名(*)', 'name'),
    (CONTACTS, '姓名（*）', 'name'),
    (CONTACTS, '*姓名(必填)', 'name'),
    (CONTACTS, '微信', 'wechat'),
    (CUSTOMERS, '地址', 'address'),
    (OPPORTUNITIES, 'deal_stage', 'stage'),
    (OPPORTUNITIES, 'close_value', 'amount'),
    (OPPORTUNITIES, 'sales_agent', 'owner'),
])
def test_other_systems_spellings_name_their_field(mapping, header, attr):
    assert attrs(mapping, [header])[header] == attr


def test_markers_and_notes_are_stripped():
    for text in ('姓名(*)', '姓名（*）', '*姓名', '姓名(必填)', '姓名：'):
        assert norm(text) == '姓名', text
    assert bare('合同名称（支持要素提取）') == '合同名称' and bare('金额【元】') == '金额'
    match = CONTRACTS.resolve(['合同名称（支持要素提取）'])[0]
    assert (match.how, match.confidence) == ('note', 1.0)


def test_name_is_the_company_only_when_the_file_has_no_company_column():
    assert attrs(LEADS, ['姓名', '电话']) == {'姓名': 'company', '电话': 'phone'}
    assert attrs(LEADS, ['名称', '联系人'])['名称'] == 'company'
    assert attrs(LEADS, ['公司名称', '姓名']) == {'公司名称': 'company', '姓名': 'contact_name'}
    match = LEADS.resolve(['姓名'])[0]
    assert match.how == 'context'
    sheet = locate([['姓名', '手机号'], ['星河科技', '13800138000']], LEADS)
    assert sheet.columns[0].attr == 'company' and len(sheet.rows) == 1


def test_fuzzy_matches_carry_a_confidence_and_doubtful_ones_are_not_used():
    strong = CUSTOMERS.resolve(['Adress'])[0]
    assert (strong.column.attr, strong.how) == ('address', 'fuzzy') and 0.9 <= strong.confidence < 1
    weak = CONTRACTS.resolve(['合同签订日期'])[0]
    assert weak.column is None and weak.how == 'weak' and weak.candidates[0][0].attr == 'signed_on'
    tie = CONTRACTS.resolve(['签约人'])[0]
    assert tie.column is None and tie.how == 'ambiguous'
    assert {c.attr for c, _ in tie.candidates[:2]} == {'customer_signer', 'our_signer'}
    repeat = CONTRACTS.resolve(['合同金额', '金额'])[1]
    assert repeat.column is None and repeat.how == 'repeat'
    # The code column is never guessed: a "Customer" flag column is not the customer code.
    assert CUSTOMERS.resolve(['Customer no.'])[0].column.attr == 'code'
    assert CUSTOMERS.resolve(['Customerx'])[0].column is None or \
        CUSTOMERS.resolve(['Customerx'])[0].column.attr != 'code'


def test_synonyms_never_name_two_fields_of_one_entity():
    for mapping in MAPPINGS.values():
        seen = {}
        for column in mapping.columns:
            for name in column.names():
                assert seen.setdefault(name, column.attr) == column.attr, (mapping.entity, name)


def test_erp_export_type_rows_and_key_row_are_skipped_and_said_once():
    grid = [['Column Labels:', 'Person Name', 'Organization Name', 'Email Id', 'Status', '微信'],
            ['Column Name:', 'lead_name', 'company_name', 'email_id', 'status', ''],
            ['Mandatory:', 'Yes', 'No', 'No', 'No', ''],
            ['Type:', 'Data', 'Data', 'Data', 'Select', ''],
            ['Info:', '', '', 'Valid Email', 'One of: Lead, Open, Replied', ''],
            ['Start entering data below this line', '', '', '', '', ''],
            ['', '张三', '星河科技', 'zs@xh.cn', 'Lead', 'zs123']]
    sheet = locate(grid, LEADS)
    assert sheet.header_row == 1 and sheet.description_rows == [2, 3, 4, 5]
    assert [n for n, _ in sheet.rows] == [7]
    notes = sheet.notes()
    assert len(notes) == 1 and notes[0][0].startswith('Skipped 4 description rows under the header (rows 2, 3, 4, 5)')
    assert notes[0][1].startswith('已跳过表头下的 4 行说明行')


def test_chinese_help_row_and_english_key_row_under_the_titles():
    help_row = locate([['客户名称', '联系人', '手机号', '行业'], ['必填，填写公司全称', '选填', '11位手机号，选填', '下拉选择'],
                       ['星河科技', '张三', '13800138000', '制造业']], CUSTOMERS)
    assert help_row.description_rows == [2] and [n for n, _ in help_row.rows] == [3]
    keys = locate([['客户名称', '电话', '网址'], ['name', 'phone', 'website'], ['星河科技', '1', 'x.cn']], CUSTOMERS)
    assert keys.description_rows == [2] and [n for n, _ in keys.rows] == [3]


def test_a_row_of_bad_values_is_data_not_a_description():
    sheet = locate([['公司名称', '预算', '来源', '行业'], ['A', 'lots', '火星', '不存在']], LEADS)
    assert sheet.description_rows == [] and [n for n, _ in sheet.rows] == [2]
    sheet = locate([['公司名称', '需求'], ['示例科技', '产品说明书'], ['带*为必填项，请勿修改表头', None]], LEADS)
    assert sheet.description_rows == [] and [n for n, _ in sheet.rows] == [2, 3]   # help text below data is data


def test_dry_run_checks_are_the_apply_checks():
    """Every NOT NULL field without a default is a required column (the plan refuses a blank or missing
    one) and no text codec accepts more than its field holds."""
    for mapping in MAPPINGS.values():
        fields = mapping.model._meta.fields
        for name, field in fields.items():
            if name in ('id', 'code', 'created_at', 'updated_at', 'version', 'created_by'):
                continue
            if not field.null and field.default is None:
                if name in hooks.FILLED.get(mapping.model, ()):   # a quote's customer: its opportunity's
                    continue
                assert name in mapping.by_attr and mapping.by_attr[name].required, (mapping.entity, name)
        for column in mapping.columns:
            limit = getattr(fields[column.attr], 'max_length', None)
            if isinstance(column.codec, Text) and limit:
                assert column.codec.max_length <= limit, (mapping.entity, column.attr)


def test_a_code_column_without_required_columns_is_read_and_the_gap_named():
    sheet = locate([['合同编号', '合同金额'], ['CT-001', '100']], CONTRACTS)
    assert [c.attr for c in sheet.missing] == ['title', 'customer']
    assert 'rows that would create a record are errors' in sheet.notes()[-1][0]
    with pytest.raises(SyncError, match='lacks the required column 合同名称'):
        locate([['合同金额'], ['100']], CONTRACTS)


def test_map_overrides_by_header_text():
    sheet = locate([['单位', '电话', '说明'], ['星河', '1', 'x']], LEADS, overrides={'单位': 'company', '电话': None})
    assert {p: c.attr for p, c in sheet.columns.items()} == {0: 'company'}
    assert [(m.header, m.how) for m in sheet.matches][:2] == [('单位', 'override'), ('电话', 'override')]
    sheet = locate([['单位', 'Mail'], ['星河', 'a@b.c']], LEADS, overrides={'单位': '公司名称', 'Mail': 'email'})
    assert {c.attr for c in sheet.columns.values()} == {'company', 'email'}
    with pytest.raises(SyncError, match='--map names the column "没有"'):
        locate([['单位'], ['星河']], LEADS, overrides={'没有': 'company'})
    assert get('contracts') is CONTRACTS
