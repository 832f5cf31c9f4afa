"""Exports of other CRMs and ERPs (tests/data/othersystems, see its README) through `flask ltc import`
as they are: their headers, vocabularies, encodings, dates, amounts, title, total and footer rows."""
import datetime
from decimal import Decimal

from ltc.models import AuditLog, Contact, Contract, Customer, Lead, Opportunity, Payment
from ltc.sync.formats.csv import detect_encoding
from ltc.sync.formats.reader import is_total, summary_rows
from tests.factories import make_contract, make_customer, make_payment_plan, make_user

from ..helpers import DATA

FILES = DATA / 'othersystems'


def _cli(runner, entity, name, *args):
    return runner.invoke(args=['ltc', 'import', entity, str(FILES / name), '--lang', 'en', *args])


def _people():
    make_user(username='song.chao', display_name='宋超', display_name_en='Song Chao')
    make_user(username='liang.jun', display_name='梁军', display_name_en='Liang Jun')


def _stage(opportunity):
    return opportunity.stage.name_en


def test_salesforce_lead_report_in_windows_1252_with_its_footer(runner, db):
    _people()
    assert detect_encoding((FILES / 'salesforce_leads.csv').read_bytes()) == 'cp1252'
    shown = _cli(runner, 'leads', 'salesforce_leads.csv', '--show-mapping').output
    assert '  First Name → contact_name (Contact)  (with Last Name: joined into one name' in shown, shown
    assert '  Last Name → contact_name (Contact)  (with First Name: joined into one name' in shown
    result = _cli(runner, 'leads', 'salesforce_leads.csv')
    out = result.output
    assert 'Skipped 3 total or report footer rows (rows 8, 10, 11)' in out, out
    assert 'no user has the code or name' not in out   # the footer lines are not leads
    assert result.exit_code == 0 and 'is not an allowed value' not in out, out
    lead = Lead.get(Lead.company == 'Société Générale Shanghai')
    # `Open - Not Contacted` is new; a new lead with an owner is assigned to that owner.
    assert (lead.status, lead.source, lead.industry, lead.company_size) == ('assigned', 'website', 'finance', 'large')
    assert (lead.owner.username, lead.region_province, lead.phone, lead.mobile) == \
        ('song.chao', 'Shanghai', '(021) 6888-1234', '139 1234 5678')
    assert (lead.contact_name, lead.contact_title) == ('Wei Zhang', 'CIO')   # First Name + Last Name
    acme = Lead.get(Lead.company == 'Acme Robotics')
    assert (acme.status, acme.source, acme.industry, acme.company_size) == ('contacted', 'online', 'manufacturing',
                                                                           'small')
    # Closed leads come in through the lead actions: `Closed - Not Converted` disqualified with a reason naming
    # the import, `Closed - Converted` converted into a customer by its company (with its contact).
    baker = Lead.get(Lead.company == 'Baker Foods')
    assert (baker.status, baker.disqualify_reason, baker.owner.username) == \
        ('disqualified', 'Disqualified in the source system (imported from salesforce_leads.csv)', 'liang.jun')
    biogen = Lead.get(Lead.company == 'BioGen Labs')
    assert (biogen.status, biogen.converted_customer.name, biogen.converted_contact.name) == \
        ('converted', 'BioGen Labs', 'Ana Ruiz')
    assert Lead.select().count() == 4 and Opportunity.select().count() == 0   # a conversion here adds no deal
    actions = [(a.entity_code, a.action) for a in AuditLog.select().where(AuditLog.entity == 'Lead')
               .order_by(AuditLog.id)]
    assert [a for c, a in actions if c == baker.code] == ['create', 'disqualified']
    assert [a for c, a in actions if c == biogen.code] == ['create', 'convert']
    # Imported again: every row finds its lead and asks for nothing (a closed lead is not closed twice).
    audits = AuditLog.select().count()
    result = _cli(runner, 'leads', 'salesforce_leads.csv')
    assert result.exit_code == 0 and '4 unchanged' in result.output, result.output
    assert AuditLog.select().count() == audits and Customer.select().count() == 1


