"""Duplicate leads: normalised phone, e-mail and company keys, flagging and merging."""
import re

from ..db import database
from ..models import FollowUp, Lead
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


def company_domain(email_norm):
    """Return the e-mail's domain when it names a company (not a public mail service), else None."""
    domain = email_domain(email_norm)
    return None if domain in PUBLIC_MAIL_DOMAINS else domain


def normalise(lead):
    """Fill the normalised keys of LEAD from its phone, e-mail and company (no save); True if changed."""
    email_norm = normalise_email(lead.email)
    return update(lead, phone_norm=normalise_phone(lead.phone), email_norm=email_norm,
                  email_domain=company_domain(email_norm), company_norm=normalise_company(lead.company))


def _match_conditions(lead):
    """Return one condition per key LEAD carries: phone, e-mail, company e-mail domain, company."""
    conditions = []
    if lead.phone_norm:
        conditions.append(Lead.phone_norm == lead.phone_norm)
    if lead.email_norm:
        conditions.append(Lead.email_norm == lead.email_norm)
        domain = company_domain(lead.email_norm)
        if domain:
            conditions.append(Lead.email_domain == domain)
    if lead.company_norm:
        conditions.append(Lead.company_norm == lead.company_norm)
    return conditions


def find_original(lead):
    """Return the oldest other lead LEAD duplicates (following links to the root), or None."""
    # The oldest match per key, each one read from its (key, created_at) index: a company e-mail
    # domain shared by 20,000 leads costs one index entry, not a sort of all of them (an OR of
    # the keys made the database gather and sort every match).
    oldest = None
    for condition in _match_conditions(lead):
        query = Lead.select().where(condition)
        if lead.id is not None:
            query = query.where(Lead.id != lead.id)
        first = query.order_by(Lead.created_at, Lead.id).first()
        if first is not None and (oldest is None or _older(first, oldest)):
            oldest = first
    if oldest is None or (lead.id is not None and not _older(oldest, lead)):
        return None
    root, seen = oldest, set()
    while root.duplicate_of_id and root.duplicate_of_id not in seen and root.duplicate_of_id != lead.id:
        seen.add(root.id)
        root = Lead.get_by_id(root.duplicate_of_id)
    return root


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
          and email_domain(lead.email_norm) not in PUBLIC_MAIL_DOMAINS):
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


FILLABLE = ('contact_name', 'contact_title', 'phone', 'email', 'industry', 'region_province',
            'region_city', 'company_size', 'requirement', 'campaign', 'department')


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
