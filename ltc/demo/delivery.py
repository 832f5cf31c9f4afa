"""Demo contracts: lines, approvals, delivery milestones, payment plans and payments."""
import datetime
from decimal import Decimal

from .context import money

DAY = datetime.timedelta(days=1)
MILESTONES = [('到货验收 Goods received', 30), ('安装调试 Installation and commissioning', 60),
              ('终验 Final acceptance', 100)]
# Instalments: (percent, trigger, milestone index or None).
SCHEME = [(30, 'date', None), (40, 'milestone', 0), (20, 'milestone', 2), (10, 'date', None)]
UNSIGNED_SCHEME = [(30, 'date', None), (60, 'date', None), (10, 'date', None)]
SCENARIOS = ['overdue_partial', 'partial', 'overdue', 'clean']
BANKS = ['ICBC', 'BOC', 'CCB', 'ABC', 'CMB', 'BOCOM']


def plan_status(amount, paid, due_on, today, void=False):
    """Return the plan status its amounts and due date imply."""
    if void:
        return 'void'
    if paid >= amount:
        return 'paid'
    if due_on is not None and due_on < today:
        return 'overdue'
    return 'partial' if paid > 0 else 'pending'


def build_contracts(demo):
    """Make a contract for every won opportunity and for some in negotiation."""
    demo.contracts = []
    for opp in demo.opportunities:
        if opp['_contract_status']:
            demo.contracts.append(_contract(demo, opp, opp['_contract_status']))


def _contract(demo, opp, status):
    rng, today = demo.rng, demo.today
    owner = opp['owner']
    manager = owner['manager'] or demo.users_with('manager')[0]
    finance = demo.pick(demo.users_with('finance'))
    signed = opp['closed_on'] if status not in ('draft', 'pending_approval') else None
    start = signed + 7 * DAY if signed else today + rng.randint(10, 40) * DAY
    end = start + 365 * DAY
    if status == 'completed':
        end = min(end, today - rng.randint(5, 60) * DAY)
    elif status == 'executing' and rng.random() < 0.25:
        end = today + rng.randint(10, 55) * DAY    # expiring soon
    quote = opp['_quote']
    lines = [{'product': q['product'], 'description': q['description'], 'quantity': q['quantity'],
              'unit_price': money(q['amount'] / q['quantity']), 'amount': q['amount'],
              'delivery_on': start + 30 * DAY} for q in quote['_lines']]
    amount = sum((line['amount'] for line in lines), Decimal(0))
    customer = opp['customer']
    created = datetime.datetime.combine(signed or today - rng.randint(1, 10) * DAY, datetime.time(11))
    contract = {'title': opp['name'].replace(' · ', ' ') + ' 合同', 'customer': customer, 'opportunity': opp,
                'quote': quote, 'owner': owner, 'department': opp['department'], 'status': status,
                'customer_signer': customer['_contacts'][0]['name'], 'our_signer': manager['display_name'],
                'signed_on': signed, 'start_on': start, 'end_on': end, 'amount': amount,
                'created_at': created, 'updated_at': created, '_lines': lines}
    for line in lines:
        line['contract'] = contract
    terminated_on = signed + rng.randint(40, 80) * DAY if status == 'terminated' else None
    if terminated_on:
        contract['notes'] = ('客户战略调整，双方协商于 %s 终止 / Terminated by mutual agreement on %s after the '
                             "customer's change of strategy" % (terminated_on, terminated_on))
    contract['_approvals'] = _approvals(demo, contract, manager, finance)
    contract['_milestones'] = _milestones(demo, contract, terminated_on) if signed else []
    contract['_plans'] = _plans(demo, contract, terminated_on)
    if signed and (customer.get('last_won_on') is None or signed > customer['last_won_on']):
        customer['last_won_on'] = signed
        if customer['level'] in ('potential', 'general'):
            customer['level'] = 'key'
    return contract


def _approvals(demo, contract, manager, finance):
    status, signed, today = contract['status'], contract['signed_on'], demo.today
    if status == 'draft':
        return []
    at = (lambda days: datetime.datetime.combine((signed or today) - days * DAY, datetime.time(16)))
    rows = []
    if status == 'pending_approval':
        if demo.counters.setdefault('rejected_once', 0) % 2 == 0:
            rows.append({'approver': manager, 'decision': 'rejected', 'decided_at': at(6),
                         'comment': '折扣过大，请重新报价 / Discount too deep, please re-quote'})
        demo.counters['rejected_once'] += 1
        rows.append({'approver': manager, 'decision': 'approved', 'decided_at': at(2), 'comment': '同意 / Approved'})
        rows.append({'approver': finance, 'decision': 'pending', 'decided_at': None, 'comment': None})
    else:
        rows.append({'approver': manager, 'decision': 'approved', 'decided_at': at(3), 'comment': '同意 / Approved'})
        rows.append({'approver': finance, 'decision': 'approved', 'decided_at': at(1),
                     'comment': '付款条件已核对 / Payment terms checked'})
        contract['approved_by'], contract['approved_at'] = finance, rows[-1]['decided_at']
    for step, row in enumerate(rows, 1):
        row.update(contract=contract, step=step, created_at=at(7))
    return rows


