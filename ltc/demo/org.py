"""The demo organisation: departments, users, pools, campaigns, catalogue, rules and targets."""
import datetime
from decimal import Decimal

from ..models import (AssignmentRule, Campaign, Department, GradingRule, Product, ProductCategory, ProductPlan,
                      PublicPool, Role, Setting, Target, User)
from ..services import audit
from .names import BRANCHES, CAMPAIGNS, CATEGORIES, CITIES, DEPARTMENTS, PRODUCTS, REGIONS

MAIL_DOMAIN = 'yunfan-tech.cn'
# Who works where: (department key, role, how many).
STAFF = ([('HQ', 'manager', 1)] + [(r, 'manager', 1) for r in REGIONS]
         + [(b, 'sales', 4 if b == 'SH' else 3) for b in BRANCHES]
         + [('MKT', 'ops', 1), ('OPS', 'ops', 2), ('FIN', 'finance', 2), ('DLV', 'ops', 1)])
# Lead grading: the grade thresholds the demo's scores follow, stored as the grading settings so a
# re-grade (the nightly job, a rule edit) grades by the same line.
THRESHOLDS = {'grading.threshold.high': 55, 'grading.threshold.general': 25}


def build_org(demo, password_hash):
    """Create departments, users (all with PASSWORD_HASH), pools, campaigns and the catalogue."""
    _departments(demo)
    _users(demo, password_hash)
    _pools(demo)
    _campaigns(demo)
    _catalogue(demo)
    _rules(demo)
    _targets(demo)


def _departments(demo):
    rows = []
    for key, parent, zh, en in DEPARTMENTS:
        row = {'name': zh, 'name_en': en, 'parent': demo.departments.get(parent), '_key': key}
        demo.departments[key] = row
        rows.append(row)
    demo.writer.add(Department, rows)


def _region_of(branch):
    return next(parent for key, parent, _, _ in DEPARTMENTS if key == branch)


def _users(demo, password_hash):
    roles = {r.name: r.id for r in Role.select()}
    taken = {name for (name,) in User.select(User.username).tuples()}   # e.g. admin, or a real zhang.wei
    rows = []
    managers = {}
    for dept, role, count in STAFF:
        for _ in range(count):
            while True:
                zh, en, gender, sur, given = demo.person()
                username = f'{sur}.{given}'
                if username not in taken:
                    break
            taken.add(username)
            if role == 'manager':
                boss = managers.get('HQ') if dept != 'HQ' else None
            else:
                boss = managers.get(_region_of(dept)) if dept in BRANCHES else None
            row = {'username': username, 'display_name': zh, 'display_name_en': en,
                   'email': f'{username}@{MAIL_DOMAIN}', 'phone': demo.mobile(),
                   'password_hash': password_hash, 'role': roles[role],
                   'department': demo.departments[dept], 'manager': boss,
                   'language': 'en' if len(rows) % 9 == 4 else 'zh_Hans_CN',
                   'open_lead_cap': 300 if role == 'sales' else None,
                   'last_login_at': demo.time_ago(demo.rng.randrange(0, 6)),
                   '_role': role, '_branch': dept, '_gender': gender}
            if role == 'manager' and dept not in managers:
                managers[dept] = row
            rows.append(row)
    demo.users.extend(rows)
    demo.writer.add(User, rows)


def _pools(demo):
    default = (PublicPool.get_or_none(PublicPool.code == 'PL-DEFAULT')
               or PublicPool.select().order_by(PublicPool.id).first())
    rows = [{'name': '华东公海', 'name_en': 'East China pool', 'department': demo.departments['EAST'],
             'reclaim_no_followup_days': 30, 'reclaim_no_deal_days': 180, 'warn_days_before': 3,
             'daily_claim_limit': 5, 'ownership_cap': 150, 'cooldown_days': 7},
            {'name': '华南公海', 'name_en': 'South China pool', 'department': demo.departments['SOUTH'],
             'reclaim_no_followup_days': 45, 'reclaim_no_deal_days': 240, 'warn_days_before': 5,
             'daily_claim_limit': 8, 'ownership_cap': 200, 'cooldown_days': 14}]
    demo.writer.add(PublicPool, rows)
    demo.pools = {'EAST': rows[0], 'SOUTH': rows[1], 'NORTH': default.id, 'WEST': default.id}
    demo.pool_rules = {'EAST': 30, 'SOUTH': 45, 'NORTH': default.reclaim_no_followup_days,
                       'WEST': default.reclaim_no_followup_days}
    demo.pool_deal_days = {'EAST': 180, 'SOUTH': 240, 'NORTH': default.reclaim_no_deal_days,
                           'WEST': default.reclaim_no_deal_days}


