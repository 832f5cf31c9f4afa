"""Every fixed list of choices, with its English and Chinese labels, in one place.

A list may also carry synonyms: how other CRMs, ERPs and templates spell the same value
(`Open` lead status, 有效 contract, 金融业 industry, VIP客户 level). Imports read them; forms
and exports only ever show the labels.
"""
import re
import unicodedata

_SPACES = re.compile(r'[\s_\-–—/]+')
_PARTS = re.compile(r'\s*[/／、|｜;；,，&＆]\s*')


def choice_key(text):
    """Return how a typed value is compared: NFKC, case folded, spaces, `_ - /` as one space."""
    return _SPACES.sub(' ', unicodedata.normalize('NFKC', str(text))).strip().lower()


class Choices:
    """An ordered set of (value, English label, Chinese label), with optional synonyms {value: (words)}."""

    def __init__(self, *items, synonyms=None):
        self.items = items
        self.values = tuple(v for v, _, _ in items)
        self._labels = {v: (en, zh) for v, en, zh in items}
        self.synonyms = synonyms or {}
        self._index = {}
        for value, en, zh in items:
            for text in (value, en, zh):
                self._index.setdefault(choice_key(text), value)
        for value, words in self.synonyms.items():
            assert value in self._labels, value
            for text in words:
                self._index.setdefault(choice_key(text), value)

    def __iter__(self):
        return iter(self.values)

    def __contains__(self, value):
        return value in self._labels

    def label(self, value, lang='en'):
        pair = self._labels.get(value)
        if pair is None:
            return '' if value is None else str(value)
        return pair[1] if lang.startswith('zh') else pair[0]

    def pairs(self, lang='en'):
        """Return [(value, label)] for form choices."""
        return [(v, self.label(v, lang)) for v in self.values]

    def lookup(self, text):
        """Return the value whose code, label (either language) or synonym is TEXT, or None.

        A compound value of another system's list (`IT/通信/电子/互联网`, `交通运输/物流`, `医疗、医药`)
        is the value of its first part that names one.
        """
        if text is None:
            return None
        found = self._index.get(choice_key(text))
        if found is None and _PARTS.search(str(text)):
            found = next((self._index[k] for k in map(choice_key, _PARTS.split(str(text))) if k in self._index), None)
        return found

    @property
    def max_length(self):
        return max(len(v) for v in self.values)


