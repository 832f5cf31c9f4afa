"""Opportunities: stage moves with history, weighted amounts, the decision chain and team feed."""
import datetime
from decimal import Decimal

from peewee import Value

from ..db import database, utcnow
from ..models import (Contract, Customer, DecisionRole, Department, FollowUp, Opportunity,
                      OpportunityContact, Quote, Stage, StageHistory, User)
from ..models import choices as C
from . import audit, scope
from .messages import invalid, refusal

CENT = Decimal('0.01')
# A quote that the customer has seen counts as the commercial basis of a win.
WINNING_QUOTE_STATUSES = ('sent', 'accepted')


def weighted(amount, stage):
    """Return amount × stage probability / 100, rounded to cents."""
    return (Decimal(amount or 0) * Decimal(stage.probability) / 100).quantize(CENT)


def record_initial_stage(opportunity, by=None):
    """Record the first stage of a new opportunity in its history."""
    return audit.save(StageHistory(opportunity=opportunity, from_stage=None, to_stage=opportunity.stage_id,
                                   changed_at=opportunity.stage_changed_at or utcnow(),
                                   changed_by=getattr(by, 'id', None), days_in_previous=0))


def prepare_new(datas, stages):
    """Fill what save_opportunity derives on new opportunity rows (dicts, a bulk import) before the insert."""
    now = utcnow()
    for data in datas:
        data['weighted_amount'] = weighted(data.get('amount'), stages[data['stage']])
        data['stage_changed_at'] = data.get('stage_changed_at') or now
        data['first_close_on'] = data.get('first_close_on') or data.get('expected_close_on')


def record_initial_stages(datas, by=None):
    """Record the first stage of many new opportunities (dicts with code and stage, inserted) at once."""
    from ..db import reserve_codes, select_in
    ids = {r['code']: r['id'] for r in select_in(Opportunity, Opportunity.code, [d['code'] for d in datas],
                                                 [Opportunity.code, Opportunity.id])}
    codes = iter(reserve_codes(StageHistory.code_prefix, len(datas)))
    rows = [{'code': next(codes), 'opportunity': ids[d['code']], 'from_stage': None, 'to_stage': d['stage'],
             'changed_at': d['stage_changed_at'], 'changed_by': getattr(by, 'id', None), 'days_in_previous': 0,
             'created_at': d['created_at'], 'updated_at': d['created_at'], 'version': 1,
             'created_by': d['created_by']} for d in datas]
    with database.atomic():
        for start in range(0, len(rows), 500):
            StageHistory.insert_many(rows[start:start + 500]).execute()
        audit.record_many([('StageHistory', r['code'], 'create', {'opportunity': [None, d['code']],
                                                                   'to_stage': [None, r['to_stage']]})
                           for r, d in zip(rows, datas)])


def save_opportunity(opportunity, by=None):
    """Save an opportunity: keep its weighted amount and first promised close date current."""
    stage = Stage.get_by_id(opportunity.stage_id)
    is_new = opportunity.id is None
    if Decimal(opportunity.amount or 0) < 0:
        raise invalid('The amount of opportunity {name} cannot be negative.', '商机 {name} 的金额不能为负数。',
                      name=opportunity.name)
    with database.atomic():
        opportunity.weighted_amount = weighted(opportunity.amount, stage)
        if opportunity.first_close_on is None and opportunity.expected_close_on is not None:
            opportunity.first_close_on = opportunity.expected_close_on
        if is_new:
            opportunity.stage_changed_at = opportunity.stage_changed_at or utcnow()
        audit.save(opportunity)
        if is_new:
            record_initial_stage(opportunity, by)
    return opportunity


def _days_since(moment, now):
    return max(0, (now - moment).days) if moment else 0


