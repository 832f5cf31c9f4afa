"""Approvals routed up the org tree: the steps a submission needs, who may decide each, in order.

A submission opens a round of steps from the approval rules (amount thresholds, discount, kind of
contract), ordered by the rules' sequence. Steps are decided one at a time, lowest first:

- a **department** step by a manager whose department is the record's or one above it;
- a **region** step by a manager of the record's region (the nearest department marked as a
  region, else the top-level department below the root) or one above it;
- a **designated** step only by the user the rule names.

Admins stand above every department and may decide department and region steps. Nobody decides
two steps of the same round. A rejection (with its reason) cancels the round's later steps.
"""
import datetime
from decimal import Decimal

from peewee import fn

from ..db import utcnow
from ..models import ApprovalRule, Contract, ContractApproval, Department, Quote, QuoteApproval, QuoteLine, Role, User
from ..models import ContractLine, Product
from ..models.choices import APPROVAL_LEVELS, ROLES
from . import audit, gate, rates
from .cash_common import money
from .messages import invalid, refusal

DECIDERS = ('admin', 'manager')
DESIGNATABLE = ('admin', 'manager', 'finance')
HUNDRED = Decimal('100')


class Subject:
    """What is approved: contracts and quotes differ only in their tables."""

    def __init__(self, model, step_model, fk, name, name_zh):
        self.model, self.step_model, self.fk = model, step_model, fk
        self.name, self.name_zh = name, name_zh


CONTRACT = Subject(Contract, ContractApproval, ContractApproval.contract, 'contract', '合同')
QUOTE = Subject(Quote, QuoteApproval, QuoteApproval.quote, 'quote', '报价单')


def subject_of(record):
    return CONTRACT if isinstance(record, Contract) else QUOTE


# -- what a record needs ------------------------------------------------------------------
def list_discount(rows):
    """Return the discount (%, 2 places) of ROWS [(quantity, list price, amount)] off the list prices."""
    listed = sum((money(Decimal(str(q or 0)) * (p or 0)) for q, p, _ in rows), Decimal('0'))
    amount = sum((money(a or 0) for _, _, a in rows), Decimal('0'))
    if listed <= 0 or amount >= listed:
        return Decimal('0.00')
    return ((listed - amount) * HUNDRED / listed).quantize(Decimal('0.01'))


def discount_of(record):
    """Return RECORD's discount off the list prices of its lines, in percent."""
    line = ContractLine if isinstance(record, Contract) else QuoteLine
    fk = line.contract if isinstance(record, Contract) else line.quote
    rows = (line.select(line.quantity, Product.list_price, line.amount).join(Product)
            .where(fk == record.id).tuples())
    return list_discount(list(rows))


def amount_of(record):
    """Return RECORD's amount in the base currency (today's rate), as the rules' thresholds are written.

    A currency without a rate compares as written.
    """
    amount = money(record.amount if isinstance(record, Contract) else record.total)
    currency = record.currency or 'CNY'
    base = rates.base_currency()
    if currency == base or rates.rate_on(currency, datetime.date.today()) is None:
        return amount
    return rates.convert(amount, currency, base, datetime.date.today())


def rules_for(record):
    """Return the active rules that apply to RECORD, in their order."""
    subject = subject_of(record)
    amount, discount = amount_of(record), discount_of(record)
    query = (ApprovalRule.select().where(ApprovalRule.active, ApprovalRule.applies_to == subject.name)
             .order_by(ApprovalRule.sequence, ApprovalRule.id))
    out = []
    for rule in query:
        if rule.contract_kind and (subject is QUOTE or rule.contract_kind != record.kind):
            continue
        if rule.amount_above and amount <= money(rule.amount_above):
            continue
        if rule.discount_from is not None and discount < rule.discount_from:
            continue
        out.append(rule)
    return out


def steps_for(record):
    """Return the steps [(level, designated user id)] RECORD needs, in order; [] for a quote that needs none."""
    steps = []
    for rule in rules_for(record):
        step = (rule.level, rule.approver_id if rule.level == 'designated' else None)
        if step not in steps:
            steps.append(step)
    if not steps and isinstance(record, Contract):
        steps = [('department', None)]   # a contract always needs its department's manager
    return steps


