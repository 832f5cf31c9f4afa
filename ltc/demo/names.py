"""Static material for the demo company: people, places, company names, catalogue, phrases."""

# The seller: 云帆智能科技, industrial automation, IIoT and MES for Chinese manufacturers.
OUR_COMPANY = ('云帆智能科技有限公司', 'Yunfan Intelligent Technology Co., Ltd.')

SURNAMES = [('张', 'Zhang'), ('王', 'Wang'), ('李', 'Li'), ('刘', 'Liu'), ('陈', 'Chen'), ('杨', 'Yang'),
            ('赵', 'Zhao'), ('黄', 'Huang'), ('周', 'Zhou'), ('吴', 'Wu'), ('徐', 'Xu'), ('孙', 'Sun'),
            ('胡', 'Hu'), ('朱', 'Zhu'), ('高', 'Gao'), ('林', 'Lin'), ('何', 'He'), ('郭', 'Guo'),
            ('马', 'Ma'), ('罗', 'Luo'), ('梁', 'Liang'), ('宋', 'Song'), ('郑', 'Zheng'), ('谢', 'Xie'),
            ('韩', 'Han'), ('唐', 'Tang'), ('冯', 'Feng'), ('于', 'Yu'), ('董', 'Dong'), ('萧', 'Xiao')]
GIVEN = [('伟', 'Wei', 'male'), ('芳', 'Fang', 'female'), ('娜', 'Na', 'female'), ('敏', 'Min', 'female'),
         ('静', 'Jing', 'female'), ('磊', 'Lei', 'male'), ('强', 'Qiang', 'male'), ('军', 'Jun', 'male'),
         ('洋', 'Yang', 'male'), ('勇', 'Yong', 'male'), ('艳', 'Yan', 'female'), ('杰', 'Jie', 'male'),
         ('涛', 'Tao', 'male'), ('明', 'Ming', 'male'), ('超', 'Chao', 'male'), ('霞', 'Xia', 'female'),
         ('平', 'Ping', 'male'), ('刚', 'Gang', 'male'), ('丽', 'Li', 'female'), ('鹏', 'Peng', 'male'),
         ('建华', 'Jianhua', 'male'), ('晓东', 'Xiaodong', 'male'), ('海燕', 'Haiyan', 'female'),
         ('志强', 'Zhiqiang', 'male'), ('秀英', 'Xiuying', 'female'), ('文博', 'Wenbo', 'male'),
         ('雪梅', 'Xuemei', 'female'), ('子涵', 'Zihan', 'female'), ('浩然', 'Haoran', 'male'),
         ('思远', 'Siyuan', 'male'), ('佳怡', 'Jiayi', 'female'), ('国栋', 'Guodong', 'male')]

# (province, city, city in English, branch key): the branch that covers the city.
CITIES = [
    ('上海市', '上海', 'Shanghai', 'SH'), ('江苏省', '苏州', 'Suzhou', 'SH'),
    ('浙江省', '杭州', 'Hangzhou', 'HZ'), ('浙江省', '宁波', 'Ningbo', 'HZ'), ('浙江省', '温州', 'Wenzhou', 'HZ'),
    ('江苏省', '南京', 'Nanjing', 'NJ'), ('江苏省', '无锡', 'Wuxi', 'NJ'), ('江苏省', '常州', 'Changzhou', 'NJ'),
    ('安徽省', '合肥', 'Hefei', 'NJ'),
    ('北京市', '北京', 'Beijing', 'BJ'), ('河北省', '石家庄', 'Shijiazhuang', 'BJ'),
    ('天津市', '天津', 'Tianjin', 'TJ'), ('山东省', '济南', 'Jinan', 'TJ'), ('山东省', '青岛', 'Qingdao', 'TJ'),
    ('广东省', '广州', 'Guangzhou', 'GZ'), ('广东省', '佛山', 'Foshan', 'GZ'), ('广东省', '东莞', 'Dongguan', 'GZ'),
    ('广东省', '深圳', 'Shenzhen', 'SZ'), ('福建省', '厦门', 'Xiamen', 'SZ'), ('福建省', '福州', 'Fuzhou', 'SZ'),
    ('四川省', '成都', 'Chengdu', 'CD'), ('重庆市', '重庆', 'Chongqing', 'CD'),
    ('陕西省', '西安', "Xi'an", 'XA'), ('湖北省', '武汉', 'Wuhan', 'XA'),
]

