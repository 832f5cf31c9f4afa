import datetime
from decimal import Decimal

import pytest

from ltc.models import AuditLog, Customer, Lead
from ltc.models.sync import SyncRun
from ltc.sync.engine.revert import revert_run
from ltc.sync.formats.tables import open_path
from ltc.sync.writes.importer import plan_import, run_import
from tests.factories import make_customer, make_lead, make_user

from ..helpers import read_xlsx, write_xlsx

HEADER = ['线索编号', '*公司名称', '联系人', '电话', '邮箱', '来源', '预算', '负责人']


def _import(path, **kw):
    return run_import('leads', open_path(path), **kw)


def test_import_creates_then_reimport_changes_nothing(db, tmp_path):
    make_user(username='li', display_name='李四')
    path = write_xlsx(tmp_path / 'leads.xlsx', [HEADER,
                      [None, '华为', '张三', 13800138000, 'a@b.cn', '展会', '¥1,234.50', '李四'],
                      [None, '中兴', None, '0755-1234', None, 'Website', '2,000', 'li']])
    result = _import(path)
    assert result.totals()['created'] == 2 and result.exit_code == 0
    lead = Lead.get(Lead.company == '华为')
    assert (lead.phone, lead.source, lead.budget, lead.owner.username) == ('13800138000', 'exhibition',
                                                                            Decimal('1234.50'), 'li')
    assert AuditLog.select().where(AuditLog.batch == result.run_code, AuditLog.action == 'create').count() == 2
    again = _import(path)
    assert again.totals()['unchanged'] == 2 and Lead.select().count() == 2
    assert AuditLog.select().where(AuditLog.batch == again.run_code).count() == 0


def test_update_by_code_with_field_diff_and_skip(db, tmp_path):
    lead = make_lead(company='旧公司', phone='1')
    path = write_xlsx(tmp_path / 'l.xlsx', [HEADER[:4], [lead.code, '新公司', None, '1']])
    plan = plan_import('leads', open_path(path))
    assert plan.rows[0].outcome == 'updated' and plan.rows[0].changes == {'company': ['旧公司', '新公司']}
    assert Lead.get_by_id(lead.id).company == '旧公司'   # planning writes nothing
    assert _import(path, on_existing='skip').totals()['skipped'] == 1
    assert Lead.get_by_id(lead.id).company == '旧公司'
    assert _import(path).totals()['updated'] == 1
    assert Lead.get_by_id(lead.id).company == '新公司'


def test_dry_run_writes_nothing(db, tmp_path):
    path = write_xlsx(tmp_path / 'l.xlsx', [HEADER[:2], [None, 'A'], [None, 'B']])
    result = _import(path, dry_run=True)
    assert result.totals()['created'] == 2 and result.dry_run
    assert Lead.select().count() == 0 and SyncRun.select().count() == 0


def test_bad_rows_are_reported_and_leave_the_database_unchanged(db, tmp_path):
    make_lead(company='existing')
    rows = [HEADER + ['需求'],
            ['L1', 'dup code', None, None, None, None, None, None, None],
            ['L1', 'dup code again', None, None, None, None, None, None, None],
            [None, 'bad types', None, None, None, '火星', 'lots', 'nobody', None],
            [None, None, 'no company', None, None, None, None, None, None],
            [None, 'x' * 10000, None, None, None, None, None, None, None],
            [None, '=cmd|\'/c calc\'!A1', None, None, None, None, None, None, '@SUM(A1:A9)']]
    path = write_xlsx(tmp_path / 'bad.xlsx', rows)
    plan = plan_import('leads', open_path(path), lang='en')
    messages = {r.row: r.message('en') for r in plan.rows}
    assert 'code L1 is also on row 2' in messages[3]
    assert 'column "来源": "火星" is not an allowed value; left empty' in messages[4]
    assert '"lots" is not a number' in messages[4] and 'no user has the code or name "nobody"' in messages[4]
    assert 'column "*公司名称": is required' in messages[5]
    assert 'shorten it to at most 200' in messages[6]
    assert plan.rows[-1].outcome == 'created'
    result = _import(path, lang='en')
    assert result.totals() == {'created': 2, 'updated': 0, 'unchanged': 0, 'conflict': 0, 'error': 4,
                               'deleted': 0, 'skipped': 0}
    assert result.exit_code == 1
    stored = Lead.get(Lead.requirement == '@SUM(A1:A9)')
    assert stored.company == "=cmd|'/c calc'!A1"


