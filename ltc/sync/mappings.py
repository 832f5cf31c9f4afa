"""One declarative mapping per entity: key column, columns with EN/ZH headers and aliases, codecs.

No hand-written header lists exist anywhere else: readers match headers through
`Mapping.match`, exports and templates write `Column.header(lang)`.
"""
import re
import unicodedata
from dataclasses import dataclass, field

from ..models import (Contact, Contract, Customer, Lead, Opportunity, Payment, PaymentPlan,
                      Product, ProductCategory, Stage, User)
from ..models import choices as C
from .codecs import Bool, Choice, Date, Number, Reference, Text
from .errors import SyncError

MARKERS = re.compile(r'^[*＊\s]+|[*＊\s]+$|[(（](必填|必须|required|mandatory|选填|optional)[)）]', re.I)
STATUS_HEADERS = ('同步状态', 'sync status', '错误原因', 'error', '导入结果', 'status message')
STATUS_TITLE = {'en': 'Sync status', 'zh': '同步状态'}


def norm(header):
    """Return a header reduced to what identifies it: no markers, case, spaces or underscores."""
    text = unicodedata.normalize('NFKC', str(header or ''))
    previous = None
    while previous != text:
        previous, text = text, MARKERS.sub('', text.strip())
    return re.sub(r'[\s_]+', '', text).lower()


@dataclass
class Column:
    attr: str
    en: str
    zh: str
    codec: object
    aliases: tuple = ()
    required: bool = False
    readonly: bool = False   # exported for reference, never written from a sheet
    width: int = 16

    def header(self, lang='zh'):
        return self.zh if lang.startswith('zh') else self.en

    def names(self):
        return {norm(n) for n in (self.attr, self.en, self.zh) + tuple(self.aliases)}


@dataclass
class Mapping:
    entity: str
    model: type
    columns: list
    natural_key: tuple = ()          # matches a row without code to one existing record
    allow_delete: bool = False       # whether a code vanishing from a sheet may delete the record
    title_en: str = ''
    title_zh: str = ''
    _index: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.by_attr = {c.attr: c for c in self.columns}
        for column in self.columns:
            for name in column.names():
                self._index.setdefault(name, column)

    @property
    def key(self):
        return self.columns[0]

    @property
    def writable(self):
        return [c for c in self.columns[1:] if not c.readonly]

    def column_for(self, header):
        """Return the column a header names, or None."""
        return self._index.get(norm(header))

    def match(self, headers):
        """Return {position: Column} for a header row; the first of repeated headers wins."""
        found, used = {}, set()
        for position, text in enumerate(headers):
            column = self.column_for(text)
            if column is not None and column.attr not in used:
                found[position] = column
                used.add(column.attr)
        return found

    def title(self, lang):
        return self.title_zh if lang.startswith('zh') else self.title_en


def is_status_header(text):
    return norm(text) in {norm(h) for h in STATUS_HEADERS}


def _code(en, zh, *aliases):
    return Column('code', en, zh, Text(64), aliases=('code', '编码', '编号') + aliases, width=12)


USER = dict(model=User, names=('username', 'display_name', 'display_name_en'), show_name=True)


def _owner():
    return Column('owner', 'Owner', '负责人', Reference(**USER),
                  aliases=('owner', 'lead owner', '所属销售', '销售', '归属人', 'sales'))


def _currency():
    return Column('currency', 'Currency', '币种', Choice(C.CURRENCIES, default='CNY'), aliases=('货币',), width=8)


def _phone(attr='phone', en='Phone', zh='电话', *aliases):
    return Column(attr, en, zh, Text(40), aliases=aliases)


