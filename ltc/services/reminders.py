"""The reminders inbox: generate per-user reminders idempotently, count unread ones, mark them read.

A reminder keeps its kind and the fields of its message (JSON), never a text in one language: each
reader sees it in theirs (the admin in the UI language, e-mail and chat in the user's language).
"""
import datetime
import json

from peewee import IntegrityError, fn

from ..db import database, reserve_codes, utcnow
from ..models import CareTask, Contract, FollowUp, Lead, PaymentPlan, Reminder, User
from . import audit
from .cash_common import expiring, setting_int, today_or
from .messages import refusal

MESSAGES = {
    'followup_due': ('Follow up {name} (planned for {due})', '跟进 {name}（计划 {due}）'),
    'lead_waiting': ('Lead {name} assigned {days} days ago and not contacted yet', '线索 {name} 分配已 {days} 天仍未联系'),
    'contract_expiring': ('Contract {name} ends on {due}', '合同 {name} 将于 {due} 到期'),
    'payment_due': ('Payment {amount} of contract {name} due on {due}', '合同 {name} 回款 {amount} 将于 {due} 到期'),
    'payment_overdue': ('Payment {amount} of contract {name} overdue since {due}', '合同 {name} 回款 {amount} 自 {due} 起逾期'),
    'care_task': ('Customer care: {name} on {due}', '客户关怀：{name}（{due}）'),
    'pool_warning': ('Customer {name} returns to the public pool on {due} ({reason}); follow up before then',
                     '客户 {name} 将于 {due} 掉入公海（{reason}），请及时跟进'),
    'lead_assigned': ('Lead {name} was assigned to you', '线索 {name} 已分配给您'),
    'approval_waiting': ('{name} waits for your approval (step {step})', '{name} 等待您审批（第 {step} 级）'),
    'sync_conflict': ('Sync target {name}: {count} conflict(s) to resolve', '同步目标 {name}：{count} 处冲突待处理'),
}
# The kinds generate() finds by scanning; the others are created where their event happens (add()).
GENERATED = ('followup_due', 'lead_waiting', 'contract_expiring', 'payment_due', 'payment_overdue', 'care_task')
SETTINGS = {'lead_wait_days': ('reminders.lead_wait_days', 3),
            'payment_due_days': ('reminders.payment_due_days', 7),
            'followup_lookback_days': ('reminders.followup_lookback_days', 30),
            'care_days': ('reminders.care_days', 3)}


def dedupe_key(kind, entity_code, due_on, user_id):
    """Return the one key of a reminder, whoever creates it (the generator, pool warnings, the demo).

    The same KIND about the same record, due on the same day, for the same person is one
    reminder: a second creator finds the key taken and adds nothing.
    """
    due = due_on.isoformat() if hasattr(due_on, 'isoformat') else due_on
    return f'{kind}:{entity_code}:{due}:{getattr(user_id, "id", user_id)}'


def lang_of(language):
    """Return 'zh' or 'en' for a stored or UI LANGUAGE ('zh_Hans_CN', 'zh', 'en', None)."""
    return 'zh' if (language or 'zh').lower().startswith('zh') else 'en'


def _cjk(text):
    return sum('\u4e00' <= ch <= '\u9fff' for ch in text)


def render(reminder, lang):
    """Return REMINDER's text in LANG ('zh' or 'en'), from its kind and fields.

    Fields ending in `_en` or `_zh` replace their base field in that language (a customer's
    English name). A reminder written before fields were kept shows its stored text; one written
    in both languages ("中文 / English") shows the half in LANG.
    """
    lang = lang_of(lang)
    params = json.loads(reminder.params) if reminder.params else None
    if params is not None and reminder.kind in MESSAGES:
        template = MESSAGES[reminder.kind][1 if lang == 'zh' else 0]
        try:
            return template.format(**_fields(params, lang, reminder.due_on))
        except (KeyError, IndexError, ValueError):
            pass
    text = reminder.message or ''
    parts = [p.strip() for p in text.split(' / ') if p.strip()]
    if len(parts) == 2:
        return max(parts, key=_cjk) if lang == 'zh' else min(parts, key=_cjk)
    return text


def _fields(params, lang, due_on):
    fields = {k: v for k, v in params.items() if not k.endswith(('_en', '_zh'))}
    fields.update({k[:-3]: v for k, v in params.items() if k.endswith(f'_{lang}') and v})
    fields.setdefault('due', due_on)
    return fields


