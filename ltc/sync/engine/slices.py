"""A target's slice: the rows its sheet holds, as terms like `owner=me`, `stage=open`, `due=next 30`.

Terms are kept as typed ([field, value] pairs, the value a comma-separated list meaning "any of") and
turned into one peewee condition per run, so `me`, a department's subtree and a date window are read
on the day the run happens. The run-as user's data scope bounds the slice further (the engine adds
`scope.condition`): a slice narrows what a user may read, it never widens it.

Fields (each entity takes those its records have):

owner           me, or usernames: the record's owner (a payment plan: its own owner)
department      department codes or names, each with the departments below it
region          provinces (a lead's or customer's own; others: their customer's)
status          status values or labels (leads, contracts, payment plans)
stage           opportunities: stage names, codes, or open / won / lost / closed; leads: open / closed
grade           leads: grade; customers: level
customer        customer codes or names (opportunities, contracts, payment plans)
contract_owner  payment plans: the owner of their contract (me, or usernames)
created, due, close, signed, end
                date windows: `last 30`, `next 14`, `overdue`, `today`, `2026-01-01..2026-03-31`
"""
import datetime
import json
import re

from peewee import Value

from ...db import utcnow
from ...models import Contract, Customer, Department, Lead, Opportunity, PaymentPlan, Stage, User
from ...models import choices as C
from ..errors import SyncError

OPEN_LEADS = ('new', 'assigned', 'contacted', 'qualified')
DATES = {'created': 'created_at', 'due': 'due_on', 'close': 'expected_close_on', 'signed': 'signed_on',
         'end': 'end_on'}
FIELDS = ('owner', 'department', 'region', 'status', 'stage', 'grade', 'customer', 'contract_owner') + tuple(DATES)
FIELD_ZH = {'owner': '负责人', 'department': '部门', 'region': '地区', 'status': '状态', 'stage': '阶段',
            'grade': '等级', 'customer': '客户', 'contract_owner': '合同负责人', 'created': '创建日期',
            'due': '到期日', 'close': '预计成交日', 'signed': '签约日', 'end': '到期终止日'}
WINDOW = re.compile(r'^(last|next|past|coming|-|\+|最近|未来)\s*(\d{1,4})\s*(d|days?|天)?$', re.I)


def _refuse(en, zh):
    return SyncError(en, zh=zh)


def parse_terms(items):
    """Return [(field, value)] from `field=value` strings (the CLI's repeated --where) or pairs."""
    terms = []
    for item in items or ():
        if isinstance(item, (list, tuple)):
            name, value = item
        else:
            name, sep, value = str(item).partition('=')
            if not sep:
                raise _refuse(f'The slice term {item!r} has no "="; write it as field=value, e.g. owner=me.',
                              f'筛选条件 {item!r} 缺少“=”；请写成 字段=值，例如 owner=me。')
        name, value = name.strip().lower().replace('-', '_'), value.strip()
        if name not in FIELDS:
            raise _refuse(f'A slice cannot filter on {name!r}; use one of {", ".join(FIELDS)}.',
                          f'筛选条件不支持 {name!r}；可用：{", ".join(FIELDS)}。')
        if not value:
            raise _refuse(f'The slice term {name}= has no value; give one, e.g. {name}={_example(name)}.',
                          f'筛选条件 {name}= 没有值；请填写，例如 {name}={_example(name)}。')
        terms.append((name, value))
    return terms


def _example(name):
    return {'owner': 'me', 'department': 'D0001', 'region': '广东', 'status': 'new', 'stage': 'open',
            'grade': 'high', 'customer': 'C00001', 'contract_owner': 'me'}.get(name, 'last 30')


def describe(terms, lang='en'):
    """Return the slice as people read it: `owner = me, stage = open` (everything: `all rows`)."""
    if not terms:
        return '全部行' if lang.startswith('zh') else 'all rows'
    if lang.startswith('zh'):
        return '，'.join(f'{FIELD_ZH.get(n, n)}={v}' for n, v in terms)
    return ', '.join(f'{n}={v}' for n, v in terms)


def dumps(terms):
    return json.dumps([list(t) for t in terms], ensure_ascii=False)


def _values(value):
    return [v.strip() for v in re.split(r'[,，、]', value) if v.strip()]