LEADS = Mapping('leads', Lead, [
    _code('Lead code', '线索编号', '线索编码'),
    Column('company', 'Company', '公司名称', Text(200), required=True, width=28,
           aliases=('线索名称', '客户名称', '公司', '企业名称', 'company name', 'account')),
    Column('contact_name', 'Contact', '联系人', Text(120), aliases=('姓名', 'contact name', 'name')),
    Column('contact_title', 'Title', '职务', Text(120), aliases=('职位', 'job title')),
    _phone('phone', 'Phone', '电话', '手机号', '手机', '联系电话', 'phone 1', 'mobile', 'tel'),
    Column('email', 'E-mail', '邮箱', Text(200), aliases=('email', 'email 1', '电子邮箱', 'mail')),
    Column('source', 'Source', '来源', Choice(C.SOURCES, default='import'), aliases=('线索来源', 'lead source')),
    Column('industry', 'Industry', '行业', Choice(C.INDUSTRIES), aliases=('客户行业', '所属行业')),
    Column('region_province', 'Province', '省份', Text(40), aliases=('省', 'state', 'region')),
    Column('region_city', 'City', '城市', Text(40), aliases=('市',)),
    Column('company_size', 'Company size', '企业规模', Choice(C.COMPANY_SIZES), aliases=('规模', 'size')),
    Column('budget', 'Budget', '预算', Number(), aliases=('预算金额',)),
    _currency(),
    Column('requirement', 'Requirement', '需求', Text(10000, multiline=True), width=36,
           aliases=('需求描述', '备注', 'notes', 'description')),
    _owner(),
    Column('status', 'Status', '状态', Choice(C.LEAD_STATUSES, default='new'), aliases=('线索状态',)),
    Column('grade', 'Grade', '等级', Choice(C.LEAD_GRADES, default='ungraded'), readonly=True),
    Column('score', 'Score', '评分', Number(0, integer=True), readonly=True, width=8),
], natural_key=('company', 'contact_name', 'phone', 'email'), title_en='Leads', title_zh='线索')

CUSTOMERS = Mapping('customers', Customer, [
    _code('Customer code', '客户编码', '客户编号'),
    Column('name', 'Customer name', '客户名称', Text(200), required=True, width=28,
           aliases=('名称', '公司名称', 'name', 'company')),
    Column('name_en', 'English name', '英文名称', Text(200)),
    Column('kind', 'Kind', '客户类型', Choice(C.CUSTOMER_KINDS, default='enterprise'), aliases=('类型',)),
    Column('parent', 'Parent customer', '上级客户', Reference(Customer), aliases=('集团客户', 'related company', 'parent')),
    Column('industry', 'Industry', '行业', Choice(C.INDUSTRIES), aliases=('所属行业', '客户行业')),
    Column('region_province', 'Province', '省份', Text(40), aliases=('省', 'state')),
    Column('region_city', 'City', '城市', Text(40), aliases=('市',)),
    Column('size', 'Company size', '企业规模', Choice(C.COMPANY_SIZES), aliases=('规模',)),
    Column('level', 'Level', '客户级别', Choice(C.CUSTOMER_LEVELS, default='potential'), aliases=('等级', '级别')),
    Column('source', 'Source', '来源', Choice(C.SOURCES), aliases=('客户来源',)),
    Column('credit_code', 'Credit code', '统一社会信用代码', Text(18), aliases=('税号', 'tax id')),
    _phone('phone', 'Phone', '电话', '联系电话', '手机'),
    Column('email', 'E-mail', '邮箱', Text(200), aliases=('email',)),
    Column('website', 'Website', '网址', Text(200), aliases=('网站', '官网')),
    Column('address', 'Address', '地址', Text(255), aliases=('street', '详细地址')),
    _owner(),
    Column('yearly_category_spend', 'Yearly category spend', '年品类支出', Number()),
    Column('target_share', 'Target share %', '目标份额%', Number(percent=True), aliases=('目标份额', 'target share')),
    _currency(),
    Column('notes', 'Notes', '备注', Text(10000, multiline=True)),
], natural_key=('name',), title_en='Customers', title_zh='客户')

