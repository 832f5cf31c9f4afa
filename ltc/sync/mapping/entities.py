"""One declarative mapping per entity: key column, columns with EN/ZH headers and synonyms, codecs.

No hand-written header lists exist anywhere else: readers match headers through
`Mapping.match` / `Mapping.resolve`, exports and templates write `Column.header(lang)`.

A header is matched in this order, per header (cheap: a file has a few dozen):
1. its text without markers (`*`, `(*)`, `(必填)`, `(required)` ...), case, spaces, `_ - . /`
   against the column's names and synonyms (confidence 1.0);
2. the same without notes in parentheses or brackets (`合同名称（支持要素提取）`, `金额(元)`);
3. context rules: a required field the file does not name takes a header of its `fallback`
   names (姓名 / 名称 are the company when the file has no company column);
4. several columns read together (`Join`, `Split`): `First Name` + `Last Name` make a contact's
   name, Pipedrive's `Status` decides its `Stage` when it says Won or Lost, 区域 `江苏省,南京市`
   fills province and city; each only where no column names the field itself;
5. fuzzy: rapidfuzz's ratio against every name of the fields not matched yet (never the
   code column: a wrong code is a wrong record); a strong
   match (>= FUZZY_STRONG) is used and shown with its confidence, a weak one (>= FUZZY_WEAK)
   or one scoring alike for two fields is not used but named in the plan.
"""
import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from ...db import database
from ...models import (Contact, Contract, CustomField, Customer, FollowUp, Invoice, Lead, Opportunity, Payment,
                       PaymentPlan, Product, ProductCategory, Quote, Stage, User)
from ...models.custom import CUSTOM_ENTITIES
from ...models import choices as C
from ..errors import SyncError
from . import combined
from .codecs import Bool, Choice, Date, DateTime, Headcount, Number, Reference, Text, custom_codec
from .combined import Join, Split, join_name, split_region, stage_or_outcome

MARKERS = re.compile(r'^[*＊\s]+|[*＊\s]+$|[(（]\s*(必填|必须|必填项|required|mandatory|选填|optional|[*＊])\s*[)）]'
                     r'|[:：]$', re.I)
NOTES = re.compile(r'[(\[【][^()\[\]【】]*[)\]】]')
SEPARATORS = re.compile(r'[\s_\-./]+')
STATUS_HEADERS = ('同步状态', 'sync status', '错误原因', 'error', '导入结果', 'status message')
STATUS_TITLE = {'en': 'Sync status', 'zh': '同步状态'}
FUZZY_STRONG, FUZZY_WEAK, FUZZY_TIE = 90, 72, 5
CUSTOM = 'custom:'   # the attr prefix of custom field columns: custom:<key>


def norm(header):
    """Return a header reduced to what identifies it: no markers, case, spaces or separators."""
    text = unicodedata.normalize('NFKC', str(header or ''))
    previous = None
    while previous != text:
        previous, text = text, MARKERS.sub('', text.strip())
    return SEPARATORS.sub('', text).lower()


def bare(header):
    """Return norm(HEADER) without notes in parentheses or brackets: 合同名称（支持要素提取） -> 合同名称."""
    text = unicodedata.normalize('NFKC', str(header or ''))
    previous = None
    while previous != text:
        previous, text = text, NOTES.sub('', text)
    return norm(text)


@dataclass
class HeaderMatch:
    """How one header of a file was matched: the column, how, how sure, and what else it could be."""
    position: int
    header: str
    column: object = None          # the Column used, or None (not imported)
    how: str = 'unknown'           # exact | note | context | fuzzy | weak | ambiguous | override | unknown | status
                                   # | repeat | joined | split
    confidence: float = 0.0        # 1.0 for names and synonyms; rapidfuzz ratio / 100 otherwise
    candidates: tuple = ()         # ((Column, confidence), ...) for weak and ambiguous headers
    rule: object = None            # joined | split: the Join or Split that reads this column with others
    part: str = ''                 # joined: which part of the field this column holds ('given', 'family' ...)
    fills: tuple = ()              # split: the Columns its parts fill, in order

    @property
    def combined(self):
        """Return whether this column is read together with others (joined into one field, or split into several)."""
        return self.how in ('joined', 'split')

    @property
    def doubtful(self):
        """Return whether a person should look at this header (fuzzy, weak or ambiguous)."""
        return self.how in ('fuzzy', 'weak', 'ambiguous')

@dataclass
class Column:
    attr: str
    en: str
    zh: str
    codec: object
    aliases: tuple = ()      # synonyms: other systems' spellings, Chinese and English
    required: bool = False
    readonly: bool = False   # exported for reference, never written from a sheet
    width: int = 16
    fallback: tuple = ()     # names this column takes only when the file names it by nothing else
    blank_keeps: bool = False   # a blank cell keeps the stored value (a reason the closing command wrote)

    @property
    def custom_key(self):
        """Return the key of the custom field this column holds (`custom:<key>`), or None for a built-in field."""
        return self.attr[len(CUSTOM):] if self.attr.startswith(CUSTOM) else None

    def field(self, model):
        """Return the model field this column reads (a custom field's values are in `custom`)."""
        return model.custom if self.custom_key else getattr(model, self.attr)

    def header(self, lang='zh'):
        return self.zh if lang.startswith('zh') else self.en

    def names(self):
        return {norm(n) for n in (self.attr, self.en, self.zh) + tuple(self.aliases)}

    def label(self, lang='zh'):
        """Return how a plan names this field: `company (公司名称)` / `company (Company)`."""
        return f'{self.attr} ({self.header(lang)})'