class Slice:
    """The terms of one target over one model, turned into a condition for the run-as USER."""

    def __init__(self, model, terms, user=None, today=None):
        self.model, self.terms, self.user = model, list(terms), user
        self.today = today or utcnow().date()

    @property
    def dated(self):
        """Return whether the slice moves with the calendar (a date window): a new day may change its rows."""
        return any(n in DATES for n, _ in self.terms)

    def condition(self):
        """Return the peewee expression selecting the slice's rows (True when it has no terms)."""
        expr = Value(True)
        for name, value in self.terms:
            expr = expr & getattr(self, f'_{name}')(value)
        return expr

    def check(self):
        """Refuse a term this entity has no field for or whose value names nothing; return self."""
        self.condition()
        return self

    # -- fields -------------------------------------------------------------------------
    def _no_field(self, name):
        label = getattr(self.model, 'label', self.model.__name__.lower())
        return _refuse(f'{label} records have no {name} to slice by; remove the term {name}=… from the slice.',
                       f'{label} 记录没有可用于筛选的“{FIELD_ZH.get(name, name)}”；请从筛选条件中删除 {name}=…。')

    def _users(self, value, name):
        ids = []
        for text in _values(value):
            if text.lower() in ('me', '我', '本人'):
                if self.user is None:
                    raise _refuse(f'{name}=me needs a run-as user; choose the user the target runs as.',
                                  f'{name}=me 需要执行用户；请为同步目标选择执行用户。')
                ids.append(self.user.id)
                continue
            user = User.get_or_none((User.username == text) | (User.display_name == text))
            if user is None:
                raise _refuse(f'There is no user {text!r} for {name}=; give a username or me.',
                              f'{name}= 中没有用户 {text!r}；请填写用户名或 me。')
            ids.append(user.id)
        return ids

    def _owner(self, value):
        if not hasattr(self.model, 'owner'):
            raise self._no_field('owner')
        return self.model.owner.in_(self._users(value, 'owner'))

    def _contract_owner(self, value):
        if self.model is not PaymentPlan:
            raise self._no_field('contract_owner')
        return PaymentPlan.contract.in_(Contract.select(Contract.id).where(
            Contract.owner.in_(self._users(value, 'contract_owner'))))

    def _department(self, value):
        ids = set()
        for text in _values(value):
            dept = Department.get_or_none((Department.code == text) | (Department.name == text)
                                          | (Department.name_en == text))
            if dept is None:
                raise _refuse(f'There is no department {text!r} for department=; give its code or name.',
                              f'department= 中没有部门 {text!r}；请填写部门编码或名称。')
            ids.update(dept.subtree_ids())
        ids = sorted(ids)
        if hasattr(self.model, 'department'):
            return self.model.department.in_(ids)
        if self.model is PaymentPlan:
            return PaymentPlan.contract.in_(Contract.select(Contract.id).where(Contract.department.in_(ids)))
        raise self._no_field('department')

    def _region(self, value):
        places = _values(value)
        expr = Customer.region_province.in_(places) | Customer.region_city.in_(places)
        if hasattr(self.model, 'region_province'):
            return self.model.region_province.in_(places) | self.model.region_city.in_(places)
        customers = Customer.select(Customer.id).where(expr)
        if hasattr(self.model, 'customer'):
            return self.model.customer.in_(customers)
        if self.model is PaymentPlan:
            return PaymentPlan.contract.in_(Contract.select(Contract.id).where(Contract.customer.in_(customers)))
        raise self._no_field('region')

    def _customer(self, value):
        names = _values(value)
        customers = Customer.select(Customer.id).where(Customer.code.in_(names) | Customer.name.in_(names))
        if self.model is Customer:
            return Customer.id.in_(customers)
        if hasattr(self.model, 'customer'):
            return self.model.customer.in_(customers)
        if self.model is PaymentPlan:
            return PaymentPlan.contract.in_(Contract.select(Contract.id).where(Contract.customer.in_(customers)))
        raise self._no_field('customer')

    def _choices(self, field, value, name):
        choices = getattr(field, 'ltc_choices', None)
        found = []
        for text in _values(value):
            code = choices.lookup(text) if isinstance(choices, C.Choices) else text
            if code is None:
                shown = ', '.join(choices.values)
                raise _refuse(f'{text!r} is not a {name} here; use one of {shown}.',
                              f'{text!r} 不是有效的{FIELD_ZH.get(name, name)}；可用：{shown}。')
            found.append(code)
        return field.in_(found)

    def _status(self, value):
        if self.model is Opportunity:
            return self._stage(value)
        if not hasattr(self.model, 'status'):
            raise self._no_field('status')
        if self.model is Lead and {v.lower() for v in _values(value)} <= {'open', 'closed'}:
            return self._stage(value)
        return self._choices(self.model.status, value, 'status')

    def _stage(self, value):
        words = [v.lower() for v in _values(value)]
        if self.model is Lead:
            if set(words) - {'open', 'closed'}:
                return self._status(','.join(w for w in _values(value)))
            closed = tuple(s for s in C.LEAD_STATUSES.values if s not in OPEN_LEADS)
            picked = (OPEN_LEADS if 'open' in words else ()) + (closed if 'closed' in words else ())
            return Lead.status.in_(picked)
        if self.model is not Opportunity:
            raise self._no_field('stage')
        ids = set()
        stages = list(Stage.select())
        for text, word in zip(_values(value), words):
            if word in ('open', 'closed', 'won', 'lost'):
                ids.update(s.id for s in stages if {
                    'open': not (s.is_won or s.is_lost), 'closed': s.is_won or s.is_lost,
                    'won': s.is_won, 'lost': s.is_lost}[word])
                continue
            match = [s for s in stages if text in (s.code, s.name, s.name_en) or word == (s.name_en or '').lower()]
            if not match:
                shown = ', '.join(['open', 'won', 'lost', 'closed'] + [s.name_en for s in stages])
                raise _refuse(f'{text!r} is not a stage; use one of {shown}.',
                              f'{text!r} 不是有效的阶段；可用：{shown}。')
            ids.update(s.id for s in match)
        return Opportunity.stage.in_(sorted(ids))

    def _grade(self, value):
        if self.model is Lead:
            return self._choices(Lead.grade, value, 'grade')
        if self.model is Customer:
            return self._choices(Customer.level, value, 'grade')
        raise self._no_field('grade')

    def _window(self, name, value):
        field = getattr(self.model, DATES[name], None)
        if field is None:
            raise self._no_field(name)
        start, end = window(value, self.today)
        if field.field_type == 'DATETIME':
            start = start and datetime.datetime.combine(start, datetime.time.min)
            end = end and datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
            expr = Value(True)
            if start:
                expr = expr & (field >= start)
            if end:
                expr = expr & (field < end)
            return expr
        expr = field.is_null(False)
        if start:
            expr = expr & (field >= start)
        if end:
            expr = expr & (field <= end)
        return expr

    def __getattr__(self, name):
        if name.startswith('_') and name[1:] in DATES:
            return lambda value: self._window(name[1:], value)
        raise AttributeError(name)