CONTACTS = Mapping('contacts', Contact, [
    _code('Contact code', '联系人编码', '联系人编号'),
    Column('customer', 'Customer', '客户', Reference(Customer), required=True, aliases=('客户编码', 'customer code')),
    Column('name', 'Name', '姓名', Text(120), required=True, aliases=('联系人', '联系人姓名', 'contact')),
    Column('name_en', 'English name', '英文名', Text(120)),
    Column('title', 'Title', '职务', Text(120), aliases=('职位', 'job title')),
    Column('department_name', 'Department', '部门', Text(120)),
    Column('gender', 'Gender', '性别', Choice(C.GENDERS, default='unknown'), width=8),
    _phone('phone', 'Phone', '电话', '座机'),
    _phone('mobile', 'Mobile', '手机', '手机号'),
    Column('email', 'E-mail', '邮箱', Text(200), aliases=('email',)),
    Column('wechat', 'WeChat', '微信', Text(80)),
    Column('is_key_decision_maker', 'Key decision maker', '关键决策人', Bool(), aliases=('决策人',)),
    Column('birthday', 'Birthday', '生日', Date()),
    Column('notes', 'Notes', '备注', Text(10000, multiline=True)),
], natural_key=('customer', 'name'), title_en='Contacts', title_zh='联系人')

OPPORTUNITIES = Mapping('opportunities', Opportunity, [
    _code('Opportunity code', '商机编号', '商机编码'),
    Column('name', 'Opportunity', '商机名称', Text(200), required=True, width=28, aliases=('name', '名称')),
    Column('customer', 'Customer', '客户', Reference(Customer), required=True, aliases=('客户名称', '客户编码')),
    Column('stage', 'Stage', '阶段', Reference(Stage, names=('name', 'name_en'), show_name=True),
           required=True, aliases=('销售阶段', 'deal stage')),
    Column('amount', 'Amount', '预计金额', Number(), aliases=('金额', '商机金额')),
    _currency(),
    Column('expected_close_on', 'Expected close', '预计成交日期', Date(), aliases=('预计签单日期', 'close date')),
    Column('priority', 'Priority', '优先级', Choice(C.PRIORITIES, default='medium')),
    Column('source', 'Source', '来源', Choice(C.SOURCES)),
    Column('competitors', 'Competitors', '竞争对手', Text(255)),
    Column('lost_reason', 'Lost reason', '输单原因', Text(255)),
    _owner(),
], natural_key=('customer', 'name'), title_en='Opportunities', title_zh='商机')

PRODUCTS = Mapping('products', Product, [
    _code('Product code', '产品编码', '产品编号', '物料编码'),
    Column('name', 'Product name', '产品名称', Text(200), required=True, width=24, aliases=('名称', 'product', 'name')),
    Column('name_en', 'English name', '英文名称', Text(200)),
    Column('category', 'Category', '产品类别', Reference(ProductCategory), required=True, aliases=('类别', '分类')),
    Column('specification', 'Specification', '规格型号', Text(200), aliases=('规格', '型号')),
    Column('unit', 'Unit', '单位', Text(20), aliases=('unit of measure', '计量单位')),
    Column('list_price', 'List price', '标准价格', Number(), aliases=('单价', '价格', 'unit price', 'price')),
    _currency(),
    Column('status', 'Status', '状态', Choice(C.PRODUCT_STATUSES, default='active')),
    Column('description', 'Description', '描述', Text(10000, multiline=True), aliases=('说明', '产品描述')),
], natural_key=('name', 'specification'), title_en='Products', title_zh='产品')