def _check_move(opportunity, stage, reason):
    if stage.id == opportunity.stage_id:
        raise refusal('Stage move refused: opportunity {code} is already in stage {stage}.',
                      '阶段变更被拒绝：商机 {code} 已处于“{stage_zh}”阶段。',
                      code=opportunity.code, stage=stage.name_en, stage_zh=stage.name)
    if stage.is_won:
        has_contract = Contract.select().where(Contract.opportunity == opportunity.id,
                                               Contract.status != 'terminated').exists()
        has_quote = Quote.select().where(Quote.opportunity == opportunity.id,
                                         Quote.status.in_(WINNING_QUOTE_STATUSES)).exists()
        if not (has_contract or has_quote):
            raise refusal('Stage move refused: moving opportunity {code} to Won needs a contract or a sent '
                          'or accepted quote; create one first.',
                          '阶段变更被拒绝：商机 {code} 赢单前必须有合同或已发送/已接受的报价；请先创建。',
                          code=opportunity.code)
    if stage.is_lost and not (reason or '').strip():
        raise refusal('Stage move refused: moving opportunity {code} to Lost needs a lost reason.',
                      '阶段变更被拒绝：商机 {code} 输单必须填写输单原因。', code=opportunity.code)


def move_stage(opportunity, stage, by=None, reason=None):
    """Move OPPORTUNITY to STAGE, recording the history; Won needs a contract or quote, Lost a reason."""
    if isinstance(stage, str):
        found = Stage.get_or_none((Stage.code == stage) | (Stage.name == stage) | (Stage.name_en == stage))
        if found is None:
            raise invalid('There is no stage {stage!r}; use a stage code such as ST-PROPOSE.',
                          '不存在阶段 {stage!r}；请使用阶段编码，如 ST-PROPOSE。', stage=stage)
        stage = found
    opportunity = Opportunity.get_by_id(opportunity.id)
    from . import gate
    gate.require(by, opportunity)
    _check_move(opportunity, stage, reason)
    now = utcnow()
    with database.atomic():
        since = opportunity.stage_changed_at or opportunity.created_at
        previous = opportunity.stage_id
        opportunity.stage = stage
        opportunity.stage_changed_at = now
        opportunity.weighted_amount = weighted(opportunity.amount, stage)
        if stage.is_won or stage.is_lost:
            opportunity.closed_on = now.date()
        else:
            opportunity.closed_on = None   # reopened
        opportunity.lost_reason = reason.strip()[:255] if stage.is_lost else None
        audit.save(opportunity, action='won' if stage.is_won else 'lost' if stage.is_lost else 'stage',
                   note=(reason or '').strip()[:255] or None)
        audit.save(StageHistory(opportunity=opportunity, from_stage=previous, to_stage=stage,
                                changed_at=now, changed_by=getattr(by, 'id', None),
                                days_in_previous=_days_since(since, now)))
        if stage.is_won:
            customer = Customer.get_by_id(opportunity.customer_id)
            if customer.last_won_on is None or customer.last_won_on < now.date():
                customer.last_won_on = now.date()
                audit.save(customer, note=f'opportunity {opportunity.code} won')
    return opportunity


def add_decision_contact(opportunity, contact, role, attitude='neutral', influence='medium',
                         by=None, notes=None):
    """Add CONTACT to the decision chain of OPPORTUNITY (or update its role and attitude)."""
    if attitude not in C.ATTITUDES or influence not in C.INFLUENCE:
        raise invalid('Attitude must be one of {a} and influence one of {i}.',
                      '态度必须是 {a} 之一，影响力必须是 {i} 之一。',
                      a=', '.join(C.ATTITUDES), i=', '.join(C.INFLUENCE))
    customer = Customer.get_by_id(opportunity.customer_id)
    allowed = {customer.id, customer.parent_id} | {c.id for c in customer.subsidiaries}
    if contact.customer_id not in allowed:
        raise refusal('Decision chain refused: contact {contact} works for another customer than '
                      'opportunity {code}; add a contact of {customer}.',
                      '决策链被拒绝：联系人 {contact} 不属于商机 {code} 的客户；请添加 {customer} 的联系人。',
                      contact=contact.name, code=opportunity.code, customer=customer.name)
    with database.atomic():
        row = OpportunityContact.get_or_none(OpportunityContact.opportunity == opportunity.id,
                                             OpportunityContact.contact == contact.id)
        row = row or OpportunityContact(opportunity=opportunity, contact=contact)
        row.role, row.attitude, row.influence = role, attitude, influence
        row.notes = notes
        audit.save(row)
    return row