ROLES = Choices(
    ('admin', 'Administrator', '管理员'),
    ('manager', 'Sales manager', '销售经理'),
    ('sales', 'Sales', '销售'),
    ('ops', 'Operations', '运营'),
    ('finance', 'Finance', '财务'),
)
DATA_SCOPES = Choices(
    ('own', 'Own records', '本人'),
    ('own_sub', 'Own and subordinates', '本人及下属'),
    ('department', 'Department', '本部门'),
    ('department_tree', 'Department and below', '本部门及下级部门'),
    ('all', 'Everything', '全部'),
)
LANGUAGES = Choices(('zh_Hans_CN', 'Simplified Chinese', '简体中文'), ('en', 'English', '英文'))
INDUSTRIES = Choices(
    ('manufacturing', 'Manufacturing', '制造业'),
    ('finance', 'Finance', '金融'),
    ('energy', 'Energy', '能源'),
    ('telecom', 'Telecom', '电信运营商'),
    ('government', 'Government', '政府'),
    ('education', 'Education', '教育'),
    ('healthcare', 'Healthcare', '医疗'),
    ('transport', 'Transport', '交通'),
    ('retail', 'Retail', '零售'),
    ('internet', 'Internet', '互联网'),
    ('other', 'Other', '其他'),
    synonyms={
        'manufacturing': ('制造', '生产制造', '工业', '机械', '汽车', '电子', '化工', 'industrial', 'machinery',
                          'automotive', 'electronics', '生产', '机械设备', '机械制造', '加工制造', '仪器仪表', '家电',
                          '纺织服装', '服装', '建材', '钢铁', '冶金', '电子电器', 'chemicals', 'engineering', 'apparel',
                          'mechanical or industrial engineering', 'industrial automation',
                          'electrical electronic manufacturing',
                          'textiles', 'plastics', 'building materials'),
        'finance': ('金融业', '金融服务', '银行', '保险', '证券', '基金', 'banking', 'insurance',
                    'financial services', 'finance & insurance', '金融投资', '投资', '财务', 'investment banking',
                    'investment management', 'venture capital private equity', 'accounting', 'capital markets'),
        'energy': ('能源行业', '电力', '石油', '石化', '新能源', 'power', 'utilities', 'oil & gas', 'oil and gas',
                   '能源矿产', '矿产', '采矿', '化工能源', 'oil energy', 'mining metals', 'renewables environment'),
        'telecom': ('电信', '通信', '运营商', '通讯', 'telecommunications', 'telecommunication', '通信设备',
                    'communications', 'data telecom oem', 'wireless', 'wireless industry', 'optical networking',
                    'network equipment enterprise'),
        'government': ('政府机关', '政务', '事业单位', '公共事业', 'public sector', 'public administration',
                       '政府公共事业', '军队', '公共管理', 'government administration', 'government military',
                       'military', 'government relations', 'public policy'),
        'education': ('教育培训', '学校', '高校', '培训', 'education & training', '教育科研', '科研', '科研院所',
                      'higher education', 'primary secondary education', 'e learning', 'education management',
                      'research'),
        'healthcare': ('医疗健康', '医药', '医院', '卫生', '生物医药', 'health care', 'medical', 'pharmaceutical',
                       'pharmaceuticals', 'hospital', '医疗器械', '生物', '医疗卫生', '制药', 'biotechnology',
                       'hospital & health care', 'medical devices', 'medical practice', 'health wellness and fitness'),
        'transport': ('交通运输', '物流', '运输', '航空', 'logistics', 'transportation', 'shipping', '仓储',
                      '快递', '轨道交通', 'logistics and supply chain', 'transportation trucking railroad',
                      'airlines aviation', 'maritime', 'package freight delivery'),
        'retail': ('零售业', '商贸', '批发', '批发零售', '快消', '电商', 'wholesale', 'consumer goods',
                   'e-commerce', 'ecommerce', '贸易', '电子商务', '食品饮料', '食品', '餐饮零售', '消费品',
                   'food & beverage', 'food & beverages', 'food production', 'consumer electronics',
                   'consumer services', 'supermarkets', 'apparel & fashion', 'online store', 'internet retail'),
        'internet': ('互联网行业', 'it', 'it服务', '软件', '信息技术', '科技', '计算机', 'software', 'technology',
                     'information technology', 'it services', '计算机软件', '计算机硬件', '软件开发', '互联网电商',
                     '信息传输、软件和信息技术服务业', '云计算', '大数据', '人工智能', 'computer software',
                     'computer hardware', 'information technology and services', 'internet',
                     'computer & network security',
                     'computer networking', 'asp', 'asp (application service provider)', 'erp',
                     'erp (enterprise resource planning)', 'managementisv', 'management isv', 'non management isv',
                     'msp (management service provider)', 'systems integrator', 'storage equipment',
                     'storage service provider', 'service provider'),
        'other': ('其它', '文化传媒', '传媒', '媒体', '广告', '房地产', '建筑', '农业', '餐饮', '酒店', '咨询',
                  '服务业', 'media', 'entertainment', 'real estate', 'construction', 'agriculture',
                  'consulting', 'hospitality', 'not for profit', 'others', '商业服务', '专业服务', '法律', '租赁',
                  '旅游', '文旅', '体育', '环保', '非营利组织', '建筑工程', '房地产开发', 'environmental', 'recreation',
                  'legal services', 'marketing and advertising', 'nonprofit organization management',
                  'management consulting', 'leisure travel & tourism', 'architecture & planning', 'other'),
    },
)
COMPANY_SIZES = Choices(
    ('micro', 'Under 20 staff', '20人以下'),
    ('small', '20-99 staff', '20-99人'),
    ('medium', '100-499 staff', '100-499人'),
    ('large', '500-1999 staff', '500-1999人'),
    ('xlarge', '2000+ staff', '2000人以上'),
)
CUSTOMER_KINDS = Choices(
    ('enterprise', 'Enterprise', '企业客户'),
    ('group', 'Group', '集团客户'),
)
CUSTOMER_LEVELS = Choices(
    ('strategic', 'Strategic', '战略客户'),
    ('key', 'Key', '重点客户'),
    ('general', 'General', '普通客户'),
    ('potential', 'Potential', '潜在客户'),
    synonyms={
        'strategic': ('战略', '战略级', '核心客户', 'strategic account', 'tier 1', 'key strategic'),
        'key': ('重点', 'vip', 'vip客户', '大客户', '重要客户', 'a', 'a类', 'a级', 'a类客户', 'key account', 'important',
                '优质客户', 'hot'),
        'general': ('普通', '一般', '一般客户', '常规客户', 'b', 'b类', 'b级', 'b类客户', 'c', 'c类', 'c级', 'c类客户',
                    'normal', 'regular', 'standard', '非优先客户', '小客户', 'warm'),
        'potential': ('潜在', '意向客户', '潜客', 'd', 'd类', 'd级', 'prospect', 'potential customer', '未成交客户',
                      'cold', 'lead', 'subscriber'),
    },
)
SOURCES = Choices(
    ('exhibition', 'Exhibition', '展会'),
    ('seminar', 'Seminar', '研讨会'),
    ('website', 'Website', '官网'),
    ('online', 'Online customer service', '在线客服'),
    ('referral', 'Referral', '转介绍'),
    ('cold_call', 'Cold call', '陌生拜访'),
    ('import', 'Import', '导入'),
    ('sheet', 'Shared sheet', '共享表格'),
    ('other', 'Other', '其他'),
    synonyms={
        'exhibition': ('展览', '展会活动', 'trade show', 'tradeshow', 'expo', 'event', 'conference', '行业展会',
                       '会展', 'events'),
        'seminar': ('会议', '研讨', '沙龙', 'webinar', 'workshop', '讲座', '市场活动', 'seminar partner',
                    'internal seminar', 'seminar internal', 'seminar partner'),
        'website': ('网站', '官方网站', '网络', '线上', '搜索引擎', 'web', 'web site', 'organic search', 'seo',
                    'inbound', '官网注册', '线上注册', '网络搜索', '百度', '百度推广', '搜索推广', '网络推广', '广告',
                    '线上广告', '新媒体', '微信公众号', '公众号', '抖音', '社交媒体', '自然搜索', 'sem', 'web download',
                    'web research', 'web form', 'paid search', 'paid social', 'organic social', 'social media',
                    'direct traffic', 'advertisement', 'advertising', 'online store', 'facebook', 'twitter', 'linkedin',
                    'google adwords', 'website'),
        'online': ('在线咨询', '客服', 'chat', 'chatbot', 'live chat', 'online chat', '线上询价', '在线询价', '400电话',
                   '电话咨询', '来电咨询', '来电', '客户来电', 'phone inquiry', 'inbound call', 'sales email alias'),
        'referral': ('推荐', '介绍', '客户介绍', '朋友介绍', '老客户介绍', '合作伙伴', 'reference',
                     'partner', 'partner referral', 'word of mouth', 'existing customer', '老客户推荐', '客户推荐',
                     '朋友推荐', '员工推荐', '渠道推荐', '代理商', '渠道', '伙伴推荐', 'employee referral',
                     'external referral', 'referrals', 'customer referral'),
        'cold_call': ('电话营销', '电销', '陌拜', '陌生电话', 'cold calling', 'telemarketing', 'outbound', '陌生拜访',
                      '外呼', '电话拜访', '扫街', 'purchased list', 'list purchased', 'cold call'),
        'other': ('其它', 'others', '促销', '预约上门', '招商资源', '公司资源', '自有资源', '地推', 'email marketing',
                  'offline sources', 'other campaigns', 'public relations', 'direct mail', 'other'),
    },
)
LEAD_STATUSES = Choices(
    ('new', 'New', '新建'),
    ('assigned', 'Assigned', '已分配'),
    ('contacted', 'Contacted', '已联系'),
    ('qualified', 'Qualified', '已验证'),
    ('converted', 'Converted', '已转化'),
    ('disqualified', 'Disqualified', '已作废'),
    synonyms={
        'new': ('lead', 'open', 'new lead', 'open - not contacted', 'not contacted', 'unqualified', '新线索',
                '未处理', '待处理', '未跟进', '待跟进', '新增', '未分配', '未联系', '待分配', '公海', 'subscriber',
                'marketing qualified lead', 'mql'),
        'assigned': ('已指派', '已分派', '分配', '已领取', '待联系'),
        'contacted': ('working', 'working - contacted', 'replied', 'attempted to contact', 'in progress',
                      '跟进中', '联系中', '已跟进', '沟通中', '已联系', 'connected', 'contact in future',
                      'bad timing', 'attempting', '尝试联系'),
        'qualified': ('interested', 'opportunity', 'quotation', 'nurturing', 'sales qualified', '有效', '有意向',
                      '已确认', 'pre-qualified', 'pre qualified', 'open deal', 'sales qualified lead', 'sql',
                      '有效线索', '意向线索', '高意向'),
        'converted': ('closed - converted', 'closed won', '已转客户', '已转商机', '已成交', '转化', '已转换',
                      '已转化为客户', '转客户', 'customer'),
        'disqualified': ('closed - not converted', 'do not contact', 'lost quotation', 'junk', 'closed lost',
                         'lost', '无效', '作废', '已关闭', '无意向', 'junk lead', 'lost lead', 'not qualified',
                         '无效线索', '已放弃', '关闭', '已失效'),
    },
)
LEAD_GRADES = Choices(
    ('ungraded', 'Ungraded', '未评级'),
    ('high', 'High-value', '高价值'),
    ('general', 'General', '一般'),
    ('worthless', 'Worthless', '无价值'),
)
ASSIGN_METHODS = Choices(
    ('user', 'To a user', '指定人员'),
    ('round_robin', 'Round-robin in department', '部门内轮流'),
    ('least_loaded', 'Least loaded in department', '部门内负载最低'),
)
GRADING_FIELDS = Choices(
    ('industry', 'Industry', '行业'),
    ('region', 'Province', '省份'),
    ('source', 'Source', '来源'),
    ('campaign', 'Campaign', '市场活动'),
    ('budget', 'Budget at least', '预算不低于'),
    ('company_size', 'Company size', '企业规模'),
    ('has_contact', 'Has phone or e-mail', '有电话或邮箱'),
    ('no_contact', 'No phone and no e-mail', '无电话且无邮箱'),
)
PRIORITIES = Choices(('high', 'High', '高'), ('medium', 'Medium', '中'), ('low', 'Low', '低'),
                     synonyms={'high': ('very high', 'urgent', 'highest', '紧急', '重要', '很高', '最高', '高优先级'),
                               'medium': ('normal', 'middle', '普通', '一般', '中等', '中优先级'),
                               'low': ('lowest', 'very low', '较低', '低优先级')})
