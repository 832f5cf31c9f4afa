"""The gate: who may change what. Every door asks here before it writes a business row.

One rule table (role x entity x action, with the fields no door writes and the fields that are
requests for a command) and one check, in this order: the role may do this to this entity and
these fields; the record and every record it references are inside the actor's data scope; the
business rules allow it (the services' commands, reached through `commands.py` for cells).

An actor is a user, or the system actor (jobs, CLI runs without `--as`), which passes the role
and scope checks but never the business rules.
"""
import dataclasses

from ..models import (BankReceipt, Campaign, CareTask, Contact, Contract, ContractLine, Customer, DeliveryMilestone,
                      DunningStep, ExchangeRate,
                      Department, Document, FollowUp, IntakeForm, Invoice, Lead, Opportunity, OpportunityContact,
                      OpportunityProduct, Payment, PaymentPlan, Product, ProductCategory, ProductPlan, Quote,
                      QuoteLine, ReceiptMatch, Target, TeamMember, User)
from ..errors import LTCError, NotFound
from ..models import Role
from ..models.choices import ROLES
from . import audit, scope
from .messages import refusal

SALES_SIDE = ('admin', 'ops', 'manager', 'sales')
MONEY = SALES_SIDE + ('finance',)
CATALOG = ('admin', 'ops')
MANAGERS = ('admin', 'manager')
DELETERS = ('admin', 'ops', 'manager')
SYSTEM = 'system'
# Roles that may own leads, customers, opportunities, quotes and contracts.
OWNER_ROLES = ('admin', 'manager', 'sales', 'ops')


class Refused(Exception):
    """Marker mixin: refusals of the gate (role, field or scope)."""


class PermissionDenied(LTCError, Refused):
    """The actor's role may not do this."""