# Department tree: (key, parent key, Chinese, English).
DEPARTMENTS = [
    ('HQ', None, '总部', 'Headquarters'),
    ('EAST', 'HQ', '华东大区', 'East China Region'),
    ('SH', 'EAST', '上海分部', 'Shanghai Branch'),
    ('HZ', 'EAST', '杭州分部', 'Hangzhou Branch'),
    ('NJ', 'EAST', '南京分部', 'Nanjing Branch'),
    ('NORTH', 'HQ', '华北大区', 'North China Region'),
    ('BJ', 'NORTH', '北京分部', 'Beijing Branch'),
    ('TJ', 'NORTH', '天津分部', 'Tianjin Branch'),
    ('SOUTH', 'HQ', '华南大区', 'South China Region'),
    ('GZ', 'SOUTH', '广州分部', 'Guangzhou Branch'),
    ('SZ', 'SOUTH', '深圳分部', 'Shenzhen Branch'),
    ('WEST', 'HQ', '西部大区', 'West China Region'),
    ('CD', 'WEST', '成都分部', 'Chengdu Branch'),
    ('XA', 'WEST', '西安分部', "Xi'an Branch"),
    ('MKT', 'HQ', '市场部', 'Marketing'),
    ('OPS', 'HQ', '销售运营部', 'Sales Operations'),
    ('FIN', 'HQ', '财务部', 'Finance'),
    ('DLV', 'HQ', '交付中心', 'Delivery Centre'),
]
REGIONS = ['EAST', 'NORTH', 'SOUTH', 'WEST']
BRANCHES = ['SH', 'HZ', 'NJ', 'BJ', 'TJ', 'GZ', 'SZ', 'CD', 'XA']

# Company names: brand (zh, en) + business (zh, en, industry) + legal form.
BRANDS = [('华东', 'East China'), ('中联', 'Zhonglian'), ('恒通', 'Hengtong'), ('新宇', 'Xinyu'),
          ('远航', 'Yuanhang'), ('瑞丰', 'Ruifeng'), ('金桥', 'Jinqiao'), ('天成', 'Tiancheng'),
          ('宏达', 'Hongda'), ('博远', 'Boyuan'), ('盛世', 'Shengshi'), ('长江', 'Changjiang'),
          ('海纳', 'Haina'), ('鼎盛', 'Dingsheng'), ('明珠', 'Mingzhu'), ('永泰', 'Yongtai'),
          ('华信', 'Huaxin'), ('正泰', 'Zhengtai'), ('东方', 'Dongfang'), ('北辰', 'Beichen'),
          ('南洋', 'Nanyang'), ('西部', 'Western'), ('国瑞', 'Guorui'), ('凯达', 'Kaida'),
          ('德胜', 'Desheng'), ('星河', 'Xinghe'), ('联创', 'Lianchuang'), ('嘉禾', 'Jiahe')]
BUSINESSES = [
    ('精密机械', 'Precision Machinery', 'manufacturing'), ('汽车零部件', 'Auto Parts', 'manufacturing'),
    ('电子科技', 'Electronics Technology', 'manufacturing'), ('重工', 'Heavy Industry', 'manufacturing'),
    ('新材料', 'New Materials', 'manufacturing'), ('食品', 'Foods', 'manufacturing'),
    ('制药', 'Pharmaceutical', 'healthcare'), ('医疗器械', 'Medical Devices', 'healthcare'),
    ('新能源', 'New Energy', 'energy'), ('电力设备', 'Power Equipment', 'energy'),
    ('石化', 'Petrochemical', 'energy'), ('物流', 'Logistics', 'transport'),
    ('轨道交通装备', 'Rail Transit Equipment', 'transport'), ('通信技术', 'Communication Technology', 'telecom'),
    ('商贸', 'Trading', 'retail'), ('连锁超市', 'Supermarkets', 'retail'),
    ('网络科技', 'Network Technology', 'internet'), ('融资租赁', 'Financial Leasing', 'finance'),
    ('环保科技', 'Environmental Technology', 'other'), ('建设工程', 'Construction Engineering', 'other'),
]
FORMS = [('有限公司', 'Co., Ltd.'), ('股份有限公司', 'Corporation'), ('科技有限公司', 'Technology Co., Ltd.')]


