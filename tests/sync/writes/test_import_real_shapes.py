"""Files shaped like other systems' exports, through `flask ltc import`: headers, description rows,
vocabularies, dates, the shown mapping, and a dry run that says what the apply will do."""
import datetime

from ltc.models import Contract, Customer, Lead, Opportunity
from ltc.models import choices as C
from ltc.sync.formats.reader import locate
from ltc.sync.mapping.codecs import Choice, Context, Text
from ltc.sync.mapping.entities import Column, Mapping
from ltc.sync.writes.importer import parse_row
from tests.factories import make_contract, make_customer

from ..helpers import write_xlsx

ERP = [['Column Labels:', 'Person Name', 'Organization Name', 'Email Id', 'Status', 'Source', 'Industry', '微信'],
       ['Column Name:', 'lead_name', 'company_name', 'email_id', 'status', 'source', 'industry', ''],
       ['Mandatory:', 'Yes', 'No', 'No', 'No', 'No', 'No', ''],
       ['Type:', 'Data', 'Data', 'Data', 'Select', 'Link', 'Link', ''],
       ['Info:', '', '', 'Valid Email', 'One of: Lead, Open, Replied', '', '', ''],
       ['Start entering data below this line', '', '', '', '', '', '', ''],
       ['', '张三', '星河文化', 'zs@xh.cn', 'Lead', 'Cold Calling', '文化传媒', 'zs123'],
       ['', 'Li Si', 'Acme Bank', 'li@acme.com', 'Open', 'Website', '金融业', '']]


def _cli(runner, *args):
    return runner.invoke(args=['ltc', 'import', *map(str, args)])


def test_erp_export_imports_as_it_is_and_says_what_it_skipped(runner, db, tmp_path):
    path = write_xlsx(tmp_path / 'erp.xlsx', ERP)
    for _ in range(2):   # and again: the description rows never become errors
        result = _cli(runner, 'leads', path, '--lang', 'en')
        assert result.exit_code == 0, result.output
        assert result.output.count('Skipped 4 description rows under the header') == 1
        assert 'Column Labels: → not imported' in result.output and '微信' not in result.output
    lead = Lead.get(Lead.company == '星河文化')
    assert (lead.email, lead.status, lead.source, lead.industry) == ('zs@xh.cn', 'new', 'cold_call', 'other')
    assert lead.wechat == 'zs123'
    bank = Lead.get(Lead.company == 'Acme Bank')
    assert (bank.status, bank.source, bank.industry) == ('new', 'website', 'finance')
    assert Lead.select().count() == 2


def test_show_mapping_prints_every_column_and_map_overrides(runner, db, tmp_path):
    path = write_xlsx(tmp_path / 'c.xlsx', [['合同编码', '合同名称（支持要素提取）', '客户姓名', '合同总额', '签订时间',
                                             '签约人', '结束日期时间', 'Adress', '备用']])
    result = _cli(runner, 'contracts', path, '--show-mapping', '--lang', 'en')
    assert result.exit_code == 0, result.output
    out = result.output
    assert 'header on row 1, 0 data rows' in out
    for line in ('合同编码 → code (Contract number)', '合同名称（支持要素提取） → title (Contract title)',
                 '客户姓名 → customer (Customer)', '合同总额 → amount (Amount)', '签订时间 → signed_on (Signed on)',
                 '备用 → not imported'):
        assert line in out, out
    assert '签约人 → not imported  (matches customer_signer' in out and 'our_signer' in out
    assert '结束日期时间 → not imported  (perhaps end_on (End date) (80%); to import it: ' \
           '--map "结束日期时间=end_on")' in out
    zh = _cli(runner, 'contracts', path, '--show-mapping')
    assert zh.exit_code == 0 and '备用 → 不导入' in zh.output and '表头在第 1 行' in zh.output
    assert Contract.select().count() == 0
    path = write_xlsx(tmp_path / 'l.xlsx', [['单位', '联系电话号码', '备用'], ['星河', '13800138000', 'x']])
    refused = _cli(runner, 'leads', path, '--lang', 'en')
    assert refused.exit_code == 2 and 'has no header row for leads' in refused.output
    result = _cli(runner, 'leads', path, '--map', '单位=company', '--map', '联系电话号码=phone', '--lang', 'en')
    assert result.exit_code == 0, result.output
    assert (Lead.get().company, Lead.get().phone) == ('星河', '13800138000')   # --map overrides
    shown = _cli(runner, 'leads', path, '--map', '单位=company', '--show-mapping', '--lang', 'en')
    assert '单位 → company (Company)  (as given by --map)' in shown.output
    bad = _cli(runner, 'leads', path, '--map', '单位', '--lang', 'en')
    assert bad.exit_code == 2 and '--map takes "HEADER=field"' in bad.output


