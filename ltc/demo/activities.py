"""Demo follow-ups, customer care tasks and the reminders inbox."""
import datetime
import json

from ..models import Reminder
from ..services.reminders import dedupe_key, english
from .names import FOLLOWUP_TEXT

DAY = datetime.timedelta(days=1)
KINDS = ['call', 'visit', 'meeting', 'email', 'message']
KIND_WEIGHTS = [35, 20, 10, 15, 20]
HOLIDAYS = [(1, 1, '元旦 New Year\'s Day'), (5, 1, '劳动节 Labour Day'), (10, 1, '国庆节 National Day')]


def build_followups(demo):
    """Make follow-ups for customers, opportunities and leads, and keep their counters in step."""
    rng, rows = demo.rng, []
    for customer in demo.customers:
        last = customer.pop('_last_days')
        owner = customer['owner'] or customer.get('previous_owner')
        if last is None or owner is None:
            continue
        count = rng.randint(2, 7) if customer['owner'] else rng.randint(1, 3)
        ages = sorted({last} | {last + rng.randint(1, 240) for _ in range(count - 1)}, reverse=True)
        for age in ages:
            when = demo.time_ago(age)
            kind = demo.weighted(KINDS, KIND_WEIGHTS)
            opps = [o for o in customer['_opps'] if o['created_at'] <= when
                    and (o['closed_on'] is None or o['closed_on'] >= when.date())]
            rows.append({'customer': customer, 'contact': demo.pick(customer['_contacts']),
                         'opportunity': demo.pick(opps) if opps else None, 'kind': kind, 'happened_at': when,
                         'summary': demo.pick(FOLLOWUP_TEXT[kind]), 'owner': owner,
                         'is_major': kind in ('visit', 'meeting'), 'created_at': when})
        latest = rows[-1]
        customer['last_followup_at'] = latest['happened_at']
        if customer['owner']:
            latest['next_contact_on'] = latest['happened_at'].date() + rng.randint(3, 21) * DAY
    for lead in demo.leads:
        if lead['status'] not in ('contacted', 'qualified', 'converted'):
            continue
        when = lead['assigned_at'] or lead['created_at']
        for _ in range(rng.randint(1, 2)):
            when = when + rng.randint(1, 10) * DAY
            if when.date() >= demo.today or (lead.get('converted_at') and when > lead['converted_at']):
                break
            kind = demo.weighted(['call', 'email', 'message'], [6, 2, 2])
            rows.append({'lead': lead, 'customer': lead.get('converted_customer'), 'kind': kind,
                         'happened_at': when, 'summary': demo.pick(FOLLOWUP_TEXT[kind]), 'owner': lead['owner'],
                         'created_at': when})
            lead['followup_count'] += 1
            lead['last_followup_at'] = when
    for row in rows:
        opp = row.get('opportunity')
        if opp is not None:
            opp['followup_count'] = opp.get('followup_count', 0) + 1
            opp['last_followup_at'] = max(opp.get('last_followup_at') or row['happened_at'], row['happened_at'])
    rows.sort(key=lambda r: r['happened_at'])
    demo.followups = rows


def build_care(demo):
    """Make return visits, satisfaction surveys, birthday and holiday care."""
    rng, today, rows = demo.rng, demo.today, []

    def task(customer, kind, due, contact=None, contract=None, notes=None):
        status = 'open'
        done_at = satisfaction = None
        if due < today:
            status = demo.weighted(['done', 'open', 'cancelled'], [85, 10, 5])
        if status == 'done':
            done_at = datetime.datetime.combine(min(due + rng.randint(0, 5) * DAY, today - DAY), datetime.time(15))
            satisfaction = rng.randint(3, 5) if kind in ('return_visit', 'satisfaction') else None
        rows.append({'customer': customer, 'contact': contact, 'contract': contract, 'kind': kind, 'due_on': due,
                     'status': status, 'done_at': done_at, 'satisfaction': satisfaction,
                     'owner': customer['owner'] or contract and contract['owner'], 'notes': notes,
                     'created_at': datetime.datetime.combine(min(due, today) - 14 * DAY, datetime.time(9))})

    for contract in demo.contracts:
        final = contract['_milestones'][-1] if contract['_milestones'] else None
        if final and final['accepted_on']:
            task(contract['customer'], 'return_visit', final['accepted_on'] + 30 * DAY,
                 contract['customer']['_contacts'][0], contract, '验收后回访 / Visit after acceptance')
        if contract['status'] == 'completed':
            task(contract['customer'], 'satisfaction', contract['end_on'] + 15 * DAY, None, contract,
                 '年度满意度调查 / Yearly satisfaction survey')
    upcoming = [datetime.date(today.year + y, m, d) for y in (0, 1) for m, d, _ in HOLIDAYS]
    next_holiday = min(d for d in upcoming if d >= today)
    last_holiday = max(d for d in [datetime.date(today.year - y, m, d) for y in (0, 1) for m, d, _ in HOLIDAYS]
                       if d < today)
    names = {(m, d): n for m, d, n in HOLIDAYS}
    for customer in demo.customers:
        if customer['owner'] is None:
            continue
        for contact in customer['_contacts']:
            birthday = contact['birthday']
            if birthday is None:
                continue
            this_year = birthday.replace(year=today.year)
            nxt = this_year if this_year >= today else birthday.replace(year=today.year + 1)
            if (nxt - today).days <= 30:
                task(customer, 'birthday', nxt, contact, None, f"{contact['name']} 生日 / birthday")
        if customer['level'] in ('strategic', 'key'):
            contact = customer['_contacts'][0]
            for day in (last_holiday, next_holiday):
                task(customer, 'holiday', day, contact, None, names[(day.month, day.day)])
    rows.sort(key=lambda r: r['due_on'])
    demo.care_tasks = rows