@dataclass
class Mapping:
    entity: str
    model: type
    columns: list
    natural_key: tuple = ()          # matches a row without code to one existing record
    allow_delete: bool = False       # whether a code vanishing from a sheet may delete the record
    title_en: str = ''
    title_zh: str = ''
    joins: tuple = ()                # Joins: columns that make one field together (First Name + Last Name)
    splits: tuple = ()               # Splits: a column that fills several fields (区域 -> province, city)
    _index: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.by_attr = {c.attr: c for c in self.columns}
        for column in self.columns:
            for name in column.names():
                self._index.setdefault(name, column)
        self._fallbacks = [(c, {norm(n) for n in c.fallback}) for c in self.columns if c.fallback]
        self.join_names = [(j, [(part, None if part == j.own else {norm(n) for n in names}) for part, names in j.parts])
                           for j in self.joins]
        self.split_names = [(s, {norm(n) for n in s.names}) for s in self.splits]
        self.by_split = {s.key: s for s in self.splits}
        self.by_join = {j.attr: j for j in self.joins}
        # The code column is never guessed: a wrong code is a wrong record.
        self._fuzzy = [(name, c) for c in self.columns[1:] if not c.readonly for name in sorted(c.names()) if name]

    @property
    def key(self):
        return self.columns[0]

    @property
    def writable(self):
        return [c for c in self.columns[1:] if not c.readonly]

    def column_for(self, header):
        """Return the column a header names (by name or synonym, notes aside), or None."""
        return self._index.get(norm(header)) or self._index.get(bare(header))

    def match(self, headers, fuzzy=False):
        """Return {position: Column} for a header row; the first of repeated headers wins."""
        return {m.position: m.column for m in self.resolve(headers, fuzzy=fuzzy) if m.column is not None}

    def part_of(self, attr, header):
        """Return the part of ATTR's join that HEADER names (`First Name` -> 'given'), or None."""
        join = self.by_join.get(attr)
        if join is None:
            return None
        key, plain = norm(header), bare(header)
        for part, names in dict(self.join_names)[join]:
            if names is None:
                if self.column_for(header) is self.by_attr[attr]:
                    return part
            elif key in names or plain in names:
                return part
        return None

    def resolve(self, headers, fuzzy=True, combine=True):
        """Return a HeaderMatch per header: names and synonyms, context rules, columns read together
        (COMBINE; a two-way sync reads each column alone), then fuzzy matching."""
        keys = [(norm(h), bare(h)) for h in headers]
        found = [HeaderMatch(i, h) for i, h in enumerate(headers)]
        used = {}
        own = OWN_PREFIX.get(self.entity)
        for match, (name, plain) in zip(found, keys):
            column, how = self._index.get(name), 'exact'
            if column is None and plain and plain != name:
                column, how = self._index.get(plain), 'note'
            if column is None and own is not None:   # Pipedrive's `Deal - Title`: the entity's own prefix
                prefixed = own.fullmatch(unicodedata.normalize('NFKC', str(match.header or '')).strip())
                if prefixed:
                    column, how = self.column_for(prefixed.group(1)), 'exact'
            if column is None:
                continue
            if column.attr in used:   # a second column for the same field: named, not imported
                match.how, match.candidates = 'repeat', ((column, 1.0),)
                continue
            match.column, match.how, match.confidence = column, how, 1.0
            used[column.attr] = match
        for column, names in self._fallbacks:   # 姓名 is the company when nothing else is
            if column.attr in used:
                continue
            match = next((m for m, (n, b) in zip(found, keys) if n in names or b in names), None)
            if match is not None:
                if match.column is not None:
                    del used[match.column.attr]
                match.column, match.how, match.confidence = column, 'context', 1.0
                used[column.attr] = match
        if combine:
            combined.resolve(self, found, keys, used)
        if fuzzy:
            for match, (_name, plain) in zip(found, keys):
                if match.column is None and match.how == 'unknown' and len(plain) > 1:
                    self._fuzzy_match(match, plain, used)
        return found

    def _fuzzy_match(self, match, plain, used):
        choices = [(name, c) for name, c in self._fuzzy if c.attr not in used]
        best = {}
        for _text, score, index in process.extract(plain, [n for n, _ in choices], scorer=fuzz.ratio,
                                                   score_cutoff=FUZZY_WEAK, limit=12):
            column = choices[index][1]
            if score > best.get(column.attr, (0, None))[0]:
                best[column.attr] = (score, column)
        ranked = sorted(best.values(), key=lambda pair: -pair[0])
        if not ranked:
            return
        match.candidates = tuple((column, round(score / 100, 2)) for score, column in ranked[:3])
        top = ranked[0][0]
        match.confidence = round(top / 100, 2)
        if len(ranked) > 1 and top - ranked[1][0] < FUZZY_TIE:
            match.how = 'ambiguous'
        elif top >= FUZZY_STRONG:
            match.column, match.how = ranked[0][1], 'fuzzy'
            used[match.column.attr] = match
        else:
            match.how = 'weak'

    def title(self, lang):
        return self.title_zh if lang.startswith('zh') else self.title_en


# A header prefixed by the entity it belongs to, as Pipedrive exports them (`Deal - Title`,
# `Organization - Name`, `Person - Email`): read without the prefix when it is the mapping's own entity.
_PREFIX = r'\s*(?:-|:|：|\.)\s*(.+)'
OWN_PREFIX = {entity: re.compile(f'(?i)(?:{words}){_PREFIX}') for entity, words in {
    'leads': 'lead', 'customers': 'organization|organisation|account|company', 'contacts': 'person|contact',
    'opportunities': 'deal|opportunity', 'products': 'product|item', 'contracts': 'contract',
    'payments': 'payment', 'followups': 'activity|follow-up|followup', 'quotes': 'quote',
    'invoices': 'invoice'}.items()}


def is_status_header(text):
    return norm(text) in {norm(h) for h in STATUS_HEADERS}


def _code(en, zh, *aliases):
    return Column('code', en, zh, Text(64), aliases=('code', '编码', '编号') + aliases, width=12)