class NotYours(NotFound, Refused):
    """The record does not exist or is outside the actor's scope (the same answer for both)."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """What each role may do to one entity."""
    create: tuple
    update: tuple
    delete: tuple
    derived: tuple = ()     # set by the rules; no door writes them
    commands: tuple = ()    # a change is a request for a command (see ltc/sync/writes/requests.py)
    note: str = ''
    restricted: tuple = ()  # ((field, roles), ...): only these roles write the field

    def roles_for(self, action):
        return {'create': self.create, 'update': self.update, 'delete': self.delete}[action]


# A record's identity: given when it is created (a contract number), never changed after.
FIXED = ('code', 'created_at', 'created_by')
RULES = {
    Lead: Rule(SALES_SIDE, SALES_SIDE, DELETERS,
               derived=('grade', 'score', 'score_reasons', 'phone_norm', 'email_norm', 'company_norm',
                        'email_domain', 'duplicate_of', 'converted_customer', 'converted_contact',
                        'converted_at', 'assigned_at', 'followup_count', 'last_followup_at'),
               commands=('status', 'owner'),
               note='status through the lead flow; owner through assignment (eligible, in scope, under the cap)'),
    Customer: Rule(SALES_SIDE, SALES_SIDE, DELETERS,
                   derived=('last_followup_at', 'last_won_on', 'previous_owner', 'released_at', 'owner_since',
                            'locked'),
                   commands=('owner', 'parent'), restricted=(('pool', ('admin', 'ops', 'manager')),),
                   note='owner through claim (pool), release and assignment; parent refuses cycles; lock by action; '
                        'pool set by managers'),
    Contact: Rule(SALES_SIDE, SALES_SIDE, DELETERS, note='its customer must be in scope'),
    Opportunity: Rule(SALES_SIDE, SALES_SIDE, DELETERS,
                      derived=('weighted_amount', 'stage_changed_at', 'closed_on', 'first_close_on',
                               'health_score', 'health_reasons', 'followup_count', 'last_followup_at'),
                      commands=('stage',),
                      note='stage through the stage rules (history, probability, Won needs a contract or quote)'),
    OpportunityContact: Rule(SALES_SIDE, SALES_SIDE, SALES_SIDE),
    OpportunityProduct: Rule(SALES_SIDE, SALES_SIDE, SALES_SIDE),
    TeamMember: Rule(('admin', 'manager', 'sales'), ('admin', 'manager', 'sales'), ('admin', 'manager', 'sales'),
                     derived=('added_by',),
                     note="through ltc.services.teams, by the opportunity's owner, the managers whose scope holds it "
                          'or an admin; a member reads the opportunity, its quotes, contracts and follow-ups and '
                          'logs follow-ups on it, and changes nothing else'),
    Quote: Rule(SALES_SIDE, SALES_SIDE, DELETERS, derived=('status', 'total', 'subtotal', 'discount_amount'),
                note='status by the quote actions'),
    QuoteLine: Rule(SALES_SIDE, SALES_SIDE, SALES_SIDE, derived=('amount',)),
    Contract: Rule(MONEY, MONEY, DELETERS,
                   derived=('approved_by', 'approved_at', 'renewal_of'),
                   commands=('status',),
                   note='status through the contract flow: submit (owner side), approve/reject each step '
                        '(by the approval rules: a manager of the department or region above, or the designated '
                        'approver), activate, complete; never effective before its last step'),
    ContractLine: Rule(MONEY, MONEY, MONEY),
    DeliveryMilestone: Rule(MONEY, MONEY, DELETERS, derived=('accepted_on', 'status'),
                            note='accepted by "Accept delivery"'),
    PaymentPlan: Rule(MONEY, MONEY, DELETERS, derived=('status', 'paid_amount'),
                      note='status and paid amount follow the payments'),
    Payment: Rule(('admin', 'ops', 'finance'), (), (),
                  derived=('recorded_by',),
                  note='recorded through the receivables rules (plan, over-payment, currency); never edited'),
    BankReceipt: Rule(('admin', 'ops', 'finance'), (), (),
                      derived=('matched_amount', 'status', 'fingerprint'),
                      note='imported from bank statements (each line once); matched through ltc.services.reconcile'),
    ExchangeRate: Rule(('admin', 'finance'), ('admin', 'finance'), ('admin',),
                       note='one rate per currency and date, in the base currency (setting currency.base)'),
    DunningStep: Rule(MONEY, (), (), note='recorded through ltc.services.collection.dun, one level at a time'),
    ReceiptMatch: Rule(('admin', 'ops', 'finance'), (), (), note='a confirmed match is a payment; never edited'),
    Invoice: Rule(MONEY, ('admin', 'ops', 'finance'), (),
                  derived=('status', 'number', 'net_amount', 'tax_amount', 'issued_on', 'reversed_on',
                           'reverse_reason', 'requested_by', 'contract', 'customer', 'currency'),
                  note='requested on a plan (never more than it, reversed invoices aside); issued with its number, '
                       'sent and reversed (红冲) by finance through ltc.services.invoices; never deleted'),
    FollowUp: Rule(MONEY, MONEY, DELETERS,
                   note='finance: collection follow-ups on the contracts and plans it keeps, changed by their owner'),
    CareTask: Rule(SALES_SIDE, SALES_SIDE, DELETERS, derived=('status', 'done_at')),
    Campaign: Rule(SALES_SIDE, SALES_SIDE, DELETERS),
    IntakeForm: Rule(DELETERS, DELETERS, DELETERS, derived=('key',),
                     note='a web form of a campaign; its public key is made (and renewed) by the rules'),
    Target: Rule(MANAGERS, MANAGERS, MANAGERS, note="a manager's targets are for users and departments of their tree"),
    Document: Rule(MONEY, MONEY, MONEY,
                   derived=('entity', 'entity_id', 'entity_code', 'filename', 'content_type', 'size', 'storage_key',
                            'uploaded_by'),
                   note='through ltc.services.documents, on a record in scope: attach by kind of record (finance: '
                        'contracts, milestones, payment plans, payments); title and delete by the uploader or admin, ops, manager'),
    Product: Rule(CATALOG, CATALOG, CATALOG),
    ProductCategory: Rule(CATALOG, CATALOG, CATALOG),
    ProductPlan: Rule(CATALOG, CATALOG, CATALOG),
}
# Settings, users and everything else not in RULES: admin only.
ADMIN_ONLY = Rule(('admin',), ('admin',), ('admin',))


def rule_for(model):
    return RULES.get(model, ADMIN_ONLY)


class Actor:
    """Who acts: a user (their role and scope apply) or the system actor named NAME."""

    def __init__(self, user=None, name=None):
        self.user = getattr(user, 'record', user)   # the admin's SessionUser wraps the row
        self.name = self.user.username if self.user is not None else (name or 'system')

    @property
    def is_system(self):
        return self.user is None

    @property
    def role(self):
        return SYSTEM if self.user is None else self.user.role.name

    def __repr__(self):
        return f'Actor({self.name}, {self.role})'


def actor():
    """Return the actor of the running operation (set by `audit.acting_as`)."""
    value = audit.current_actor()
    if isinstance(value, Actor):
        return value
    if isinstance(value, User) or hasattr(value, 'record'):
        return Actor(value)
    return Actor(name=audit.current()[0])


def as_actor(value):
    if isinstance(value, Actor):
        return value
    if value is None:
        return actor()
    if isinstance(value, str):
        return Actor(name=value)
    return Actor(value)


# -- messages -------------------------------------------------------------------------
def _label(model):
    return getattr(model, 'label', model.__name__.lower())


def role_refusal(act, model, action):
    role = act.role
    return refusal('Refused: a {role} user may not {action} {entity} records; ask an administrator.',
                   '已拒绝：「{role_zh}」角色不能{action_zh}{entity}；请联系管理员。',
                   error_class=PermissionDenied, role=role, action=action, entity=_label(model),
                   role_zh=ROLES.label(role, 'zh') if role in ROLES else role,
                   action_zh={'create': '新建', 'update': '修改', 'delete': '删除'}.get(action, action))


def derived_refusal(model, fields):
    return refusal('Refused: {fields} of a {entity} are set by the rules and cannot be written; leave them as '
                   'they are.', '已拒绝：{entity}的{fields}由业务规则计算，不能直接填写；请保持原值。',
                   error_class=PermissionDenied, fields=', '.join(sorted(fields)), entity=_label(model))


def not_found(model, code):
    """The one refusal for a record that does not exist and one outside the actor's scope."""
    return refusal('{entity} {code} was not found among the records you may change.',
                   '在您可修改的记录中找不到{entity} {code}。', error_class=NotYours,
                   entity=_label(model), code=code or '')