def window(value, today):
    """Return (first day, last day) of a date window (None: open end) read from VALUE."""
    text = value.strip().lower()
    if text in ('today', '今天'):
        return today, today
    if text in ('overdue', '逾期', '已过期'):
        return None, today - datetime.timedelta(days=1)
    match = WINDOW.match(text)
    if match:
        days = int(match.group(2))
        if match.group(1) in ('last', 'past', '-', '最近'):
            return today - datetime.timedelta(days=days), today
        return today, today + datetime.timedelta(days=days)
    if '..' in text:
        first, _, last = text.partition('..')
        try:
            return (datetime.date.fromisoformat(first.strip()) if first.strip() else None,
                    datetime.date.fromisoformat(last.strip()) if last.strip() else None)
        except ValueError:
            pass
    raise _refuse(f'{value!r} is not a date window; write last 30, next 14, today, overdue or '
                  f'2026-01-01..2026-03-31.',
                  f'{value!r} 不是有效的日期范围；请写 last 30、next 14、today、overdue 或 2026-01-01..2026-03-31。')


def member_terms(terms):
    """Return TERMS for one member of a team: the owner (or the contract owner, when the terms slice by it) as `me`."""
    who = 'contract_owner' if any(n == 'contract_owner' for n, _ in terms) else 'owner'
    return [(n, v) for n, v in terms if n != who] + [(who, 'me')]


def for_target(target, model, today=None):
    """Return the Slice of TARGET over MODEL, for its run-as user."""
    user = User.get_or_none(User.id == target.run_as_id) if target.run_as_id else None
    return Slice(model, target.terms, user, today)
