"""Customer care: return visits after delivery acceptance, satisfaction scores, birthday and holiday tasks."""
import datetime

from peewee import fn

from ..db import database, is_sqlite, reserve_codes, utcnow
from ..models import CareTask, Contact, Customer
from ..models.choices import CARE_KINDS
from . import audit
from .cash_common import get_user, setting_int, status_zh, today_or
from .messages import invalid, refusal

RETURN_VISIT_DAYS_SETTING = 'care.return_visit_days'
LOOKAHEAD_SETTING = 'care.lookahead_days'
HOLIDAYS_SETTING = 'care.holidays'
# Fixed-date holidays; lunar ones (Spring Festival, Mid-Autumn) change every year, so admins add
# them per year as YYYY-MM-DD in the care.holidays setting.
DEFAULT_HOLIDAYS = "01-01 元旦/New Year's Day; 05-01 劳动节/Labour Day; 10-01 国庆节/National Day"
HOLIDAY_LEVELS = ('strategic', 'key')


def schedule_return_visit(contract, after=None, by=None, days=None):
    """Plan a return visit DAYS (setting care.return_visit_days, 7) after a delivery acceptance."""
    days = setting_int(RETURN_VISIT_DAYS_SETTING, 7) if days is None else days
    due_on = today_or(after) + datetime.timedelta(days=days)
    with database.atomic():
        existing = CareTask.get_or_none(CareTask.contract == contract.id, CareTask.kind == 'return_visit',
                                        CareTask.due_on == due_on)
        if existing is not None:
            return existing
        owner = contract.owner_id or getattr(get_user(by), 'id', None)
        return audit.save(CareTask(customer=contract.customer_id, contract=contract, kind='return_visit',
                                   due_on=due_on, owner=owner,
                                   notes=f'Return visit after delivery acceptance of {contract.code}'))


def _not_open(task, done, done_zh):
    """Return the refusal to mark a closed care TASK DONE (DONE_ZH in Chinese)."""
    return refusal('Rule {rule}: care task {code} is {status}; only open tasks can be {done}.',
                   '规则 {rule}：关怀任务 {code} 当前状态为「{status_zh}」；只有待办任务才能{done_zh}。',
                   rule='care-open', code=task.code, status=task.status,
                   status_zh=status_zh('care task', task.status), done=done, done_zh=done_zh)


def complete_task(task, satisfaction=None, notes=None, by=None):
    """Close an open care task, with a satisfaction score 1-5 for return visits and surveys."""
    with database.atomic():
        if task.status != 'open':
            raise _not_open(task, 'completed', '完成')
        if satisfaction is not None:
            if int(satisfaction) not in range(1, 6):
                raise invalid('Satisfaction must be a whole number from 1 to 5, got {score}.',
                              '满意度必须是 1 到 5 的整数，当前为 {score}。', score=satisfaction)
            task.satisfaction = int(satisfaction)
        elif task.kind in ('return_visit', 'satisfaction'):
            raise invalid('A {kind} needs a satisfaction score from 1 to 5.', '{kind_zh}需要 1 到 5 的满意度评分。',
                          kind=task.kind.replace('_', ' '), kind_zh=CARE_KINDS.label(task.kind, 'zh'))
        task.status, task.done_at = 'done', utcnow()
        task.notes = notes or task.notes
        return audit.save(task, action='complete')


def cancel_task(task, reason):
    """Cancel an open care task with a reason."""
    if not (reason or '').strip():
        raise invalid('Cancelling care task {code} needs a reason.', '取消关怀任务 {code} 需要填写原因。',
                      code=task.code)
    with database.atomic():
        if task.status != 'open':
            raise _not_open(task, 'cancelled', '取消')
        task.status = 'cancelled'
        return audit.save(task, action='cancel', note=reason)


