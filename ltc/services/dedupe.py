"""Duplicate leads: normalised phone, e-mail and company keys, flagging and merging.

A shared company e-mail domain alone does not make two leads one company: brands, groups and
unrelated firms share domains (成都华信网络科技 and 重庆华信重工 both mail from huaxin.com.cn).
A domain match counts only when the company names are alike too, compared without city or
province prefixes and legal forms (`similar_companies`). Members of one group (the same name in
different places, or a group and its member) are linked as duplicates but never merged.
"""
import functools
import re

from rapidfuzz import fuzz

from ..db import database
from ..models import Customer, FollowUp, Lead
from . import audit
from .changes import update
from .messages import refusal

# Mail services anyone can sign up to: a shared domain there says nothing about the company.
PUBLIC_MAIL_DOMAINS = frozenset({
    'qq.com', 'foxmail.com', '163.com', '126.com', 'yeah.net', 'sina.com', 'sina.cn', 'sohu.com',
    'aliyun.com', '139.com', '189.cn', 'wo.cn', 'tom.com', '21cn.com', 'hotmail.com',
    'outlook.com', 'live.com', 'msn.com', 'gmail.com', 'googlemail.com', 'yahoo.com',
    'yahoo.com.cn', 'icloud.com', 'me.com', 'aol.com', 'proton.me', 'protonmail.com',
    'mail.com', 'gmx.com', 'gmx.de', 'web.de', 'yandex.ru', 'zoho.com',
})
# Legal-form words that differ between spellings of the same company (longest first).
COMPANY_SUFFIXES = sorted([
    '股份有限公司', '有限责任公司', '集团有限公司', '有限公司', '股份公司', '集团公司', '分公司',
    '总公司', '公司', '集团', '股份', '有限',
    'co., ltd.', 'co.,ltd.', 'co. ltd.', 'co ltd', 'co., ltd', 'company limited', 'corporation',
    'limited', 'ltd.', 'ltd', 'inc.', 'inc', 'corp.', 'corp', 'llc', 'gmbh', 'plc', 'co.', 'group',
], key=len, reverse=True)
OPEN_STATUSES = ('new', 'assigned', 'contacted', 'qualified')
# Place names that prefix a company name (上海华信…, 广东省深圳市华信…), longest first.
PROVINCES = ('北京', '天津', '上海', '重庆', '河北', '山西', '辽宁', '吉林', '黑龙江', '江苏', '浙江', '安徽',
             '福建', '江西', '山东', '河南', '湖北', '湖南', '广东', '海南', '四川', '贵州', '云南', '陕西',
             '甘肃', '青海', '台湾', '内蒙古', '广西', '西藏', '宁夏', '新疆', '香港', '澳门')
CITIES = ('石家庄', '唐山', '秦皇岛', '邯郸', '保定', '张家口', '承德', '沧州', '廊坊', '衡水', '邢台', '太原',
          '大同', '阳泉', '长治', '晋城', '晋中', '运城', '临汾', '呼和浩特', '包头', '鄂尔多斯', '赤峰',
          '沈阳', '大连', '鞍山', '抚顺', '本溪', '丹东', '锦州', '营口', '盘锦', '铁岭', '长春', '吉林', '四平',
          '哈尔滨', '齐齐哈尔', '大庆', '牡丹江', '佳木斯', '南京', '无锡', '徐州', '常州', '苏州', '南通',
          '连云港', '淮安', '盐城', '扬州', '镇江', '泰州', '宿迁', '昆山', '江阴', '张家港', '常熟', '杭州',
          '宁波', '温州', '嘉兴', '湖州', '绍兴', '金华', '衢州', '舟山', '台州', '丽水', '义乌', '合肥',
          '芜湖', '蚌埠', '淮南', '马鞍山', '安庆', '滁州', '阜阳', '福州', '厦门', '莆田', '三明', '泉州',
          '漳州', '南平', '龙岩', '宁德', '南昌', '景德镇', '萍乡', '九江', '赣州', '上饶', '济南', '青岛',
          '淄博', '枣庄', '东营', '烟台', '潍坊', '济宁', '泰安', '威海', '日照', '临沂', '德州', '聊城',
          '滨州', '菏泽', '郑州', '开封', '洛阳', '平顶山', '安阳', '新乡', '焦作', '许昌', '南阳', '商丘',
          '信阳', '武汉', '黄石', '十堰', '宜昌', '襄阳', '荆州', '孝感', '黄冈', '长沙', '株洲', '湘潭',
          '衡阳', '岳阳', '常德', '郴州', '广州', '深圳', '珠海', '汕头', '佛山', '韶关', '湛江', '肇庆',
          '江门', '茂名', '惠州', '梅州', '汕尾', '河源', '阳江', '清远', '东莞', '中山', '潮州', '揭阳',
          '南宁', '柳州', '桂林', '北海', '海口', '三亚', '成都', '自贡', '攀枝花', '泸州', '德阳', '绵阳',
          '宜宾', '南充', '乐山', '贵阳', '遵义', '昆明', '曲靖', '玉溪', '大理', '拉萨', '西安', '宝鸡',
          '咸阳', '渭南', '延安', '榆林', '兰州', '天水', '西宁', '银川', '乌鲁木齐', '克拉玛依')