def english(kind, due_on, fields):
    """Return the English text of a reminder (kept beside its fields for readers without a language)."""
    return MESSAGES[kind][0].format(**_fields(fields, 'en', due_on))[:500]


def add(user, kind, entity, entity_code, due_on, fields, fresh=False):
    """Put one reminder in USER's inbox unless the same one (kind, record, due date, user) is there; return it or None.

    The creator for events (a lead assigned, an approval waiting, a pool warning, a sync conflict);
    inactive users get none. FRESH: the record was created by this transaction and USER was just found
    active, so neither is asked again (a twin is still refused by the unique key).
    """
    user_id = getattr(user, 'id', user)
    if user_id is None or not fresh and not User.select().where(User.id == user_id, User.active).exists():
        return None
    key = dedupe_key(kind, entity_code, due_on, user_id)
    if not fresh and Reminder.select().where(Reminder.dedupe_key == key).exists():
        return None
    try:
        with database.atomic():   # a savepoint: a twin made meanwhile by another process must not undo the caller
            return audit.save(Reminder(user=user_id, kind=kind, entity=entity, entity_code=entity_code, due_on=due_on,
                                       dedupe_key=key, params=json.dumps(fields, default=str, ensure_ascii=False),
                                       message=english(kind, due_on, fields)))
    except IntegrityError:
        return None


def _candidates(today):
    """Yield (kind, user id, entity, code, due date, message fields) for everything due on TODAY."""
    days = {k: setting_int(code, default) for k, (code, default) in SETTINGS.items()}
    later = FollowUp.alias('later')
    newer = later.select().where(
        later.happened_at > FollowUp.happened_at,
        ((later.customer == FollowUp.customer) & FollowUp.customer.is_null(False))
        | ((later.lead == FollowUp.lead) & FollowUp.lead.is_null(False)))
    followups = FollowUp.select(FollowUp.code, FollowUp.owner, FollowUp.next_contact_on, FollowUp.summary).where(
        FollowUp.owner.is_null(False), FollowUp.next_contact_on <= today,
        FollowUp.next_contact_on >= today - datetime.timedelta(days=days['followup_lookback_days']),
        ~fn.EXISTS(newer))
    for f in followups:
        yield 'followup_due', f.owner_id, 'FollowUp', f.code, f.next_contact_on, {'name': (f.summary or f.code)[:80]}
    cutoff = datetime.datetime.combine(today - datetime.timedelta(days=days['lead_wait_days']), datetime.time.max)
    leads = Lead.select(Lead.code, Lead.company, Lead.owner, Lead.assigned_at).where(
        Lead.status == 'assigned', Lead.owner.is_null(False), Lead.assigned_at <= cutoff,
        Lead.last_followup_at.is_null())
    for lead in leads:
        waited = (today - lead.assigned_at.date()).days
        yield ('lead_waiting', lead.owner_id, 'Lead', lead.code, lead.assigned_at.date(),
               {'name': f'{lead.code} {lead.company}', 'days': waited})
    for c in expiring(today).where(Contract.owner.is_null(False)):
        yield 'contract_expiring', c.owner_id, 'Contract', c.code, c.end_on, {'name': f'{c.code} {c.title}'}
    plans = (PaymentPlan.select(PaymentPlan.code, PaymentPlan.due_on, PaymentPlan.amount, PaymentPlan.paid_amount,
                                PaymentPlan.status, fn.COALESCE(PaymentPlan.owner, Contract.owner).alias('user_id'),
                                Contract.code.alias('contract_code'))
             .join(Contract).where(PaymentPlan.status.in_(('pending', 'partial', 'overdue')),
                                   PaymentPlan.due_on <= today + datetime.timedelta(days=days['payment_due_days']))
             .dicts())
    for p in plans:
        if p['user_id'] is None:
            continue
        kind = 'payment_overdue' if p['due_on'] < today else 'payment_due'
        yield kind, p['user_id'], 'PaymentPlan', p['code'], p['due_on'], {
            'name': p['contract_code'], 'amount': f"{p['amount'] - p['paid_amount']:,.2f}"}
    tasks = CareTask.select(CareTask.code, CareTask.owner, CareTask.due_on, CareTask.kind, CareTask.notes).where(
        CareTask.status == 'open', CareTask.owner.is_null(False),
        CareTask.due_on <= today + datetime.timedelta(days=days['care_days']))
    for t in tasks:
        yield 'care_task', t.owner_id, 'CareTask', t.code, t.due_on, {'name': t.notes or t.kind}