USER = dict(model=User, names=('username', 'display_name', 'display_name_en'), show_name=True)
STAGE_NAMES = {'prospecting': 'Validate', 'qualification': 'Validate', 'qualify': 'Validate',
               'engaging': 'Analyse', 'needs analysis': 'Analyse', 'discovery': 'Analyse', 'analysis': 'Analyse',
               'proposal': 'Propose', 'price quote': 'Propose', 'proposal/price quote': 'Propose', 'quote': 'Propose',
               'negotiation': 'Negotiate', 'negotiation/review': 'Negotiate', 'review': 'Negotiate',
               'closed won': 'Won', 'win': 'Won', 'closed lost': 'Lost', 'lose': 'Lost',
               '初步接触': 'Validate', '初步沟通': 'Validate', '验证': 'Validate', '意向': 'Validate',
               '需求确认': 'Analyse', '需求调研': 'Analyse', '方案制定': 'Propose', '报价': 'Propose',
               '方案报价': 'Propose', '商务谈判': 'Negotiate', '谈判': 'Negotiate', '合同签订': 'Negotiate',
               '成交': 'Won', '已成交': 'Won', '赢单': 'Won', '签约成功': 'Won', '丢单': 'Lost', '输单': 'Lost',
               '失败': 'Lost', '已流失': 'Lost',
               # Salesforce's default path, HubSpot's default pipeline (labels and internal names),
               # Pipedrive's and Odoo's default stages, Chinese CRMs' (纷享销客, 销售易, 悟空CRM) defaults.
               'value proposition': 'Analyse', 'id. decision makers': 'Analyse', 'id decision makers': 'Analyse',
               'perception analysis': 'Analyse',
               'appointment scheduled': 'Validate', 'appointmentscheduled': 'Validate',
               'qualified to buy': 'Validate', 'qualifiedtobuy': 'Validate',
               'presentation scheduled': 'Analyse', 'presentationscheduled': 'Analyse',
               'decision maker bought-in': 'Propose', 'decision maker bought in': 'Propose',
               'decisionmakerboughtin': 'Propose', 'contract sent': 'Negotiate', 'contractsent': 'Negotiate',
               'closedwon': 'Won', 'closedlost': 'Lost', 'won': 'Won', 'lost': 'Lost',
               'lead in': 'Validate', 'contact made': 'Validate', 'qualified': 'Validate', 'new': 'Validate',
               'demo scheduled': 'Analyse', 'needs defined': 'Analyse', 'proposal made': 'Propose',
               'proposition': 'Propose', 'negotiations started': 'Negotiate', 'negotiating': 'Negotiate',
               '验证客户': 'Validate', '初步接洽': 'Validate', '需求确定': 'Analyse', '需求分析': 'Analyse',
               '方案/报价': 'Propose', '方案报价阶段': 'Propose', '谈判审核': 'Negotiate', '商务洽谈': 'Negotiate',
               '签约': 'Negotiate', '赢单关闭': 'Won', '输单关闭': 'Lost'}
# The names of a won or lost outcome (a deal's `Status`: Pipedrive's Won / Lost), as compared by the join.
CLOSED_STAGES = tuple(k for k, v in STAGE_NAMES.items() if v in ('Won', 'Lost')) + ('won', 'lost', '赢单', '输单')
OWNER_NAMES = ('owner', 'lead owner', 'account owner', 'deal owner', '所属销售', '销售', '归属人', 'sales',
               '销售人员', '销售代表', '业务员', '跟进人', '负责销售', '客户经理', 'sales rep', 'sales agent',
               'salesperson', 'assigned to', 'opportunity owner', 'contact owner', 'company owner', 'record owner',
               'owner name', 'owner full name', '所有人', '负责人姓名', '销售负责人', '归属销售', '责任人')
CUSTOMER_REF = ('客户名称', '客户编码', '客户编号', '客户姓名', 'customer name', 'customer code', 'customer id',
                'account', 'account name', '所属客户', 'associated company', 'company', 'company name',
                'organization', 'organisation', 'organization name', 'deal organization',
                'company / account', '关联客户', '客户全称')


def _owner():
    return Column('owner', 'Owner', '负责人', Reference(**USER), aliases=OWNER_NAMES)


def _currency():
    return Column('currency', 'Currency', '币种', Choice(C.CURRENCIES, default='CNY'),
                  aliases=('货币', '币别', 'currency code', 'currency of value', 'currency iso code', '结算币别'), width=8)


def _phone(attr='phone', en='Phone', zh='电话', *aliases):
    return Column(attr, en, zh, Text(40), aliases=aliases)


PHONE_NAMES = ('联系电话', '电话号码', 'telephone', 'tel', 'phone number', 'contact number', '联系方式')
LANDLINE_NAMES = ('座机', '座机号', '座机号码', '固话', '固定电话', '办公电话', '公司电话', 'landline', 'office phone',
                  'work phone', 'business phone')
MOBILE_NAMES = ('手机号', '手机', '手机号码', '移动电话', 'mobile', 'mobile no', 'mobile number', 'mobile phone', 'cell',
                'cellphone', 'cell phone', 'mobile phone number', 'mobilephone', '联系手机', '手机号1')
EMAIL_NAMES = ('email', 'email id', 'email address', '电子邮箱', '电子邮件', '邮件', '邮箱地址', 'mail')
SIZE_NAMES = ('规模', 'size', '人员规模', '员工人数', 'employees', 'no of employees', 'no. of employees',
              'number of employees', 'employee count', 'headcount', '公司规模', '员工规模', '人数')
NOTES_NAMES = ('notes', 'note', 'remark', 'remarks', '备注信息', '备注说明', 'comment', 'comments')
WECHAT_NAMES = ('微信号', '微信账号', 'weixin', 'wechat id', 'wx')
WEBSITE_NAMES = ('网站', '官网', '公司网址', '公司官网', '网站地址', 'web', 'web site', 'url', 'homepage')
ADDRESS_NAMES = ('street', '详细地址', '公司地址', '办公地址', '通讯地址', '联系地址', '注册地址', '所在地址',
                 'street address', 'address 1', 'mailing address')
NEXT_CONTACT_NAMES = ('下次联系', '下次联系时间', '下次联系日期', '下次跟进', '下次跟进时间', '下次跟进日期',
                      '计划联系日期', 'next contact', 'next contact date', 'next follow up', 'next follow up date',
                      'next followup', 'follow up date', 'next activity date')


