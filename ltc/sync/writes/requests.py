"""Sheet rows are requests, not field writes: the gate's checks per row, and the cells that ask for a command.

`review` runs at plan time (preview, dry run and apply plan the same rows): a row the actor may
not write fails alone with the gate's reason and keeps nothing of the record it named (no old
values, no names); a stage, status or owner cell is taken out of the plain field write and kept as
a request that `run_commands` hands to the service command after the row's other fields are
written. A new row that arrives closed (a converted or disqualified lead, a won or lost deal) is
created open and then closed by its rule action (`closing.py`). Payments, follow-ups and invoices
are never inserted as rows: each new row is
`receivables.record_payment` (the plans it pays), `followups.record_followup` (the counters and the
reclaim clock it moves) or `invoices.request_invoice` (never more than the plan) followed by the
steps its status names; on a stored invoice only the status moves, through the invoice commands.
"""
import re

from ...db import database
from ...errors import LTCError
from ...models import (Contact, Contract, Customer, FollowUp, Invoice, Lead, Opportunity, Payment, PaymentPlan, Quote,
                       Stage, User)
from ...services import approvals, assignment, contracts, followups, gate, invoices, leads, opportunities, quotes
from ...services import customers as customer_service
from ...services.messages import refusal, text as message_text
from ..errors import CellError
from . import closing

CONTRACT_FLOW = ('draft', 'pending_approval', 'effective', 'executing', 'completed')


class Refusal(CellError):
    """A row the gate or a business rule refused (bilingual, no row/column prefix of its own)."""

    @classmethod
    def of(cls, exc, row=None):
        return cls(str(exc), message_text(exc, 'zh'), None, row)


def _fail(row, exc):
    """Fail ROW with EXC and forget what it would have written or shown of the stored record."""
    row.fail(Refusal.of(exc, row.row) if not isinstance(exc, CellError) else exc)
    row.changes, row.values, row.conflicts, row.refs = {}, {}, [], {}
    row.record_id, row.version, row.commands = None, None, {}


def wanted(row):
    """Return the attrs ROW asks to write: every value of a new row, the changed values of an update."""
    if row.outcome == 'created':   # (not `v in (None, '')`: comparing a Decimal to '' is slow)
        return [a for a, v in row.values.items() if v is not None and (v.__class__ is not str or v)] + list(row.refs)
    return [a for a in row.changes if a in row.values or a in row.refs]


def _system_code(model, code):
    prefix = getattr(model, 'code_prefix', None)
    return bool(code and prefix and re.fullmatch(rf'{re.escape(prefix)}\d{{4,}}', code))


def review(act, mapping, rows, ctx):
    """Refuse the rows ACT may not write and turn command cells into requests; writes nothing.

    Per row it costs a few set operations: the role check is made once per action, references
    are looked up in batches, and only rows touching a command field reach `_requests`.
    """
    act = gate.as_actor(act)
    model = mapping.model
    rule = gate.rule_for(model)
    live = [r for r in rows if r.outcome in ('created', 'updated', 'conflict', 'skipped')]
    if not live:
        return
    existing = [r for r in live if r.record_id]
    seen = gate.visible(act, model, [r.record_id for r in existing])
    check_codes = not act.is_system and getattr(model, 'code_prefix', None)
    for row in live:
        if row.record_id and row.record_id not in seen:
            _fail(row, gate.not_found(model, row.code))
        elif check_codes and row.outcome == 'created' and row.code and _system_code(model, row.code):
            # A code of ours that is not one of the actor's records: the same answer whether it exists.
            _fail(row, gate.not_found(model, row.code))
    live = [r for r in live if r.outcome != 'error']
    _default_owner(act, model, live)
    asks = _asks(live)
    _check_rows(act, model, rule, live, asks)
    live = [r for r in live if r.outcome != 'error']
    _check_refs(act, model, live, asks)
    commands = set(rule.commands)
    special = model in (Payment, PaymentPlan, Invoice)
    for row in live:
        if row.outcome == 'error' or not (special or commands & asks[id(row)]):
            continue
        try:
            _requests(act, model, rule, row, asks[id(row)], ctx)
        except LTCError as exc:
            _fail(row, exc)


