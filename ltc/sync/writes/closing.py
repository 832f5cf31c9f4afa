"""Rows that arrive closed: a lead exported converted or disqualified, a deal at a won or lost stage.

Teams moving from another CRM bring their history. No door writes a new record in a closed state;
such a row creates the record open, as any new row does, then asks for the rule action that
closes it, as a user would: disqualify (with the file's reason, else one naming the import),
convert (into the customer its company names, else a new one; no new opportunity: the deals come
with the opportunities file), move to Lost (the file's lost reason, else one naming the import),
move to Won (after a draft contract for it: Won needs a contract or a sent quote, and a deal
won elsewhere has its contract there). Each action writes its own audit rows, as from the admin.

`plan` runs when the import is planned (preview, dry run and apply alike) and checks what the action
will check: the actor's role, the scope the new record will be in, the rules; a row it refuses
is refused with the rule's own message and nothing of it is written. `close` runs the action
right after the row's record is written, in the same savepoint, so an action refused after all
(the data changed meanwhile) leaves nothing of the row either.
"""
from ...models import Contract, Customer, Lead, Opportunity, Stage
from ...services import audit, gate, leads, opportunities, scope
from ...services.dedupe import normalise_company
from ...services.messages import refusal
from ..mapping import hooks

CLOSED_LEAD = ('converted', 'disqualified')
REASON = {'lead': ('disqualify_reason', 'Disqualified in the source system', '原系统中已作废'),
          'opportunity': ('lost_reason', 'Lost in the source system', '原系统中已输单')}
FROM = (' (imported from {source})', '（导入自 {source}）')   # an import names its file (a sync's row has none)


def arrives_closed(model, attr, value, ctx):
    """Return whether a new row's VALUE for ATTR (a command field) asks for a closed record."""
    if model is Lead and attr == 'status':
        return value in CLOSED_LEAD
    if model is Opportunity and attr == 'stage':
        stage = hooks._stages(ctx).get(value)
        return stage is not None and (stage.is_won or stage.is_lost)
    return False


def plan(act, model, row, attr, value, ctx):
    """Make new ROW, which arrives closed, a record created open plus a `close` request; raise what the
    closing action would refuse. Notes on the row what the import will do."""
    if model is Lead:
        _plan_lead(act, row, value, ctx)
    else:
        _plan_opportunity(act, row, hooks._stages(ctx)[value], ctx)


def _may(act, model, action):
    if not gate.may(act, model, action):
        raise gate.role_refusal(act, model, action)


def _in_scope(act, model, row, state_en, state_zh):
    """Refuse ROW unless the record it creates will be inside ACT's scope (so ACT may close it): its owner
    is one of the users whose records ACT changes."""
    users = None if act.is_system else scope.visible_user_ids(act.user)
    owner = row.values.get('owner')
    if users is None or getattr(owner, 'id', owner) in users:
        return
    entity = getattr(model, 'label', model.__name__.lower())
    raise refusal('Refused: this {entity} arrives {state}; it is created and then closed by its rule action, which '
                  'you may take only on records of your team. Fill in its owner.',
                  '已拒绝：此{entity_zh}到来时已{state_zh}；它会先新建、再由相应的业务操作关闭，而您只能对本团队的记录执行该操作。'
                  '请填写负责人。', error_class=gate.PermissionDenied, entity=entity, state=state_en,
                  entity_zh='线索' if model is Lead else '商机', state_zh=state_zh)


def _reason(kind, row, ctx):
    attr, en, zh = REASON[kind]
    given = (row.values.pop(attr, None) or '').strip()
    if given:
        return given
    zh_lang = ctx.lang.startswith('zh')
    text = zh if zh_lang else en
    if ctx.source:
        text += FROM[zh_lang].format(source=ctx.source)
    return text[:255]


def _plan_lead(act, row, status, ctx):
    values = row.values
    _may(act, Lead, 'update')
    if status == 'disqualified':
        _in_scope(act, Lead, row, 'disqualified', '作废')
        reason = _reason('lead', row, ctx)
        row.commands['close'] = {'status': 'disqualified', 'reason': reason}
        row.notes.append((f'arrives disqualified: created, then disqualified with the reason "{reason}"',
                          f'到来时已作废：先新建，再以原因“{reason}”作废'))
    else:
        _may(act, Customer, 'create')
        _in_scope(act, Lead, row, 'converted', '转化')
        values.pop('disqualify_reason', None)
        row.commands['close'] = {'status': 'converted'}
        row.notes.append(_conversion(act, row, ctx))
    values['status'] = 'new'