def _contact_columns(*attrs):
    """Return the columns for how to reach someone, in this order: mobile, wechat, website, address, next contact."""
    made = {
        'mobile': lambda: _phone('mobile', 'Mobile', '手机', *MOBILE_NAMES),
        'wechat': lambda: Column('wechat', 'WeChat', '微信', Text(80), aliases=WECHAT_NAMES),
        'website': lambda: Column('website', 'Website', '网址', Text(200), aliases=WEBSITE_NAMES),
        'address': lambda: Column('address', 'Address', '地址', Text(255), width=28, aliases=ADDRESS_NAMES),
        'next_contact_on': lambda: Column('next_contact_on', 'Next contact', '下次联系日期', Date(),
                                          aliases=NEXT_CONTACT_NAMES),
    }
    return [made[a]() for a in attrs]

# A person's name in parts (Salesforce, HubSpot, Zoho: First Name / Last Name; 姓 / 名), joined into one field.
NAME_PARTS = (('given', ('first name', 'given name', 'forename', '名', '名字')),
              ('middle', ('middle name', '中间名')),
              ('family', ('last name', 'surname', 'family name', '姓', '姓氏')))


def _name_join(attr):
    return Join(attr, NAME_PARTS, join_name, alone=('given', 'family'),
                en='joined into one name: given name first ("Wei Zhang"); in Chinese characters family name '
                   'first, no space ("王磊")',
                zh='合并为一个姓名：英文名在前、姓在后（“Wei Zhang”）；汉字姓名姓在前、不加空格（“王磊”）')


# 悟空CRM's 区域 `江苏省,南京市,玄武区` (also `江苏省/南京市/玄武区`, `江苏省 南京市`): province, then city.
REGION = Split('region', ('区域', '地区', '所在地区', '所在区域', '所属区域', '所属地区', '省市区', '省市', '省市县', '省份城市',
                          'region'),
               ('region_province', 'region_city'), split_region,
               en='split at , / 、 (or spaces between Chinese names) into province and city; a district after '
                  'them is not kept (no such field)',
               zh='按 , / 、（或中文地名之间的空格）拆分为省份和城市；其后的区县不导入（没有该字段）')

LEADS = Mapping('leads', Lead, [
    _code('Lead code', '线索编号', '线索编码', 'lead id', 'lead no', '线索id'),
    Column('company', 'Company', '公司名称', Text(200), required=True, width=28,
           aliases=('线索名称', '客户名称', '公司', '企业名称', 'company name', 'account', 'account name',
                    'organization', 'organisation', 'organization name', '单位名称', '客户单位', '公司全称',
                    'company / account', 'lead company'),
           fallback=('姓名', '名称', 'name', '客户姓名', 'full name')),
    Column('contact_name', 'Contact', '联系人', Text(120),
           aliases=('姓名', 'contact name', 'name', '联系人姓名', '客户姓名', 'full name', 'person name')),
    Column('contact_title', 'Title', '职务', Text(120), aliases=('职位', 'job title', 'position', 'designation')),
    _phone('phone', 'Phone', '电话', 'phone 1', *LANDLINE_NAMES, *PHONE_NAMES),
    *_contact_columns('mobile'),
    Column('email', 'E-mail', '邮箱', Text(200), aliases=('email 1',) + EMAIL_NAMES),
    *_contact_columns('wechat', 'website', 'address'),
    Column('source', 'Source', '来源', Choice(C.SOURCES, default='import'),
           aliases=('线索来源', 'lead source', '渠道', '来源渠道', 'channel', 'original source', '获客渠道')),
    Column('industry', 'Industry', '行业', Choice(C.INDUSTRIES),
           aliases=('客户行业', '所属行业', 'sector', '行业类型')),
    Column('region_province', 'Province', '省份', Text(40),
           aliases=('省', 'state', 'province', '所在省份', 'state/province', 'state/region', '省/直辖市')),
    Column('region_city', 'City', '城市', Text(40), aliases=('市', '所在城市')),
    Column('company_size', 'Company size', '企业规模', Headcount(C.COMPANY_SIZES), aliases=SIZE_NAMES),
    Column('budget', 'Budget', '预算', Number(), aliases=('预算金额',)),
    _currency(),
    Column('requirement', 'Requirement', '需求', Text(10000, multiline=True), width=36,
           aliases=('需求描述', '需求说明', '客户需求', 'description', '线索详情', '线索描述', '需求详情')),
    Column('notes', 'Notes', '备注', Text(10000, multiline=True), width=28, aliases=NOTES_NAMES),
    *_contact_columns('next_contact_on'),
    _owner(),
    Column('status', 'Status', '状态', Choice(C.LEAD_STATUSES, default='new'), aliases=('线索状态', 'lead status')),
    # Read with a disqualified status: the reason the Disqualify action records (a lead arriving disqualified
    # without one is disqualified with a reason naming the import, see ltc/sync/writes/closing.py).
    Column('disqualify_reason', 'Disqualify reason', '作废原因', Text(255), blank_keeps=True,
           aliases=('无效原因', '关闭原因', '失效原因', '放弃原因', 'disqualified reason', 'disqualification reason',
                    'reason disqualified', 'unqualified reason', 'reason for disqualification')),
    Column('grade', 'Grade', '等级', Choice(C.LEAD_GRADES, default='ungraded'), readonly=True),
    Column('score', 'Score', '评分', Number(0, integer=True), readonly=True, width=8),
], natural_key=('company', 'contact_name', 'phone', 'email'), title_en='Leads', title_zh='线索',
    joins=(_name_join('contact_name'),), splits=(REGION,))