def with_form(business, form):
    """Return BUSINESS + legal FORM without saying 科技 / Technology twice (电子科技 + 科技有限公司)."""
    for word in ('科技', 'Technology'):
        if business.endswith(word) and form.startswith(word):
            form = form[len(word):]
    return business + form if not business.isascii() else f'{business} {form.strip()}'
# Public-sector customers: (zh pattern, en pattern, industry); {c}/{C} are the city in zh/en.
PUBLIC = [('{c}市大数据管理局', '{C} Municipal Big Data Administration', 'government'),
          ('{c}市交通运输局', '{C} Municipal Transport Bureau', 'government'),
          ('{c}市水务集团', '{C} Water Group', 'government'),
          ('{c}职业技术学院', '{C} Vocational and Technical College', 'education'),
          ('{c}理工大学', '{C} University of Technology', 'education'),
          ('{c}市第一人民医院', "{C} No.1 People's Hospital", 'healthcare'),
          ('{c}市中医院', '{C} Hospital of Traditional Chinese Medicine', 'healthcare'),
          ('{c}农村商业银行', '{C} Rural Commercial Bank', 'finance'),
          ('{c}移动通信分公司', '{C} Mobile Communications Branch', 'telecom')]
GROUPS = [('中联重工集团有限公司', 'Zhonglian Heavy Industry Group Co., Ltd.', 'manufacturing', '重工', 'Heavy Industry'),
          ('恒通能源集团股份有限公司', 'Hengtong Energy Group Corporation', 'energy', '能源', 'Energy'),
          ('瑞丰汽车集团有限公司', 'Ruifeng Automotive Group Co., Ltd.', 'manufacturing', '汽车', 'Automotive'),
          ('明珠医药集团有限公司', 'Mingzhu Pharmaceutical Group Co., Ltd.', 'healthcare', '医药', 'Pharmaceutical'),
          ('金桥物流集团有限公司', 'Jinqiao Logistics Group Co., Ltd.', 'transport', '物流', 'Logistics'),
          ('华信通信集团有限公司', 'Huaxin Communications Group Co., Ltd.', 'telecom', '通信', 'Communications')]

TITLES = [('总经理', 'General Manager', '总经办', True), ('副总经理', 'Deputy General Manager', '总经办', True),
          ('CIO', 'CIO', '信息中心', True), ('生产总监', 'Production Director', '生产部', True),
          ('采购经理', 'Purchasing Manager', '采购部', False), ('IT经理', 'IT Manager', '信息中心', False),
          ('设备主管', 'Equipment Supervisor', '设备部', False), ('工艺工程师', 'Process Engineer', '技术部', False),
          ('财务经理', 'Finance Manager', '财务部', False), ('车间主任', 'Workshop Director', '生产部', False)]

# Catalogue: (category zh, en, parent index or None).
CATEGORIES = [('工业自动化', 'Industrial Automation', None), ('工业软件', 'Industrial Software', None),
              ('工业物联网', 'Industrial IoT', None), ('服务', 'Services', None),
              ('PLC与控制器', 'PLCs and Controllers', 0), ('伺服与驱动', 'Servo and Drives', 0),
              ('制造执行系统', 'Manufacturing Execution', 1), ('数据采集与监控', 'SCADA and Monitoring', 1),
              ('边缘网关', 'Edge Gateways', 2), ('传感器', 'Sensors', 2)]
