"""Every file in ../shared/realdata/: the MIT/Apache ones from tests/data, the others when present."""
import datetime
import shutil

import openpyxl
import pytest

from ltc.models import Contact, Customer, Lead
from ltc.sync.errors import ErrorValue, SyncError
from ltc.sync.formats.reader import read_sheet
from ltc.sync.formats.tables import open_path
from ltc.sync.mapping.codecs import Date, Number, Text
from ltc.sync.mapping.entities import PRODUCTS, Column, Mapping
from ltc.sync.writes.importer import plan_import, run_import
from tests.factories import make_user

from ..helpers import DATA, REALDATA


def local_only(name):
    path = REALDATA / name
    if not path.exists():
        pytest.skip(f'{name} is not redistributable and ../shared/realdata is absent')
    return path


def test_huzhiyu_lead_template_header_only_then_filled(db, tmp_path):
    source = DATA / 'huzhiyuhuzhiyu_api-doc-lookup__线索导入模板.xlsx'
    result = run_import('leads', open_path(source))
    assert result.rows == [] and result.exit_code == 0   # 序号 "1" alone is not a data row
    make_user(username='wu', display_name='吴经理')
    path = tmp_path / 'filled.xlsx'
    shutil.copy(source, path)
    book = openpyxl.load_workbook(path)
    sheet = book['线索导入模版']
    headers = [c.value for c in sheet[1]]
    values = {'线索名称(必填)': '宁波某某科技', '线索来源': '展会', '手机号': 13800138000, '负责人(必填)': '吴经理',
              '省': '浙江省', '市': '宁波市', '客户行业': '制造业', '电话': '0574-88886666', '地址': '宁波市鄞州区',
              '下次联系时间': '2026-03-09', '备注': '预算10万左右，比较急'}
    for column, header in enumerate(headers, 1):
        if header in values:
            sheet.cell(2, column, values[header])
    book.save(path)
    result = run_import('leads', open_path(path), lang='en')
    assert result.exit_code == 0, [r.message('en') for r in result.problems()]
    lead = Lead.get()
    assert (lead.company, lead.mobile, lead.source, lead.industry, lead.region_province, lead.owner.username) == \
        ('宁波某某科技', '13800138000', 'exhibition', 'manufacturing', '浙江省', 'wu')
    assert (lead.phone, lead.address, lead.next_contact_on, lead.notes) == \
        ('0574-88886666', '宁波市鄞州区', datetime.date(2026, 3, 9), '预算10万左右，比较急')


def test_huzhiyu_customer_template(db):
    plan = plan_import('customers', open_path(DATA / 'huzhiyuhuzhiyu_api-doc-lookup__客户导入模板.xlsx'))
    assert plan.sheet.header_row == 1 and plan.rows == []
    mapped = {c.attr for c in plan.sheet.columns.values()}
    assert {'code', 'name', 'name_en', 'owner', 'credit_code', 'phone', 'mobile', 'website', 'address',
            'next_contact_on', 'notes'} <= mapped
    assert '所属分类(必填)' in plan.sheet.unknown


def test_huzhiyu_contact_template_imports_zero_rows(db):
    result = run_import('contacts', open_path(DATA / 'huzhiyuhuzhiyu_api-doc-lookup__客户联系人导入模板.xlsx'))
    assert result.rows == [] and Contact.select().count() == 0
    assert {'address', 'notes'} <= {m.column.attr for m in result.sheet.matches if m.column is not None}


def test_leads_100_csv(db):
    plan = plan_import('leads', open_path(DATA / 'minhhoccode111_csvparser__leads-100.csv'), lang='en')
    assert len(plan.rows) == 100
    assert plan.rows[0].values['company'] == 'Grimes, Madden and Huff'
    assert plan.rows[1].values['phone'] == '001-672-799-2170x5610'
    assert all(r.outcome == 'error' and 'no user has the code or name' in r.message('en') for r in plan.rows)
    first = plan.rows[0].message('en')
    assert 'column "Source": "Retargeting Ads" is not an allowed value; left empty' in first
    assert 'Row 2, column "Lead Owner"' in first
    assert Lead.select().count() == 0


def test_frappe_csv_padded_headers_and_dd_mm_yyyy_dates(db):
    mapping = Mapping('frappe', Customer, [
        Column('code', 'ID', 'ID', Text(64)), Column('name', 'Title', '标题', Text(200), required=True),
        Column('notes', 'Description', '描述', Text(200)),
        Column('yearly_category_spend', 'Number', '数量', Number()),
        Column('last_won_on', 'Child 2 Date (Table Field 2)', '日期', Date())])
    sheet = read_sheet(open_path(DATA / 'frappe_frappe__sample_import_file.csv'), mapping)
    assert sheet.headers[0] == 'Title' and len(sheet.rows) == 4
    from ltc.sync.mapping.codecs import Context
    from ltc.sync.writes.importer import parse_row
    rows = [parse_row(mapping, sheet, n, c, Context(date_order='dmy')) for n, c in sheet.rows]
    assert rows[0].values['name'] == 'Test' and rows[0].values['last_won_on'] == datetime.date(2019, 8, 14)
    assert 'is required' in rows[1].message('en')   # continuation row with a blank parent