def owner_refusal(user):
    name = getattr(user, 'username', user)
    return refusal('Refused: {user} cannot own this record (not an active sales-side user within your team); '
                   'choose another owner.',
                   '已拒绝：{user} 不能作为负责人（不是您团队内在职的销售侧用户）；请选择其他负责人。',
                   error_class=PermissionDenied, user=name)


# -- checks ---------------------------------------------------------------------------
def may(act, model, action):
    """Return whether ACT's role may ACTION (create, update, delete) records of MODEL."""
    act = as_actor(act)
    return act.is_system or act.role in rule_for(model).roles_for(action)


def check_role(act, model, action, fields=()):
    """Refuse unless ACT's role may ACTION records of MODEL, writing FIELDS (no derived field)."""
    act = as_actor(act)
    rule = rule_for(model)
    if not act.is_system and act.role not in rule.roles_for(action):
        raise role_refusal(act, model, action)
    bad = [f for f in fields if f in rule.derived or (action != 'create' and f in FIXED)]
    if bad:
        raise derived_refusal(model, bad)
    for field, roles in rule.restricted:
        if field in fields and not act.is_system and act.role not in roles:
            raise refusal('Refused: a {role} user may not set {field} of a {entity}; ask a manager.',
                          '已拒绝：「{role_zh}」角色不能设置{entity}的 {field}；请联系经理。',
                          error_class=PermissionDenied, role=act.role, field=field, entity=_label(model),
                          role_zh=ROLES.label(act.role, 'zh') if act.role in ROLES else act.role)


def visible(act, model, ids, write=True):
    """Return the subset of IDS of MODEL that ACT may change, or with WRITE False may read (one query per
    500 ids). The two differ by the opportunity team: a member reads its opportunity, never changes it."""
    act = as_actor(act)
    ids = [i for i in {int(i) for i in ids if i is not None}]
    if act.is_system or not ids:
        return set(ids)
    seen = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        query = model.select(model.id).where(model.id.in_(chunk), scope.condition(model, act.user, write))
        seen.update(pk for (pk,) in query.tuples())
    return seen


def may_own(act, user_ids):
    """Return the subset of USER_IDS that ACT may make owners: active sales-side users in ACT's scope."""
    act = as_actor(act)
    ids = {int(i) for i in user_ids if i is not None}
    if not ids:
        return set()
    query = (User.select(User.id).join(Role, on=(User.role == Role.id))
             .where(User.id.in_(list(ids)), User.active, Role.name.in_(OWNER_ROLES)))
    eligible = {pk for (pk,) in query.tuples()}
    if act.is_system:
        return eligible
    allowed = scope.visible_user_ids(act.user)
    return eligible if allowed is None else eligible & set(allowed)


