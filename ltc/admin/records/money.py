"""The sections of the contract, payment plan and payment pages: lines, plans, milestones, payments, approvals."""
import datetime
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from peewee import JOIN

from ...models import (Contract, ContractApproval, ContractLine, DeliveryMilestone, FollowUp, Payment, PaymentPlan,
                       Product, User)
from ...services import collection, receivables
from .. import formatters
from . import timeline
from ..collection_actions import due_with_level
from .deals import followups_where
from .page import LIMIT, admin_view, readable

ZERO = Decimal('0')


def _money(value):
    return Decimal(value or 0)


def balances(plans, payments, today=None):
    """Return paid, outstanding and overdue of a contract's PLANS and PAYMENTS."""
    today = today or datetime.date.today()
    open_plans = [p for p in plans if p.status in receivables.OPEN]
    due = lambda p: _money(p.amount) - _money(p.paid_amount)   # noqa: E731
    return {'paid': sum((_money(p.amount) for p in payments), ZERO),
            'outstanding': sum((due(p) for p in open_plans), ZERO),
            'overdue': sum((due(p) for p in open_plans if p.due_on and p.due_on < today), ZERO)}


def milestone_steps(milestones, back):
    """Return {milestone id: (label, url)} of the "Accept delivery" button the user may press on each."""
    view = admin_view('deliverymilestone')
    if view is None or not view.is_accessible():
        return {}
    out = {}
    for act in view.record_actions:
        if not view.may_run(act):
            continue
        for m in milestones:
            if act.when(m):
                out[m.id] = (act.label, url_for('deliverymilestone.act_view', action_name=act.name, id=m.id,
                                                next=back))
    return out


def contract_page(view, contract):
    cid = contract.id
    lines = list(ContractLine.select(ContractLine, Product).join(Product)
                 .where(ContractLine.contract == cid).order_by(ContractLine.id).limit(LIMIT))
    plans = list(PaymentPlan.select().where(PaymentPlan.contract == cid)
                 .order_by(PaymentPlan.sequence, PaymentPlan.id).limit(LIMIT))
    milestones = list(DeliveryMilestone.select().where(DeliveryMilestone.contract == cid)
                      .order_by(DeliveryMilestone.sequence, DeliveryMilestone.id).limit(LIMIT))
    payments = list(Payment.select().where(Payment.contract == cid)
                    .order_by(Payment.received_on.desc(), Payment.id.desc()).limit(LIMIT))
    approvals = list(ContractApproval.select(ContractApproval, User)
                     .join(User, JOIN.LEFT_OUTER, on=ContractApproval.approver)
                     .where(ContractApproval.contract == cid).order_by(ContractApproval.id))
    followups = followups_where(FollowUp.contract == cid)
    money = balances(plans, payments)
    currency = contract.currency
    back = url_for('contract.details_view', id=cid)
    return {
        'figures': [
            ('amount', _('Amount'), formatters.money(contract.amount, currency)),
            ('paid', _('Collected'), formatters.money(money['paid'], currency)),
            ('outstanding', _('Outstanding'), formatters.money(money['outstanding'], currency)),
            ('overdue', _('Overdue'), formatters.money(money['overdue'], currency)),
        ],
        'related': [r for r in (contract.customer, contract.opportunity if contract.opportunity_id else None,
                                contract.quote if contract.quote_id else None,
                                contract.renewal_of if contract.renewal_of_id else None) if r is not None],
        'lines': lines, 'plans': plans, 'milestones': milestones, 'payments': payments,
        'approvals': approvals, 'accept_steps': milestone_steps(milestones, back), 'followups': followups,
        'timeline': timeline.merge(timeline.approvals([a for a in approvals if a.decision != 'pending']),
                                   timeline.followups(followups),
                                   timeline.payments(payments), timeline.audit(contract)),
    }


def plan_page(view, plan):
    contract = Contract.get_by_id(plan.contract_id)
    payments = list(Payment.select().where(Payment.plan == plan.id)
                    .order_by(Payment.received_on.desc(), Payment.id.desc()).limit(LIMIT))
    siblings = list(PaymentPlan.select().where(PaymentPlan.contract == contract.id)
                    .order_by(PaymentPlan.sequence, PaymentPlan.id).limit(LIMIT))
    followups = followups_where(FollowUp.plan == plan.id)
    paid = _money(plan.paid_amount)
    outstanding = _money(plan.amount) - paid if plan.status in receivables.OPEN else ZERO
    currency = plan.currency
    return {
        'figures': [
            ('amount', _('Planned'), formatters.money(plan.amount, currency)),
            ('paid', _('Collected'), formatters.money(paid, currency)),
            ('outstanding', _('Outstanding'), formatters.money(outstanding, currency)),
            ('due', _('Due on'), due_with_level(plan)),
        ],
        'dunning': collection.steps_of(plan),
        'related': [r for r in (contract, contract.customer,
                                plan.milestone if plan.milestone_id else None) if r is not None],
        'contract': contract, 'contract_readable': readable(contract),
        'payments': payments, 'siblings': siblings, 'followups': followups,
        'timeline': timeline.merge(timeline.payments(payments), timeline.followups(followups),
                                   timeline.audit(plan)),
    }


def payment_page(view, payment):
    contract = Contract.get_by_id(payment.contract_id)
    plan = PaymentPlan.get_by_id(payment.plan_id) if payment.plan_id else None
    others = list(Payment.select().where(Payment.contract == contract.id)
                  .order_by(Payment.received_on.desc(), Payment.id.desc()).limit(LIMIT))
    currency = payment.currency
    return {
        'figures': [
            ('amount', _('Amount'), formatters.money(payment.amount, currency)),
            ('received', _('Received on'), formatters.date(payment.received_on) or '—'),
            ('plan_due', _('Plan outstanding'),
             formatters.money(_money(plan.amount) - _money(plan.paid_amount), plan.currency) if plan else '—'),
            ('contract_amount', _('Contract amount'), formatters.money(contract.amount, contract.currency)),
        ],
        'related': [r for r in (contract, contract.customer, plan) if r is not None],
        'contract': contract, 'plan': plan, 'others': others,
        'timeline': timeline.merge(timeline.audit(payment)),
    }