def test_unknown_optional_value_kept_with_a_warning_and_map_value(runner, db, tmp_path):
    path = write_xlsx(tmp_path / 'l.xlsx', [['公司名称', '行业', '状态'], ['甲', '航天', '有效'], ['乙', '航天', None]])
    result = _cli(runner, 'leads', path, '--lang', 'en', '--dry-run')
    assert result.exit_code == 0, result.output
    assert result.output.count('Column "行业": "航天" (2 rows) is not an allowed value') == 1
    assert '--map-value "行业:航天=CODE"' in result.output
    result = _cli(runner, 'leads', path, '--lang', 'en', '--report', tmp_path / 'r.csv')
    assert result.exit_code == 0, result.output
    assert Lead.get(Lead.company == '甲').industry is None and Lead.get(Lead.company == '甲').status == 'qualified'
    report = (tmp_path / 'r.csv').read_text(encoding='utf-8-sig')
    assert 'column ""行业"": ""航天"" is not an allowed value; left empty' in report   # the original value kept
    # --map-value reads a value as a code
    path = write_xlsx(tmp_path / 'm.xlsx', [['公司名称', '行业', '客户级别'], ['丙', '航天', 'VIP客户']])
    result = _cli(runner, 'leads', path, '--map-value', '行业:航天=manufacturing', '--lang', 'en')
    assert result.exit_code == 0, result.output
    assert 'not an allowed value' not in result.output
    assert Lead.get(Lead.company == '丙').industry == 'manufacturing'
    bad = _cli(runner, 'leads', path, '--map-value', '行业:航天=space', '--lang', 'en')
    assert bad.exit_code == 2 and "'space' is not a value of Industry" in bad.output
    customers = write_xlsx(tmp_path / 'c.xlsx', [['客户名称', '客户级别'], ['丁', 'VIP客户'], ['丙', '钻石']])
    result = _cli(runner, 'customers', customers, '--map-value', '客户级别:钻石=strategic', '--lang', 'en')
    assert result.exit_code == 0, result.output
    assert {c.name: c.level for c in Customer.select()} == {'丙': 'strategic', '丁': 'key'}


def test_unknown_value_in_a_required_column_is_an_error(db, tmp_path):
    make_customer(name='星河科技')
    path = write_xlsx(tmp_path / 'o.xlsx', [['商机名称', '客户', '销售阶段'], ['一期', '星河科技', 'Engaging'],
                                             ['二期', '星河科技', '火星阶段']])
    from ltc.sync.formats.tables import open_path
    from ltc.sync.writes.importer import run_import
    result = run_import('opportunities', open_path(path), lang='en')
    assert [r.outcome for r in result.rows] == ['created', 'error']
    assert 'no stage has the code or name "火星阶段"' in result.rows[1].message('en')
    assert Opportunity.get().stage.name_en == 'Analyse'
    required = Mapping('t', Customer, [Column('code', 'Code', '编码', Text(64)),
                                       Column('level', 'Level', '级别', Choice(C.CUSTOMER_LEVELS), required=True)])
    sheet = locate([['编码', '级别'], ['C1', '钻石']], required)
    row = parse_row(required, sheet, 2, sheet.rows[0][1], Context(), lenient=True)
    assert row.outcome == 'error' and '"钻石" is not one of the allowed values' in row.message('en')


