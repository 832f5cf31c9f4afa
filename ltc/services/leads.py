"""Leads: grading, intake (normalise, grade, flag duplicates, assign), status flow and conversion."""
import datetime
import re
from decimal import Decimal, InvalidOperation

from ..db import database, utcnow
from ..models import Campaign, Contact, Customer, GradingRule, Lead, Opportunity, Setting, Stage
from ..models import choices as C
from peewee import SQL

from . import audit, cached, scope
from .changes import update
from .assignment import assign_lead, assign_leads, choose_owner, apply_owner, rerun_assignment  # noqa: F401
from .dedupe import dedupe_leads, find_original, merge_leads, normalise, normalise_company  # noqa: F401
from .messages import invalid, refusal

THRESHOLD_DEFAULTS = {'grading.threshold.high': 60, 'grading.threshold.general': 20}
MINUS = '\u2212'
# Allowed manual status moves; 'converted' is reached only through convert_lead.
TRANSITIONS = {
    'new': {'assigned', 'contacted', 'qualified', 'disqualified'},
    'assigned': {'contacted', 'qualified', 'disqualified'},
    'contacted': {'qualified', 'disqualified'},
    'qualified': {'contacted', 'disqualified'},
    'disqualified': {'new'},
    'converted': set(),
}
DEFAULT_RULES = [
    # name, field, value, points
    ('目标行业 target industry', 'industry', 'manufacturing,energy,finance,telecom', 20),
    ('重点区域 key region', 'region', '上海,江苏,浙江,广东,北京', 10),
    ('优质来源 strong source', 'source', 'referral,exhibition,seminar', 15),
    ('预算 budget ≥ 500000', 'budget', '500000', 20),
    ('大中型企业 company size', 'company_size', 'medium,large,xlarge', 10),
    ('联系方式完整 has phone or e-mail', 'has_contact', '', 10),
    ('无联系方式 no phone or e-mail', 'no_contact', '', -30),
]


def thresholds():
    """Return {'high': n, 'general': m} from the grading.threshold.* settings (or defaults)."""
    out = {}
    for code, default in THRESHOLD_DEFAULTS.items():
        row = Setting.by_code(code)
        try:
            out[code.rsplit('.', 1)[1]] = int(row.value) if row and row.value.strip() else default
        except ValueError:
            raise invalid('Setting {code} must be a whole number, not {value!r}; fix it in Settings.',
                          '设置项 {code} 必须是整数，而不是 {value!r}；请在设置中修改。',
                          code=code, value=row.value) from None
    return out


def _label(choices, value):
    return choices.label(value, 'zh') if value else ''


def rule_hit(rule, lead):
    """Return the matched value's label when RULE applies to LEAD, else None."""
    values = [v.strip() for v in (rule.value or '').split(',') if v.strip()]
    field = rule.field
    if field == 'industry' and lead.industry in values:
        return _label(C.INDUSTRIES, lead.industry)
    if field == 'region' and lead.region_province and lead.region_province in values:
        return lead.region_province
    if field == 'source' and lead.source in values:
        return _label(C.SOURCES, lead.source)
    if field == 'company_size' and lead.company_size in values:
        return _label(C.COMPANY_SIZES, lead.company_size)
    if field == 'campaign' and lead.campaign_id:
        campaign = cached.get(f'campaign:{lead.campaign_id}', lambda: Campaign.get_by_id(lead.campaign_id))
        if campaign.code in values or campaign.name in values:
            return campaign.name
    if field == 'budget':
        try:
            floor = Decimal(values[0]) if values else None
        except InvalidOperation:
            return None
        if floor is not None and Decimal(lead.budget or 0) >= floor:
            return ''
    has_contact = bool((lead.phone or '').strip() or (lead.mobile or '').strip() or (lead.email or '').strip())
    if field == 'has_contact' and has_contact:
        return ''
    if field == 'no_contact' and not has_contact:
        return ''
    return None