CUSTOMERS = Mapping('customers', Customer, [
    _code('Customer code', '客户编码', '客户编号', 'customer id', 'customer no', '客户代码'),
    Column('name', 'Customer name', '客户名称', Text(200), required=True, width=28,
           aliases=('名称', '公司名称', 'name', 'company', 'account', 'account name', '客户姓名', 'company name',
                    '企业名称', '单位名称', '公司', '客户', 'organization', 'organisation'),
           fallback=('姓名', 'full name')),
    Column('name_en', 'English name', '英文名称', Text(200), aliases=('英文名',)),
    Column('kind', 'Kind', '客户类型', Choice(C.CUSTOMER_KINDS, default='enterprise'),
           aliases=('类型', 'customer type')),
    Column('parent', 'Parent customer', '上级客户', Reference(Customer),
           aliases=('集团客户', 'related company', 'parent', '母公司', '上级单位', '所属集团')),
    Column('industry', 'Industry', '行业', Choice(C.INDUSTRIES),
           aliases=('所属行业', '客户行业', 'sector', '行业类型')),
    Column('region_province', 'Province', '省份', Text(40),
           aliases=('省', 'state', 'province', '所在省份', 'state/province', 'state/region', '省/直辖市')),
    Column('region_city', 'City', '城市', Text(40), aliases=('市', '所在城市')),
    Column('size', 'Company size', '企业规模', Headcount(C.COMPANY_SIZES), aliases=SIZE_NAMES),
    Column('level', 'Level', '客户级别', Choice(C.CUSTOMER_LEVELS, default='potential'),
           aliases=('等级', '级别', '客户等级', '客户分级', 'customer level', 'rating')),
    Column('source', 'Source', '来源', Choice(C.SOURCES), aliases=('客户来源', 'lead source', '渠道', 'original source')),
    Column('credit_code', 'Credit code', '统一社会信用代码', Text(18),
           aliases=('税号', 'tax id', '纳税人识别号', '信用代码', 'tax number', 'vat')),
    _phone('phone', 'Phone', '电话', *LANDLINE_NAMES, *PHONE_NAMES),
    *_contact_columns('mobile'),
    Column('email', 'E-mail', '邮箱', Text(200), aliases=EMAIL_NAMES),
    *_contact_columns('wechat', 'website', 'address', 'next_contact_on'),
    _owner(),
    Column('yearly_category_spend', 'Yearly category spend', '年品类支出', Number()),
    Column('target_share', 'Target share %', '目标份额%', Number(percent=True), aliases=('目标份额', 'target share')),
    _currency(),
    Column('notes', 'Notes', '备注', Text(10000, multiline=True), aliases=NOTES_NAMES + ('description', '说明')),
], natural_key=('name',), title_en='Customers', title_zh='客户', splits=(REGION,))

CONTACTS = Mapping('contacts', Contact, [
    _code('Contact code', '联系人编码', '联系人编号', 'contact id'),
    Column('customer', 'Customer', '客户', Reference(Customer), required=True, aliases=CUSTOMER_REF + ('单位',)),
    Column('name', 'Name', '姓名', Text(120), required=True,
           aliases=('联系人', '联系人姓名', 'contact', 'contact name', 'full name')),
    Column('name_en', 'English name', '英文名', Text(120)),
    Column('title', 'Title', '职务', Text(120), aliases=('职位', 'job title', 'position', 'designation')),
    Column('department_name', 'Department', '部门', Text(120), aliases=('所属部门',)),
    Column('gender', 'Gender', '性别', Choice(C.GENDERS, default='unknown'), aliases=('sex',), width=8),
    _phone('phone', 'Phone', '电话', *LANDLINE_NAMES, *PHONE_NAMES),
    *_contact_columns('mobile'),
    Column('email', 'E-mail', '邮箱', Text(200), aliases=EMAIL_NAMES),
    *_contact_columns('wechat', 'website', 'address'),
    Column('is_key_decision_maker', 'Key decision maker', '关键决策人', Bool(), aliases=('决策人', 'decision maker')),
    Column('birthday', 'Birthday', '生日', Date(), aliases=('出生日期', 'date of birth', 'dob')),
    *_contact_columns('next_contact_on'),
    Column('notes', 'Notes', '备注', Text(10000, multiline=True), aliases=NOTES_NAMES),
], natural_key=('customer', 'name'), title_en='Contacts', title_zh='联系人', joins=(_name_join('name'),))

OPPORTUNITIES = Mapping('opportunities', Opportunity, [
    _code('Opportunity code', '商机编号', '商机编码', 'opportunity id', 'deal id'),
    Column('name', 'Opportunity', '商机名称', Text(200), required=True, width=28,
           aliases=('name', '名称', 'opportunity name', 'deal name', 'deal', '项目名称', '机会名称', 'deal title',
                    'title', 'opportunity', '商机标题', '销售机会', '销售机会名称')),
    Column('customer', 'Customer', '客户', Reference(Customer), required=True, aliases=CUSTOMER_REF),
    Column('stage', 'Stage', '阶段', Reference(Stage, names=('name', 'name_en'), show_name=True, synonyms=STAGE_NAMES,
                                              name_en='name_en'),
           required=True, aliases=('销售阶段', 'deal stage', '商机阶段', 'sales stage', 'stage name', 'pipeline stage')),
    Column('amount', 'Amount', '预计金额', Number(),
           aliases=('金额', '商机金额', 'close value', 'deal value', 'expected amount', '预计成交金额', 'value',
                    'expected revenue', 'deal amount', 'opportunity amount', '预计销售金额', '商机总金额', '销售金额')),
    _currency(),
    Column('expected_close_on', 'Expected close', '预计成交日期', Date(),
           aliases=('预计签单日期', 'close date', 'expected close date', '预计结单日期', 'expected closing',
                    'expected close', 'closing date', 'estimated close date', '预计成交时间', '预计结单时间')),
    Column('priority', 'Priority', '优先级', Choice(C.PRIORITIES, default='medium')),
    Column('source', 'Source', '来源', Choice(C.SOURCES), aliases=('商机来源', 'lead source')),
    Column('competitors', 'Competitors', '竞争对手', Text(255), aliases=('competitor',)),
    Column('lost_reason', 'Lost reason', '输单原因', Text(255), blank_keeps=True,
           aliases=('丢单原因', 'lost reason', 'loss reason', 'closed lost reason', '失败原因')),
    _owner(),
], natural_key=('customer', 'name'), title_en='Opportunities', title_zh='商机',
    joins=(Join('stage', (('stage', ()), ('status', ('status', 'deal status', 'opportunity status', '商机状态',
                                                       '赢单状态', 'won/lost'))),
                stage_or_outcome(CLOSED_STAGES), own='stage',
                en='Won or Lost in the status column is the stage; any other status keeps the stage column',
                zh='状态列为赢单或输单时即为阶段；其他状态取阶段列'),))