def generate(today=None):
    """Create the reminders due on TODAY that do not exist yet; return counts per kind."""
    today = today_or(today)
    with database.atomic():
        rows = {}
        for kind, user_id, entity, code, due_on, fields in _candidates(today):
            key = dedupe_key(kind, code, due_on, user_id)
            rows[key] = (kind, user_id, entity, code, due_on, fields)
        keys = list(rows)
        existing = set()
        for start in range(0, len(keys), 500):
            existing.update(Reminder.select(Reminder.dedupe_key)
                            .where(Reminder.dedupe_key.in_(keys[start:start + 500])).tuples().iterator())
        existing = {k for (k,) in existing}
        new = [key for key in keys if key not in existing]
        counts = dict.fromkeys(GENERATED, 0)
        if not new:
            return counts
        users = {u.id: u for u in User.select(User.id, User.active)
                 .where(User.id.in_(list({rows[k][1] for k in new})))}
        new = [k for k in new if k in rows and users.get(rows[k][1]) and users[rows[k][1]].active]
        codes = reserve_codes(Reminder.code_prefix, len(new)) if new else []
        now, actor = utcnow(), audit.current()[0]
        payload = []
        for key, code in zip(new, codes):
            kind, user_id, entity, entity_code, due_on, fields = rows[key]
            payload.append({'code': code, 'created_at': now, 'updated_at': now, 'created_by': actor,
                            'version': 1, 'user': user_id, 'kind': kind, 'entity': entity,
                            'entity_code': entity_code, 'message': english(kind, due_on, fields),
                            'params': json.dumps(fields, default=str, ensure_ascii=False), 'due_on': due_on,
                            'dedupe_key': key})
            counts[kind] += 1
        for start in range(0, len(payload), 500):
            Reminder.insert_many(payload[start:start + 500]).on_conflict_ignore().execute()
        audit.record_many([('Reminder', r['code'], 'create',
                            {'user': [None, r['user']], 'kind': [None, r['kind']],
                             'entity_code': [None, r['entity_code']]}) for r in payload])
        return counts


def inbox(user, unread_only=False, limit=200):
    """Return USER's reminders, unread first, then by due date."""
    query = Reminder.select().where(Reminder.user == user.id)
    if unread_only:
        query = query.where(Reminder.read_at.is_null())
    return list(query.order_by(Reminder.read_at.is_null(False), Reminder.due_on, Reminder.id).limit(limit))


def unread_counts(user_ids=None):
    """Return {user id: number of unread reminders} (for the menu badge)."""
    query = (Reminder.select(Reminder.user, fn.COUNT(Reminder.id).alias('n'))
             .where(Reminder.read_at.is_null()).group_by(Reminder.user))
    if user_ids is not None:
        query = query.where(Reminder.user.in_(list(user_ids)))
    return {row['user']: row['n'] for row in query.dicts()}


def unread_count(user):
    return unread_counts([user.id]).get(user.id, 0)


def mark_read(user, codes=None):
    """Mark USER's reminders (the given CODES, or all unread) as read; return how many changed."""
    with database.atomic():
        query = Reminder.select(Reminder.id, Reminder.code, Reminder.user).where(Reminder.read_at.is_null())
        if codes is not None:
            codes = list(codes)
            query = query.where(Reminder.code.in_(codes))
            foreign = [r.code for r in Reminder.select(Reminder.code)
                       .where(Reminder.code.in_(codes), Reminder.user != user.id)]
            if foreign:
                raise refusal('Rule {rule}: reminder(s) {codes} belong to another user; you can only mark your own '
                              'reminders read.', '规则 {rule}：提醒 {codes} 属于其他用户；只能将自己的提醒标为已读。',
                              rule='reminder-owner', codes=', '.join(foreign))
        rows = list(query.where(Reminder.user == user.id))
        if rows:
            now = utcnow()
            ids = [r.id for r in rows]
            for start in range(0, len(ids), 500):
                Reminder.update(read_at=now, updated_at=now, version=Reminder.version + 1).where(
                    Reminder.id.in_(ids[start:start + 500])).execute()
            audit.record_many([('Reminder', r.code, 'read', {'read_at': [None, now.isoformat()]}) for r in rows])
        return len(rows)