def _milestones(demo, contract, terminated_on):
    rng, today, status = demo.rng, demo.today, contract['status']
    rows = []
    for seq, (name, offset) in enumerate(MILESTONES, 1):
        planned = min(contract['start_on'] + offset * DAY, contract['end_on'] - (4 - seq) * 5 * DAY)
        accepted, state = None, 'planned'
        if status in ('completed', 'expired'):
            accepted, state = min(planned + rng.randint(0, 10) * DAY, today - DAY, contract['end_on']), 'accepted'
        elif status == 'executing' and planned < today:
            if planned + 7 * DAY <= today:
                accepted, state = planned + rng.randint(0, 7) * DAY, 'accepted'
            else:
                state = 'delivered'
        elif status == 'terminated' and planned < terminated_on:
            accepted, state = planned + rng.randint(0, 5) * DAY, 'accepted'
        rows.append({'contract': contract, 'sequence': seq, 'name': name, 'planned_on': planned,
                     'accepted_on': accepted, 'status': state, 'created_at': contract['created_at']})
    if status == 'executing' and demo.counters.setdefault('awaiting', 0) % 2 == 0:
        # Every other executing contract waits for the customer to sign off its latest delivery.
        done = [m for m in rows if m['status'] == 'accepted']
        if done:
            done[-1].update(status='delivered', accepted_on=None)
    demo.counters['awaiting'] = demo.counters.get('awaiting', 0) + (status == 'executing')
    return rows


def _plans(demo, contract, terminated_on):
    rng, today, status = demo.rng, demo.today, contract['status']
    milestones = contract['_milestones']
    scheme = SCHEME if milestones else UNSIGNED_SCHEME
    amount, plans, left = contract['amount'], [], contract['amount']
    for seq, (pct, trigger, ms) in enumerate(scheme, 1):
        part = left if seq == len(scheme) else money(amount * pct / 100)
        left -= part
        milestone = milestones[ms] if ms is not None else None
        if milestone is not None:
            due = milestone['accepted_on'] + 30 * DAY if milestone['accepted_on'] else None
        elif seq == 1:
            due = (contract['signed_on'] or contract['start_on']) + 15 * DAY
        elif seq == len(scheme):
            due = contract['end_on']
        else:
            due = contract['start_on'] + 120 * DAY
        if status == 'completed' and due is not None:
            due = min(due, today - DAY)
        plans.append({'contract': contract, 'sequence': seq, 'trigger': trigger, 'milestone': milestone,
                      'due_on': due, 'amount': part, 'paid_amount': Decimal(0), 'owner': contract['owner'],
                      'created_at': contract['created_at'], '_void': False})
    _collect(demo, contract, plans, terminated_on)
    for plan in plans:
        plan['status'] = plan_status(plan['amount'], plan['paid_amount'], plan['due_on'], today, plan.pop('_void'))
    contract['_payments'] = [p for plan in plans for p in _payments(demo, contract, plan)]
    return plans


def _collect(demo, contract, plans, terminated_on):
    """Decide what was paid: all for completed, a scenario per executing contract, void after termination."""
    rng, today, status = demo.rng, demo.today, contract['status']
    if status in ('draft', 'pending_approval'):
        return
    past = [p for p in plans if p['due_on'] is not None and p['due_on'] < today]
    for plan in past:
        plan['paid_amount'] = plan['amount']
    if status == 'terminated':
        for plan in plans:
            if plan['due_on'] is None or plan['due_on'] >= terminated_on:
                plan['paid_amount'], plan['_void'] = Decimal(0), True
        return
    if status == 'completed':
        for plan in plans:
            plan['paid_amount'] = plan['amount']
        return
    key = 'scenario_' + status
    scenario = SCENARIOS[demo.counters.setdefault(key, 0) % len(SCENARIOS)]
    demo.counters[key] += 1
    if scenario in ('overdue', 'overdue_partial') and past:
        late = past[-1]
        late['paid_amount'] = Decimal(0) if scenario == 'overdue' else money(late['amount'] * rng.randint(30, 70) / 100)
    future = [p for p in plans if p['due_on'] is None or p['due_on'] >= today]
    if scenario == 'partial' and future:
        future[0]['paid_amount'] = money(future[0]['amount'] * rng.randint(20, 50) / 100)


def _payments(demo, contract, plan):
    rng, today = demo.rng, demo.today
    paid = plan['paid_amount']
    if not paid or plan.get('status') == 'void':
        return []
    earliest = contract['signed_on']
    if plan['due_on'] is not None and plan['due_on'] < today:
        received = plan['due_on'] + rng.randint(-10, 25) * DAY
    else:
        received = earliest + rng.randint(0, max(0, (today - earliest).days - 1)) * DAY
    received = max(earliest, min(received, today - DAY))
    parts = [paid]
    if paid == plan['amount'] and rng.random() < 0.2:
        first = money(paid / 2)
        parts = [first, paid - first]
    out = []
    for k, part in enumerate(parts):
        day = min(received + 20 * k * DAY, today - DAY) if k else received
        out.append({'contract': contract, 'plan': plan, 'received_on': max(earliest, day), 'amount': part,
                    'method': demo.weighted(['bank_transfer', 'acceptance_bill', 'cheque', 'cash'], [80, 15, 4, 1]),
                    'reference': f'{demo.pick(BANKS)}{day:%Y%m%d}{rng.randrange(10 ** 6):06d}',
                    'recorded_by': demo.pick(demo.users_with('finance')),
                    'created_at': datetime.datetime.combine(max(earliest, day), datetime.time(14))})
    return out
