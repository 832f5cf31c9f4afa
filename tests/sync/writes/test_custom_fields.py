"""Custom fields in spreadsheets: a `custom:<key>` column per field, both labels as headers, typed by the
field's codec; exports and templates write them, imports read them back, bad cells say why in both languages."""
import datetime

from ltc.models import AuditLog, Customer, Lead
from ltc.services import custom_fields
from ltc.sync.formats.tables import open_path
from ltc.sync.mapping.entities import get
from ltc.sync.writes.export import export_entity
from ltc.sync.writes.importer import plan_import, run_import
from tests.factories import make_customer

from ..helpers import read_xlsx, write_xlsx


def _define_customer_fields():
    custom_fields.define('customers', 'employees', '员工人数', 'Employees', kind='number')
    custom_fields.define('customers', 'founded', '成立日期', 'Founded', kind='date')
    custom_fields.define('customers', 'tier', '合作层级', 'Tier', kind='choice',
                         options='gold | Gold | 金牌\nsilver | Silver | 银牌')
    custom_fields.define('customers', 'region_code', '片区编码', 'Region code')


def test_custom_columns_export_and_import_back_unchanged_in_both_languages(db, tmp_path):
    _define_customer_fields()
    customer = make_customer(name='星河科技')
    custom_fields.set_values(customer, {'employees': '120.00', 'founded': '2010-05-04', 'tier': 'gold',
                                        'region_code': '007'})
    for lang, headers in (('zh', ['员工人数', '成立日期', '合作层级', '片区编码']),
                          ('en', ['Employees', 'Founded', 'Tier', 'Region code'])):
        path = tmp_path / f'customers-{lang}.xlsx'
        export_entity('customers', path, lang=lang)
        rows = read_xlsx(path)
        assert rows[0][-4:] == headers
        assert rows[1][-4:] == [120, datetime.datetime(2010, 5, 4), '金牌' if lang == 'zh' else 'Gold', '007']
        result = run_import('customers', open_path(path), lang=lang)
        assert result.totals()['unchanged'] == 1, result.totals()
        template = tmp_path / f'template-{lang}.xlsx'
        export_entity('customers', template, template=True, lang=lang)
        assert read_xlsx(template)[0][-4:] == headers


def test_an_import_sets_and_changes_custom_values_audited_by_key(db, tmp_path):
    _define_customer_fields()
    path = write_xlsx(tmp_path / 'in.xlsx', [['客户名称', '员工人数', '成立日期', '合作层级', '片区编码'],
                                             ['星河科技', '1,200', '2010/5/4', '银牌', 7]])
    result = run_import('customers', open_path(path))
    assert result.exit_code == 0, [r.message('en') for r in result.problems()]
    customer = Customer.get()
    assert customer.custom == {'employees': '1200.00', 'founded': '2010-05-04', 'tier': 'silver', 'region_code': '7'}
    created = AuditLog.get(AuditLog.entity == 'Customer', AuditLog.action == 'create')
    assert '"custom:tier": [null, "silver"]' in created.changes
    path = write_xlsx(tmp_path / 'again.xlsx', [['客户编码', '客户名称', '合作层级', '片区编码'],
                                                [customer.code, '星河科技', 'Gold', '']])
    result = run_import('customers', open_path(path))
    assert result.totals()['updated'] == 1, [r.message('en') for r in result.problems()]
    customer = Customer.get()
    assert customer.custom == {'employees': '1200.00', 'founded': '2010-05-04', 'tier': 'gold'}
    updated = AuditLog.select().where(AuditLog.action == 'update').order_by(AuditLog.id.desc()).get()
    assert '"custom:region_code": ["7", null]' in updated.changes and '"custom:tier": ["silver", "gold"]' in updated.changes


def test_bad_custom_cells_say_why_in_chinese_and_english(db, tmp_path):
    _define_customer_fields()
    custom_fields.define('customers', 'contract_ref', '框架协议号', 'Framework no', required=True)
    path = write_xlsx(tmp_path / 'bad.xlsx', [['Customer name', 'Employees', 'Founded', 'Tier', 'Framework no'],
                                              ['A Co', 'many', '2010-13-45', 'Gold', ''],
                                              ['B Co', '5', '2010-01-02', 'Gold', 'F-1']])
    plan = plan_import('customers', open_path(path), lang='en')
    bad, good = plan.rows
    assert good.outcome == 'created'
    english = ' | '.join(bad.message('en').split('\n'))
    chinese = bad.message('zh')
    assert '"many" is not a number' in english and '"2010-13-45" is not a date' in english
    assert 'Framework no' in english and 'is required' in english
    assert '不是数字' in chinese and '不是日期' in chinese and '为必填项' in chinese
    assert run_import('customers', open_path(path)).totals()['created'] == 1
    assert Customer.get().custom['contract_ref'] == 'F-1'


def test_an_inactive_field_is_no_column_and_its_values_stay(db, tmp_path):
    _define_customer_fields()
    customer = make_customer(name='星河科技')
    custom_fields.set_values(customer, {'region_code': 'A1'})
    field = custom_fields.CustomField.get(custom_fields.CustomField.key == 'region_code')
    field.active = False
    custom_fields.save_definition(field)
    assert 'custom:region_code' not in get('customers').by_attr
    assert 'custom:tier' in get('customers').by_attr
    assert Customer.get().custom == {'region_code': 'A1'}


def test_leads_import_custom_values_through_the_bulk_path(db, tmp_path):
    custom_fields.define('leads', 'expo_booth', '展位号', 'Booth')
    path = write_xlsx(tmp_path / 'leads.xlsx', [['公司名称', '展位号'], ['甲公司', 'A-12'], ['乙公司', 'B-3']])
    assert run_import('leads', open_path(path)).totals()['created'] == 2
    assert sorted(lead.custom['expo_booth'] for lead in Lead.select()) == ['A-12', 'B-3']
