"""The rule actions as endpoints: convert and move a lead, move a stage, claim and release, submit,
approve and reject, record a payment. Each calls the same service as the admin's button."""
import dataclasses
from typing import Callable

import marshmallow as ma
from marshmallow import validate

from ..models import Contract, PaymentPlan, Stage, User
from ..models import choices as C
from ..services import assignment, contracts, gate, leads, opportunities, pool, receivables, teams
from . import resources
from .problems import ApiError


def _user(username):
    if not username:
        return None
    user = User.get_or_none(User.username == username)
    if user is None:
        raise gate.owner_refusal(username)
    return user


def _convert(lead, data, by):
    customer = None
    if data.get('customer'):
        from ..models import Customer
        customer = Customer.get_or_none(Customer.code == data['customer'])
        if customer is None:
            raise gate.not_found(Customer, data['customer'])
    done = leads.convert_lead(lead, by=by, customer=customer, opportunity_name=data.get('opportunity_name'),
                              amount=data.get('amount'), expected_close_on=data.get('expected_close_on'),
                              create_opportunity=data.get('create_opportunity', True))
    return {name: getattr(done[name], 'code', None) for name in ('lead', 'customer', 'contact', 'opportunity')}


def _status(lead, data, by):
    leads.set_status(lead, data['status'], by=by, reason=data.get('reason'))


def _assign(lead, data, by):
    assignment.assign_lead(lead, by=by, to=_user(data.get('owner')))


def _move(opportunity, data, by):
    stage = Stage.get_or_none((Stage.code == data['stage']) | (Stage.name_en == data['stage'])
                              | (Stage.name == data['stage']))
    if stage is None:
        raise ApiError(422, 'There is no stage {stage}; use a stage code such as ST-PROPOSE.',
                       '不存在阶段 {stage}；请使用阶段编码，如 ST-PROPOSE。', stage=data['stage'])
    opportunities.move_stage(opportunity, stage, by=by, reason=data.get('reason'))


def _claim(customer, data, by):
    if by.role.name not in gate.OWNER_ROLES:
        raise gate.role_refusal(gate.Actor(by), type(customer), 'update')
    pool.claim(customer, by)


def _release(customer, data, by):
    pool.release(customer, by, data.get('reason'))


def _submit(contract, data, by):
    contracts.submit(contract, by=by)


def _approve(contract, data, by):
    approved = contracts.approve(contract, by, comment=data.get('comment'))
    note = approved.opportunity_note
    return {'opportunity_note': str(note) if note is not None else None}


def _reject(contract, data, by):
    contracts.reject(contract, by, comment=data.get('comment'))


def _record_payment(contract, data, by):
    plan = None
    if data.get('plan'):
        plan = PaymentPlan.get_or_none(PaymentPlan.code == data['plan'], PaymentPlan.contract == contract.id)
        if plan is None:
            raise gate.not_found(PaymentPlan, data['plan'])
    payments = receivables.record_payment(contract, data['amount'], plan=plan, received_on=data.get('received_on'),
                                          method=data.get('method') or 'bank_transfer',
                                          reference=data.get('reference'), by=by, split=data.get('split', False))
    return {'payments': [p.code for p in payments]}


def _member(data):
    user = User.get_or_none(User.username == data['user'])
    if user is None:
        raise ApiError(422, 'There is no user {user}; give a username.', '不存在用户 {user}；请填写用户名。',
                       user=data['user'])
    return user


def _team_add(opportunity, data, by):
    teams.add_member(opportunity, _member(data), data['role'], by=by)


def _team_remove(opportunity, data, by):
    teams.remove_member(opportunity, _member(data), by=by)


@dataclasses.dataclass
class Action:
    resource: str
    name: str
    run: Callable            # (record, data, user) -> extra answer fields or None
    fields: dict
    summary: str
    creates: bool = False    # makes records: Idempotency-Key applies


def reason():
    return ma.fields.String(load_default=None, validate=validate.Length(max=255))


ACTIONS = [
    Action('leads', 'convert', _convert, {
        'customer': ma.fields.String(load_default=None, metadata={'description': 'an existing customer code'}),
        'opportunity_name': ma.fields.String(load_default=None),
        'amount': resources.DecimalString(load_default=None),
        'expected_close_on': ma.fields.Date(load_default=None),
        'create_opportunity': ma.fields.Boolean(load_default=True)},
        'Convert the lead into a customer, a contact and an opportunity', creates=True),
    Action('leads', 'status', _status, {
        'status': ma.fields.String(required=True, validate=validate.OneOf(list(C.LEAD_STATUSES.values))),
        'reason': reason()}, 'Move the lead along its status flow (disqualifying needs a reason)'),
    Action('leads', 'assign', _assign, {
        'owner': ma.fields.String(load_default=None, metadata={'description': 'username; none: by the rules'})},
        'Assign the lead to a user, or by the assignment rules'),
    Action('opportunities', 'move-stage', _move, {
        'stage': ma.fields.String(required=True, metadata={'description': 'stage code, e.g. ST-PROPOSE'}),
        'reason': reason()}, 'Move the opportunity to a stage (Won needs a contract or quote, Lost a reason)'),
    Action('opportunities', 'team-add', _team_add, {
        'user': ma.fields.String(required=True, metadata={'description': 'username'}),
        'role': ma.fields.String(required=True, validate=validate.OneOf(list(C.TEAM_ROLES.values)))},
        "Put a user on the opportunity's team with a role, or change their role (the owner, their managers, "
        'admins)'),
    Action('opportunities', 'team-remove', _team_remove, {
        'user': ma.fields.String(required=True, metadata={'description': 'username'})},
        "Take a user off the opportunity's team (the owner, their managers, admins)"),
    Action('customers', 'claim', _claim, {}, 'Claim the customer from the public pool'),
    Action('customers', 'release', _release, {'reason': reason()}, 'Release the customer to the public pool'),
    Action('contracts', 'submit', _submit, {}, 'Submit the draft contract for approval'),
    Action('contracts', 'approve', _approve, {'comment': reason()}, 'Approve the contract (managers and admins)'),
    Action('contracts', 'reject', _reject, {'comment': reason()}, 'Reject the contract (managers and admins)'),
    Action('contracts', 'record-payment', _record_payment, {
        'amount': resources.DecimalString(required=True),
        'plan': ma.fields.String(load_default=None, metadata={'description': 'payment plan code'}),
        'received_on': ma.fields.Date(load_default=None),
        'method': ma.fields.String(load_default='bank_transfer', validate=validate.OneOf(list(C.PAYMENT_METHODS.values))),
        'reference': ma.fields.String(load_default=None, validate=validate.Length(max=120)),
        'split': ma.fields.Boolean(load_default=False)},
        'Record a payment against the contract (finance, ops, admin)', creates=True),
]


def input_schema(action):
    name = ''.join(part.title() for part in f'{action.resource}-{action.name}'.replace('_', '-').split('-'))
    return ma.Schema.from_dict(dict(action.fields), name=f'{name}Input')


__all__ = ['ACTIONS', 'Contract']