class _Asks(dict):
    """{id(row): frozenset of attrs} holding only the rows that ask other than `common`, which the others get."""
    __slots__ = ('common',)

    def __missing__(self, key):
        return self.common


def _asks(rows):
    """Return {id(row): frozenset of the attrs it asks to write}; rows asking the same attrs share one set
    (a 100,000-row file asks a handful of distinct sets: one per row cost ~70 MB), and the rows asking the
    most common set have no entry (an entry per row cost ~12 MB, the top of an import's memory)."""
    shared, counts, found_by_row = {}, {}, []
    for row in rows:
        attrs = tuple(wanted(row))
        found = shared.get(attrs)
        if found is None:
            found = shared[attrs] = frozenset(attrs)
            counts[found] = 0
        counts[found] += 1
        found_by_row.append(found)
    asks = _Asks()
    asks.common = max(counts, key=counts.get, default=frozenset())
    for row, found in zip(rows, found_by_row):
        if found is not asks.common:
            asks[id(row)] = found
    return asks


def _default_owner(act, model, rows):
    """A sales user's new record is theirs (as in the admin form)."""
    if act.is_system or act.role != 'sales' or 'owner' not in model._meta.fields:
        return
    for row in rows:
        if row.outcome == 'created' and row.values.get('owner') in (None, ''):
            row.values['owner'] = act.user.id


def _check_rows(act, model, rule, rows, asks):
    may = {action: gate.may(act, model, action) for action in ('create', 'update')}
    derived = set(rule.derived) | set(gate.FIXED)
    for row in rows:
        action = 'create' if row.outcome == 'created' else 'update'
        fields = asks[id(row)]
        if model is Payment and action == 'update' and fields:
            _fail(row, refusal('Refused: payment {code} is recorded and cannot be edited; record a correction '
                               'or ask finance to reverse it.',
                               '已拒绝：回款 {code} 已登记，不能修改；请登记更正或请财务冲销。',
                               error_class=gate.PermissionDenied, code=row.code))
        elif action == 'update' and not fields:
            continue
        elif not may[action]:
            _fail(row, gate.role_refusal(act, model, action))
        elif model is Invoice:
            continue   # its status, number and dates are requests for the invoice commands (_invoice_requests)
        elif derived & fields and (action == 'update' or derived & fields - {'code'}):
            _fail(row, gate.derived_refusal(model, derived & fields))
    if model in (Contract, PaymentPlan):
        _check_states(model, [r for r in rows if r.outcome != 'error'], asks)
    if model is Quote:
        _check_quotes([r for r in rows if r.outcome != 'error'], asks)


def _check_quotes(rows, asks):
    """Refuse edits of a quote past draft or sent, and validity dates before the quote date (as its form)."""
    stored = {q.id: q for q in Quote.select().where(Quote.id.in_([r.record_id for r in rows if r.record_id] or [0]))}
    for row in rows:
        quote = stored.get(row.record_id)
        try:
            if quote is not None and asks[id(row)] and quote.status not in quotes.EDITABLE:
                raise refusal('Refused: quote {code} is {status}; only a draft or sent quote is edited. Copy it into '
                              'a new quote instead.', '已拒绝：报价单 {code} 的状态是「{status}」；只能修改草稿或已发送的报价单，'
                              '请另建新报价单。', code=quote.code, status=quote.status)
            if row.outcome == 'created' or asks[id(row)] & {'quoted_on', 'valid_until'}:
                quoted_on = row.values.get('quoted_on', getattr(quote, 'quoted_on', None))
                valid_until = row.values.get('valid_until', getattr(quote, 'valid_until', None))
                quotes.check_validity(quoted_on, valid_until, row.code)
        except LTCError as exc:
            _fail(row, exc)


