"""The six screens whose details URL is a record page: the screens of ltc.admin with `RecordPage` in front."""
from flask_admin.actions import action
from flask_babel import lazy_gettext as _l

from ..actions import RecordActionsMixin
from ...models import Contract, Quote
from ...services import gate
from ..collection_actions import DUN
from ..documents import AttachmentsMixin
from ..printing import generate_action
from ..deal_actions import CONTRACT_ACTIONS, OPPORTUNITY_ACTIONS
from ..lead_actions import LEAD_ACTIONS
from ..views_money import ContractView, PaymentPlanView, PaymentView, QuoteView
from ..views_sales import LeadView, OpportunityView
from . import deals, money, steps, team
from .page import RecordPage


class ContractRecordView(RecordPage, ContractView):
    record_template = 'ltc_admin/records/contract.html'
    record_actions = CONTRACT_ACTIONS + (steps.RECORD_PAYMENT, steps.LOG_FOLLOWUP,
                                         generate_action('contract', gate.rule_for(Contract).update))
    detail_fields = ('customer_signer', 'our_signer', 'signed_on', 'start_on', 'end_on', 'currency', 'owner',
                     'department', 'approved_by', 'approved_at', 'notes')

    def page(self, row):
        return money.contract_page(self, row)


class OpportunityRecordView(RecordPage, OpportunityView):
    record_template = 'ltc_admin/records/opportunity.html'
    record_actions = OPPORTUNITY_ACTIONS + (steps.LOG_FOLLOWUP, steps.ADD_CHAIN, steps.NEW_QUOTE,
                                             team.ADD_MEMBER, team.REMOVE_MEMBER)
    detail_fields = ('priority', 'source', 'competitors', 'first_close_on', 'closed_on', 'lost_reason',
                     'currency', 'owner', 'department', 'stage_changed_at', 'followup_count', 'last_followup_at')

    def page(self, row):
        return deals.opportunity_page(self, row)


class QuoteRecordView(RecordPage, QuoteView):
    record_template = 'ltc_admin/records/quote.html'
    record_actions = QuoteView.record_actions + (steps.LOG_FOLLOWUP,
                                                 generate_action('quote', gate.rule_for(Quote).update))
    detail_fields = ('quoted_on', 'valid_until', 'currency', 'owner', 'notes')

    def page(self, row):
        return deals.quote_page(self, row)


class LeadRecordView(RecordPage, LeadView):
    record_template = 'ltc_admin/records/lead.html'
    record_actions = LEAD_ACTIONS + (steps.LOG_FOLLOWUP,)
    detail_fields = ('contact_name', 'contact_title', 'phone', 'mobile', 'email', 'wechat', 'website', 'address',
                     'source', 'industry', 'region_province', 'region_city', 'company_size', 'requirement', 'notes',
                     'next_contact_on', 'grade', 'disqualify_reason', 'owner', 'department', 'assigned_at',
                     'converted_at')

    def page(self, row):
        return deals.lead_page(self, row)


class PaymentPlanRecordView(RecordPage, AttachmentsMixin, RecordActionsMixin, PaymentPlanView):
    record_template = 'ltc_admin/records/plan.html'
    record_actions = (steps.RECORD_PAYMENT, DUN, steps.LOG_FOLLOWUP)
    detail_fields = ('sequence', 'trigger', 'due_on', 'currency', 'owner')

    @action('dun', _l('Raise dunning level'))
    def action_dun(self, ids):
        return self.bulk_run('dun', ids)

    def page(self, row):
        return money.plan_page(self, row)


class PaymentRecordView(RecordPage, PaymentView):
    record_template = 'ltc_admin/records/payment.html'
    detail_fields = ('method', 'reference', 'currency', 'original_amount', 'original_currency', 'recorded_by')

    def page(self, row):
        return money.payment_page(self, row)