PLACE_SUFFIXES = ('特别行政区', '维吾尔自治区', '壮族自治区', '回族自治区', '自治区', '省', '市', '区', '县')
PLACES = tuple(sorted(set(PROVINCES + CITIES), key=len, reverse=True))
GROUP_WORDS = ('集团', 'group')
# Names at least this alike (rapidfuzz ratio, 0-100) after dropping places and legal forms are
# one company: one character typed differently in a six-character name still matches.
SIMILAR = 80


_NON_DIGITS = re.compile(r'\D')
_BRACKETS = re.compile(r'\(.*?\)')
_PUNCTUATION = re.compile(r'[\s,.;:·、，。\-_&\'"]+')
_SUFFIX_ENDINGS = frozenset(s[-1] for s in COMPANY_SUFFIXES)


def normalise_phone(phone):
    """Return the digits of PHONE without a +86/0086 prefix, or None."""
    digits = phone if phone and phone.isdecimal() else _NON_DIGITS.sub('', phone or '')
    for prefix in ('0086', '86'):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            digits = digits[len(prefix):]
            break
    return digits or None


def normalise_email(email):
    email = (email or '').strip().lower()
    return email if '@' in email else None


def email_domain(email_norm):
    return email_norm.rsplit('@', 1)[1] if email_norm else None


def normalise_company(name):
    """Return NAME without legal-form words, brackets, punctuation and case, or None."""
    text = (name or '').strip().lower()
    text = text.replace('（', '(').replace('）', ')')
    if '(' in text and _BRACKETS.sub('', text).strip():
        text = _BRACKETS.sub(' ', text)
    changed = True
    while changed:
        changed = False
        stripped = text.rstrip(' ,.;')
        if stripped[-1:] not in _SUFFIX_ENDINGS:
            break   # no legal-form word ends this way (the loop below would find none)
        for suffix in COMPANY_SUFFIXES:
            if stripped.endswith(suffix) and len(stripped) > len(suffix):
                text = stripped[:-len(suffix)]
                stripped = text.rstrip(' ,.;')
                changed = True
    text = _PUNCTUATION.sub('', text)
    return text or None


# Place names by their first character, in PLACES order: an import strips places for every lead.
_PLACES_BY_FIRST = {c: tuple(n for n in PLACES if n[:1] == c) for c in {n[:1] for n in PLACES}}


# The names compared again and again are the few roots of a domain (each new lead meets them once):
# a small cache keeps them; 65,536 entries held an import's every company key (~17 MB per 100,000).
@functools.lru_cache(maxsize=4096)
def _strip_place(text):
    """Return TEXT without its leading place names (广东省深圳市华信 -> 华信) and the place, or None."""
    place = None
    while True:
        for name in _PLACES_BY_FIRST.get(text[:1], ()):
            if text.startswith(name) and len(text) > len(name):
                rest = text[len(name):]
                for suffix in PLACE_SUFFIXES:
                    if rest.startswith(suffix) and len(rest) > len(suffix):
                        rest = rest[len(suffix):]
                        break
                place, text = name, rest
                break
        else:
            return text, place


def company_core(name):
    """Return the company's own name: normalised, without place prefixes and legal forms.

    成都华信网络科技有限公司 -> 华信网络科技; 中联重工(苏州)有限公司 -> 中联重工.
    """
    norm = normalise_company(name)
    return _strip_place(norm)[0] if norm else None


def company_place(name):
    """Return where NAME says the company is (a prefix city or a bracketed place), or None."""
    text = (name or '').strip().lower().replace('（', '(').replace('）', ')')
    bracket = re.search(r'\(([^)]*)\)', text)
    if bracket:
        place = _strip_place(bracket.group(1))[1] or bracket.group(1).strip()
        if place and place not in GROUP_WORDS:
            return place
    return _strip_place(text)[1]


def similar_companies(a, b):
    """Return True when company names A and B name one company (or one group), by their cores."""
    return _similar_cores(company_core(a), company_core(b))