# -- rounds ---------------------------------------------------------------------------------
def latest_round(record):
    subject = subject_of(record)
    return (subject.step_model.select(fn.MAX(subject.step_model.round))
            .where(subject.fk == record.id).scalar() or 0)


def round_steps(record, number=None):
    """Return the steps of RECORD's round NUMBER (default: the latest), in order."""
    subject = subject_of(record)
    number = latest_round(record) if number is None else number
    model = subject.step_model
    return list(model.select().where(subject.fk == record.id, model.round == number).order_by(model.step))


def open_round(record, by=None, steps=None):
    """Open a new round of RECORD's approval steps; return the step rows."""
    subject = subject_of(record)
    steps = steps_for(record) if steps is None else steps
    number = latest_round(record) + 1
    who = getattr(by, 'username', None)
    rows = []
    for n, (level, designated) in enumerate(steps, 1):
        if level == 'designated' and designated is None:
            raise refusal('Rule {rule}: an approval rule names a designated approver step without the approver; '
                          'an administrator must choose the approver in the approval rules.',
                          '规则 {rule}：有一条审批规则是“指定审批人”步骤，但没有指定审批人；请管理员在审批规则中选择审批人。',
                          rule='approval-rules')
        values = {subject.fk.name: record, 'round': number, 'step': n, 'level': level,
                  'designated': designated, 'decision': 'pending',
                  'comment': f'submitted by {who}' if who and n == 1 else None}
        if subject is QUOTE:
            values['discount'] = discount_of(record)
        rows.append(audit.save(subject.step_model(**values)))
    if rows:
        remind_deciders(record, rows[0])
    return rows


def remind_deciders(record, step):
    """Put 'approval waiting' in the inbox of everyone who may decide STEP of RECORD now."""
    from .reminders import add
    subject = subject_of(record)
    if step.level == 'designated':
        candidates = list(User.select().where(User.id == step.designated_id, User.active))
    else:
        candidates = list(User.select().join(Role).where(Role.name.in_(DECIDERS), User.active))
    visible = {u.id for u in candidates if record.id in gate.visible(u, subject.model, [record.id])}
    for user in candidates:
        if user.id in visible and refusal_for(step, record, user) is None:
            add(user, 'approval_waiting', subject.model.__name__, record.code, datetime.date.today(),
                {'name': f'{subject.name.capitalize()} {record.code}', 'name_zh': f'{subject.name_zh} {record.code}',
                 'step': step.step})


def current_step(record):
    """Return the step of RECORD's latest round now waiting for a decision, or None."""
    for step in round_steps(record):
        if step.decision == 'pending':
            return step
    return None


# -- who may decide ---------------------------------------------------------------------------
def _tree():
    return dict(Department.select(Department.id, Department.parent).tuples())


def _chain(tree, department_id):
    """Return DEPARTMENT_ID and its ancestors, nearest first."""
    out = []
    while department_id is not None and department_id not in out:
        out.append(department_id)
        department_id = tree.get(department_id)
    return out


def department_of(record):
    """Return the department id RECORD belongs to: its own, else its owner's (None when neither)."""
    department = getattr(record, 'department_id', None)
    if department is None and record.owner_id:
        department = User.select(User.department).where(User.id == record.owner_id).scalar()
    return department


def region_of(department_id, tree=None):
    """Return the region of DEPARTMENT_ID: the nearest department marked as a region at or above it,
    else the top-level department below the root (the root itself for the root)."""
    tree = _tree() if tree is None else tree
    chain = _chain(tree, department_id)
    if not chain:
        return None
    regions = {pk for (pk,) in Department.select(Department.id).where(Department.is_region,
                                                                     Department.id.in_(chain)).tuples()}
    for pk in chain:
        if pk in regions:
            return pk
    return chain[-2] if len(chain) > 1 else chain[-1]


