"""Screens for quotes, contracts (lines, payment plans inline), approvals, milestones and payments."""
from flask import flash
from flask_admin.model.form import InlineFormAdmin
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.validators import Optional

from ..models import (Contract, ContractApproval, ContractLine, DeliveryMilestone, Payment,
                      PaymentPlan, Quote, QuoteLine)
from ..services import contracts, quotes, receivables
from ..services.cash_common import require_status
from ..services.messages import text
from . import filters as F
from .actions import RecordActionsMixin
from .custom import CustomFieldsMixin
from .base import SecureModelView
from .documents import AttachmentsMixin
from .printing import PrintMixin
from .deal_actions import CONTRACT_ACTIONS, MILESTONE_ACTIONS, QUOTE_ACTIONS, contract_panels
from .i18n import lang, name_of
from .views_sales import (BLANK_AMOUNT, BLANK_PRICE, CUSTOMER_REF, PRODUCT_REF, USER_REF, OwnedView,
                          ReadOnlyLineView)

FINANCE = ('admin', 'manager', 'sales', 'ops', 'finance')
CONTRACT_REF = {'fields': ['code', 'title'], 'page_size': 10}


class LineInline(InlineFormAdmin):
    form_ajax_refs = {'product': PRODUCT_REF}
    form_args = {'id': {'validators': [Optional()]}, 'unit_price': BLANK_PRICE, 'amount': BLANK_AMOUNT}


class QuoteView(PrintMixin, AttachmentsMixin, RecordActionsMixin, OwnedView):
    print_kind = 'quote'
    record_actions = QUOTE_ACTIONS
    column_list = ('code', 'title', 'customer', 'status', 'quoted_on', 'valid_until', 'total', 'owner')
    column_sortable_list = ('code', 'status', 'quoted_on', 'created_at')
    column_filters = F.auto(Quote.status, Quote.owner, Quote.quoted_on)
    search_fields = (('code', 'code'),)
    # Totals and line amounts are computed (quotes.refresh_totals), never typed; status moves by actions.
    form_columns = ('title', 'customer', 'opportunity', 'quoted_on', 'valid_until', 'currency',
                    'owner', 'notes')
    form_ajax_refs = {'customer': CUSTOMER_REF, 'owner': USER_REF,
                      'opportunity': {'fields': ['code', 'name'], 'page_size': 10}}
    inline_models = (LineInline(QuoteLine, form_columns=(
        'id', 'product', 'description', 'quantity', 'unit_price', 'discount_pct')),)

    def on_model_change(self, form, model, is_created):
        if is_created:
            quotes.default_owner(model)   # the opportunity's owner before "a sales user's own"
        super().on_model_change(form, model, is_created)
        if not is_created:
            require_status(Quote.get_by_id(model.id), quotes.EDITABLE, 'editing it')

    def persist(self, form, model, is_created):
        quotes.save_quote(model)   # the validity may not end before the quote date

    def prepare_inline(self, row):
        quotes.fill_line(row)

    def after_inline(self, form, model, is_created):
        quotes.refresh_totals(model)
        warning = quotes.zero_total_warning(model)
        if warning is not None:
            flash(_('Saved, but: %(warning)s', warning=text(warning, lang())), 'warning')


class QuoteLineView(ReadOnlyLineView):
    column_list = ('code', 'quote', 'product', 'quantity', 'unit_price', 'discount_pct', 'amount')


class ContractView(CustomFieldsMixin, PrintMixin, AttachmentsMixin, RecordActionsMixin, OwnedView):
    print_kind = 'contract'
    roles = FINANCE
    record_actions = CONTRACT_ACTIONS
    column_list = ('code', 'title', 'customer', 'status', 'signed_on', 'end_on', 'amount', 'owner')
    column_sortable_list = ('code', 'title', 'status', 'signed_on', 'end_on', 'amount', 'created_at')
    column_filters = F.auto(Contract.status, Contract.owner, Contract.department,
                            Contract.signed_on, Contract.end_on)
    search_fields = (('code', 'code'), ('title', 'plain'))
    # The status moves only through the actions (submit, approve, ...), which keep approvals.
    form_columns = ('code', 'title', 'kind', 'customer', 'opportunity', 'quote',
                    'customer_signer', 'our_signer', 'signed_on', 'start_on', 'end_on', 'amount',
                    'currency', 'owner', 'department', 'notes')
    form_args = {'code': {'validators': [Optional()],
                          'description': _l('Leave empty to get the next contract number.')}}
    form_ajax_refs = {'customer': CUSTOMER_REF, 'owner': USER_REF,
                      'opportunity': {'fields': ['code', 'name'], 'page_size': 10},
                      'quote': {'fields': ['code'], 'page_size': 10}}
    inline_models = (
        LineInline(ContractLine, form_columns=('id', 'product', 'description', 'quantity',
                                               'unit_price', 'amount', 'delivery_on')),
        InlineFormAdmin(PaymentPlan, form_columns=('id', 'sequence', 'trigger', 'due_on', 'amount',
                                                   'currency'),
                        form_args={'id': {'validators': [Optional()]}}),
    )

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.code = (model.code or '').strip() or None   # empty: the next HT number

    def prepare_inline(self, row):
        if isinstance(row, ContractLine):
            quotes.fill_line(row)

    def after_inline(self, form, model, is_created):
        receivables.check_plan_sum(model)

    def detail_panels(self, row):
        return contract_panels(self, row)