def active_grading_rules():
    """Return the active grading rules in order (this process's copy, see ltc.services.cached)."""
    return cached.get('grading_rules', lambda: list(
        GradingRule.select().where(GradingRule.active).order_by(GradingRule.sequence, GradingRule.id)))


def compute_grade(lead, rules=None, limits=None):
    """Return (grade, score, reasons text) for LEAD without saving anything."""
    rules = active_grading_rules() if rules is None else rules
    if not rules:
        return 'ungraded', 0, 'no active grading rules'
    limits = limits or cached.get('grading_thresholds', thresholds)
    score, reasons = 0, []
    for rule in rules:
        hit = rule_hit(rule, lead)
        if hit is None:
            continue
        score += rule.points
        reasons.append(reason_line(rule.name, rule.points, hit))
    return grade_of(score, limits), score, '\n'.join(reasons)


def reason_line(name, points, hit=''):
    """Return one line of a lead's score reasons, e.g. '+20 target industry 制造业'."""
    sign = '+' if points >= 0 else MINUS
    return f'{sign}{abs(points)} {name}' + (f' {hit}' if hit else '')


def grade_of(score, limits):
    """Return the grade of SCORE under LIMITS {'high': n, 'general': m}."""
    return 'high' if score >= limits['high'] else 'general' if score >= limits['general'] else 'worthless'


def _apply_grade(lead, rules=None, limits=None):
    """Set LEAD's grade, score and reasons; return True when they changed."""
    grade, score, reasons = compute_grade(lead, rules, limits)
    return update(lead, grade=grade, score=score, score_reasons=reasons)


def grade_lead(lead, by=None):
    """Grade LEAD by the active rules and save its grade, score and reasons if they changed."""
    with database.atomic():
        if _apply_grade(lead):
            audit.save(lead, action='grade')
    return lead


def regrade_open_leads():
    """Re-grade every lead that is not converted or disqualified; return how many changed."""
    rules = list(GradingRule.select().where(GradingRule.active).order_by(GradingRule.sequence, GradingRule.id))
    limits = thresholds()
    changed = 0
    query = Lead.select().where(Lead.status.not_in(('converted', 'disqualified'))).order_by(Lead.id)
    with database.atomic():
        for lead in query.iterator():
            if _apply_grade(lead, rules, limits):
                audit.save(lead, action='grade')
                changed += 1
    return changed


def install_default_rules():
    """Create the default grading rules when none exist; return how many were created."""
    if GradingRule.select().exists():
        return 0
    with database.atomic():
        for seq, (name, field, value, points) in enumerate(DEFAULT_RULES, 1):
            audit.save(GradingRule(name=name, field=field, value=value, points=points, sequence=seq * 10))
    return len(DEFAULT_RULES)


def save_lead(lead, by=None, assign=True):
    """Save a new or edited lead: normalise, grade, flag a duplicate and (if new and unowned) assign."""
    if not (lead.company or '').strip():
        raise invalid('A lead needs a company name; fill in the company.', '线索必须填写公司名称。')
    is_new = lead.id is None
    wanted = lead.owner_id
    stored = None if is_new else Lead.get_by_id(lead.id).owner_id
    if not is_new and wanted != stored:
        lead.owner = stored   # a new owner is an assignment (open lead, eligible, under the cap), below
    elif is_new and wanted is not None:
        from .assignment import check_room
        from ..models import User
        check_room(User.get_by_id(wanted))
    with database.atomic():
        normalise(lead)
        _apply_grade(lead)
        if is_new or lead.duplicate_of_id is None:
            original = find_original(lead)
            lead.duplicate_of = original
        if is_new and assign and lead.owner_id is None and lead.status == 'new':
            apply_owner(lead, choose_owner(lead)[0])
        elif is_new and lead.owner_id and lead.status == 'new':
            apply_owner(lead, lead.owner)
        audit.save(lead)
        if is_new:
            from .assignment import remind_owner
            remind_owner(lead, by, new=True)   # its owner was found active (and under the cap) above
        if not is_new and wanted != stored:
            from ..models import User
            assign_lead(lead, by=by, to=User.get_by_id(wanted) if wanted else None)
    return lead