def _similar_cores(core_a, core_b):
    return bool(core_a and core_b) and (core_a == core_b or fuzz.ratio(core_a, core_b) >= SIMILAR)


def alike_on_domain(norm_a, norm_b):
    """Return True when two company keys sharing an e-mail domain name one company.

    The names must be alike without their place prefixes, and must not name two different
    places: 成都华信网络科技 and 上海华信网络科技 are two registered companies even on one domain.
    """
    (core_a, place_a), (core_b, place_b) = _strip_place(norm_a), _strip_place(norm_b)
    if place_a and place_b and place_a != place_b:
        return False
    return _similar_cores(core_a, core_b)


def group_members(a, b):
    """Return True when company names A and B are different members of one group.

    Alike names in different places (成都华信网络科技 / 上海华信网络科技), or a group and a member
    (中联重工集团 / 中联重工(苏州)), or two customers of one group tree: linked, never merged.
    """
    if not a or not b or a.strip() == b.strip() or not similar_companies(a, b):
        return False
    place_a, place_b = company_place(a), company_place(b)
    if place_a and place_b and place_a != place_b:
        return True
    group_a = any(w in a.lower() for w in GROUP_WORDS)
    group_b = any(w in b.lower() for w in GROUP_WORDS)
    if group_a != group_b:
        return True
    customers = list(Customer.select(Customer.id, Customer.parent).where(Customer.name.in_([a.strip(), b.strip()])))
    if len(customers) == 2:
        from .customers import group_root
        return group_root(customers[0]).id == group_root(customers[1]).id
    return False


def company_domain(email_norm):
    """Return the e-mail's domain when it names a company (not a public mail service), else None."""
    domain = email_domain(email_norm)
    return None if domain in PUBLIC_MAIL_DOMAINS else domain


def normalise(lead):
    """Fill the normalised keys of LEAD from its phone, e-mail and company (no save); True if changed.

    The phone key is the mobile when the lead has one (a person's own number), else the landline.
    """
    email_norm = normalise_email(lead.email)
    return update(lead, phone_norm=normalise_phone(lead.mobile or lead.phone), email_norm=email_norm,
                  email_domain=company_domain(email_norm), company_norm=normalise_company(lead.company))


def find_original(lead):
    """Return the oldest other lead LEAD duplicates (following links to the root), or None."""
    # The oldest match per key, each one read from its (key, created_at) index: a company e-mail
    # domain shared by 20,000 leads costs one index entry, not a sort of all of them (an OR of
    # the keys made the database gather and sort every match). The keys' oldest matches and the
    # company keys on the lead's domain come back in one statement; the alike names on the domain
    # need a second one only when there are some.
    found, norms = _exact_matches(lead)
    if norms:
        condition = (Lead.email_domain == company_domain(lead.email_norm)) & Lead.company_norm.in_(norms)
        query = Lead.select(Lead.id, Lead.created_at, Lead.duplicate_of).where(condition)
        if lead.id is not None:
            query = query.where(Lead.id != lead.id)
        first = query.order_by(Lead.created_at, Lead.id).tuples().first()
        if first is not None:
            found.append(first)
    if not found:
        return None
    oldest = min(found, key=lambda row: (row[1], row[0]))
    if lead.id is not None and not (oldest[1], oldest[0]) < (lead.created_at, lead.id):
        return None
    root, seen = Lead.get_by_id(oldest[0]), set()
    while root.duplicate_of_id and root.duplicate_of_id not in seen and root.duplicate_of_id != lead.id:
        seen.add(root.id)
        root = Lead.get_by_id(root.duplicate_of_id)
    return root


def _exact_matches(lead):
    """Return ([(id, created_at, duplicate_of id)] of the oldest other lead per exact key LEAD carries,
    [company keys on LEAD's e-mail domain alike LEAD's company]), from one statement."""
    mark, legs, params = database.param, [], []
    other = f' AND id <> {mark}' if lead.id is not None else ''
    for key in ('phone_norm', 'email_norm', 'company_norm'):
        value = getattr(lead, key)
        if value:
            legs.append(f'SELECT * FROM (SELECT 1 AS kind, id, created_at, duplicate_of_id, NULL AS norm FROM "lead" '
                        f'WHERE "{key}" = {mark}{other} ORDER BY created_at, id LIMIT 1) AS m{len(legs)}')
            params += [value] + ([lead.id] if other else [])
    domain = company_domain(lead.email_norm) if lead.email_norm else None
    if domain and lead.company_norm:
        legs.append(f'SELECT 2, NULL, NULL, NULL, company_norm FROM "lead" WHERE email_domain = {mark} '
                    f'AND company_norm IS NOT NULL{other} GROUP BY company_norm')
        params += [domain] + ([lead.id] if other else [])
    if not legs:
        return [], []
    found, norms = [], []
    to_time = Lead.created_at.python_value
    for kind, pk, created, original, norm in database.execute_sql(' UNION ALL '.join(legs), params).fetchall():
        if kind == 1:
            found.append((pk, to_time(created), original))
        elif norm != lead.company_norm and alike_on_domain(lead.company_norm, norm):
            norms.append(norm)
    return found, norms