def references(model, values):
    """Return [(field name, target model, id)] of the records VALUES point at (users and departments apart)."""
    out = []
    for name, value in values.items():
        field = model._meta.fields.get(name)
        rel = getattr(field, 'rel_model', None)
        if rel is None or value in (None, ''):
            continue
        out.append((name, rel, getattr(value, 'id', value)))
    return out


SCOPED_REFS = (Customer, Contact, Lead, Opportunity, Quote, Contract, PaymentPlan, DeliveryMilestone)
OWNER_FIELDS = ('owner',)


def team_refs(act, model, values):
    """Return {(model, id)} a new follow-up may name though ACT may only read them: the opportunity it is
    logged on when ACT is on that opportunity's team, and the opportunity's customer."""
    pk = values.get('opportunity')
    pk = getattr(pk, 'id', pk)
    if model is not FollowUp or act.is_system or not pk or pk not in visible(act, Opportunity, [pk], write=False):
        return set()
    customer = Opportunity.select(Opportunity.customer).where(Opportunity.id == pk).scalar()
    return {(Opportunity, pk), (Customer, customer)}


def check_refs(act, model, values, code=None):
    """Refuse when a record VALUES refer to is outside ACT's scope, or an owner ACT may not give."""
    act = as_actor(act)
    read_only = team_refs(act, model, values)
    for name, rel, pk in references(model, values):
        if rel is User:   # owners are checked for the system actor too (active, sales side)
            if name in OWNER_FIELDS and pk not in may_own(act, [pk]):
                raise owner_refusal(User.get_or_none(User.id == pk) or pk)
        elif act.is_system:
            continue
        elif rel is Department:
            allowed = scope._department_ids(act.user)
            if act.role not in ('admin', 'ops') and pk not in (allowed or []) and pk != act.user.department_id:
                raise not_found(Department, code_of(rel, pk))
        elif rel in SCOPED_REFS and (rel, pk) not in read_only and pk not in visible(act, rel, [pk]):
            raise not_found(rel, code_of(rel, pk))


def code_of(model, pk):
    row = model.select(model.code).where(model.id == pk).tuples().first()
    return row[0] if row else ''


CONTRACT_TERMS_OPEN = ('draft',)
CONTRACT_FREE = ('notes', 'owner', 'department', 'status')


def check_state(model, stored, fields, values=None, action='update'):
    """Refuse field changes the record's state does not allow (STORED: its stored values as a dict).

    A contract's terms change only while it is a draft (after approval: renew or terminate it); a
    payment plan never moves to another contract and never drops below what was paid; recorded
    payments are never edited or deleted. Applies to every actor, the system one included.
    """
    values = values or {}
    if model is ContractLine:
        contract = Contract.get_or_none(Contract.id == (values.get('contract') or stored.get('contract')))
        if contract is not None and contract.status not in CONTRACT_TERMS_OPEN:
            raise refusal('Refused: contract {code} is {status}; its lines change only while it is a draft.',
                          '已拒绝：合同 {code} 当前为「{status}」；合同明细只能在草稿状态修改。',
                          code=contract.code, status=contract.status)
        return
    if action == 'create':
        return
    if model is Contract and action == 'delete' and stored.get('status') not in CONTRACT_TERMS_OPEN:
        raise refusal('Refused: contract {code} is {status}; terminate it instead of deleting it.',
                      '已拒绝：合同 {code} 当前为「{status}」；请终止合同，而不是删除。',
                      code=stored.get('code'), status=stored.get('status'))
    if model is PaymentPlan and action == 'delete' and (stored.get('paid_amount') or 0) > 0:
        raise refusal('Refused: payment plan {code} has payments; it cannot be deleted.',
                      '已拒绝：回款计划 {code} 已有回款，不能删除。', code=stored.get('code'))
    if model is Payment:
        raise refusal('Refused: payment {code} is recorded and cannot be edited or deleted; record a correction '
                      'or ask finance to reverse it.', '已拒绝：回款 {code} 已登记，不能修改或删除；请登记更正或请财务冲销。',
                      error_class=PermissionDenied, code=stored.get('code'))
    if model is Contract and stored.get('status') not in CONTRACT_TERMS_OPEN:
        locked = sorted(f for f in set(fields) - set(CONTRACT_FREE) if not f.startswith('custom'))
        if locked:
            raise refusal('Refused: contract {code} is {status}; its terms ({fields}) change only while it is a '
                          'draft. Renew it or terminate it instead.',
                          '已拒绝：合同 {code} 当前为「{status}」；条款（{fields}）只能在草稿状态修改。请续签或终止合同。',
                          code=stored.get('code'), status=stored.get('status'), fields=', '.join(locked))
    if model is PaymentPlan:
        if 'contract' in fields and values.get('contract') != stored.get('contract'):
            raise refusal('Refused: payment plan {code} belongs to its contract; add a plan to the other contract '
                          'instead.', '已拒绝：回款计划 {code} 属于其合同，不能改到其他合同；请在另一合同下新增回款计划。',
                          code=stored.get('code'))
        paid = stored.get('paid_amount') or 0
        if 'amount' in fields and values.get('amount') is not None and values['amount'] < paid:
            raise refusal('Refused: payment plan {code} has {paid} paid; its amount cannot be less.',
                          '已拒绝：回款计划 {code} 已回款 {paid}；计划金额不能低于此数。', code=stored.get('code'),
                          paid=f'{paid:.2f}')