def _check_states(model, rows, asks):
    """Refuse updates the stored record's state does not allow (gate.check_state), batched."""
    from ...db import select_in
    updates = [r for r in rows if r.outcome != 'created' and r.record_id and asks[id(r)]]
    stored = {}
    for start in range(0, len(updates), 500):
        for record in select_in(model, model.id, [r.record_id for r in updates[start:start + 500]]):
            stored[record['id']] = record
    for row in updates:
        try:
            gate.check_state(model, stored.get(row.record_id, {}), asks[id(row)],
                             {a: row.values.get(a) for a in asks[id(row)]})
        except LTCError as exc:
            _fail(row, exc)


def _check_refs(act, model, rows, asks):
    """Refuse rows naming a record outside ACT's scope, or an owner ACT may not give (batched)."""
    links = {name: field.rel_model for name, field in model._meta.fields.items()
             if getattr(field, 'rel_model', None) is not None}
    wanted_ids, owners, named = {}, set(), []
    for row in rows:
        refs = []
        for name in links.keys() & asks[id(row)]:
            value = row.values.get(name)
            if value in (None, ''):
                continue
            rel, pk = links[name], getattr(value, 'id', value)
            if rel is User:
                if name in gate.OWNER_FIELDS:
                    owners.add(pk)
                    refs.append((name, rel, pk))
            elif rel in gate.SCOPED_REFS and not act.is_system:
                wanted_ids.setdefault(rel, set()).add(pk)
                refs.append((name, rel, pk))
        if refs:
            named.append((row, refs))
    if not named:
        return
    seen = {rel: gate.visible(act, rel, ids) for rel, ids in wanted_ids.items()}
    may_own = gate.may_own(act, owners)
    room = _lead_room(owners) if model is Lead else {}
    for row, refs in named:
        for name, rel, pk in refs:
            if rel is User and pk not in may_own:
                _fail(row, gate.owner_refusal(User.get_or_none(User.id == pk) or pk))
                break
            if rel in seen and pk not in seen[rel]:
                _fail(row, gate.not_found(rel, gate.code_of(rel, pk)))
                break
            if rel is User and pk in room:   # the owner's open-lead cap counts this file's leads too
                if room[pk][1] <= 0:
                    user = room[pk][0]
                    _fail(row, refusal('Assignment refused: {user} has reached the cap of {cap} open leads; choose '
                                       'another owner or raise the cap.',
                                       '分配被拒绝：{user} 的未关闭线索已达上限 {cap}；请选择其他负责人或提高上限。',
                                       user=user.username, cap=user.open_lead_cap))
                    break
                room[pk][1] -= 1


def _lead_room(owners):
    """Return {user id: [user, open leads they may still take]} for OWNERS with a cap."""
    from ...services.assignment import open_lead_count
    room = {}
    for user in User.select().where(User.id.in_(list(owners) or [0]), User.open_lead_cap.is_null(False)):
        room[user.id] = [user, user.open_lead_cap - open_lead_count(user)]
    return room


# -- requests -------------------------------------------------------------------------
def _requests(act, model, rule, row, asks=None, ctx=None):
    """Move ROW's command cells into row.commands, checking now what can be checked without writing."""
    asks = set(wanted(row)) if asks is None else asks
    if model is Payment and row.outcome == 'created':
        _check_payment(act, row)
        row.commands['record_payment'] = True
        return
    if model is Invoice:
        _invoice_requests(act, row, asks)
        return
    if model is PaymentPlan and row.outcome == 'created':
        _plan_currency(row)
    for attr in rule.commands:
        if attr not in asks or attr in row.refs:   # a reference to a new row of the file stays a field
            continue
        value = row.values.get(attr)
        if row.outcome == 'created':
            if closing.arrives_closed(model, attr, value, ctx):   # created open, then closed by its rule action
                closing.plan(act, model, row, attr, value, ctx)
                continue
            _creating(act, model, row, attr, value)
            continue
        row.values.pop(attr, None)   # written by the command, not by the field write
        row.commands[attr] = value
        _precheck(act, model, row, attr, value)