def test_date_order_is_inferred_per_column_or_asked_for(runner, db, tmp_path):
    customer = make_customer(name='星河科技')
    ledger = write_xlsx(tmp_path / 'us.xlsx', [['合同名称', '客户', '签订时间', '开始日期'],
                                               ['A', customer.code, '2/28/2012', '2/1/2013'],
                                               ['B', customer.code, '2/1/2013', '13/1/2013']])
    result = _cli(runner, 'contracts', ledger, '--lang', 'en')
    assert result.exit_code == 0, result.output
    assert '--date-order' not in result.output   # each column proves its own order
    b = Contract.get(Contract.title == 'B')
    assert (b.signed_on, b.start_on) == (datetime.date(2013, 2, 1), datetime.date(2013, 1, 13))
    assert Contract.get(Contract.title == 'A').start_on == datetime.date(2013, 1, 2)
    unsure = write_xlsx(tmp_path / 'x.xlsx', [['合同名称', '客户', '签订时间'], ['C', customer.code, '2/1/2013'],
                                              ['D', customer.code, '3/4/2013']])
    result = _cli(runner, 'contracts', unsure, '--lang', 'en', '--dry-run')
    assert result.output.count('Column "签订时间": dates such as 2/1/2013 read either way') == 1
    assert 'import with --date-order mdy' in result.output
    result = _cli(runner, 'contracts', unsure, '--date-order', 'mdy', '--lang', 'en')
    assert result.exit_code == 0 and 'read either way' not in result.output
    assert Contract.get(Contract.title == 'C').signed_on == datetime.date(2013, 2, 1)
    wrong = write_xlsx(tmp_path / 'w.xlsx', [['合同名称', '客户', '签订时间'], ['E', customer.code, '2/28/2012']])
    result = _cli(runner, 'contracts', wrong, '--date-order', 'dmy', '--lang', 'en')
    assert result.exit_code == 1 and 'import with --date-order mdy' in result.output


def test_dry_run_and_apply_agree_on_a_file_without_title_and_customer(runner, db, tmp_path):
    existing = make_contract(code='CT-OLD', title='旧合同')
    path = write_xlsx(tmp_path / 'c.xlsx', [['合同编码', '合同总额'], ['CT-001', '1,000'], ['CT-OLD', '2,000']])
    dry = _cli(runner, 'contracts', path, '--dry-run', '--lang', 'en')
    real = _cli(runner, 'contracts', path, '--lang', 'en')
    assert dry.exit_code == real.exit_code == 1, (dry.output, real.output)
    for out in (dry.output, real.output):
        assert '  Row 2: would create a new record, which needs 合同名称 (Contract title), 客户 (Customer)' in out
        assert 'NOT NULL' not in out and 'unique' not in out
        assert 'The file has no column 合同名称 (Contract title), 客户 (Customer)' in out
    assert '1 updated' in real.output and '1 error' in real.output and '1 updated' in dry.output
    assert not Contract.select().where(Contract.code == 'CT-001').exists()
    assert Contract.get_by_id(existing.id).amount == 2000


def test_a_missing_file_is_named_as_typed(runner):
    result = _cli(runner, 'leads', 'no/such/leads.xlsx', '--lang', 'en')
    assert result.exit_code == 2 and 'no/such/leads.xlsx does not exist' in result.output
    result = _cli(runner, 'leads', 'no/such/leads.xlsx')
    assert '错误：no/such/leads.xlsx 不存在' in result.output


def test_contract_vocabularies(db, tmp_path):
    customer = make_customer(name='星河科技')
    path = write_xlsx(tmp_path / 'c.xlsx', [['合同编码', '合同名称', '客户编号', '合同状态', '合同总额'],
                                             ['HT-1', '框架', customer.code, '有效', '¥10,000'],
                                             ['HT-2', '二期', customer.code, '已签订', '5000']])
    from ltc.sync.formats.reader import read_sheet
    from ltc.sync.formats.tables import open_path
    from ltc.sync.mapping.entities import CONTRACTS
    sheet = read_sheet(open_path(path), CONTRACTS)   # what each cell means; the gate decides the rest
    rows = [parse_row(CONTRACTS, sheet, n, cells, Context(), lenient=True) for n, cells in sheet.rows]
    assert [(r.code, r.values['status'], int(r.values['amount']), r.values['customer']) for r in rows] == [
        ('HT-1', 'executing', 10000, customer.id), ('HT-2', 'effective', 5000, customer.id)]