ATTITUDES = Choices(
    ('supporter', 'Supporter', '支持者'),
    ('neutral', 'Neutral', '中立'),
    ('opponent', 'Opponent', '反对者'),
)
# A member's part in an opportunity team (ltc.services.teams).
TEAM_ROLES = Choices(
    ('presales', 'Pre-sales', '售前'),
    ('solution', 'Solution', '解决方案'),
    ('delivery', 'Delivery', '交付'),
    ('finance', 'Finance', '财务'),
    ('partner', 'Partner', '合作伙伴'),
    synonyms={'presales': ('pre sales', 'presale'), 'solution': ('solutions', '方案')},
)
INFLUENCE = Choices(('high', 'High', '高'), ('medium', 'Medium', '中'), ('low', 'Low', '低'))
FOLLOWUP_KINDS = Choices(
    ('call', 'Call', '电话'),
    ('visit', 'Visit', '拜访'),
    ('meeting', 'Meeting', '会议'),
    ('email', 'E-mail', '邮件'),
    ('message', 'Message', '消息'),
)
CARE_KINDS = Choices(
    ('return_visit', 'Return visit', '回访'),
    ('satisfaction', 'Satisfaction survey', '满意度调查'),
    ('birthday', 'Birthday', '生日关怀'),
    ('holiday', 'Holiday', '节日关怀'),
)
TASK_STATUSES = Choices(
    ('open', 'Open', '待办'),
    ('done', 'Done', '已完成'),
    ('cancelled', 'Cancelled', '已取消'),
)
CAMPAIGN_STATUSES = Choices(
    ('planned', 'Planned', '计划中'),
    ('running', 'Running', '进行中'),
    ('finished', 'Finished', '已结束'),
)
PRODUCT_STATUSES = Choices(
    ('active', 'On sale', '在售'),
    ('inactive', 'Not on sale', '停售'),
    ('discontinued', 'Discontinued', '已停产'),
)
QUOTE_STATUSES = Choices(
    ('draft', 'Draft', '草稿'),
    ('pending_approval', 'Pending approval', '审批中'),
    ('approved', 'Approved', '已批准'),
    ('sent', 'Sent', '已发送'),
    ('accepted', 'Accepted', '已接受'),
    ('rejected', 'Rejected', '已拒绝'),
    ('expired', 'Expired', '已过期'),
)
CONTRACT_STATUSES = Choices(
    ('draft', 'Draft', '草稿'),
    ('pending_approval', 'Pending approval', '审批中'),
    ('effective', 'Effective', '已生效'),
    ('executing', 'Executing', '执行中'),
    ('completed', 'Completed', '已完成'),
    ('terminated', 'Terminated', '已终止'),
    ('expired', 'Expired', '已过期'),
    synonyms={
        'draft': ('草拟', '起草', '新建', '未提交'),
        'pending_approval': ('待审批', '审核中', '待审核', '审批', 'pending', 'in approval', 'submitted'),
        'effective': ('生效', '已签订', '已签署', '已签约', 'signed', 'approved'),
        'executing': ('有效', '执行', '履行中', '进行中', 'active', 'in progress', 'in force', 'ongoing'),
        'completed': ('已完结', '已结束', '履行完毕', '完成', '已履行', 'closed', 'done', 'fulfilled'),
        'terminated': ('终止', '已解除', '作废', '已作废', '已取消', 'cancelled', 'canceled', 'void'),
        'expired': ('过期', '已到期', '到期'),
    },
)
APPROVAL_DECISIONS = Choices(
    ('pending', 'Pending', '待审批'),
    ('approved', 'Approved', '已批准'),
    ('rejected', 'Rejected', '已驳回'),
    ('cancelled', 'Cancelled', '已取消'),   # the later steps of a round someone rejected
)
# Who approves a step: a manager of a department containing the record's, a manager of its region
# (or above), or the user an administrator named on the rule.
APPROVAL_LEVELS = Choices(
    ('department', 'Department manager', '部门经理'),
    ('region', 'Region head', '大区负责人'),
    ('designated', 'Designated approver', '指定审批人'),
)
APPROVAL_SUBJECTS = Choices(('contract', 'Contract', '合同'), ('quote', 'Quote', '报价单'))
CONTRACT_KINDS = Choices(
    ('sale', 'Sale', '销售合同'),
    ('service', 'Service', '服务合同'),
    ('framework', 'Framework', '框架合同'),
    synonyms={'sale': ('销售', '买卖合同', 'sales'), 'service': ('服务', '技术服务合同'),
              'framework': ('框架', '框架协议')},
)
MILESTONE_STATUSES = Choices(
    ('planned', 'Planned', '计划中'),
    ('delivered', 'Delivered', '已交付'),
    ('accepted', 'Accepted', '已验收'),
)
PLAN_TRIGGERS = Choices(
    ('date', 'By date', '按日期'),
    ('milestone', 'On milestone acceptance', '按里程碑验收'),
)
PLAN_STATUSES = Choices(
    ('pending', 'Pending', '待回款'),
    ('partial', 'Partially paid', '部分回款'),
    ('paid', 'Paid', '已回款'),
    ('overdue', 'Overdue', '已逾期'),
    ('void', 'Void', '已作废'),
)
INVOICE_KINDS = Choices(
    ('vat_special', 'VAT special invoice', '增值税专用发票'),
    ('vat_normal', 'VAT normal invoice', '增值税普通发票'),
    ('electronic', 'Electronic invoice', '电子发票'),
    synonyms={'vat_special': ('专票', '增值税专票', 'special'), 'vat_normal': ('普票', '增值税普票', 'normal'),
              'electronic': ('电票', '数电票', '全电发票', 'e-invoice')},
)
INVOICE_STATUSES = Choices(
    ('requested', 'Requested', '已申请'),
    ('issued', 'Issued', '已开具'),
    ('sent', 'Sent', '已寄送'),
    ('reversed', 'Reversed (red-letter)', '已红冲'),
)
DUNNING_LEVELS = Choices(
    ('reminder', 'Reminder', '提醒'),
    ('call', 'Call', '电话催收'),
    ('letter', 'Formal letter', '催款函'),
    ('escalation', 'Escalation to manager', '升级至经理'),
)
RECEIPT_STATUSES = Choices(
    ('unmatched', 'Unmatched', '未匹配'),
    ('partial', 'Partly matched', '部分匹配'),
    ('matched', 'Matched', '已匹配'),
)
PAYMENT_METHODS = Choices(
    ('bank_transfer', 'Bank transfer', '银行转账'),
    ('acceptance_bill', 'Acceptance bill', '承兑汇票'),
    ('cheque', 'Cheque', '支票'),
    ('cash', 'Cash', '现金'),
    synonyms={'bank_transfer': ('电汇', '网银', '网银支付', '网银转账', '银行汇款', '汇款', '转账', '对公转账', '信汇',
                                '银行存款', '银行', 'wire', 'wire transfer', 'telegraphic transfer', 't/t', 'tt', 'ach',
                                'bank', 'transfer', 'eft'),
              'acceptance_bill': ('银行承兑汇票', '商业承兑汇票', '银承', '商承', '承兑', '汇票', '电子承兑汇票',
                                  '电子银行承兑汇票', 'bank acceptance', "banker's acceptance", 'acceptance'),
              'cheque': ('转账支票', '现金支票', '支票支付', 'check'),
              'cash': ('现金支付', '现款')},
)
TARGET_KINDS = Choices(
    ('sales', 'Contracted amount', '签约目标'),
    ('collection', 'Collection', '回款目标'),
)
REMINDER_KINDS = Choices(
    ('followup_due', 'Follow-up due', '待跟进'),
    ('lead_waiting', 'Lead waiting', '线索待处理'),
    ('pool_warning', 'About to return to pool', '即将掉入公海'),
    ('contract_expiring', 'Contract expiring', '合同即将到期'),
    ('payment_due', 'Payment due', '回款到期'),
    ('payment_overdue', 'Payment overdue', '回款逾期'),
    ('care_task', 'Care task', '客户关怀'),
    ('lead_assigned', 'Lead assigned', '线索已分配'),
    ('approval_waiting', 'Approval waiting', '待审批'),
    ('sync_conflict', 'Conflict to resolve', '同步冲突待处理'),
)
CHAT_KINDS = Choices(
    ('wecom', 'WeCom robot', '企业微信群机器人'),
    ('dingtalk', 'DingTalk robot', '钉钉群机器人'),
    ('feishu', 'Feishu robot', '飞书群机器人'),
    ('generic', 'JSON webhook', '通用 JSON Webhook'),
)
NOTIFY_CHANNELS = Choices(
    ('email', 'E-mail', '电子邮件'),
    ('chat', 'Group chat', '群聊'),
)
NOTIFY_MODES = Choices(
    ('each', 'Each one', '逐条发送'),
    ('digest', 'Daily digest', '每日汇总'),
    ('test', 'Test', '测试'),
)
NOTIFY_STATUSES = Choices(
    ('pending', 'Pending', '待发送'),
    ('sent', 'Sent', '已发送'),
    ('failed', 'Failed', '失败'),
    ('skipped', 'Skipped', '已跳过'),
)
AUDIT_SOURCES = Choices(
    ('admin', 'Admin', '管理后台'),
    ('cli', 'Command line', '命令行'),
    ('import', 'Import', '导入'),
    ('sync', 'Sync', '同步'),
    ('job', 'Job', '定时任务'),
    ('system', 'System', '系统'),
    ('api', 'API', '接口'),
    ('web', 'Web form', '网页表单'),
)
WEBHOOK_EVENTS = Choices(
    ('lead.created', 'Lead created', '线索已创建'),
    ('lead.assigned', 'Lead assigned', '线索已分配'),
    ('opportunity.stage_changed', 'Opportunity stage changed', '商机阶段已变更'),
    ('quote.accepted', 'Quote accepted', '报价已接受'),
    ('contract.approved', 'Contract approved', '合同已审批生效'),
    ('payment.recorded', 'Payment recorded', '回款已登记'),
)
DELIVERY_STATUSES = Choices(('pending', 'Pending', '待发送'), ('delivered', 'Delivered', '已送达'),
                            ('failed', 'Failed', '失败'))
THROTTLE_KINDS = Choices(('user', 'Username', '用户名'), ('ip', 'Address', '访问地址'))
GENDERS = Choices(('male', 'Male', '男'), ('female', 'Female', '女'), ('unknown', 'Unknown', '-'))
CURRENCIES = Choices(('CNY', 'Renminbi', '人民币'), ('USD', 'US dollar', '美元'),
                     ('EUR', 'Euro', '欧元'), ('HKD', 'Hong Kong dollar', '港币'))