def _creating(act, model, row, attr, value):
    if model is Contract and attr == 'status' and value != 'draft':
        if value not in CONTRACT_FLOW:
            raise _no_status(value)
        _contract_path(act, 'draft', value)
        # Submitting needs the contract's lines (amount = lines), which a new row cannot have yet.
        raise refusal('Refused: a new contract starts as a draft; import it with status draft, add its lines, '
                      'then submit it for approval.',
                      '已拒绝：新合同必须以草稿开始；请以「草稿」状态导入，添加合同明细后再提交审批。')


def _no_status(value):
    return refusal('Refused: a contract reaches {status} only through its action (terminate with a reason; '
                   'expired is set by the daily job).',
                   '已拒绝：合同只能通过相应操作变为「{status}」（终止需要原因；过期由每日任务设置）。', status=value)


def _contract_path(act, current, target):
    """Return the steps from CURRENT to TARGET along the contract flow; refuse what ACT may not do."""
    if target not in CONTRACT_FLOW:
        raise _no_status(target)
    if current not in CONTRACT_FLOW or CONTRACT_FLOW.index(target) < CONTRACT_FLOW.index(current):
        raise refusal('Refused: a contract does not go back from {old} to {new}.',
                      '已拒绝：合同不能从「{old}」退回到「{new}」。', old=current, new=target)
    steps = list(CONTRACT_FLOW[CONTRACT_FLOW.index(current) + 1:CONTRACT_FLOW.index(target) + 1])
    if 'effective' in steps and (act.is_system or act.role not in gate.MANAGERS):
        raise refusal('Refused: only a manager or an admin approves a contract; a sheet row may submit it for '
                      'approval (status {pending}), never make it effective.',
                      '已拒绝：只有经理或管理员可以审批合同；表格中的行可以提交审批（状态「审批中」），不能直接设为已生效。',
                      error_class=gate.PermissionDenied, pending='pending_approval')
    return steps


def _precheck(act, model, row, attr, value):
    if model is Opportunity and attr == 'stage':
        record = Opportunity.get_by_id(row.record_id)
        reason = row.values.get('lost_reason') or record.lost_reason
        opportunities._check_move(record, Stage.get_by_id(value), reason)
    elif model is Contract and attr == 'status':
        current = Contract.get_by_id(row.record_id).status
        _contract_path(act, current, value)
    elif model is Lead and attr == 'status':
        record = Lead.get_by_id(row.record_id)
        leads.check_status(record, value)
        if value == 'disqualified':   # the Disqualify action, with the reason of its column
            reason = (row.values.pop('disqualify_reason', None) or '').strip()
            if not reason:
                raise refusal('Refused: disqualifying lead {code} needs a reason; fill in its Disqualify reason '
                              '(作废原因) column, or use its Disqualify action.',
                              '已拒绝：作废线索 {code} 需要原因；请填写「作废原因」列，或使用“作废”操作。', code=record.code)
            del row.commands[attr]
            row.commands['close'] = {'status': 'disqualified', 'reason': reason}
    elif model is Lead and attr == 'owner':
        assignment._check_open(Lead.get_by_id(row.record_id))
    elif model is Customer and attr == 'owner':
        customer_service.check_owner_change(Customer.get_by_id(row.record_id), value, act)


def _check_payment(act, row):
    contract = Contract.get_or_none(Contract.id == row.values.get('contract'))
    if contract is None:
        return
    currency = row.values.get('currency')
    if currency and currency != contract.currency:
        raise refusal('Refused: contract {code} is in {contract_currency}; record the payment in {contract_currency}, '
                      'not {currency}.', '已拒绝：合同 {code} 的币种是 {contract_currency}；请按 {contract_currency} 登记回款，'
                      '而不是 {currency}。', code=contract.code, contract_currency=contract.currency, currency=currency)