def _older(a, b):
    return (a.created_at, a.id) < (b.created_at, b.id)


def match_reasons(lead, other):
    """Return why LEAD and OTHER look like the same company, e.g. ['phone', 'company']."""
    reasons = []
    if lead.phone_norm and lead.phone_norm == other.phone_norm:
        reasons.append('phone')
    if lead.email_norm and lead.email_norm == other.email_norm:
        reasons.append('e-mail')
    elif (lead.email_norm and other.email_norm
          and email_domain(lead.email_norm) == email_domain(other.email_norm)
          and email_domain(lead.email_norm) not in PUBLIC_MAIL_DOMAINS
          and alike_on_domain(lead.company_norm or '', other.company_norm or '')):
        reasons.append('e-mail domain')
    if lead.company_norm and lead.company_norm == other.company_norm:
        reasons.append('company')
    return reasons


def dedupe_leads(leads=None):
    """Refresh the keys and duplicate links of LEADS (default: every lead); return the count flagged."""
    query = leads if leads is not None else Lead.select().order_by(Lead.created_at, Lead.id)
    flagged = 0
    with database.atomic():
        for lead in query:
            changed = normalise(lead)
            original = find_original(lead)
            if update(lead, duplicate_of=original) or changed:
                audit.save(lead, action='dedupe' if original else None)
            flagged += original is not None
    return flagged


FILLABLE = ('contact_name', 'contact_title', 'phone', 'mobile', 'email', 'wechat', 'website', 'address',
            'industry', 'region_province', 'region_city', 'company_size', 'requirement', 'notes',
            'next_contact_on', 'campaign', 'department')


def merge_leads(lead, into=None, by=None):
    """Merge two duplicate leads into the older one; return the lead kept."""
    other = into or (lead.duplicate_of if lead.duplicate_of_id else None)
    if other is None:
        raise refusal('Merge refused: lead {code} is not flagged as a duplicate; name the lead to merge it into.',
                      '合并被拒绝：线索 {code} 未被标记为重复；请指定要合并到的线索。', code=lead.code)
    if other.id == lead.id:
        raise refusal('Merge refused: a lead cannot be merged into itself.', '合并被拒绝：线索不能与自身合并。')
    from . import gate
    act = gate.as_actor(by)
    if not act.is_system and other.id not in gate.visible(act, Lead, [other.id]):
        raise gate.not_found(Lead, other.code)   # merging writes into the other lead: it must be the actor's too
    keep, drop = (other, lead) if _older(other, lead) else (lead, other)
    if drop.status == 'converted':
        raise refusal('Merge refused: lead {code} is already converted; merge only open leads into it.',
                      '合并被拒绝：线索 {code} 已转化；只能合并未转化的线索。', code=drop.code)
    if group_members(keep.company, drop.company):
        raise refusal('Merge refused: {company} and {other} are different members of one group; their leads stay '
                      'linked as related, not merged.',
                      '合并被拒绝：{company} 与 {other} 是同一集团的不同成员；两条线索保持关联，不合并。',
                      company=drop.company, other=keep.company)
    with database.atomic():
        keep = Lead.get_by_id(keep.id)
        for name in FILLABLE:
            if getattr(keep, name + '_id', None) is None and getattr(keep, name) in (None, ''):
                value = getattr(drop, name + '_id', None) if hasattr(drop, name + '_id') else getattr(drop, name)
                if value not in (None, ''):
                    setattr(keep, name, value)
        if drop.budget > keep.budget:
            keep.budget = drop.budget
        keep.followup_count += drop.followup_count
        if drop.last_followup_at and (keep.last_followup_at is None or drop.last_followup_at > keep.last_followup_at):
            keep.last_followup_at = drop.last_followup_at
        normalise(keep)
        audit.save(keep, action='merge', note=f'merged {drop.code}')
        for followup in FollowUp.select().where(FollowUp.lead == drop.id):
            followup.lead = keep.id
            audit.save(followup)
        for child in Lead.select().where(Lead.duplicate_of == drop.id):
            child.duplicate_of = keep.id
            audit.save(child)
        audit.delete(Lead.get_by_id(drop.id), note=f'merged into {keep.code}')
    return keep