# (category index, zh, en, specification, unit, list price, status, industries, sizes)
PRODUCTS = [
    (4, 'YF-PLC 300 小型控制器', 'YF-PLC 300 Compact Controller', '14DI/10DO, 以太网 Ethernet',
     '台', 4800, 'active', 'manufacturing,energy', 'small,medium'),
    (4, 'YF-PLC 500 中型控制器', 'YF-PLC 500 Modular Controller', '256 I/O, PROFINET, 2 MB',
     '台', 12800, 'active', 'manufacturing,energy,transport', 'medium,large,xlarge'),
    (4, 'YF-PLC 200 经典型', 'YF-PLC 200 Classic', '10DI/6DO', '台', 2600, 'discontinued', 'manufacturing', 'micro,small'),
    (5, 'YF-Servo 伺服驱动器 1.5kW', 'YF-Servo Drive 1.5 kW', '220V, EtherCAT',
     '台', 3600, 'active', 'manufacturing', 'small,medium,large'),
    (5, 'YF-Servo 伺服电机 1.5kW', 'YF-Servo Motor 1.5 kW', '3000 rpm, 17-bit encoder',
     '台', 2900, 'active', 'manufacturing', 'small,medium,large'),
    (5, 'YF-VFD 变频器 22kW', 'YF-VFD Inverter 22 kW', '380V, 矢量控制 vector control',
     '台', 8600, 'active', 'manufacturing,energy', 'medium,large,xlarge'),
    (6, '云帆MES 标准版', 'Yunfan MES Standard', '50 并发用户 concurrent users',
     '套', 380000, 'active', 'manufacturing,healthcare', 'medium,large'),
    (6, '云帆MES 企业版', 'Yunfan MES Enterprise', '不限用户, 多工厂 multi-plant',
     '套', 980000, 'active', 'manufacturing,healthcare,energy', 'large,xlarge'),
    (6, '质量追溯模块', 'Quality Traceability Module', '批次与序列号 lot and serial',
     '套', 120000, 'active', 'manufacturing,healthcare', 'medium,large,xlarge'),
    (6, 'MES 2019 旧版', 'MES 2019 Legacy', '单工厂 single plant', '套', 260000, 'inactive', 'manufacturing', 'medium'),
    (7, '云帆SCADA 监控平台', 'Yunfan SCADA Platform', '5,000 点位 tags',
     '套', 160000, 'active', 'energy,transport,government', 'medium,large,xlarge'),
    (7, '能耗管理系统', 'Energy Management System', '1,000 计量点 meters',
     '套', 220000, 'active', 'energy,manufacturing,education,healthcare', 'large,xlarge'),
    (7, '数字孪生可视化', 'Digital Twin Visualisation', '3D 产线建模 line modelling',
     '套', 450000, 'active', 'manufacturing,energy,transport', 'large,xlarge'),
    (8, 'YF-Edge 100 边缘网关', 'YF-Edge 100 Gateway', '4G/5G, Modbus, OPC UA',
     '台', 6800, 'active', 'manufacturing,energy,transport,telecom', 'small,medium,large,xlarge'),
    (8, 'YF-Edge 500 工业服务器', 'YF-Edge 500 Industrial Server', '8 核 cores, 32 GB, 宽温 wide temp',
     '台', 26000, 'active', 'manufacturing,energy,telecom', 'large,xlarge'),
    (9, '温湿度传感器', 'Temperature and Humidity Sensor', 'RS485, IP65',
     '个', 380, 'active', 'manufacturing,healthcare,retail', 'micro,small,medium,large,xlarge'),
    (9, '振动监测传感器', 'Vibration Monitoring Sensor', '三轴 tri-axial, 10 kHz',
     '个', 2200, 'active', 'manufacturing,energy', 'medium,large,xlarge'),
    (9, '智能电表', 'Smart Power Meter', '三相 three-phase, 0.5S',
     '个', 1500, 'active', 'energy,education,healthcare,government', 'medium,large,xlarge'),
    (3, '实施服务', 'Implementation Service', '现场实施 on-site', '人天', 2500, 'active', '', ''),
    (3, '年度运维服务', 'Annual Maintenance Service', '7x24, 4 小时响应 4-hour response', '年', 90000, 'active', '', ''),
    (3, '用户培训', 'User Training', '5 天课程 5-day course', '期', 18000, 'active', '', ''),
    (3, '定制开发', 'Custom Development', '按需求 per requirement', '人天', 3200, 'active', '', ''),
]
# Opportunity themes: (zh, en, product indexes it sells).
THEMES = [('智能产线MES项目', 'smart-line MES', [6, 8, 18, 20]),
          ('MES企业版升级', 'MES Enterprise upgrade', [7, 18, 21]),
          ('设备联网改造', 'equipment connectivity', [13, 16, 18]),
          ('能耗监测平台', 'energy monitoring', [11, 17, 13, 18]),
          ('自动化产线改造', 'automation line retrofit', [1, 3, 4, 5, 18]),
          ('数字孪生工厂', 'digital-twin factory', [12, 14, 18, 21]),
          ('SCADA集中监控', 'central SCADA', [10, 13, 18]),
          ('运维服务续约', 'maintenance renewal', [19, 20]),
          ('质量追溯系统', 'quality traceability', [8, 15, 18])]