def test_everything_wrong_changes_nothing(db, tmp_path):
    path = write_xlsx(tmp_path / 'bad.xlsx', [HEADER, [None, 'A', None, None, None, 'bad', 'bad', 'bad']])
    result = _import(path)
    assert result.totals()['error'] == 1 and Lead.select().count() == 0


def test_report_has_original_rows_and_error_column(db, tmp_path):
    path = write_xlsx(tmp_path / 'in.xlsx', [HEADER[:2] + ['来源'], [None, 'ok', None], [None, 'bad', '火星']])
    result = _import(path)
    report = tmp_path / 'report.xlsx'
    result.write_report(report, 'zh')
    rows = read_xlsx(report)
    assert rows[0] == ['线索编号', '*公司名称', '来源', '结果', '错误原因']
    assert rows[1][:4] == [None, 'ok', None, '新增']
    # an unknown optional value keeps the row; the report keeps what the file said
    assert rows[2][3] == '新增' and '「来源」列：“火星”不在可选值中；已留空' in rows[2][4]


def test_codeless_rows_match_by_natural_key(db, tmp_path):
    path = write_xlsx(tmp_path / 'l.xlsx', [['公司名称', '电话'], ['华为', '138'], ['华为', '139']])
    assert _import(path).totals()['created'] == 2
    assert _import(path).totals()['unchanged'] == 2
    dup = write_xlsx(tmp_path / 'd.xlsx', [['公司名称', '电话'], ['中兴', '1'], ['中兴', '1']])
    assert 'repeats row 2' in plan_import('leads', open_path(dup), lang='en').rows[1].message('en')


def test_revert_an_import(db, tmp_path):
    lead = make_lead(company='before')
    path = write_xlsx(tmp_path / 'l.xlsx', [HEADER[:2], [lead.code, 'after'], [None, 'new one']])
    result = _import(path)
    undo = revert_run(result.run_code)
    assert undo.exit_code == 0
    assert Lead.get_by_id(lead.id).company == 'before'
    assert not Lead.select().where(Lead.company == 'new one').exists()
    assert SyncRun.get(SyncRun.code == result.run_code).status == 'reverted'


def test_revert_leaves_records_edited_since(db, tmp_path):
    from ltc.services import audit
    path = write_xlsx(tmp_path / 'l.xlsx', [HEADER[:2], [None, 'new one']])
    result = _import(path)
    lead = Lead.get(Lead.company == 'new one')
    lead.company = 'edited by hand'
    audit.save(lead)
    undo = revert_run(result.run_code)
    assert undo.exit_code == 1 and 'was edited after the run' in undo.rows[0].message('en')
    assert Lead.get_by_id(lead.id).company == 'edited by hand'


def test_customers_contacts_contracts_and_plans(db, tmp_path):
    customer = make_customer(name='华为技术有限公司')
    contacts = write_xlsx(tmp_path / 'c.xlsx', [['客户编码(必填)', '客户名称', '姓名(必填)', '性别', '电话(必填)', '生日'],
                                                [customer.code, '华为', '张三', '男', 13800138000, '1990/3/4']])
    assert run_import('contacts', open_path(contacts)).totals()['created'] == 1
    contact = customer.contacts.get()
    assert (contact.gender, contact.phone, contact.birthday) == ('male', '13800138000', datetime.date(1990, 3, 4))
    contracts = write_xlsx(tmp_path / 'h.xlsx', [['合同编号', '合同名称', '客户', '合同金额', '签约日期'],
                                                 ['HT-2026-001', '框架合同', '华为技术有限公司', '1,000,000', 46027]])
    assert run_import('contracts', open_path(contracts)).totals()['created'] == 1
    plans = write_xlsx(tmp_path / 'p.xlsx', [['合同编号', '期数', '计划回款日期', '计划金额'],
                                             ['HT-2026-001', 1, '2026-03-01', '30%'], ['HT-2026-001', 2, '2026-06-01', 700000]])
    result = run_import('payment_plans', open_path(plans))
    assert result.totals()['created'] == 2
    assert run_import('payment_plans', open_path(plans)).totals()['unchanged'] == 2
    assert Customer.select().count() == 1


