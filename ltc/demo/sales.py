"""Demo customers, contacts, leads, opportunities (stages, products, decision chains) and quotes."""
import datetime
import random
from decimal import Decimal

from ..models import DecisionRole, Stage
from ..models import choices as C
from ..services.dedupe import company_domain
from .context import money
from .leads import company_norm
from .names import (BRANDS, BUSINESSES, CITIES, COMPETITORS, FORMS, GROUPS, LOST_REASONS, PUBLIC, with_form,
                    THEMES, TITLES)

AREA = {'上海': '021', '北京': '010', '天津': '022', '重庆': '023', '广州': '020', '深圳': '0755',
        '杭州': '0571', '南京': '025', '苏州': '0512', '宁波': '0574', '温州': '0577', '无锡': '0510',
        '常州': '0519', '合肥': '0551', '石家庄': '0311', '济南': '0531', '青岛': '0532', '佛山': '0757',
        '东莞': '0769', '厦门': '0592', '福州': '0591', '成都': '028', '西安': '029', '武汉': '027'}
REGION_OF = {'SH': 'EAST', 'HZ': 'EAST', 'NJ': 'EAST', 'BJ': 'NORTH', 'TJ': 'NORTH',
             'GZ': 'SOUTH', 'SZ': 'SOUTH', 'CD': 'WEST', 'XA': 'WEST'}
STAGE_CODES = ['ST-VALIDATE', 'ST-ANALYSE', 'ST-PROPOSE', 'ST-NEGOTIATE', 'ST-WON', 'ST-LOST']
STAGE_WEIGHTS = [18, 17, 16, 13, 22, 14]
# The first opportunities take every stage, and Negotiate twice (one draft, one contract in approval).
FIRST_STAGES = STAGE_CODES + ['ST-NEGOTIATE']
# A won opportunity's contract status decides how long ago it closed (days).
WON_CONTRACTS = [('executing', 30, 300), ('completed', 220, 700), ('effective', 3, 28),
                 ('expired', 420, 700), ('terminated', 90, 400)]
WON_WEIGHTS = [35, 30, 12, 13, 6]
CREDIT_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(rng, serial):
    """Return a well-formed 18-character unified social credit code (GB 32100 check digit)."""
    body = '91' + f'{rng.randrange(110000, 660000):06d}' + f'{serial:05d}' + ''.join(
        CREDIT_CHARS[rng.randrange(31)] for _ in range(4))
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(body, CREDIT_WEIGHTS))
    return body + CREDIT_CHARS[(31 - total % 31) % 31]