COMPETITORS = ['西门子 Siemens', '罗克韦尔 Rockwell', '施耐德 Schneider', '汇川 Inovance', '用友 Yonyou',
               '鼎捷 Digiwin', '和利时 Hollysys', '研华 Advantech']
LOST_REASONS = ['价格偏高 / Price too high', '竞品功能更优 / Competitor preferred on features',
                '预算取消 / Budget cancelled', '决策延期 / Decision postponed', '客户关系不足 / Weak relationship']
DISQUALIFY_REASONS = ['无预算 / No budget', '联系方式无效 / Invalid contact details',
                      '需求不匹配 / Requirement does not fit', '同行咨询 / Enquiry from a competitor',
                      '个人咨询 / Private individual']
REQUIREMENTS = ['产线设备联网，实时采集OEE / Connect line equipment and track OEE',
                '上MES替换纸质工单 / Replace paper work orders with MES',
                '能耗监测与节能改造 / Energy monitoring and savings',
                '老旧PLC升级换代 / Replace ageing PLCs', '质量追溯满足客户审核 / Traceability for customer audits',
                '远程监控多个厂区 / Remote monitoring of several plants']
FOLLOWUP_TEXT = {
    'call': ['电话沟通项目预算和时间表 / Call about budget and timeline', '确认技术交流时间 / Call to set up a technical session'],
    'visit': ['上门拜访，参观产线 / Site visit, toured the line', '拜访决策人，介绍成功案例 / Met the decision maker, showed references'],
    'meeting': ['技术方案交流会 / Technical solution workshop', '商务谈判会议 / Commercial negotiation meeting'],
    'email': ['发送方案与报价 / Sent proposal and quote', '发送案例资料 / Sent case studies'],
    'message': ['微信跟进需求细节 / WeChat follow-up on details', '微信确认会议纪要 / Confirmed meeting notes on WeChat'],
}
CAMPAIGNS = [  # (channel, zh, en, budget)
    ('exhibition', '中国国际工业博览会', 'China International Industry Fair', 380000),
    ('exhibition', '华南国际工业自动化展', 'South China Industrial Automation Expo', 220000),
    ('seminar', '智能制造研讨会·苏州站', 'Smart Manufacturing Seminar, Suzhou', 60000),
    ('seminar', '数字化工厂沙龙·成都站', 'Digital Factory Salon, Chengdu', 40000),
    ('website', '官网自然流量', 'Website organic traffic', 50000),
    ('website', '搜索引擎推广', 'Search engine advertising', 150000),
    ('online', '在线客服与400热线', 'Online chat and 400 hotline', 30000),
    ('referral', '老客户转介绍计划', 'Customer referral programme', 80000),
    ('cold_call', '重点行业电话拜访', 'Key-industry outbound calls', 20000),
    ('import', '行业协会名单导入', 'Industry association list import', 10000),
    ('sheet', '销售共享线索表', 'Sales shared lead sheet', 0),
    ('other', '合作伙伴推荐', 'Partner recommendations', 30000),
]