PRODUCTS = Mapping('products', Product, [
    _code('Product code', '产品编码', '产品编号', '物料编码', 'sku', 'item code', '商品编码', '料号'),
    Column('name', 'Product name', '产品名称', Text(200), required=True, width=24,
           aliases=('名称', 'product', 'name', 'item name', '商品名称', '产品')),
    Column('name_en', 'English name', '英文名称', Text(200)),
    Column('category', 'Category', '产品类别', Reference(ProductCategory), required=True,
           aliases=('类别', '分类', '产品分类', 'product category')),
    Column('specification', 'Specification', '规格型号', Text(200), aliases=('规格', '型号')),
    Column('unit', 'Unit', '单位', Text(20), aliases=('unit of measure', '计量单位', 'uom')),
    Column('list_price', 'List price', '标准价格', Number(),
           aliases=('单价', '价格', 'unit price', 'price', 'sales price', '售价', '销售价')),
    _currency(),
    Column('status', 'Status', '状态', Choice(C.PRODUCT_STATUSES, default='active')),
    Column('description', 'Description', '描述', Text(10000, multiline=True), aliases=('说明', '产品描述')),
], natural_key=('name', 'specification'), title_en='Products', title_zh='产品')

CONTRACT_REF = ('合同编号', 'contract number', '合同号', '合同编码', 'contract no', 'contract code', '销售合同号',
                '合同单号', '关联合同')

CONTRACTS = Mapping('contracts', Contract, [
    _code('Contract number', '合同编号', '合同号', '合同编码', 'contract no', 'contract code', 'contract id',
          '合同代码'),
    Column('title', 'Contract title', '合同名称', Text(200), required=True, width=28,
           aliases=('标题', 'title', 'contract name', '合同标题', 'subject')),
    Column('customer', 'Customer', '客户', Reference(Customer), required=True,
           aliases=CUSTOMER_REF + ('甲方', '甲方名称', '签约单位', '签约客户', '对方单位', '合同相对方', 'counterparty')),
    Column('status', 'Status', '合同状态', Choice(C.CONTRACT_STATUSES, default='draft'),
           aliases=('状态', 'contract status')),
    Column('customer_signer', 'Customer signer', '客户签约人', Text(120), aliases=('甲方签约人', '对方签约人')),
    Column('our_signer', 'Our signer', '我方签约人', Text(120), aliases=('乙方签约人',)),
    Column('signed_on', 'Signed on', '签约日期', Date(),
           aliases=('签订日期', '签订时间', '签约时间', '签署日期', 'signing date', 'sign date', 'date signed')),
    Column('start_on', 'Start date', '开始日期', Date(),
           aliases=('生效日期', '合同开始日期', '起始日期', 'effective date')),
    Column('end_on', 'End date', '结束日期', Date(),
           aliases=('到期日期', '合同结束日期', '终止日期', '截止日期', 'expiry date')),
    Column('amount', 'Amount', '合同金额', Number(),
           aliases=('金额', '合同总额', '合同总金额', '总金额', '合同价款', 'contract amount', 'total amount',
                    'contract value')),
    _currency(),
    _owner(),
    Column('notes', 'Notes', '备注', Text(10000, multiline=True), aliases=NOTES_NAMES),
], natural_key=('customer', 'title'), title_en='Contracts', title_zh='合同')

PAYMENT_PLANS = Mapping('payment_plans', PaymentPlan, [
    _code('Plan code', '计划编号', '回款计划编号'),
    Column('contract', 'Contract', '合同', Reference(Contract, names=('title',)), required=True, aliases=CONTRACT_REF),
    Column('sequence', 'Instalment', '期数', Number(0, integer=True),
           aliases=('期次', 'sequence', 'installment'), width=8),
    Column('trigger', 'Trigger', '回款条件', Choice(C.PLAN_TRIGGERS, default='date')),
    Column('due_on', 'Due date', '计划回款日期', Date(),
           aliases=('计划日期', '到期日', '应收日期', '计划收款日期')),
    Column('amount', 'Amount', '计划金额', Number(), required=True,
           aliases=('金额', '计划回款金额', '应收金额', '计划收款金额')),
    _currency(),
    Column('status', 'Status', '状态', Choice(C.PLAN_STATUSES, default='pending'), readonly=True),
    Column('paid_amount', 'Paid', '已回款金额', Number(), readonly=True),
    _owner(),
], natural_key=('contract', 'sequence'), title_en='Payment plans', title_zh='回款计划')

PAYMENTS = Mapping('payments', Payment, [
    _code('Payment code', '回款编号', '回款单号', '收款单号', '收款编号'),
    Column('contract', 'Contract', '合同', Reference(Contract, names=('title',)), required=True, aliases=CONTRACT_REF),
    Column('plan', 'Payment plan', '回款计划', Reference(PaymentPlan, names=()), aliases=('计划编号',)),
    Column('received_on', 'Received on', '回款日期', Date(), required=True,
           aliases=('到账日期', '收款日期', '到款日期', 'payment date', '单据日期', '业务日期', '收款时间',
                    '到账时间', 'date received', 'received date')),
    Column('amount', 'Amount', '回款金额', Number(), required=True,
           aliases=('金额', '收款金额', '到账金额', '实收金额', '本币金额', '收款金额本位币', 'amount received',
                    'payment amount')),
    _currency(),
    Column('method', 'Method', '付款方式', Choice(C.PAYMENT_METHODS, default='bank_transfer'),
           aliases=('回款方式', '收款方式', 'payment method', '结算方式', '付款方式名称', 'payment type')),
    Column('reference', 'Reference', '流水号', Text(120),
           # An ERP receipt's own number (用友/金蝶 收款单 单据编号) is its reference: with the contract, date and
           # amount it finds the payment again when the ledger is imported a second time.
           aliases=('银行流水号', '凭证号', '收款凭证号', '回款凭证号', '交易流水号', 'transaction id', 'voucher no',
                    '单据编号', '单据号', '收款单编号', '票据号', 'document no', 'receipt no')),
], natural_key=('contract', 'received_on', 'amount', 'reference'), title_en='Payments', title_zh='回款')