def test_salesforce_opportunities_hubspot_pipedrive_odoo_deals(runner, db):
    _people()
    result = _cli(runner, 'customers', 'hubspot_companies.csv')
    assert result.exit_code == 0 and 'is not an allowed value' not in result.output, result.output
    north = Customer.get(Customer.name == 'Northwind Trading')
    assert (north.industry, north.size, north.region_province, north.owner.username) == \
        ('internet', 'medium', 'Shanghai', 'song.chao')
    assert Customer.get(Customer.name == 'Contoso Health').industry == 'healthcare'

    result = _cli(runner, 'opportunities', 'salesforce_opportunities.xlsx')
    assert result.exit_code == 0, result.output
    assert 'Skipped 3 total or report footer rows (rows 13, 15, 16)' in result.output
    erp = Opportunity.get(Opportunity.name == 'ERP rollout phase 2')
    assert (erp.customer.name, _stage(erp), erp.amount, erp.expected_close_on, erp.owner.username) == \
        ('Northwind Trading', 'Analyse', Decimal('120000.00'), datetime.date(2026, 3, 28), 'song.chao')
    assert Opportunity.select().count() == 3   # the Total row is not an opportunity

    result = _cli(runner, 'opportunities', 'hubspot_deals.csv')
    assert result.exit_code == 0, result.output
    stages = {o.name: _stage(o) for o in Opportunity.select()}
    assert (stages['Northwind training'], stages['Contoso pilot'], stages['Contoso rollout']) == \
        ('Propose', 'Negotiate', 'Validate')
    assert Opportunity.get(Opportunity.name == 'Northwind CRM licences').expected_close_on == datetime.date(2026, 4, 30)

    result = _cli(runner, 'opportunities', 'pipedrive_deals.csv')
    assert result.exit_code == 0, result.output
    # `Deal - Status` Lost or Won decides the stage of the deal beside `Deal - Stage`.
    assert 'Deal - Status → stage (Stage)  (with Deal - Stage' in result.output
    deal = Opportunity.get(Opportunity.name == 'Contoso analytics')
    assert (_stage(deal), deal.currency, deal.lost_reason, deal.customer.name) == \
        ('Lost', 'USD', 'Price too high', 'Contoso Health')
    assert _stage(Opportunity.get(Opportunity.name == 'Northwind upgrade')) == 'Validate'   # Open: its stage
    support = Opportunity.get(Opportunity.name == 'Northwind support')
    contract = Contract.get(Contract.opportunity == support.id)   # Won needs a contract: a draft made for it
    assert (_stage(support), contract.status, contract.amount, contract.customer.name) == \
        ('Won', 'draft', Decimal('9000.00'), 'Northwind Trading')

    result = _cli(runner, 'opportunities', 'odoo_crm_opportunities.xlsx', '--dry-run')
    out = result.output
    assert 'row 2: created' in out and 'row 3: created' in out and 'row 4: created' in out, out
    assert 'Expected Revenue' not in out and 'Expected Closing' not in out   # both imported
    assert 'row 5: created (arrives won: created at stage Validate, then a draft contract is made for it' in out
    result = _cli(runner, 'opportunities', 'odoo_crm_opportunities.xlsx')
    assert result.exit_code == 0, result.output
    training = Opportunity.get(Opportunity.name == 'Northwind: training')
    assert (_stage(training), training.expected_close_on, Contract.get(Contract.opportunity == training.id).title) \
        == ('Won', datetime.date(2026, 3, 10), 'Northwind: training')
    result = _cli(runner, 'opportunities', 'odoo_crm_opportunities.xlsx')   # again: nothing won twice
    assert result.exit_code == 0 and '4 unchanged' in result.output, result.output
    assert Contract.select().count() == 2


def test_zoho_hubspot_and_chinese_crm_leads(runner, db):
    _people()
    result = _cli(runner, 'leads', 'zoho_leads.csv', '--dry-run')
    out = result.output
    assert 'Contact in Future' not in out and 'Pre-Qualified' not in out and 'Web Download' not in out, out
    assert 'Lead Owner' not in out and 'No. of Employees' not in out
    result = _cli(runner, 'leads', 'zoho_leads.csv')
    assert result.exit_code == 0, result.output
    zylker = Lead.get(Lead.company == 'Zylker Corp')
    assert (zylker.status, zylker.source, zylker.company_size, zylker.website, zylker.contact_name) == \
        ('contacted', 'exhibition', 'xlarge', 'https://zylker.example', 'Hao Wang')
    assert Lead.get(Lead.company == 'Sun Analytics').industry == 'internet'
    assert Lead.get(Lead.company == 'Kite Telecom').status == 'disqualified'   # Junk Lead

    result = _cli(runner, 'leads', 'hubspot_contacts.csv', '--as', 'song.chao', '--map', 'Contact owner=-')
    assert result.exit_code == 0, result.output
    assert 'Company Name → not imported' not in result.output
    tail = Lead.get(Lead.company == 'Tailspin Toys')
    assert (tail.status, tail.mobile, tail.contact_title, tail.source, tail.contact_name) == \
        ('contacted', '13911112222', 'IT Manager', 'website', 'Min Chen')
    assert Lead.get(Lead.company == 'Proseware').status == 'qualified'

    result = _cli(runner, 'leads', 'fxiaoke_leads.xlsx', '--dry-run')
    out = result.output
    assert result.exit_code == 0 and 'is not an allowed value' not in out, out
    assert 'row 4: created (arrives converted: created, then converted into a new customer "深圳前海金融服务"' in out
    assert 'row 5: created (arrives disqualified: created, then disqualified with the reason "Disqualified in the ' \
           'source system (imported from fxiaoke_leads.xlsx › 销售线索)"' in out
    result = _cli(runner, 'leads', 'fxiaoke_leads.xlsx', '--lang', 'zh')
    assert result.exit_code == 0, result.output
    assert Lead.get(Lead.company == '成都天府物流').disqualify_reason == '原系统中已作废（导入自 fxiaoke_leads.xlsx › 销售线索）'
    qianhai = Lead.get(Lead.company == '深圳前海金融服务')
    assert (qianhai.status, qianhai.converted_customer.name, qianhai.converted_customer.owner.username) == \
        ('converted', '深圳前海金融服务', 'liang.jun')
    result = _cli(runner, 'leads', 'jiandaoyun_leads.xlsx')
    lead = Lead.get(Lead.company == '宁波港信科技')
    assert (lead.contact_name, lead.mobile, lead.source, lead.status, lead.requirement, lead.owner.username) == \
        ('陈佳', '13811112222', 'website', 'contacted', '咨询CRM报价', 'song.chao')
    assert Lead.get(Lead.company == '温州瓯越制造').source == 'online'
    assert Lead.get(Lead.company == '嘉兴禾丰食品').converted_customer.name == '嘉兴禾丰食品'   # 已转化
    assert Contact.get(Contact.name == '孙敏').customer.name == '嘉兴禾丰食品'


