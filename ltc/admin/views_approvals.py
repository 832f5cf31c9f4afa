"""Approvals: the inbox of steps waiting for the user, the quote approval history and the approval rules."""
from flask import flash
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..models import ApprovalRule, Contract, ContractApproval, Quote, QuoteApproval
from ..services import approvals, contracts, quotes
from ..services.messages import refusal
from . import filters as F
from .actions import RecordAction, RecordActionsMixin
from .base import SecureModelView, role
from .i18n import lang
from .views_sales import USER_REF, ReadOnlyLineView

EVERYONE = ('admin', 'manager', 'sales', 'ops', 'finance')


def _current(step, record):
    """Refuse a click on a step that is no longer the one waiting (decided meanwhile by someone else)."""
    now = approvals.current_step(record) if record.status == 'pending_approval' else None
    if now is None or now.id != step.id:
        raise refusal('Step {step} of {code} was decided meanwhile; reload the inbox.',
                      '{code} 的第 {step} 步已被处理；请刷新待审批列表。', step=step.step, code=record.code)


def _decide(decision):
    def run(view, rows, form, by):
        for step in rows:
            record = view.record_of(step)
            _current(step, record)
            comment = form.reason.data if form else None
            if isinstance(record, Contract):
                func = contracts.approve if decision == 'approved' else contracts.reject
            else:
                func = quotes.approve_quote if decision == 'approved' else quotes.reject_approval
            done = func(record, by, comment)
            left = getattr(done, 'remaining', None)
            if decision == 'approved' and left:
                flash(_('%(code)s: your step is approved; waiting for %(next)s.', code=record.code,
                        next=', '.join(approvals.describe_step(s, lang()) for s in left)), 'info')
        if decision == 'approved':
            return ngettext('%(num)d approval was recorded.', '%(num)d approvals were recorded.', len(rows))
        return ngettext('%(num)d record was sent back to draft.', '%(num)d records were sent back to draft.', len(rows))
    return run


INBOX_ACTIONS = (
    RecordAction('approve_step', _l('Approve'), _decide('approved'), inputs=('reason',)),
    RecordAction('reject_step', _l('Reject'), _decide('rejected'), inputs=('reason',)),
)


class InboxView(RecordActionsMixin, SecureModelView):
    """The steps waiting for the current user's decision: the current step of each record they may decide."""
    roles = EVERYONE
    allow_create = allow_edit = allow_delete = False
    can_export = False
    record_actions = INBOX_ACTIONS
    subject = approvals.CONTRACT
    column_sortable_list = ('code', 'created_at')

    @property
    def can_act(self):
        return role() in self.roles   # deciding is the only change, checked by the approval rules

    def get_query(self):
        ids = approvals.inbox(current_user.record, self.subject)
        return self.scoped().where(self.model.id.in_(ids or [0]))

    def record_of(self, step):
        fk = self.subject.fk.name
        return self.subject.model.get_by_id(getattr(step, fk + '_id'))


class ContractInboxView(InboxView):
    column_list = ('contract', 'round', 'step', 'level', 'designated', 'comment', 'created_at')


class QuoteInboxView(InboxView):
    subject = approvals.QUOTE
    column_list = ('quote', 'round', 'step', 'level', 'designated', 'discount', 'comment', 'created_at')


class QuoteApprovalView(ReadOnlyLineView):
    column_list = ('code', 'quote', 'round', 'step', 'level', 'approver', 'decision', 'decided_at', 'discount',
                   'comment')
    column_filters = F.auto(QuoteApproval.decision)


class ApprovalRuleView(SecureModelView):
    """Who approves what: one row per step, applied when the amount, discount and contract type match."""
    roles = ('admin',)
    delete_roles = ('admin',)
    column_list = ('code', 'name', 'applies_to', 'contract_kind', 'amount_above', 'discount_from', 'sequence',
                   'level', 'approver', 'active')
    column_sortable_list = ('code', 'applies_to')
    column_filters = F.auto(ApprovalRule.applies_to, ApprovalRule.level, ApprovalRule.active)
    search_fields = (('code', 'code'),)
    form_columns = ('name', 'applies_to', 'contract_kind', 'amount_above', 'discount_from', 'sequence', 'level',
                    'approver', 'active')
    form_ajax_refs = {'approver': USER_REF}
    form_args = {
        'amount_above': {'description': _l('The step applies when the amount is above this (0: every amount).')},
        'discount_from': {'description': _l('The step applies from this discount off the list prices, in % '
                                            '(empty: any discount).')},
        'contract_kind': {'description': _l('Empty: every type of contract.')},
        'approver': {'description': _l('Only for designated-approver steps: the one user who approves it.')},
        'sequence': {'description': _l('Steps are approved in this order.')},
    }

    def persist(self, form, model, is_created):
        approvals.save_rule(model, by=current_user.record)