def decision_chain_warnings(opportunity):
    """Return warnings about the decision chain, e.g. that no decision maker is identified."""
    rows = list(OpportunityContact.select(OpportunityContact, DecisionRole)
                .join(DecisionRole).where(OpportunityContact.opportunity == opportunity.id))
    warnings = []
    makers = [r for r in rows if r.role.is_decision_maker]
    if not makers:
        warnings.append('No decision maker identified / 未识别决策者')
    elif all(r.attitude == 'opponent' for r in makers):
        warnings.append('The decision maker opposes us / 决策者持反对态度')
    if rows and not any(r.attitude == 'supporter' for r in rows):
        warnings.append('Nobody in the decision chain supports us / 决策链中没有支持者')
    return warnings


def _seen_by(model, user):
    """Return the conditions limiting MODEL to USER's scope: none without a user or for an all-rows scope."""
    if user is None:
        return []
    cond = scope.condition(model, user)
    return [] if isinstance(cond, Value) and cond.value is True else [cond]


def department_feed(department, since=None, limit=50, include_children=True, user=None):
    """Return the latest stage moves, wins, losses and major follow-ups of a department's people.

    With USER, only the opportunities and follow-ups USER may see, filtered in the query, so the
    feed still holds LIMIT items when there are that many.
    """
    dept_ids = department.subtree_ids() if include_children else [department.id]
    users = User.select(User.id).where(User.department.in_(dept_ids))
    in_team = Opportunity.department.in_(dept_ids) | Opportunity.owner.in_(users)
    since = since or (utcnow() - datetime.timedelta(days=30))
    items = []
    moves = (StageHistory.select(StageHistory, Opportunity)
             .join(Opportunity).where(in_team, StageHistory.changed_at >= since,
                                      StageHistory.from_stage.is_null(False), *_seen_by(Opportunity, user))
             .order_by(StageHistory.changed_at.desc(), StageHistory.id.desc()).limit(limit))
    stages = {s.id: s for s in Stage.select()}
    names = {u.id: u.display_name for u in User.select(User.id, User.display_name)}
    for move in moves:
        to = stages[move.to_stage_id]
        kind = 'won' if to.is_won else 'lost' if to.is_lost else 'stage'
        opp = move.opportunity
        items.append({'at': move.changed_at, 'kind': kind, 'code': opp.code, 'id': opp.id,
                      'user': names.get(move.changed_by_id),
                      'text': f'{opp.name}: {stages[move.from_stage_id].name} → {to.name}'
                              + (f' ({opp.amount:,.2f})' if kind == 'won' else '')
                              + (f' — {opp.lost_reason}' if kind == 'lost' and opp.lost_reason else '')})
    followups = (FollowUp.select().where(FollowUp.is_major, FollowUp.happened_at >= since,
                                         FollowUp.owner.in_(users), *_seen_by(FollowUp, user))
                 .order_by(FollowUp.happened_at.desc(), FollowUp.id.desc()).limit(limit))
    for f in followups:
        items.append({'at': f.happened_at, 'kind': 'followup', 'code': f.code, 'id': f.id,
                      'user': names.get(f.owner_id),
                      'text': f'{C.FOLLOWUP_KINDS.label(f.kind, "zh")}: {f.summary[:120]}'})
    items.sort(key=lambda i: i['at'], reverse=True)
    return items[:limit]


def department_by_code(code):
    return Department.get_or_none((Department.code == code) | (Department.name == code))