def refusal_for(step, record, user):
    """Return why USER may not decide STEP of RECORD (an LTCError), or None when they may."""
    subject = subject_of(record)
    params = dict(user=user.username, code=record.code, step=step.step, entity=subject.name,
                  entity_zh=subject.name_zh, level=APPROVAL_LEVELS.label(step.level),
                  level_zh=APPROVAL_LEVELS.label(step.level, 'zh'))
    if not user.active:
        return refusal('Rule {rule}: {user} is inactive and cannot approve.', '规则 {rule}：{user} 已停用，不能审批。',
                       rule='contract-approver', **params)
    if step.level == 'designated':
        if user.id != step.designated_id:
            name = User.select(User.username).where(User.id == step.designated_id).scalar() or '?'
            return refusal('Rule {rule}: step {step} of {entity} {code} is for the designated approver {name}; '
                           '{user} may not decide it.',
                           '规则 {rule}：{entity_zh} {code} 的第 {step} 步由指定审批人 {name} 审批；{user} 不能审批。',
                           rule='approval-route', name=name, **params)
    else:
        if user.role.name not in DECIDERS:
            return refusal('Rule {rule}: {user} is {role}; only a manager or an admin may approve or reject '
                           '{entity}s.', '规则 {rule}：{user} 的角色是「{role_zh}」；只有销售经理或管理员可以审批或驳回{entity_zh}。',
                           rule='contract-approver', role=user.role.name, role_zh=ROLES.label(user.role.name, 'zh'),
                           **params)
        department = department_of(record)
        if user.role.name != 'admin' and department is not None:
            tree = _tree()
            base = department if step.level == 'department' else region_of(department, tree)
            if user.department_id is None or user.department_id not in _chain(tree, base):
                return refusal('Rule {rule}: step {step} of {entity} {code} needs a {level} whose department '
                               'contains the {entity}\'s; {user} is outside that part of the organisation.',
                               '规则 {rule}：{entity_zh} {code} 的第 {step} 步需要其所属组织范围内的{level_zh}审批；'
                               '{user} 不在该组织范围内。', rule='approval-route', **params)
    earlier = [s for s in round_steps(record, step.round)
               if s.step < step.step and s.approver_id == user.id and s.decision == 'approved']
    if earlier:
        return refusal('Rule {rule}: {user} already approved step {earlier} of {entity} {code}; step {step} '
                       'needs another approver.', '规则 {rule}：{user} 已审批{entity_zh} {code} 的第 {earlier} 步；'
                       '第 {step} 步需要由其他人审批。', rule='approval-route', earlier=earlier[0].step, **params)
    return None


def check_decider(record, by):
    """Refuse, before anything else is looked at, a user who approves nothing: no user, or a role
    that decides neither department nor region steps and is not a designated approver."""
    by = getattr(by, 'record', by)
    if by is None:
        raise invalid('An approval needs the approving user; pass --user.', '审批需要指定审批人；请传入 --user。')
    if by.role.name in DECIDERS:
        return by
    subject = subject_of(record)
    designated = subject.step_model.select().where(subject.fk == record.id, subject.step_model.designated == by.id,
                                                   subject.step_model.decision == 'pending').exists()
    if not designated:
        raise refusal('Rule {rule}: {user} is {role}; only a manager or an admin may approve or reject {entity}s.',
                      '规则 {rule}：{user} 的角色是「{role_zh}」；只有销售经理或管理员可以审批或驳回{entity_zh}。',
                      rule='contract-approver', user=by.username, role=by.role.name,
                      role_zh=ROLES.label(by.role.name, 'zh'), entity=subject.name, entity_zh=subject.name_zh)
    return by


def may_decide(record, user):
    """Return whether USER may decide RECORD's current step now."""
    user = getattr(user, 'record', user)
    step = current_step(record) if record.status == 'pending_approval' else None
    if step is None or user is None:
        return False
    try:
        gate.require(user, record)
    except Exception:   # a refusal of the gate: not theirs to see
        return False
    return refusal_for(step, record, user) is None