CONTRACTS = Mapping('contracts', Contract, [
    _code('Contract number', '合同编号', '合同号', 'contract no', 'contract code'),
    Column('title', 'Contract title', '合同名称', Text(200), required=True, width=28, aliases=('标题', 'title')),
    Column('customer', 'Customer', '客户', Reference(Customer), required=True, aliases=('客户名称', '客户编码')),
    Column('status', 'Status', '合同状态', Choice(C.CONTRACT_STATUSES, default='draft'), aliases=('状态',)),
    Column('customer_signer', 'Customer signer', '客户签约人', Text(120)),
    Column('our_signer', 'Our signer', '我方签约人', Text(120)),
    Column('signed_on', 'Signed on', '签约日期', Date(), aliases=('签订日期',)),
    Column('start_on', 'Start date', '开始日期', Date(), aliases=('生效日期',)),
    Column('end_on', 'End date', '结束日期', Date(), aliases=('到期日期',)),
    Column('amount', 'Amount', '合同金额', Number(), aliases=('金额',)),
    _currency(),
    _owner(),
    Column('notes', 'Notes', '备注', Text(10000, multiline=True)),
], natural_key=('customer', 'title'), title_en='Contracts', title_zh='合同')

PAYMENT_PLANS = Mapping('payment_plans', PaymentPlan, [
    _code('Plan code', '计划编号', '回款计划编号'),
    Column('contract', 'Contract', '合同', Reference(Contract, names=('title',)), required=True,
           aliases=('合同编号', 'contract number')),
    Column('sequence', 'Instalment', '期数', Number(0, integer=True), aliases=('期次', 'sequence'), width=8),
    Column('trigger', 'Trigger', '回款条件', Choice(C.PLAN_TRIGGERS, default='date')),
    Column('due_on', 'Due date', '计划回款日期', Date(), aliases=('计划日期', '到期日')),
    Column('amount', 'Amount', '计划金额', Number(), required=True, aliases=('金额', '计划回款金额')),
    _currency(),
    Column('status', 'Status', '状态', Choice(C.PLAN_STATUSES, default='pending'), readonly=True),
    Column('paid_amount', 'Paid', '已回款金额', Number(), readonly=True),
    _owner(),
], natural_key=('contract', 'sequence'), title_en='Payment plans', title_zh='回款计划')

PAYMENTS = Mapping('payments', Payment, [
    _code('Payment code', '回款编号', '回款单号'),
    Column('contract', 'Contract', '合同', Reference(Contract, names=('title',)), required=True,
           aliases=('合同编号', 'contract number')),
    Column('plan', 'Payment plan', '回款计划', Reference(PaymentPlan, names=()), aliases=('计划编号',)),
    Column('received_on', 'Received on', '回款日期', Date(), required=True, aliases=('到账日期',)),
    Column('amount', 'Amount', '回款金额', Number(), required=True, aliases=('金额',)),
    _currency(),
    Column('method', 'Method', '付款方式', Choice(C.PAYMENT_METHODS, default='bank_transfer'), aliases=('回款方式',)),
    Column('reference', 'Reference', '流水号', Text(120), aliases=('银行流水号', '凭证号')),
], natural_key=('contract', 'received_on', 'amount', 'reference'), title_en='Payments', title_zh='回款')

MAPPINGS = {m.entity: m for m in (LEADS, CUSTOMERS, CONTACTS, OPPORTUNITIES, PRODUCTS, CONTRACTS,
                                  PAYMENT_PLANS, PAYMENTS)}
ALIASES = {'lead': 'leads', 'customer': 'customers', 'contact': 'contacts', 'opportunity': 'opportunities',
           'product': 'products', 'contract': 'contracts', 'payment_plan': 'payment_plans',
           'payment-plans': 'payment_plans', 'plans': 'payment_plans', 'payment': 'payments'}


def get(entity):
    """Return the mapping for ENTITY (plural or singular)."""
    name = ALIASES.get(entity, entity)
    if name not in MAPPINGS:
        raise SyncError(f'Unknown entity {entity!r}; use one of: {", ".join(MAPPINGS)}.',
                        zh=f'未知的数据类型 {entity!r}；请使用以下之一：{", ".join(MAPPINGS)}。')
    return MAPPINGS[name]