def check_status(lead, status):
    """Refuse STATUS unless the lead status flow allows LEAD to go there (converted only by converting)."""
    if status not in C.LEAD_STATUSES:
        raise invalid('Unknown lead status {status!r}; use one of {choices}.',
                      '未知的线索状态 {status!r}；请使用 {choices} 之一。',
                      status=status, choices=', '.join(C.LEAD_STATUSES))
    if status == 'converted':
        raise refusal('Status refused: a lead becomes converted only by converting it; use convert.',
                      '状态变更被拒绝：线索只能通过“转化”操作变为已转化。')
    if status not in TRANSITIONS[lead.status]:
        raise refusal('Status refused: lead {code} cannot go from {old} to {new}; allowed: {allowed}.',
                      '状态变更被拒绝：线索 {code} 不能从“{old_zh}”变为“{new_zh}”；允许：{allowed}。',
                      code=lead.code, old=lead.status, new=status,
                      old_zh=C.LEAD_STATUSES.label(lead.status, 'zh'),
                      new_zh=C.LEAD_STATUSES.label(status, 'zh'),
                      allowed=', '.join(sorted(TRANSITIONS[lead.status])) or 'none')


def set_status(lead, status, by=None, reason=None):
    """Move LEAD to STATUS along the lead status flow; disqualifying needs a reason."""
    check_status(lead, status)
    from . import gate
    gate.require(by, lead)
    reason = (reason or '').strip()
    if status == 'disqualified' and not reason:
        raise refusal('Disqualification refused: give a reason (e.g. no budget, not reachable).',
                      '作废被拒绝：请填写作废原因（如无预算、无法联系）。')
    if status == 'assigned' and lead.owner_id is None:
        raise refusal('Status refused: lead {code} has no owner; assign it instead.',
                      '状态变更被拒绝：线索 {code} 没有负责人；请先分配。', code=lead.code)
    with database.atomic():
        lead.status = status
        lead.disqualify_reason = reason[:255] if status == 'disqualified' else None
        action = status if status in ('disqualified', 'qualified') else 'status'
        audit.save(lead, action=action, note=reason[:255] or None)
    return lead


def disqualify(lead, reason, by=None):
    """Disqualify LEAD with a reason."""
    return set_status(lead, 'disqualified', by=by, reason=reason)


def qualify(lead, by=None):
    """Mark LEAD as verified (qualified)."""
    return set_status(lead, 'qualified', by=by)


def find_customer_by_name(name, by=None):
    """Return the customer whose name, normalised, equals NAME normalised, or None; with BY, only among the
    customers BY may see (another owner's customer is neither matched nor revealed)."""
    from . import gate
    act = gate.as_actor(by) if by is not None else None
    where = scope.condition(Customer, act.user) if act is not None and not act.is_system else SQL('1 = 1')
    exact = Customer.select().where(Customer.name == (name or '').strip(), where).order_by(Customer.id).first()
    if exact is not None:
        return exact
    key = normalise_company(name)
    if not key:
        return None
    # A short probe from the first word narrows the scan; the normalised comparison decides.
    probe = re.split(r'[\s,.;:·、，。\-_&\'"()（）]+', name.strip())[0][:4] or key[:4]
    for customer in Customer.select().where(Customer.name.contains(probe), where).order_by(Customer.id):
        if normalise_company(customer.name) == key:
            return customer
    return None


def _existing_contact(customer, lead):
    from .dedupe import normalise_email, normalise_phone
    for contact in Contact.select().where(Contact.customer == customer.id):
        if lead.email_norm and normalise_email(contact.email) == lead.email_norm:
            return contact
        phones = {normalise_phone(contact.mobile), normalise_phone(contact.phone)} - {None}
        if lead.phone_norm and lead.phone_norm in phones:
            return contact
    return None