def satisfaction_average(customer=None):
    """Return (average score, number of scores) over done tasks, optionally for one customer."""
    query = CareTask.select(fn.AVG(CareTask.satisfaction), fn.COUNT(CareTask.satisfaction)).where(
        CareTask.status == 'done', CareTask.satisfaction.is_null(False))
    if customer is not None:
        query = query.where(CareTask.customer == customer.id)
    avg, count = query.tuples().get()
    return (round(float(avg), 2) if avg is not None else None), count


def holidays():
    """Return [(MM-DD or YYYY-MM-DD, name)] from the care.holidays setting."""
    from ..models import Setting
    row = Setting.get_or_none(Setting.code == HOLIDAYS_SETTING)
    text = row.value if row is not None and row.value.strip() else DEFAULT_HOLIDAYS
    out = []
    for item in text.split(';'):
        item = item.strip()
        if item:
            day, _, name = item.partition(' ')
            out.append((day.strip(), name.strip() or day.strip()))
    return out


def _month_day(field):
    return fn.strftime('%m-%d', field) if is_sqlite() else fn.to_char(field, 'MM-DD')


def generate_care_tasks(today=None, days=None):
    """Create birthday and holiday tasks falling within DAYS ahead; return counts (idempotent)."""
    today = today_or(today)
    days = setting_int(LOOKAHEAD_SETTING, 7) if days is None else days
    window = [today + datetime.timedelta(days=n) for n in range(days + 1)]
    by_md = {d.strftime('%m-%d'): d for d in window}
    rows = []
    with database.atomic():
        contacts = (Contact.select(Contact.id, Contact.name, Contact.birthday, Customer.id.alias('cid'),
                                   Customer.owner.alias('owner'))
                    .join(Customer).where(Customer.owner.is_null(False), Contact.birthday.is_null(False),
                                          _month_day(Contact.birthday).in_(list(by_md))).dicts())
        for c in contacts:
            rows.append({'customer': c['cid'], 'contact': c['id'], 'kind': 'birthday', 'owner': c['owner'],
                         'due_on': by_md[c['birthday'].strftime('%m-%d')],
                         'notes': f"Birthday of {c['name']}"})
        days_by_key = {d.isoformat(): d for d in window}
        days_by_key.update(by_md)
        dates = [(days_by_key[key], name) for key, name in holidays() if key in days_by_key]
        if dates:
            customers = list(Customer.select(Customer.id, Customer.owner).where(
                Customer.owner.is_null(False), Customer.level.in_(HOLIDAY_LEVELS)).tuples())
            for due_on, name in dates:
                rows += [{'customer': cid, 'contact': None, 'kind': 'holiday', 'owner': owner,
                          'due_on': due_on, 'notes': name} for cid, owner in customers]
        created = _insert_new(rows)
    return {'birthday': sum(1 for r in created if r['kind'] == 'birthday'),
            'holiday': sum(1 for r in created if r['kind'] == 'holiday')}


def _insert_new(rows):
    """Insert the ROWS not yet present (same kind, customer, contact, due date) with audit rows."""
    if not rows:
        return []
    dues = {r['due_on'] for r in rows}
    existing = set(CareTask.select(CareTask.kind, CareTask.customer, CareTask.contact, CareTask.due_on)
                   .where(CareTask.kind.in_(('birthday', 'holiday')), CareTask.due_on.in_(list(dues))).tuples())
    new = [r for r in rows if (r['kind'], r['customer'], r['contact'], r['due_on']) not in existing]
    if not new:
        return []
    codes = reserve_codes(CareTask.code_prefix, len(new))
    now, actor = utcnow(), audit.current()[0]
    for row, code in zip(new, codes):
        row.update(code=code, created_at=now, updated_at=now, created_by=actor, version=1, status='open')
    for start in range(0, len(new), 500):
        CareTask.insert_many(new[start:start + 500]).execute()
    audit.record_many([('CareTask', r['code'], 'create',
                        {k: [None, audit._plain(r[k])] for k in ('kind', 'customer', 'contact', 'due_on', 'owner')})
                       for r in new])
    return new