def test_chinese_crm_customers_gbk_and_merged_title(runner, db):
    _people()
    result = _cli(runner, 'customers', 'xiaoshouyi_accounts.xlsx')
    assert result.exit_code == 0 and 'is not an allowed value' not in result.output, result.output
    huayu = Customer.get(Customer.code == 'KH-000101')
    assert (huayu.name, huayu.level, huayu.industry, huayu.source) == \
        ('北京华宇信息技术有限公司', 'key', 'internet', 'referral')
    assert (Customer.get(Customer.code == 'KH-000102').industry, Customer.get(Customer.code == 'KH-000103').level) == \
        ('transport', 'strategic')
    result = _cli(runner, 'customers', 'wukong_customers.csv')
    assert result.exit_code == 0 and 'is not an allowed value' not in result.output, result.output
    zijin = Customer.get(Customer.name == '南京紫金软件')
    assert (zijin.level, zijin.source, zijin.industry, zijin.next_contact_on) == \
        ('key', 'website', 'internet', datetime.date(2026, 4, 1))
    # 区域 `江苏省,南京市,玄武区`: province and city; the district is named as not kept.
    assert (zijin.region_province, zijin.region_city) == ('江苏省', '南京市')
    assert '区域 → region_province (Province) + region_city (City)' in result.output
    assert 'Column "区域": 3 rows name more than the province and city (such as "玄武区")' in result.output
    assert Customer.get(Customer.name == '长沙湘江文旅').level == 'general'
    assert Customer.get(Customer.name == '武汉光谷电子').industry == 'manufacturing'


def test_erp_receipt_ledgers_total_row_and_a_second_import(runner, db):
    customer = make_customer(name='深圳凯达轨道交通装备科技有限公司')
    contract = make_contract(code='HT000050', customer=customer, status='effective', amount=Decimal('500000'))
    make_payment_plan(contract=contract, amount=Decimal('500000'))
    for _ in range(2):   # the second import finds every receipt by its document number
        result = _cli(runner, 'payments', 'yonyou_u8_receipts.xlsx')
        assert result.exit_code == 0, result.output
        assert 'Skipped 1 total or report footer row (row 6)' in result.output
        result = _cli(runner, 'payments', 'kingdee_receipts.csv')
        assert result.exit_code == 0, result.output
    rows = {p.reference: (p.amount, p.received_on, p.method) for p in Payment.select()}
    assert rows == {'0000000101': (Decimal('50000.00'), datetime.date(2026, 3, 5), 'bank_transfer'),
                    '0000000102': (Decimal('20000.00'), datetime.date(2026, 3, 18), 'acceptance_bill'),
                    'SKD00000015': (Decimal('30000.00'), datetime.date(2026, 3, 5), 'bank_transfer'),
                    'SKD00000016': (Decimal('5000.00'), datetime.date(2026, 3, 20), 'bank_transfer')}


def test_total_and_footer_rows_are_told_from_data():
    assert is_total(['合计', None, '70,000.00', 70000]) and is_total([None, 'Total', 215000.0])
    assert is_total(['Grand Totals (4 records)'])
    assert not is_total(['Total', 'Paris', '+33 1 2345']) and not is_total(['Total S.A.', 12])
    grid = [['Company'], ['A'], ['Copyright Agency'], [], ['Confidential Information - Do Not Distribute']]
    assert summary_rows(grid, 1) == [4]   # a last company named "Copyright…" before the blank row is data
    assert summary_rows([['Company'], ['A'], ['B']], 1) == []