# Finance's invoice ledger (发票台账). A new row is requested on its plan through invoices.request_invoice
# (never more than the plan), then issued, sent or reversed as its status says; on an existing
# invoice only the status moves (with the number and date it is issued with, the reason it is
# reversed for): amounts, type and rate are fixed once requested — a wrong invoice is reversed.
INVOICES = Mapping('invoices', Invoice, [
    _code('Invoice code', '发票编号', '发票编码', '开票申请号', 'invoice code', 'invoice id'),
    Column('plan', 'Payment plan', '回款计划', Reference(PaymentPlan, names=()), required=True,
           aliases=('计划编号', '回款计划编号', 'plan', 'plan code', 'payment plan code')),
    Column('contract', 'Contract', '合同', Reference(Contract, names=('title',)), readonly=True, aliases=CONTRACT_REF),
    Column('customer', 'Customer', '客户', Reference(Customer), readonly=True, aliases=CUSTOMER_REF),
    Column('kind', 'Invoice type', '发票类型', Choice(C.INVOICE_KINDS, default='vat_special'),
           aliases=('发票种类', '票种', 'type', 'kind', 'invoice kind'), width=14),
    Column('status', 'Invoice status', '发票状态', Choice(C.INVOICE_STATUSES, default='requested'),
           aliases=('状态', '开票状态', 'status'), width=10),
    Column('number', 'Invoice number', '发票号码', Text(40),
           aliases=('发票号', '票号', 'invoice no', 'invoice number', 'number'), width=14),
    Column('issued_on', 'Issue date', '开票日期', Date(), aliases=('开具日期', 'issued on', 'invoice date')),
    Column('amount', 'Amount with tax', '价税合计', Number(),
           aliases=('开票金额', '含税金额', '金额(含税)', 'amount', 'gross amount', 'total')),
    Column('tax_rate', 'Tax rate %', '税率', Number(percent=True), aliases=('税率%', 'tax rate', 'vat rate'), width=8),
    Column('net_amount', 'Amount without tax', '不含税金额', Number(), readonly=True,
           aliases=('金额', '金额(不含税)', 'net amount')),
    Column('tax_amount', 'Tax', '税额', Number(), readonly=True, aliases=('tax amount', 'vat')),
    Column('currency', 'Currency', '币种', Choice(C.CURRENCIES, default='CNY'), readonly=True,
           aliases=('货币', '币别', 'currency code'), width=8),
    Column('buyer_title', 'Buyer', '购买方名称', Text(200), readonly=True, aliases=('开票抬头', '抬头', 'buyer name')),
    Column('buyer_tax_id', 'Buyer tax ID', '购买方纳税人识别号', Text(40), readonly=True,
           aliases=('纳税人识别号', '税号', 'tax id')),
    Column('reverse_reason', 'Reversal reason', '红冲原因', Text(255), aliases=('冲红原因', 'reason', 'reversal reason')),
    Column('reversed_on', 'Reversed on', '红冲日期', Date(), readonly=True, aliases=('冲红日期', 'reversal date')),
    Column('notes', 'Notes', '备注', Text(10000, multiline=True), aliases=NOTES_NAMES),
], natural_key=('number',), title_en='Invoices', title_zh='发票')

OPPORTUNITY_REF = ('商机', '商机编号', '商机编码', '商机名称', '项目', '项目名称', 'opportunity code', 'opportunity id',
                   'opportunity name', 'deal', 'deal id', 'deal name')

# A sales team's visit log: each row names what it was about by code (lead, customer, contact,
# opportunity); a new row is recorded by followups.record_followup, as in the admin, so the
# counters, a lead's "contacted" status and the pool's reclaim clock move with it.
FOLLOWUPS = Mapping('followups', FollowUp, [
    _code('Follow-up code', '跟进编号', '跟进记录编号', '跟进编码', 'follow-up id', 'followup code', 'activity id'),
    Column('lead', 'Lead', '线索', Reference(Lead, names=()), aliases=('线索编号', '线索编码', 'lead code', 'lead id')),
    Column('customer', 'Customer', '客户', Reference(Customer), aliases=CUSTOMER_REF),
    Column('contact', 'Contact', '联系人', Reference(Contact), aliases=('联系人编号', '联系人姓名', 'contact code', 'contact name',
                                                                     '拜访对象', '沟通对象')),
    Column('opportunity', 'Opportunity', '商机', Reference(Opportunity), aliases=OPPORTUNITY_REF),
    Column('kind', 'Kind', '跟进方式', Choice(C.FOLLOWUP_KINDS, default='call'),
           aliases=('跟进类型', '方式', '类型', '拜访方式', '沟通方式', 'type', 'activity type', 'channel'), width=10),
    Column('happened_at', 'Happened at', '跟进时间', DateTime(), required=True, width=18,
           aliases=('跟进日期', '拜访时间', '拜访日期', '沟通时间', '日期', '时间', 'date', 'time', 'visit date',
                    'activity date', 'follow-up date', 'followup date')),
    Column('summary', 'Summary', '跟进内容', Text(10000, multiline=True), width=40,
           aliases=('跟进记录', '拜访内容', '沟通内容', '内容', '拜访记录', '沟通记录', '跟进情况', '备注', '摘要',
                    'notes', 'note', 'description', 'details', 'content', 'comments')),
    Column('next_contact_on', 'Next contact', '下次联系日期', Date(),
           aliases=('下次联系时间', '下次跟进日期', '下次跟进时间', '下次拜访日期', '下次联系', 'next follow-up',
                    'next followup', 'next contact date', 'follow-up on')),
    _owner(),
    Column('is_major', 'Major', '重要跟进', Bool(), aliases=('重要', '关键跟进', 'important', 'major'), width=8),
], natural_key=('happened_at', 'customer', 'lead', 'opportunity', 'kind', 'summary'),
    title_en='Follow-ups', title_zh='跟进记录')