def _campaigns(demo):
    owner = demo.users_with('ops')[0]
    rows = []
    for i, (channel, zh, en, budget) in enumerate(CAMPAIGNS):
        if channel in ('exhibition', 'seminar'):
            start = demo.date_ago(300 - 70 * i) if i != 1 else demo.today + datetime.timedelta(days=40)
            end = start + datetime.timedelta(days=3 if channel == 'exhibition' else 1)
        else:
            start, end = demo.date_ago(420), None
        status = 'planned' if start > demo.today else 'finished' if end and end < demo.today else 'running'
        rows.append({'name': zh, 'name_en': en, 'channel': channel, 'status': status, 'start_on': start,
                     'end_on': end, 'budget': Decimal(budget), 'department': demo.departments['MKT'],
                     'owner': owner, 'created_at': demo.time_ago(450)})
    demo.campaigns = demo.writer.add(Campaign, rows)


def _catalogue(demo):
    cats = [{'name': zh, 'name_en': en, 'parent': None, '_parent': parent} for zh, en, parent in CATEGORIES]
    for row in cats:
        row['parent'] = cats[row['_parent']] if row['_parent'] is not None else None
    demo.writer.add(ProductCategory, cats)
    rows = []
    for cat, zh, en, spec, unit, price, status, industries, sizes in PRODUCTS:
        rows.append({'name': zh, 'name_en': en, 'category': cats[cat], 'specification': spec, 'unit': unit,
                     'list_price': Decimal(price), 'status': status, 'profile_industries': industries,
                     'profile_sizes': sizes, 'description': f'{zh} / {en}'})
    demo.products = demo.writer.add(Product, rows)
    plans = []
    month = demo.today.replace(day=1)
    for product in rows:
        if product['status'] != 'active' or product['unit'] in ('人天', '年', '期'):
            continue
        for k in range(6):
            y, m = divmod(month.month - 1 + k, 12)
            plans.append({'product': product, 'period': f'{month.year + y}-{m + 1:02d}',
                          'planned_quantity': Decimal(demo.rng.randrange(2, 60)
                                                      * (10 if product['list_price'] < 5000 else 1))})
    demo.writer.add(ProductPlan, plans)


def _rules(demo):
    fair = next(c for c in demo.campaigns if c['channel'] == 'exhibition')
    rules = [('重点行业 Key industries', 'industry', 'manufacturing,energy', 20),
             ('重点区域 Key provinces', 'region', '上海市,江苏省,浙江省,广东省', 10),
             ('优质来源 Strong sources', 'source', 'referral,exhibition,seminar', 15),
             ('预算不低于50万 Budget ≥ 500,000', 'budget', '500000', 20),
             ('大中型企业 Large companies', 'company_size', 'large,xlarge', 15),
             ('联系方式完整 Reachable', 'has_contact', '', 10),
             ('无联系方式 Unreachable', 'no_contact', '', -30),
             (f"{fair['name']} {fair['name_en']}", 'campaign', fair['code'], 5)]
    demo.grading = [{'name': name, 'field': field, 'value': value, 'points': points, 'sequence': 10 * (i + 1)}
                    for i, (name, field, value, points) in enumerate(rules)]
    demo.writer.add(GradingRule, demo.grading)
    new = []
    for code, value in THRESHOLDS.items():
        row = Setting.by_code(code)
        if row is None:
            new.append({'code': code, 'value': str(value), 'description': 'Lead grade threshold (demo)'})
        elif row.value != str(value):
            row.value = str(value)
            audit.save(row)
    demo.writer.add(Setting, new)
    rows = [{'name': '政府客户 → 指定专人 Government leads to one owner', 'priority': 10,
             'industry': 'government', 'method': 'user', 'assignee': demo.sales_in('BJ')[0]},
            {'name': '官网线索 → 上海分部负载最低 Website leads, least loaded in Shanghai', 'priority': 20,
             'source': 'website', 'region_province': '上海市', 'method': 'least_loaded',
             'target_department': demo.departments['SH']}]
    seen = []
    for province, _city, _en, branch in CITIES:
        if province in seen:
            continue
        seen.append(province)
        dept = demo.departments[branch]
        rows.append({'name': f"{province} → {dept['name']} {dept['name_en']}", 'priority': 100 + len(seen),
                     'region_province': province, 'method': 'round_robin', 'target_department': dept})
    demo.writer.add(AssignmentRule, rows)


def _targets(demo):
    rows = []
    dept_totals = {}
    year = demo.today.year
    for user in demo.users:
        if user['_role'] != 'sales':
            continue
        base = demo.rng.randrange(30, 80) * 10000
        for month in range(1, 13):
            period = f'{year}-{month:02d}'
            sales = Decimal(base + (month % 3 == 0) * 200000)
            for kind, amount in (('sales', sales), ('collection', (sales * Decimal('0.85')).quantize(1))):
                rows.append({'kind': kind, 'period': period, 'user': user, 'amount': amount})
                for dept in (user['_branch'], _region_of(user['_branch']), 'HQ'):
                    key = (kind, period, dept)
                    dept_totals[key] = dept_totals.get(key, 0) + amount
    for (kind, period, dept), amount in dept_totals.items():
        rows.append({'kind': kind, 'period': period, 'department': demo.departments[dept], 'amount': amount})
    demo.writer.add(Target, rows)