def first_stage():
    return (Stage.select().where(~Stage.is_won, ~Stage.is_lost).order_by(Stage.sequence).first())


def convert_lead(lead, by=None, customer=None, opportunity_name=None, amount=None,
                 expected_close_on=None, create_opportunity=True):
    """Convert LEAD into a customer (new or matched by name), a contact and an opportunity."""
    from .opportunities import record_initial_stage, weighted
    lead = Lead.get_by_id(lead.id)
    if lead.status == 'converted':
        raise refusal('Conversion refused: lead {code} is already converted (customer {customer}).',
                      '转化被拒绝：线索 {code} 已转化（客户 {customer}）。', code=lead.code,
                      customer=lead.converted_customer.code if lead.converted_customer_id else '-')
    if lead.status == 'disqualified':
        raise refusal('Conversion refused: lead {code} is disqualified ({reason}); reopen it first.',
                      '转化被拒绝：线索 {code} 已作废（{reason}）；请先重新打开。',
                      code=lead.code, reason=lead.disqualify_reason or '-')
    stage = first_stage() if create_opportunity else None
    if create_opportunity and stage is None:
        raise refusal('Conversion refused: no open opportunity stage exists; run `flask ltc db upgrade`.',
                      '转化被拒绝：没有可用的商机阶段；请运行 `flask ltc db upgrade`。')
    owner_id = lead.owner_id or getattr(by, 'id', None)
    today = datetime.date.today()
    if customer is not None and by is not None:
        from . import gate
        if customer.id not in gate.visible(by, Customer, [customer.id]):
            raise gate.not_found(Customer, customer.code)
    with database.atomic():
        normalise(lead)
        customer = customer or find_customer_by_name(lead.company, by=by)
        if customer is None:
            customer = audit.save(Customer(
                name=lead.company.strip(), industry=lead.industry, region_province=lead.region_province,
                region_city=lead.region_city, size=lead.company_size, source=lead.source,
                phone=lead.phone, email=lead.email, website=lead.website, address=lead.address,
                owner=owner_id, owner_since=today if owner_id else None,
                department=lead.department_id), note=f'converted from lead {lead.code}')
        contact = _existing_contact(customer, lead)
        if contact is None and (lead.contact_name or lead.mobile or lead.phone or lead.email):
            # A lead's one number was always the contact's mobile; with both, each keeps its place.
            contact = audit.save(Contact(
                customer=customer, name=(lead.contact_name or lead.email or lead.mobile or lead.phone).strip(),
                title=lead.contact_title, mobile=lead.mobile or lead.phone,
                phone=lead.phone if lead.mobile else None, email=lead.email, wechat=lead.wechat,
                next_contact_on=lead.next_contact_on),
                note=f'converted from lead {lead.code}')
        opportunity = None
        if create_opportunity:
            value = Decimal(amount) if amount is not None else Decimal(lead.budget or 0)
            opportunity = Opportunity(
                name=opportunity_name or f'{lead.company} - {(lead.requirement or "").strip()[:60] or "新商机"}',
                customer=customer, lead=lead, contact=contact, owner=owner_id or customer.owner_id,
                department=lead.department_id or customer.department_id, stage=stage, amount=value,
                weighted_amount=weighted(value, stage), source=lead.source, stage_changed_at=utcnow(),
                expected_close_on=expected_close_on, first_close_on=expected_close_on)
            audit.save(opportunity, note=f'converted from lead {lead.code}')
            record_initial_stage(opportunity, by)
        lead.status = 'converted'
        lead.converted_customer = customer
        lead.converted_contact = contact
        lead.converted_at = utcnow()
        audit.save(lead, action='convert')
    return {'customer': customer, 'contact': contact, 'opportunity': opportunity, 'lead': lead}