class ContractLineView(ReadOnlyLineView):
    roles = FINANCE
    column_list = ('code', 'contract', 'product', 'quantity', 'unit_price', 'amount', 'delivery_on')


class ContractApprovalView(ReadOnlyLineView):
    roles = FINANCE
    column_list = ('code', 'contract', 'round', 'step', 'level', 'approver', 'decision', 'decided_at', 'comment')
    column_filters = F.auto(ContractApproval.decision)


class MilestoneView(AttachmentsMixin, RecordActionsMixin, SecureModelView):
    roles = FINANCE
    record_actions = MILESTONE_ACTIONS
    column_list = ('code', 'contract', 'sequence', 'name', 'planned_on', 'accepted_on', 'status')
    column_sortable_list = ('code', 'planned_on', 'status')
    column_filters = F.auto(DeliveryMilestone.status, DeliveryMilestone.planned_on)
    search_fields = (('code', 'code'),)
    form_columns = ('contract', 'sequence', 'name', 'planned_on')   # accepted through "Accept delivery"
    form_ajax_refs = {'contract': CONTRACT_REF}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        require_status(Contract.get_by_id(model.contract_id), ('draft', 'pending_approval') + contracts.LIVE,
                       'adding or changing a milestone')


def _plan_customer(view, context, model, name):
    customer = model.contract.customer if model.contract_id else None
    return name_of(customer) if customer is not None else ''


class PaymentPlanView(SecureModelView):
    roles = FINANCE
    column_list = ('code', 'contract', 'customer', 'sequence', 'trigger', 'due_on', 'amount', 'paid_amount',
                   'status', 'owner')
    column_sortable_list = ('code', 'due_on', 'status', 'created_at')
    column_filters = [F.by_code(PaymentPlan.contract)] + F.auto(PaymentPlan.status, PaymentPlan.owner,
                                                                 PaymentPlan.due_on)
    column_formatters = {'customer': _plan_customer}
    search_fields = (('code', 'code'),)
    form_columns = ('contract', 'sequence', 'trigger', 'milestone', 'due_on', 'amount', 'currency',
                    'owner')   # status and paid amount follow the payments

    def after_inline(self, form, model, is_created):
        receivables.check_plan_sum(model.contract)
    form_ajax_refs = {'contract': CONTRACT_REF, 'owner': USER_REF,
                      'milestone': {'fields': ['code', 'name'], 'page_size': 10}}


class PaymentView(AttachmentsMixin, RecordActionsMixin, SecureModelView):
    roles = FINANCE
    write_roles = ('admin', 'ops', 'finance')
    allow_edit = allow_delete = False   # payments move plan balances: recorded, never edited
    column_list = ('code', 'contract', 'plan', 'received_on', 'amount', 'method', 'reference')
    column_sortable_list = ('code', 'received_on', 'created_at')
    column_filters = F.auto(Payment.method, Payment.received_on)
    search_fields = (('code', 'code'),)
    form_columns = ('contract', 'plan', 'received_on', 'amount', 'currency', 'method', 'reference')
    form_ajax_refs = {'contract': CONTRACT_REF, 'plan': {'fields': ['code'], 'page_size': 10}}

    def persist(self, form, model, is_created):
        # receivables.record_payment keeps the plan's paid amount and status current.
        plan = PaymentPlan.get_by_id(model.plan_id) if model.plan_id else None
        payments = receivables.record_payment(
            Contract.get_by_id(model.contract_id), model.amount, plan=plan, received_on=model.received_on,
            method=model.method, reference=model.reference, by=current_user.record)
        model.__data__.update(payments[0].__data__)
        model._dirty.clear()