def build_customers(demo):
    """Make group customers with subsidiaries, owned and pool customers, and their contacts."""
    rng, rows, names = demo.rng, [], set()
    for zh, en, industry, _short, _short_en in GROUPS[:max(2, min(len(GROUPS), demo.size // 50))]:
        cities = rng.sample(CITIES, 4)
        group = _customer(demo, zh, en, industry, cities[0], len(rows), kind='group', size='xlarge',
                          level='strategic', pooled=False)
        group['locked'] = True
        rows.append(group)
        for city in cities[1:1 + rng.randint(2, 3)]:
            sub_zh = zh.replace('集团股份有限公司', '集团有限公司').replace('集团有限公司', f'({city[1]})有限公司')
            sub_en = en.replace('Group Corporation', 'Group Co., Ltd.').replace(
                'Group Co., Ltd.', f'({city[2]}) Co., Ltd.')
            sub = _customer(demo, sub_zh, sub_en, industry, city, len(rows), size=demo.pick(['large', 'xlarge']),
                            level='key', pooled=False)
            sub['parent'] = group
            rows.append(sub)
    names.update(r['name'] for r in rows)
    while len(rows) < demo.size:
        city = demo.pick(CITIES)
        if rng.random() < 0.15:
            zh, en, industry = demo.pick(PUBLIC)
            zh, en = zh.format(c=city[1]), en.format(C=city[2])
        else:
            (brand, brand_en), (biz, biz_en, industry), (form, form_en) = (
                demo.pick(BRANDS), demo.pick(BUSINESSES), demo.pick(FORMS))
            zh, en = f'{city[1]}{brand}{with_form(biz, form)}', f'{city[2]} {brand_en} {with_form(biz_en, form_en)}'
        if zh in names:
            continue
        names.add(zh)
        rows.append(_customer(demo, zh, en, industry, city, len(rows), pooled=rng.random() < 0.2))
    demo.customers = rows
    demo.contacts = [c for row in rows for c in _contacts(demo, row)]
    return rows


def _customer(demo, zh, en, industry, city, serial, kind='enterprise', size=None, level=None, pooled=False):
    rng = demo.rng
    province, city_zh, city_en, branch = city
    region = REGION_OF[branch]
    size = size or demo.weighted(list(C.COMPANY_SIZES), [1, 4, 5, 3, 2])
    level = level or ('potential' if pooled else demo.weighted(['key', 'general', 'potential'], [2, 5, 3]))
    domain = ''.join(ch for ch in en.split(' Co')[0].lower() if ch.isalnum())[:18] + '.com.cn'
    created = demo.time_ago(rng.randrange(60, 720))
    row = {'name': zh, 'name_en': en, 'kind': kind, 'industry': industry, 'region_province': province,
           'region_city': city_zh, 'size': size, 'level': level, 'source': demo.pick(list(C.SOURCES)),
           'credit_code': credit_code(rng, serial), 'phone': f'{AREA[city_zh]}-{rng.randrange(10 ** 7, 10 ** 8)}',
           'email': f'info@{domain}', 'website': f'www.{domain}',
           'address': f"{city_zh}市{demo.pick(['高新区', '经开区', '工业园区', '新区'])}"
                      f"{demo.pick(['科技路', '创新大道', '长江路', '建设路', '人民路'])}{rng.randint(1, 999)}号",
           'pool': demo.pools[region], 'yearly_category_spend': demo.amount(
               {'micro': 50_000, 'small': 200_000, 'medium': 800_000, 'large': 3_000_000,
                'xlarge': 8_000_000}[size], {'micro': 200_000, 'small': 1_000_000, 'medium': 4_000_000,
                                            'large': 12_000_000, 'xlarge': 40_000_000}[size], 10_000),
           'target_share': Decimal(rng.randrange(10, 45)), 'created_at': created,
           '_branch': branch, '_region': region, '_domain': domain, '_contacts': [], '_opps': []}
    if pooled:
        row.update(owner=None, department=None, owner_since=None)
        if rng.random() < 0.5:
            reclaim_days = demo.pool_rules[region]
            row['previous_owner'] = demo.pick(demo.sales_in(branch))
            released = rng.randrange(1, 120)
            row['released_at'] = demo.time_ago(released)
            row['_last_days'] = released + reclaim_days + rng.randrange(0, 10)
        else:
            row['_last_days'] = None
    else:
        owner = demo.pick(demo.sales_in(branch))
        row.update(owner=owner, department=owner['department'],
                   owner_since=demo.date_ago(rng.randrange(20, 700)))
        # Mostly recent follow-ups; some close to the pool's reclaim line so warnings show up.
        reclaim = demo.pool_rules[region]
        row['_last_days'] = (reclaim - rng.randint(1, 3) if rng.random() < 0.08
                             else rng.randrange(0, reclaim - 4))
    return row


def settle_ownership(demo):
    """Keep owned customers out of the "no won deal" reclaim rule unless meant: a customer that
    the pool would have reclaimed before today (the job would have done it) is owned more recently;
    one in twenty-five falls due within the coming days, so the pool warnings show."""
    rng = random.Random(demo.seed * 7919 + 1)   # its own source: the rest of the demo is unchanged
    for customer in demo.customers:
        days = demo.pool_deal_days.get(customer['_region'])
        if customer['owner'] is None or customer.get('locked') or customer.get('last_won_on') or not days:
            continue
        if customer['owner_since'] + datetime.timedelta(days=days) > demo.today + datetime.timedelta(days=7):
            continue
        left = rng.randint(1, 6) if rng.random() < 0.04 else rng.randint(8, max(9, days - 10))
        customer['owner_since'] = max(demo.today - datetime.timedelta(days=days - left),
                                      customer['created_at'].date())


def _contacts(demo, customer):
    rng = demo.rng
    count = rng.randint(3, 5) if customer['kind'] == 'group' else rng.randint(1, 4)
    out = []
    for i in range(count):
        zh, en, gender, sur, given = demo.person()
        title, title_en, dept, is_dm = TITLES[rng.randrange(4)] if i == 0 else demo.pick(TITLES)
        birthday = (datetime.date(rng.randint(1965, 1995), rng.randint(1, 12), rng.randint(1, 28))
                    if rng.random() < 0.6 else None)
        out.append({'customer': customer, 'name': zh, 'name_en': en,
                    'title': title if title == title_en else f'{title} {title_en}',   # not "CIO CIO"
                    'department_name': dept, 'gender': gender, 'phone': f"{customer['phone']}-{rng.randint(100, 899)}",
                    'mobile': demo.mobile(), 'email': f'{given}.{sur}@{customer["_domain"]}',
                    'wechat': f'wx_{sur}{given}{rng.randrange(1000)}', 'is_key_decision_maker': is_dm,
                    'birthday': birthday, 'created_at': customer['created_at']})
    customer['_contacts'] = out
    return out


def build_leads(demo, factory):
    """Make the base leads: converted ones (linked to customer and contact), duplicates and the rest."""
    rng, rows = demo.rng, []
    total = demo.size * 20 // 3
    for customer in demo.customers:
        if customer['owner'] is None or customer['kind'] == 'group' or rng.random() > 0.45:
            continue
        contact = customer['_contacts'][0]
        lead = factory.row(None, len(rows), status='converted', source=customer['source'])
        converted = customer['created_at']
        lead.update(company=customer['name'], company_norm=company_norm(customer['name']),
                    contact_name=contact['name'], contact_title=contact['title'], phone=contact['mobile'],
                    phone_norm=contact['mobile'], email=contact['email'], email_norm=contact['email'],
                    email_domain=company_domain(contact['email']),
                    industry=customer['industry'], region_province=customer['region_province'],
                    region_city=customer['region_city'], company_size=customer['size'],
                    owner=customer['owner'], department=customer['department'],
                    converted_customer=customer, converted_contact=contact, converted_at=converted,
                    created_at=converted - datetime.timedelta(days=rng.randint(7, 60)),
                    updated_at=converted)
        lead['assigned_at'] = lead['created_at'] + datetime.timedelta(hours=rng.randint(1, 24))
        factory.rescore(lead)
        customer['_lead'] = lead
        rows.append(lead)
    statuses = [s for s in C.LEAD_STATUSES if s != 'converted']
    regular = max(0, total - len(rows) - total // 30)
    for i in range(regular):
        # The first rows take every status and source once; the rest follow the usual mix.
        rows.append(factory.row(None, i, status=statuses[i] if i < len(statuses) else None,
                                source=C.SOURCES.values[i] if i < len(C.SOURCES.values) else None))
    originals = rows[-regular:] if regular else rows
    end_of_today = datetime.datetime.combine(demo.today, datetime.time(23, 59))
    while len(rows) < total:
        original = demo.pick(originals)
        dup = factory.row(None, len(rows), status='disqualified', source=original['source'])
        for key in ('company', 'company_norm', 'phone', 'phone_norm', 'email', 'email_norm', 'email_domain',
                    'contact_name',
                    'region_province', 'region_city', 'industry'):
            dup[key] = original[key]
        # The duplicate arrives 1-30 days after its original, but not after today (a recent
        # original's duplicate comes in halfway between it and the end of today).
        created = original['created_at'] + datetime.timedelta(days=rng.randint(1, 30))
        if created > end_of_today:
            created = original['created_at'] + (end_of_today - original['created_at']) / 2
        dup.update(duplicate_of=original, disqualify_reason='重复线索 / Duplicate lead', created_at=created)
        if dup.get('assigned_at'):   # assigned after it arrived, like every other lead
            dup['assigned_at'] = created + datetime.timedelta(hours=1)
        dup['updated_at'] = dup['assigned_at'] or created
        factory.rescore(dup)
        rows.append(dup)
    rows.sort(key=lambda r: r['created_at'])
    demo.leads = rows
    return rows


def build_opportunities(demo):
    """Make opportunities in every stage with history, products, decision chain and quotes."""
    rng = demo.rng
    stages = {s.code: s for s in Stage.select()}
    roles = {r.code: r.id for r in DecisionRole.select()}
    demo.stages = stages
    opps, n = [], 0
    for customer in demo.customers:
        if customer['owner'] is None:
            continue
        count = demo.weighted([0, 1, 2, 3], [25, 45, 22, 8])
        if '_lead' in customer:
            count = max(count, 1)
        for k in range(count):
            code = FIRST_STAGES[n] if n < len(FIRST_STAGES) else demo.weighted(STAGE_CODES, STAGE_WEIGHTS)
            opp = _opportunity(demo, customer, stages, code, n)
            if k == 0 and '_lead' in customer:
                opp['lead'] = customer['_lead']
                opp['source'] = customer['_lead']['source']
            _decision_chain(demo, opp, customer, roles)
            customer['_opps'].append(opp)
            opps.append(opp)
            n += 1
    opps.sort(key=lambda o: o['created_at'])
    demo.opportunities = opps
    demo.quotes = [q for o in opps for q in _quotes(demo, o)]


def _opportunity(demo, customer, stages, code, n):
    rng = demo.rng
    theme_zh, theme_en, product_idx = demo.pick(_themes_for(demo, customer['industry']))
    products = []
    for idx in rng.sample(product_idx, rng.randint(1, min(3, len(product_idx)))):
        product = demo.products[idx]
        qty = Decimal({'台': rng.randint(2, 40), '个': rng.randint(20, 400), '套': 1, '人天': rng.randint(20, 120),
                       '年': rng.randint(1, 3), '期': rng.randint(1, 3)}[product['unit']])
        unit = product['list_price'] * Decimal(rng.randint(85, 100)) / 100
        unit = money(round(unit / 10) * 10 if unit >= 1000 else unit)   # prices end in tens, like real ones
        products.append({'product': product, 'quantity': qty, 'unit_price': unit, 'amount': money(qty * unit)})
    stage = stages[code]
    path = STAGE_CODES[:STAGE_CODES.index(code) + 1]
    contract_status = None
    if code == 'ST-WON':
        contract_status, low, high = demo.cycle(_count(demo, 'won'), WON_CONTRACTS, WON_WEIGHTS)
        closed = demo.date_ago(rng.randint(low, high))
        path = STAGE_CODES[:5]
    elif code == 'ST-LOST':
        closed = demo.date_ago(rng.randint(5, 500))
        path = STAGE_CODES[:rng.randint(1, 4)] + ['ST-LOST']
    else:
        closed = None
    end = closed or demo.date_ago(rng.randint(1, 20))
    start = end - datetime.timedelta(days=rng.randint(20 * len(path), 50 * len(path)))
    _backdate(customer, start)
    if code == 'ST-NEGOTIATE' and (demo.counters.get('negotiate', -1) < 1 or rng.random() < 0.6):
        contract_status = demo.cycle(_count(demo, 'negotiate'), ['draft', 'pending_approval'])
    amount = sum((p['amount'] for p in products), Decimal(0))
    expected = closed or demo.today + datetime.timedelta(days=rng.randint(10, 180))
    slipped = rng.random() < 0.3
    opp = {'name': f"{company_norm(customer['name'])} · {theme_zh} ({theme_en})", 'customer': customer,
           'contact': customer['_contacts'][0], 'owner': customer['owner'], 'department': customer['department'],
           'stage': stage.id, 'amount': amount, 'weighted_amount': money(amount * stage.probability / 100),
           'expected_close_on': expected,
           'first_close_on': expected - datetime.timedelta(days=rng.randint(20, 90)) if slipped else expected,
           'closed_on': closed, 'priority': demo.weighted(['high', 'medium', 'low'], [2, 5, 3]),
           'source': customer['source'], 'competitors': ', '.join(rng.sample(COMPETITORS, rng.randint(0, 2))),
           'lost_reason': demo.pick(LOST_REASONS) if code == 'ST-LOST' else None,
           'created_at': datetime.datetime.combine(start, datetime.time(10)),
           '_products': products, '_contract_status': contract_status, '_theme': theme_zh}
    history, when, previous = [], start, None
    step = max(1, (end - start).days // len(path))
    for i, stage_code in enumerate(path):
        at = datetime.datetime.combine(when, datetime.time(rng.randint(9, 17), rng.randrange(60)))
        history.append({'opportunity': opp, 'from_stage': previous, 'to_stage': stages[stage_code].id,
                        'changed_at': at, 'changed_by': customer['owner'],
                        'days_in_previous': step if previous else 0, 'created_at': at})
        previous = stages[stage_code].id
        when = end if i == len(path) - 2 else when + datetime.timedelta(days=step)
    opp['stage_changed_at'] = history[-1]['changed_at']
    opp['updated_at'] = opp['stage_changed_at']
    opp['_history'] = history
    opp['_reached'] = {c: h['changed_at'].date() for c, h in zip(path, history)}
    for p in products:
        p['opportunity'] = opp
    return opp


def _themes_for(demo, industry):
    """Return the opportunity themes whose products' profile names INDUSTRY (all when none do)."""
    fitting = [t for t in THEMES if any(industry in demo.products[i]['profile_industries'].split(',')
                                        for i in t[2])]
    return fitting or THEMES


def _backdate(customer, day):
    """Move a customer's creation (and the lead conversion behind it) before DAY if it is later."""
    if customer['created_at'].date() < day:
        return
    new = datetime.datetime.combine(day - datetime.timedelta(days=14), datetime.time(10))
    customer['created_at'] = new
    for contact in customer['_contacts']:
        contact['created_at'] = new
    lead = customer.get('_lead')
    if lead:
        lead['created_at'] = new - (lead['converted_at'] - lead['created_at'])
        lead['assigned_at'] = lead['created_at'] + datetime.timedelta(hours=2)
        lead['converted_at'] = lead['updated_at'] = new


def _count(demo, key):
    """Return how many times KEY was counted before (for cycling through every value first)."""
    demo.counters[key] = demo.counters.get(key, -1) + 1
    return demo.counters[key]


def _decision_chain(demo, opp, customer, roles):
    rng = demo.rng
    chain = []
    others = ['DR-TECH', 'DR-BIZ', 'DR-INFL', 'DR-USER', 'DR-COACH']
    for i, contact in enumerate(customer['_contacts'][:4]):
        role = 'DR-DM' if i == 0 else others[(i - 1 + rng.randrange(5)) % 5]
        won = opp['_contract_status'] is not None
        chain.append({'opportunity': opp, 'contact': contact, 'role': roles[role],
                      'attitude': 'supporter' if won and i == 0 else demo.weighted(list(C.ATTITUDES), [45, 40, 15]),
                      'influence': 'high' if i == 0 else demo.weighted(list(C.INFLUENCE), [3, 5, 2]),
                      'notes': '最终拍板人 / Signs off the budget' if i == 0 else None})
    opp['_chain'] = chain


def _quotes(demo, opp):
    """Quote an opportunity that reached Propose; a won one's last quote is accepted."""
    rng = demo.rng
    if 'ST-PROPOSE' not in opp['_reached']:
        return []
    stage = next(c for c, s in demo.stages.items() if s.id == opp['stage'])
    first_on = opp['_reached']['ST-PROPOSE']
    revised = stage in ('ST-NEGOTIATE', 'ST-WON') and rng.random() < 0.5
    plan = [(first_on, 0, None)]
    if revised:
        plan = [(first_on, 0, demo.pick(['rejected', 'expired'])),
                (opp['_reached'].get('ST-NEGOTIATE', first_on), rng.randint(2, 8), None)]
    final_status = {'ST-PROPOSE': 'draft' if rng.random() < 0.2 else 'sent', 'ST-NEGOTIATE': 'sent',
                    'ST-WON': 'accepted', 'ST-LOST': 'rejected'}[stage]
    if stage == 'ST-NEGOTIATE' and opp['_contract_status']:
        final_status = 'accepted'
    quotes = []
    for version, (quoted_on, discount, status) in enumerate(plan, 1):
        status = status or final_status
        valid_until = quoted_on + datetime.timedelta(days=30)
        if status == 'sent' and valid_until < demo.today:
            status = 'expired'
        lines = [{'product': p['product'], 'description': p['product']['specification'],
                  'quantity': p['quantity'], 'unit_price': p['unit_price'], 'discount_pct': Decimal(discount),
                  'amount': money(p['quantity'] * p['unit_price'] * (100 - discount) / 100)} for p in opp['_products']]
        subtotal = sum((money(line['quantity'] * line['unit_price']) for line in lines), Decimal(0))
        total = sum((line['amount'] for line in lines), Decimal(0))
        quote = {'title': f"{opp['name']} 报价 Quote v{version}", 'customer': opp['customer'], 'opportunity': opp,
                 'owner': opp['owner'], 'status': status, 'quoted_on': quoted_on, 'valid_until': valid_until,
                 'subtotal': subtotal, 'discount_amount': subtotal - total, 'total': total,
                 'notes': '含税价，含一年质保 / Prices include VAT and one year of warranty',
                 'created_at': datetime.datetime.combine(quoted_on, datetime.time(15)), '_lines': lines}
        for line in lines:
            line['quote'] = quote
        quotes.append(quote)
    if opp['_contract_status']:
        opp['_quote'] = quotes[-1]
        if stage == 'ST-WON':
            opp['amount'] = opp['weighted_amount'] = quotes[-1]['total']
    return quotes