def test_odoo_partners_link_parents_created_by_the_same_file(db):
    path = local_only('odoo_odoo__res.partner.csv')
    first = run_import('customers', open_path(path), lang='en')
    assert first.totals()['created'] == 6 and first.totals()['error'] == 0, first.totals()
    assert 'Related Company "Grocery Outlet" is created by row 2 of this file' in first.rows[1].message('en')
    second = run_import('customers', open_path(path))
    assert second.totals()['unchanged'] == 6, second.totals()
    bob = Customer.get(Customer.name == 'Bob')
    assert bob.parent.name == 'Grocery Outlet' and bob.phone is None and bob.mobile == '4157654321'
    grocery = Customer.get(Customer.name == 'Grocery Outlet')
    assert (grocery.phone, grocery.address, grocery.website) == ('123456789', '51 Federal Street', 'groceryoutlet.com')


def test_oca_sale_order_header_on_row_5(db):
    path = local_only('OCA_server-tools__import_sale_order.xlsx')
    with pytest.raises(SyncError, match=r'lacks the required column 产品类别 \(Category\); add it .*row 5'):
        plan_import('products', open_path(path))
    sheet = read_sheet(open_path(path), Mapping('p', PRODUCTS.model, [PRODUCTS.key] + [
        c for c in PRODUCTS.columns if c.attr in ('name', 'description', 'unit', 'list_price')]))
    assert sheet.header_row == 5 and sheet.rows == []


def test_calamine_merged_range():
    mapping = Mapping('m', Customer, [Column('code', 'A1', 'A1', Text()), Column('name', 'B1', 'B1', Text()),
                                      Column('notes', 'E1', 'E1', Text())])
    sheet = read_sheet(open_path(DATA / 'tafia_calamine__merged_range.xlsx'), mapping)
    assert sheet.header_row == 1 and [n for n, _ in sheet.rows] == [3, 4]


def test_calamine_date_1904_through_the_codec():
    grid = open_path(DATA / 'tafia_calamine__date_1904.xlsx').read()
    from ltc.sync.mapping.codecs import Context
    assert Date().clean(grid[0][0], Context()) == datetime.date(2021, 1, 1)
    with pytest.raises(Exception, match='not a date'):
        Date().clean(grid[2][0], Context())   # a duration is not a date


def test_calamine_errors_are_cell_errors():
    grid = open_path(DATA / 'tafia_calamine__errors.xlsx').read()
    from ltc.sync.mapping.codecs import Context
    with pytest.raises(Exception, match='spreadsheet error #DIV/0!'):
        Text().clean(grid[0][0], Context())
    assert isinstance(grid[6][0], ErrorValue)


def test_calamine_whitespace_trim():
    grid = open_path(DATA / 'tafia_calamine__whitespace_trim.xlsx').read()
    from ltc.sync.mapping.codecs import Context
    ctx = Context()
    assert Text().clean(grid[0][2], ctx) is None
    assert Text().clean(grid[1][1], ctx) == 'line1 line2'
    assert Text(multiline=True).clean(grid[1][1], ctx) == 'line1\nline2'
    assert Text().clean(grid[2][0], ctx) == '日期 时间'


def test_python_calamine_any_sheets_base_issue139_password():
    assert open_path(DATA / 'dimastbk_python-calamine__any_sheets.xlsx').read()[0] == [1.0, 2.0]
    base = open_path(DATA / 'dimastbk_python-calamine__base.xlsx').read()
    assert base[1][6] == datetime.datetime(2010, 10, 10, 10, 10, 10)
    grid = open_path(DATA / 'dimastbk_python-calamine__issue139.xlsx').read()
    from ltc.sync.mapping.codecs import Context
    with pytest.raises(Exception, match='outside the dates a spreadsheet can hold'):
        Date().clean(grid[1][0], Context())
    with pytest.raises(SyncError, match='password-protected'):
        open_path(DATA / 'dimastbk_python-calamine__password.xlsx').read()


def _real_files():
    names = {p.name for p in DATA.iterdir() if p.suffix in ('.xlsx', '.xls', '.csv')}
    if REALDATA.exists():
        names |= {p.name for p in REALDATA.iterdir() if p.suffix in ('.xlsx', '.xls', '.csv')}
    return sorted(names)


def test_dry_run_and_apply_agree_on_every_real_file(db):
    """Each file as every entity: the dry run refuses what the apply refuses, with the same sentence, and
    says of each row what the apply does; every column is either imported or named as not imported."""
    from ltc.sync.mapping.entities import MAPPINGS
    checked = 0
    for name in _real_files():
        path = DATA / name if (DATA / name).exists() else REALDATA / name
        if not path.exists():
            continue   # a restricted file, and ../shared/realdata is absent
        for entity in MAPPINGS:
            try:
                dry = run_import(entity, open_path(path), dry_run=True, lang='en')
            except SyncError as refused:
                with pytest.raises(SyncError) as again:
                    run_import(entity, open_path(path), lang='en')
                assert str(again.value) == str(refused), (entity, name)
                continue
            real = run_import(entity, open_path(path), lang='en')
            said = [(r.row, r.outcome, [e.text('en') for e in r.errors]) for r in dry.rows]
            done = [(r.row, r.outcome, [e.text('en') for e in r.errors]) for r in real.rows]
            assert said == done, (entity, name)
            assert dry.notes == real.notes, (entity, name)
            headers = {h for i, h in enumerate(real.sheet.headers) if h and i != real.sheet.status_pos}
            assert {m.header for m in real.sheet.matches} == headers, (entity, name)
            checked += 1
    # The files that are data were read as some entity, not only refused (9 of them ship in tests/data;
    # the others are read where ../shared/realdata is beside the checkout).
    assert checked >= (12 if REALDATA.exists() else 9)