def build_reminders(demo):
    """Fill the reminders inbox from the saved rows (codes are known by now)."""
    today, rows = demo.today, {}

    def add(user, kind, entity, code, fields, due, read=False):
        uid = user['id'] if isinstance(user, dict) else user
        key = dedupe_key(kind, code, due, uid)   # the key reminders.generate gives the same reminder
        rows.setdefault(key, {'user': uid, 'kind': kind, 'entity': entity, 'entity_code': code,
                              'message': english(kind, due, fields), 'due_on': due, 'dedupe_key': key,
                              'params': json.dumps(fields, default=str, ensure_ascii=False),
                              'read_at': demo.time_ago(0) if read else None})

    finance = demo.users_with('finance')[0]
    for contract in demo.contracts:
        for plan in contract['_plans']:
            left = plan['amount'] - plan['paid_amount']
            if plan['status'] == 'overdue':
                fields = {'name': contract['code'], 'amount': f'{left:,.2f}'}
                for user in (contract['owner'], finance):
                    add(user, 'payment_overdue', 'PaymentPlan', plan['code'], fields, plan['due_on'])
            elif plan['status'] in ('pending', 'partial') and plan['due_on'] and (plan['due_on'] - today).days <= 14:
                add(contract['owner'], 'payment_due', 'PaymentPlan', plan['code'],
                    {'name': contract['code'], 'amount': f'{left:,.2f}'}, plan['due_on'])
        if contract['status'] in ('effective', 'executing') and (contract['end_on'] - today).days <= 60:
            add(contract['owner'], 'contract_expiring', 'Contract', contract['code'],
                {'name': contract['code']}, contract['end_on'])
    warn = {'EAST': 3, 'SOUTH': 5, 'NORTH': 3, 'WEST': 3}
    for customer in demo.customers:
        # Locked customers never return to the pool, so they get no warning.
        if customer['owner'] is None or customer.get('locked') or not customer.get('last_followup_at'):
            continue
        reclaim = demo.pool_rules[customer['_region']]
        left = reclaim - (today - customer['last_followup_at'].date()).days
        if 0 < left <= warn[customer['_region']]:
            add(customer['owner'], 'pool_warning', 'Customer', customer['code'],
                {'name': customer['name'], 'name_en': customer['name_en'],
                 'reason': f'no follow-up for {reclaim} days', 'reason_zh': f'{reclaim} 天未跟进'}, today + left * DAY)
    for row in demo.followups:
        due = row.get('next_contact_on')
        if due and due <= today + 2 * DAY and row['customer'] and row['customer']['owner']:
            add(row['owner'], 'followup_due', 'FollowUp', row['code'],
                {'name': row['customer']['name'], 'name_en': row['customer']['name_en']}, due, read=due < today - 7 * DAY)
    waiting = {}
    for lead in reversed(demo.leads):
        if lead['status'] == 'assigned' and lead['owner'] and waiting.get(_uid(lead['owner']), 0) < 3:
            waiting[_uid(lead['owner'])] = waiting.get(_uid(lead['owner']), 0) + 1
            add(lead['owner'], 'lead_waiting', 'Lead', lead['code'],
                {'name': f"{lead['code']} {lead['company']}", 'days': (today - lead['assigned_at'].date()).days},
                lead['assigned_at'].date())
    for task in demo.care_tasks:
        if task['status'] == 'open' and task['owner'] and (task['due_on'] - today).days <= 7:
            add(task['owner'], 'care_task', 'CareTask', task['code'], {'name': task['notes']}, task['due_on'])
    demo.writer.add(Reminder, list(rows.values()))


def _uid(user):
    return user['id'] if isinstance(user, dict) else user