def decide(record, by, decision, comment=None):
    """Record BY's DECISION ('approved' or 'rejected') on RECORD's current step; return the step.

    The caller has checked the status and holds the transaction; a rejection cancels the later
    steps of the round and needs a reason.
    """
    by = check_decider(record, by)
    gate.require(by, record)   # the record is inside the approver's data scope
    step = current_step(record)
    if step is None:   # a submission from before rounds: nothing open
        raise refusal('Rule {rule}: {code} has no approval step waiting; submit it again.',
                      '规则 {rule}：{code} 没有待审批的步骤；请重新提交。', rule='approval-route', code=record.code)
    if decision == 'rejected' and not (comment or '').strip():
        raise invalid('Rejecting {code} needs a reason; the owner reads it to correct the draft.',
                      '驳回 {code} 需要填写原因；负责人将据此修改草稿。', code=record.code)
    problem = refusal_for(step, record, by)
    if problem is not None:
        raise problem
    step.approver, step.decision, step.decided_at = by, decision, utcnow()
    step.comment = (comment or step.comment or '')[:255] or None
    audit.save(step, action={'approved': 'approve', 'rejected': 'reject'}[decision])
    if decision == 'approved':
        following = [s for s in round_steps(record, step.round) if s.step > step.step and s.decision == 'pending']
        if following:
            remind_deciders(record, following[0])
    if decision == 'rejected':
        for later in round_steps(record, step.round):
            if later.step > step.step and later.decision == 'pending':
                later.decision = 'cancelled'
                audit.save(later, action='cancel', note=f'step {step.step} rejected')
    return step


def remaining(record):
    """Return the pending steps of RECORD's latest round, in order."""
    return [s for s in round_steps(record) if s.decision == 'pending']


def describe_step(step, lang='en'):
    """Return 'step N (level[: user])' for messages."""
    level = APPROVAL_LEVELS.label(step.level, lang)
    if step.designated_id:
        level += ': ' + (User.select(User.username).where(User.id == step.designated_id).scalar() or '?')
    return (f'第 {step.step} 步（{level}）' if lang.startswith('zh') else f'step {step.step} ({level})')


def inbox(user, subject=CONTRACT):
    """Return the ids of SUBJECT's step rows waiting for USER's decision (current steps only)."""
    user = getattr(user, 'record', user)
    model = subject.step_model
    pending = list(model.select().where(model.decision == 'pending').order_by(model.id))
    first = {}
    for step in pending:   # per record: the lowest pending step of its latest round
        key = getattr(step, subject.fk.name + '_id')
        held = first.get(key)
        if held is None or (step.round, -step.step) > (held.round, -held.step):
            first[key] = step
    ids = []
    if not first:
        return ids
    records = {r.id: r for r in subject.model.select().where(subject.model.id.in_(list(first)),
                                                            subject.model.status == 'pending_approval')}
    visible = gate.visible(user, subject.model, list(records))
    for key, step in first.items():
        record = records.get(key)
        if record is not None and key in visible and refusal_for(step, record, user) is None:
            ids.append(step.id)
    return ids


def check_rule(rule):
    """Refuse an approval rule that cannot route: a designated step without an approver able to read."""
    if rule.level == 'designated':
        approver = User.get_or_none(User.id == rule.approver_id) if rule.approver_id else None
        if approver is None or not approver.active or approver.role.name not in DESIGNATABLE:
            raise invalid('A designated-approver step needs an active admin, manager or finance user as its '
                          'approver; choose one.', '“指定审批人”步骤需要选择一位在职的管理员、经理或财务人员作为审批人。')
    elif rule.approver_id:
        rule.approver = None   # department and region steps are routed by the tree, never to a person
    if rule.discount_from is not None and not 0 <= rule.discount_from <= 100:
        raise invalid('The discount of an approval rule is a percentage between 0 and 100, got {value}.',
                      '审批规则的折扣必须是 0 到 100 之间的百分比，当前为 {value}。', value=rule.discount_from)
    if money(rule.amount_above) < 0:
        raise invalid('The amount of an approval rule cannot be negative.', '审批规则的金额不能为负数。')
    return rule


def save_rule(rule, by=None):
    """Check and save an approval rule (administrators only)."""
    gate.check_role(by, ApprovalRule, 'create' if rule.id is None else 'update')
    check_rule(rule)
    return audit.save(rule)