def _plan_currency(row):
    contract = Contract.get_or_none(Contract.id == row.values.get('contract'))
    if contract is not None and row.values.get('currency') in (None, '', 'CNY'):
        row.values['currency'] = contract.currency   # a plan is in its contract's currency


# -- invoices -------------------------------------------------------------------------
INVOICE_FLOW = ('requested', 'issued', 'sent')
INVOICE_STEPS = ('status', 'number', 'issued_on', 'reverse_reason')   # what a sheet may move on a stored invoice


def _invoice_target(row, current, number):
    """Return the status ROW asks for: filling the number of a requested invoice issues it."""
    status = row.values.get('status') or current or 'requested'
    return 'issued' if status == 'requested' and number else status


def _invoice_requests(act, row, asks):
    """Check an invoice row's status move now (preview and apply alike) and keep it as a request."""
    values = row.values
    if row.outcome == 'created':
        number = (values.get('number') or '').strip()
        status = _invoice_target(row, None, number)
        _check_invoice_move(act, 'requested', status, number, values.get('reverse_reason'), None)
        row.commands['request_invoice'] = status
        return
    stored = Invoice.get_by_id(row.record_id)
    fixed = asks - set(INVOICE_STEPS) - {'notes'}
    if fixed:
        raise refusal('Refused: invoice {code} is recorded; its {fields} do not change. Reverse it (status reversed, '
                      'with a reason) and add a new row for the right invoice.',
                      '已拒绝：发票 {code} 已登记，其 {fields} 不能修改。请将其红冲（状态改为「已红冲」并填写原因），再新增一行'
                      '登记正确的发票。', code=stored.code, fields=', '.join(sorted(fixed)))
    steps = asks & set(INVOICE_STEPS)
    if not steps:
        return
    number = (values.get('number', stored.number) or '').strip()
    status = _invoice_target(row, stored.status, number if stored.status == 'requested' else None)
    if status == 'requested':   # an empty status cell (nothing goes back to requested): no move
        status = stored.status
    if status == stored.status and steps & {'number', 'issued_on'} and stored.status != 'requested':
        raise refusal('Refused: invoice {code} was issued as {number}; its number and date do not change. Reverse it '
                      'and add a new row for the right invoice.',
                      '已拒绝：发票 {code} 已按号码 {number} 开具，号码和开票日期不能修改。请将其红冲，再新增一行登记正确的发票。',
                      code=stored.code, number=stored.number)
    reason = values.get('reverse_reason', stored.reverse_reason)
    _check_invoice_move(act, stored.status, status, number, reason, stored)
    issued_on = values.get('issued_on', stored.issued_on)
    for attr in INVOICE_STEPS:
        values.pop(attr, None)   # written by the commands, not by the field write
    if status != stored.status:
        row.commands['invoice_status'] = {'status': status, 'number': number, 'reason': reason,
                                          'issued_on': issued_on}


def _check_invoice_move(act, current, status, number, reason, stored):
    """Refuse a status move the invoice commands would refuse, before anything is written."""
    code = stored.code if stored is not None else ''
    if status == current:
        return
    if current == 'reversed':
        raise refusal('Refused: invoice {code} is reversed (红冲) and stays so; add a new row for a new invoice.',
                      '已拒绝：发票 {code} 已红冲，不能恢复；请新增一行登记新发票。', code=code)
    if status != 'reversed' and INVOICE_FLOW.index(status) < INVOICE_FLOW.index(current):
        raise refusal('Refused: invoice {code} does not go back from {old} to {new}; reverse it instead.',
                      '已拒绝：发票 {code} 不能从「{old}」退回到「{new}」；请改为红冲。', code=code, old=current, new=status)
    if not act.is_system and act.role not in invoices.WRITERS:
        raise refusal('Refused: a {role} user may request invoices, not issue, send or reverse them; leave the status '
                      'as requested and ask finance.', '已拒绝：「{role}」角色只能申请开票，不能开具、寄送或红冲；请保持「已申请」'
                      '状态并联系财务。', error_class=gate.PermissionDenied, role=act.role)
    if status in ('issued', 'sent') and current == 'requested' and not number:
        raise refusal('Refused: an invoice marked {status} needs its number (发票号码).',
                      '已拒绝：状态为「{status}」的发票需要填写发票号码。', status=status)
    if status == 'reversed' and not (reason or '').strip():
        raise refusal('Refused: a reversed invoice needs its reason (红冲原因).', '已拒绝：红冲的发票需要填写红冲原因。')