def _conversion(act, row, ctx):
    """Return (English, Chinese) naming the customer the lead of ROW will be converted into."""
    company = (row.values.get('company') or '').strip()
    key = normalise_company(company) or company
    earlier = ctx.__dict__.setdefault('converting', {})
    found = leads.find_customer_by_name(company, by=None if act.is_system else act)
    if found is not None:
        return (f'arrives converted: created, then converted into customer {found.code} {found.name} (its company)',
                f'到来时已转化：先新建，再转化到客户 {found.code} {found.name}（按公司名称找到）')
    if key in earlier:
        number = earlier[key]
        return (f'arrives converted: created, then converted into the customer row {number} converts into',
                f'到来时已转化：先新建，再转化到第 {number} 行转化时新建的客户')
    earlier[key] = row.row
    return (f'arrives converted: created, then converted into a new customer "{company}"',
            f'到来时已转化：先新建，再转化为新客户“{company}”')


def _plan_opportunity(act, row, stage, ctx):
    values = row.values
    _may(act, Opportunity, 'update')
    if stage.is_won:
        _may(act, Contract, 'create')
    _in_scope(act, Opportunity, row, 'won' if stage.is_won else 'lost', '赢单' if stage.is_won else '输单')
    first = leads.first_stage()
    if first is None:
        raise refusal('Refused: no open opportunity stage exists to create the opportunity at; run '
                      '`flask ltc db upgrade`.', '已拒绝：没有可用于新建商机的未关闭阶段；请运行 `flask ltc db upgrade`。')
    values['stage'] = first.id
    if stage.is_lost:
        reason = _reason('opportunity', row, ctx)
        row.commands['close'] = {'stage': stage.id, 'reason': reason}
        row.notes.append((f'arrives lost: created at stage {first.name_en}, then moved to {stage.name_en} with the '
                          f'reason "{reason}"',
                          f'到来时已输单：先以「{first.name}」阶段新建，再以原因“{reason}”转为「{stage.name}」'))
        return
    values.pop('lost_reason', None)   # a won deal has no lost reason (move_stage clears it)
    row.commands['close'] = {'stage': stage.id}
    row.notes.append((f'arrives won: created at stage {first.name_en}, then a draft contract is made for it (Won '
                      f'needs a contract) and it moves to {stage.name_en}',
                      f'到来时已赢单：先以「{first.name}」阶段新建，再为其建立合同草稿（赢单需要合同），然后转为「{stage.name}」'))


def close(act, mapping, row, ctx):
    """Run the closing action ROW asks for on the record it has just created (its id set), for ACT."""
    request = row.commands.pop('close')
    user = act.user
    if mapping.model is Lead:
        lead = Lead.get_by_id(row.record_id)
        if request['status'] == 'disqualified':
            leads.set_status(lead, 'disqualified', by=user, reason=request['reason'])
            row.values['disqualify_reason'] = request['reason']
        else:
            gate.require(act, lead)
            leads.convert_lead(lead, by=user, create_opportunity=False)
        row.values['status'] = request['status']
        return
    opportunity = Opportunity.get_by_id(row.record_id)
    stage = Stage.get_by_id(request['stage'])
    if stage.is_won:
        _draft_contract(act, opportunity, ctx)
        opportunities.move_stage(opportunity, stage, by=user)
    else:
        opportunities.move_stage(opportunity, stage, by=user, reason=request['reason'])
        row.values['lost_reason'] = request['reason']
    row.values['stage'] = stage.id


def _draft_contract(act, opportunity, ctx):
    """Make the draft contract a won deal needs (as a user would before moving it to Won), for ACT."""
    source = ctx.source
    values = {'title': opportunity.name, 'customer': opportunity.customer_id, 'opportunity': opportunity.id,
              'owner': opportunity.owner_id, 'department': opportunity.department_id,
              'amount': opportunity.amount or 0, 'currency': opportunity.currency}
    values = {k: v for k, v in values.items() if v is not None}
    contract = Contract(**values, status='draft',
                        notes=f'Draft made by the import of {source or "a spreadsheet row"}: opportunity '
                              f'{opportunity.code} was won in the source system, and Won needs a contract. Fill in the '
                              f'signed contract. / 导入{f" {source} " if source else "表格行"}时建立的合同草稿：商机 '
                              f'{opportunity.code} 在原系统中已赢单，而赢单需要合同。请补全已签合同的信息。')
    gate.check_write(act, contract, 'create', fields=list(values), values=values)
    return audit.save(contract, note=f'for won opportunity {opportunity.code} (import)')