def check_write(act, instance, action, fields=None, values=None):
    """Refuse unless ACT may ACTION (create, update, delete) INSTANCE changing FIELDS to VALUES.

    Role and fields first, then the record's own scope (as stored: a record outside the actor's
    scope reads as not found), then the records the new values refer to.
    """
    act = as_actor(act)
    model = type(instance)
    fields = list(fields or ())
    check_role(act, model, action, fields)
    if action != 'create' and instance.id is not None and not act.is_system:
        if instance.id not in visible(act, model, [instance.id]):
            raise not_found(model, instance.code)
    if values is None:
        values = {f: instance.__data__.get(f) for f in fields} if action != 'delete' else {}
    stored = {}
    if action != 'create' and instance.id is not None:
        stored = model.select().where(model.id == instance.id).dicts().get_or_none() or {}
    if action != 'update' or fields:
        check_state(model, stored, fields, values if action != 'delete' else {}, action)
    check_refs(act, model, values, instance.code)


def require(by, record, action='update'):
    """Refuse unless BY (a user or Actor; None: the running operation's actor) may ACTION RECORD: its role
    may, and RECORD is inside its scope. Service commands call this before they write."""
    act = as_actor(by)
    if act.is_system:
        return act
    check_role(act, type(record), action)
    if record.id is not None and record.id not in visible(act, type(record), [record.id]):
        raise not_found(type(record), record.code)
    return act


def update_fields(act, record, values, note=None):
    """Write VALUES (plain fields, no command fields) into RECORD for ACT, after the gate's checks."""
    check_write(act, record, 'update', fields=list(values), values=values)
    for name, value in values.items():
        setattr(record, name, value)
    return audit.save(record, note=note)


# The rule table's header words by language (entity, derived fields, command fields, the rest).
RULE_TABLE_WORDS = {
    'en': ('entity', 'set by the rules (read-only)', 'requests a command', 'settings, users, everything else'),
    'zh': ('对象', '由规则设置（只读）', '需要命令', '设置、用户及其他一切'),
}


def rules_table(lang='en'):
    """Return the rule table as Markdown rows (role x entity x action, derived and command fields)."""
    roles = [r for r in ROLES]
    words = RULE_TABLE_WORDS[lang]
    head = f'| {words[0]} | ' + ' | '.join(roles) + f' | {words[1]} | {words[2]} |'
    lines = [head, '|' + '---|' * (len(roles) + 3)]
    for model, rule in list(RULES.items()) + [(None, ADMIN_ONLY)]:
        cells = []
        for role in roles:
            letters = ''.join(letter for letter, action in (('C', 'create'), ('U', 'update'), ('D', 'delete'))
                              if role in rule.roles_for(action))
            cells.append(letters or '–')
        name = model.__name__ if model else words[3]
        lines.append(f'| {name} | ' + ' | '.join(cells) + f' | {", ".join(rule.derived) or "–"} | '
                     f'{", ".join(rule.commands) or "–"}{" — " + rule.note if rule.note else ""} |')
    return '\n'.join(lines)