def _move_invoice(invoice, status, number, issued_on, reason, by):
    """Take INVOICE to STATUS through the invoice commands, one step at a time."""
    if status == 'reversed':
        return invoices.reverse(invoice, reason, by=by)
    if invoice.status == 'requested' and status in ('issued', 'sent'):
        invoice = invoices.issue(invoice, number, issued_on, by=by)
    if invoice.status == 'issued' and status == 'sent':
        invoice = invoices.send(invoice, by=by)
    return invoice


def _record_invoice(act, row):
    """Request a new invoice row on its plan (never more than the plan), then issue, send or reverse it."""
    values = row.values
    status = row.commands.get('request_invoice') or 'requested'
    invoice = invoices.request_invoice(PaymentPlan.get_by_id(values['plan']), values.get('amount'),
                                       kind=values.get('kind') or 'vat_special',
                                       tax_rate=values.get('tax_rate') if values.get('tax_rate') is not None else '13',
                                       by=act.user, notes=values.get('notes') or None)
    if status == 'reversed' and (values.get('number') or '').strip():
        invoice = invoices.issue(invoice, values['number'].strip(), values.get('issued_on'), by=act.user)
    _move_invoice(invoice, status, (values.get('number') or '').strip(), values.get('issued_on'),
                  values.get('reverse_reason'), act.user)
    row.code, row.record_id = invoice.code, invoice.id
    return True


# -- apply ----------------------------------------------------------------------------
def by_command(mapping):
    """Return whether new rows of MAPPING are written by a command instead of an insert."""
    return mapping.model in (Payment, FollowUp, Invoice)


def updates_first(mapping):
    """Return whether MAPPING's stored rows move before its new rows are created (a reversed invoice frees
    the amount a new invoice row on the same plan needs)."""
    return mapping.model is Invoice


def create_by_command(act, mapping, rows):
    """Record each new payment, follow-up or invoice row through its service command; return the rows written."""
    act = gate.as_actor(act)
    done = []
    for row in rows:
        try:
            with database.atomic():
                record = {FollowUp: _record_followup, Invoice: _record_invoice}.get(mapping.model, _record_payment)
                written = record(act, row)
        except LTCError as exc:
            row.outcome = 'error'
            row.notes.append((str(exc), message_text(exc, 'zh')))
            continue
        if written:
            done.append(row)
    return done


def _record_followup(act, row):
    """Record a new follow-up row as the admin's form does: counters, a lead's status, the reclaim clock."""
    values = row.values

    def record(model, attr):
        return model.get_by_id(values[attr]) if values.get(attr) else None
    followup = followups.record_followup(
        by=act.user, owner=record(User, 'owner'), customer=record(Customer, 'customer'), lead=record(Lead, 'lead'),
        opportunity=record(Opportunity, 'opportunity'), contact=record(Contact, 'contact'),
        kind=values.get('kind') or 'call', summary=values.get('summary') or '', happened_at=values.get('happened_at'),
        next_contact_on=values.get('next_contact_on'), is_major=values.get('is_major'), code=row.code)
    row.code, row.record_id = followup.code, followup.id
    return True


def _record_payment(act, row):
    """Record a new payment row through the receivables rules (split over plans as they say)."""
    from ...services import receivables
    values = row.values
    payments = receivables.record_payment(
        Contract.get_by_id(values['contract']), values['amount'],
        plan=PaymentPlan.get_by_id(values['plan']) if values.get('plan') else None,
        received_on=values.get('received_on'), method=values.get('method') or 'bank_transfer',
        reference=values.get('reference'), by=act.user)
    row.code, row.record_id = payments[0].code, payments[0].id
    if len(payments) > 1:
        row.notes.append((f'split over {len(payments)} plans: ' + ', '.join(p.code for p in payments),
                          f'分摊到 {len(payments)} 期回款计划：' + '、'.join(p.code for p in payments)))
    return True