def test_control_characters_in_csv_are_refused(db, tmp_path):
    path = tmp_path / 'l.csv'
    path.write_text('公司名称,联系人\nctrl\x01char,张三\n', encoding='utf-8')
    result = run_import('leads', open_path(path), lang='en')
    assert 'control character U+0001' in result.rows[0].message('en')
    assert Lead.select().count() == 0


def test_adjusted_column_mapping_from_the_import_screen(db, tmp_path):
    path = write_xlsx(tmp_path / 'l.xlsx', [['单位', '电话', '说明'], ['华为', '138', '要 CRM']])
    from ltc.sync.errors import SyncError
    with pytest.raises(SyncError, match='no header row|lacks the required column'):
        plan_import('leads', open_path(path))
    plan = plan_import('leads', open_path(path), columns={0: 'company', 2: 'requirement', 1: None})
    assert {p: c.attr for p, c in plan.sheet.columns.items()} == {0: 'company', 2: 'requirement'}
    assert plan.rows[0].values['company'] == '华为' and 'phone' not in plan.rows[0].values
    with pytest.raises(SyncError, match="'nope' is not a column of leads"):
        plan_import('leads', open_path(path), columns={0: 'nope'})


def test_progress_reports_rise_to_the_total(db, tmp_path):
    path = write_xlsx(tmp_path / 'l.xlsx', [['公司名称']] + [[f'公司{i}'] for i in range(1200)])
    seen = []
    run_import('leads', open_path(path), progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (2400, 2400)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize('entity', ['leads', 'customers', 'contacts', 'opportunities', 'products',
                                    'contracts', 'payment_plans', 'payments'])
def test_wrong_types_in_every_column_are_named_and_change_nothing(db, tmp_path, entity):
    from ltc.sync.mapping.codecs import Bool, Choice, Date, Number, Reference, Text
    from ltc.sync.mapping.entities import get
    mapping = get(entity)
    junk = {Number: 'twelve', Date: '2026-13-45', Choice: '不存在的选项', Reference: '查无此人',
            Bool: 'perhaps', Text: 'x' * 10001}
    columns = [c for c in mapping.columns[1:] if not c.readonly]
    bad = [next(v for k, v in junk.items() if isinstance(c.codec, k)) for c in columns]   # Headcount is a Choice
    path = write_xlsx(tmp_path / 'junk.xlsx', [[c.zh for c in columns], bad])
    before = mapping.model.select().count()
    result = run_import(entity, open_path(path), lang='en')
    assert result.totals()['error'] == 1
    message = result.rows[0].message('en')
    for column in columns:
        if column.codec.__class__ is Text and column.codec.max_length >= 10001:
            continue
        assert f'column "{column.zh}"' in message, (column.attr, message)
    assert mapping.model.select().count() == before


def test_unique_values_other_than_the_code_fail_only_their_rows(db, tmp_path):
    make_customer(name='已有', credit_code='91440300MA5XXXXXX1')
    path = write_xlsx(tmp_path / 'c.xlsx', [['客户名称', '统一社会信用代码'], ['甲', '91440300MA5XXXXXX1'],
                                            ['乙', '91440300MA5XXXXXX2'], ['丙', '91440300MA5XXXXXX2']])
    result = run_import('customers', open_path(path), lang='en')
    assert [r.outcome for r in result.rows] == ['error', 'created', 'error']
    assert 'must be unique' in result.rows[0].message('en')
    assert '必须唯一' in result.rows[2].message('zh')
    assert sorted(c.name for c in Customer.select()) == ['乙', '已有']
    again = run_import('customers', open_path(path), lang='en')
    assert again.totals()['created'] == 0 and Customer.select().count() == 2