# A quote's header row; its lines are added in the admin (as a contract's), its totals follow them.
QUOTES = Mapping('quotes', Quote, [
    _code('Quote code', '报价单号', '报价编号', '报价单编号', '报价编码', 'quote no', 'quote number', 'quote id'),
    Column('title', 'Quote title', '报价名称', Text(200), required=True, width=28,
           aliases=('报价标题', '报价主题', '标题', '主题', 'title', 'quote name', 'subject')),
    Column('customer', 'Customer', '客户', Reference(Customer), aliases=CUSTOMER_REF),
    Column('opportunity', 'Opportunity', '商机', Reference(Opportunity), aliases=OPPORTUNITY_REF),
    Column('status', 'Status', '报价状态', Choice(C.QUOTE_STATUSES, default='draft'), readonly=True,
           aliases=('状态', 'quote status')),
    Column('quoted_on', 'Quote date', '报价日期', Date(), required=True, aliases=('日期', 'date', 'quoted on')),
    Column('valid_until', 'Valid until', '有效期至', Date(),
           aliases=('有效期', '有效期限', '截止日期', '报价有效期', 'expiry date', 'valid till', 'expires on')),
    Column('subtotal', 'Subtotal', '小计', Number(), readonly=True),
    Column('discount_amount', 'Discount', '折扣金额', Number(), readonly=True),
    Column('total', 'Total', '报价总额', Number(), readonly=True, aliases=('总额', '报价金额', '合计', 'amount')),
    _currency(),
    _owner(),
    Column('notes', 'Notes', '备注', Text(10000, multiline=True), aliases=NOTES_NAMES),
], natural_key=('customer', 'title', 'quoted_on'), title_en='Quotes', title_zh='报价单')

MAPPINGS = {m.entity: m for m in (LEADS, CUSTOMERS, CONTACTS, FOLLOWUPS, OPPORTUNITIES, QUOTES, PRODUCTS, CONTRACTS,
                                  PAYMENT_PLANS, PAYMENTS, INVOICES)}
ALIASES = {'lead': 'leads', 'customer': 'customers', 'contact': 'contacts', 'opportunity': 'opportunities',
           'product': 'products', 'contract': 'contracts', 'payment_plan': 'payment_plans',
           'payment-plans': 'payment_plans', 'plans': 'payment_plans', 'payment': 'payments',
           'followup': 'followups', 'follow-up': 'followups', 'follow-ups': 'followups', 'follow_ups': 'followups',
           'quote': 'quotes', 'invoice': 'invoices', 'invoice_ledger': 'invoices', 'fapiao': 'invoices'}


def for_model(model):
    """Return the mapping whose rows are MODEL's records (with its custom fields), or None when MODEL is
    not exchanged in sheets."""
    found = next((m for m in MAPPINGS.values() if m.model is model), None)
    return None if found is None else get(found.entity)


def get(entity):
    """Return the mapping for ENTITY (plural or singular), with a column per custom field in use."""
    name = ALIASES.get(entity, entity)
    if name not in MAPPINGS:
        raise SyncError(f'Unknown entity {entity!r}; use one of: {", ".join(MAPPINGS)}.',
                        zh=f'未知的数据类型 {entity!r}；请使用以下之一：{", ".join(MAPPINGS)}。')
    return with_custom(MAPPINGS[name])


_extended = {}


def with_custom(mapping):
    """Return MAPPING extended by a column `custom:<key>` per custom field of its entity in use (both labels
    as headers, the key as a synonym, typed by the field's codec); MAPPING itself when there are none.

    One query per call; the extended mapping is kept while the definitions stay the same, so a
    run sees one mapping object throughout.
    """
    if mapping.entity not in CUSTOM_ENTITIES or database.obj is None:
        return mapping
    definitions = CustomField.of(mapping.entity)
    if not definitions:
        return mapping
    # Everything a column is made of: a definition rolled back (a dry run's) may leave its id to another.
    signature = (mapping.entity,) + tuple((d.id, d.version, d.key, d.kind, d.label_en, d.label_zh, d.options,
                                           d.required) for d in definitions)
    found = _extended.get(signature)
    if found is None:
        columns = [Column(CUSTOM + d.key, d.label_en, d.label_zh,
                          custom_codec(d.key, d.kind, d.choices() if d.kind == 'choice' else None),
                          aliases=(CUSTOM + d.key, d.key), required=d.required, width=16)
                   for d in definitions]
        found = Mapping(mapping.entity, mapping.model, mapping.columns + columns, natural_key=mapping.natural_key,
                        allow_delete=mapping.allow_delete, title_en=mapping.title_en, title_zh=mapping.title_zh,
                        joins=mapping.joins, splits=mapping.splits)
        # A custom field's own labels name it before a built-in field's synonym (an export of it reads back
        # as it), never before a built-in field's own headers.
        primary = {norm(n) for c in mapping.columns for n in (c.attr, c.en, c.zh)}
        for column in columns:
            for name in (norm(column.attr), norm(column.en), norm(column.zh)):
                if name not in primary:
                    found._index[name] = column
        if len(_extended) > 64:
            _extended.clear()
        _extended[signature] = found
    return found


def expand(record):
    """Add to RECORD (a dict of stored values) an entry `custom:<key>` per value of its `custom` column; return it."""
    values = record.get('custom')
    if values:
        for key, value in values.items():
            record[CUSTOM + key] = value
    return record


def fold(values, stored):
    """Move the `custom:<key>` entries of VALUES into `values['custom']`, merged over STORED (the record's
    custom values, or None); return VALUES. A blank value removes the key."""
    keys = [a for a in values if a.startswith(CUSTOM)]
    if not keys:
        return values
    merged = dict(stored or {})
    for attr in keys:
        value = values.pop(attr)
        if value is None or value == '':
            merged.pop(attr[len(CUSTOM):], None)
        else:
            merged[attr[len(CUSTOM):]] = value
    values['custom'] = merged or None
    return values