def run_commands(act, mapping, rows, on_refused):
    """Run the requests of ROWS (written rows with record ids) through their service commands.

    Each row's commands run in a savepoint; a refusal calls ON_REFUSED(row, exc) and leaves the
    record as its other fields left it.
    """
    act = gate.as_actor(act)
    model = mapping.model
    for row in rows:
        requests = {k: v for k, v in (row.commands or {}).items() if k not in ('record_payment', 'request_invoice')}
        if not requests or row.outcome == 'error' or not row.record_id:
            continue
        try:
            with database.atomic():
                record = model.get_by_id(row.record_id)
                for attr, value in requests.items():
                    _command(act, model, record, attr, value, row)
                    record = model.get_by_id(row.record_id)
        except LTCError as exc:
            on_refused(row, exc)


def write_cell(act, record, attr, value, note=None):
    """Write one cell's VALUE into RECORD as ACT would from a sheet row (a settled conflict, a typed value)."""
    from .results import RowResult
    act = gate.as_actor(act)
    model = type(record)
    if attr not in gate.rule_for(model).commands:
        return gate.update_fields(act, record, {attr: value}, note=note)
    gate.check_write(act, record, 'update', fields=[attr], values={attr: value})
    row = RowResult(code=record.code, outcome='updated', record_id=record.id, values={attr: value},
                    changes={attr: [None, value]})
    _requests(act, model, gate.rule_for(model), row)
    _command(act, model, record, attr, value, row)
    return model.get_by_id(record.id)


def _command(act, model, record, attr, value, row):
    user = act.user
    if attr == 'close':   # a stored lead disqualified with the reason of its row
        leads.set_status(record, value['status'], by=user, reason=value['reason'])
        return
    if model is Invoice and attr == 'invoice_status':
        _move_invoice(record, value['status'], value['number'], value['issued_on'], value['reason'], user)
        return
    if model is Opportunity and attr == 'stage':
        stage = Stage.get_by_id(value)
        if stage.id != record.stage_id:
            opportunities.move_stage(record, stage, by=user, reason=record.lost_reason or row.values.get('lost_reason'))
    elif model is Contract and attr == 'status':
        for step in _contract_path(act, record.status, value):
            contract = Contract.get_by_id(record.id)
            if step == 'pending_approval':
                contracts.submit(contract, by=user)
            elif step == 'effective':
                # One step per row: the approver's own; the later steps wait for their approvers.
                done = contracts.approve(contract, by=user, comment='approved from a spreadsheet row')
                if done.remaining:
                    left = ', '.join(approvals.describe_step(s) for s in done.remaining)
                    left_zh = '、'.join(approvals.describe_step(s, 'zh') for s in done.remaining)
                    row.notes.append((f'your approval step is recorded; contract {done.code} stays pending approval '
                                      f'until {left} approve(s) it',
                                      f'您的审批步骤已记录；合同 {done.code} 仍在审批中，等待{left_zh}审批'))
                    break
            elif step == 'executing':
                contracts.activate(contract, by=user)
            elif step == 'completed':
                contracts.complete(contract, by=user)
    elif model is Lead and attr == 'status':
        leads.set_status(record, value, by=user)
    elif model is Lead and attr == 'owner':
        if value is None:
            assignment.assign_lead(record, by=user, to=None)
        elif value != record.owner_id:
            assignment.assign_lead(record, by=user, to=User.get_by_id(value))
    elif model is Customer and attr == 'owner':
        customer_service.change_owner(record, value, by=act)
    elif model is Customer and attr == 'parent':
        parent = Customer.get_by_id(value) if value else None
        customer_service.set_parent(record, parent, by=user)
