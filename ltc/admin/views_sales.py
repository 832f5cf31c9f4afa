"""Screens for the front of the funnel: leads, customers, contacts, campaigns, opportunities, products."""
from flask import request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_admin.model.form import InlineFormAdmin
from flask_login import current_user
from wtforms.validators import Optional

from ..models import (Campaign, Contact, Customer, Lead, Opportunity, OpportunityContact,
                      OpportunityProduct, Product, ProductPlan, Stage, StageHistory, User)
from ..models import choices as C
from ..services import assignment, audit, customers, diagnosis, gate, leads, opportunities, quotes
from . import customer360, formatters
from .i18n import name_of
from . import filters as F
from .actions import RecordActionsMixin
from .custom import CustomFieldsMixin
from .base import SecureModelView
from .bulk import BulkMixin
from .documents import AttachmentsMixin
from .printing import StatementMixin, generate_action
from .deal_actions import OPPORTUNITY_ACTIONS, opportunity_panels
from .lead_actions import CUSTOMER_ACTIONS, LEAD_ACTIONS, lead_panels

USER_REF = {'fields': ['username', 'display_name', 'display_name_en'], 'page_size': 10}
CUSTOMER_REF = {'fields': ['code', 'name'], 'page_size': 10}
CONTACT_REF = {'fields': ['code', 'name'], 'page_size': 10}
PRODUCT_REF = {'fields': ['code', 'name'], 'page_size': 10}


class OwnedView(BulkMixin, SecureModelView):
    """A record with an owner: a sales user's new record is theirs."""
    owner_field = 'owner'

    def on_model_change(self, form, model, is_created):
        if is_created and model.owner_id is None and getattr(current_user.role, 'name', '') == 'sales':
            model.owner = current_user.id
        # A new record without a department is its owner's department's (leads, customers, deals).
        if is_created and 'department' in type(model)._meta.fields and model.department_id is None \
                and model.owner_id is not None:
            model.department = User.get_by_id(model.owner_id).department_id


class LeadView(CustomFieldsMixin, RecordActionsMixin, OwnedView):
    status_field = 'status'
    record_actions = LEAD_ACTIONS
    column_list = ('code', 'company', 'contact_name', 'phone', 'mobile', 'industry', 'region_province',
                   'source', 'grade', 'status', 'owner', 'next_contact_on', 'created_at')
    column_sortable_list = ('code', 'industry', 'region_province', 'source', 'grade', 'status',
                            'score', 'created_at', 'last_followup_at', 'next_contact_on')
    # Newest first by when the lead came in (indexed), not by row number: imported or loaded
    # leads are not written in the order they arrived (the demo writes its disqualified ones last).
    column_default_sort = ('created_at', True)
    column_filters = F.auto(Lead.industry, Lead.region_province, Lead.source, Lead.status,
                            Lead.grade, Lead.owner, Lead.department, Lead.next_contact_on, Lead.created_at)
    search_fields = (('code', 'code'), ('phone_norm', 'digits'), ('email_norm', 'email'),
                     ('company_norm', 'lower'))
    column_details_exclude_list = ('phone_norm', 'email_norm', 'company_norm', 'version')
    column_export_list = ('code', 'company', 'contact_name', 'contact_title', 'phone', 'mobile', 'email',
                          'wechat', 'website', 'address', 'source', 'industry', 'region_province',
                          'region_city', 'company_size', 'budget', 'requirement', 'notes', 'next_contact_on',
                          'status', 'grade', 'score', 'owner', 'department', 'created_at')
    form_columns = ('company', 'contact_name', 'contact_title', 'phone', 'mobile', 'email', 'wechat',
                    'website', 'address', 'source', 'campaign', 'industry', 'region_province', 'region_city',
                    'company_size', 'budget', 'currency', 'requirement', 'notes', 'next_contact_on',
                    'department', 'owner')
    form_ajax_refs = {'owner': USER_REF}

    def persist(self, form, model, is_created):
        # One intake path: normalise, grade, flag duplicates, assign (ltc.services.leads).
        leads.save_lead(model, by=current_user.record)

    def bulk_apply(self, row, name, value):
        if name == 'owner':
            assignment.assign_lead(row, by=current_user.record, to=User.get_by_id(value))
        else:
            leads.set_status(row, value, by=current_user.record)

    def detail_panels(self, row):
        return lead_panels(row)

    @action('assign_rules', _l('Assign by rules'))
    def action_assign_rules(self, ids):
        return self.bulk_run('assign_rules', ids)

    @action('rerun_assignment', _l('Re-run assignment'))
    def action_rerun_assignment(self, ids):
        return self.bulk_run('rerun_assignment', ids)

    @action('convert', _l('Convert'))
    def action_convert(self, ids):
        return self.bulk_run('convert', ids)

    @action('disqualify', _l('Disqualify'))
    def action_disqualify(self, ids):
        return self.bulk_run('disqualify', ids)

    @action('merge', _l('Merge duplicates'))
    def action_merge(self, ids):
        return self.bulk_run('merge', ids)

    @action('regrade', _l('Re-grade'))
    def action_regrade(self, ids):
        return self.bulk_run('regrade', ids)


class CustomerView(CustomFieldsMixin, StatementMixin, AttachmentsMixin, RecordActionsMixin, OwnedView):
    record_actions = CUSTOMER_ACTIONS + (generate_action('statement', gate.MONEY),)
    roles = ('admin', 'manager', 'sales', 'ops', 'finance')   # finance: customers with contracts
    write_roles = ('admin', 'manager', 'sales', 'ops')
    column_list = ('code', 'name', 'kind', 'industry', 'region_province', 'level', 'source',
                   'owner', 'last_followup_at', 'next_contact_on')
    column_sortable_list = ('code', 'name', 'kind', 'industry', 'region_province', 'level',
                            'source', 'last_followup_at', 'next_contact_on', 'created_at')
    column_filters = F.auto(Customer.industry, Customer.region_province, Customer.kind,
                            Customer.level, Customer.source, Customer.owner, Customer.department,
                            Customer.next_contact_on, Customer.created_at) + [F.in_pool(Customer.owner)]
    search_fields = (('code', 'code'), ('name', 'plain'))
    form_columns = ('name', 'name_en', 'kind', 'parent', 'industry', 'region_province',
                    'region_city', 'size', 'level', 'source', 'credit_code', 'invoice_title', 'phone', 'mobile',
                    'email', 'wechat', 'website', 'address', 'next_contact_on', 'owner', 'department', 'pool',
                    'yearly_category_spend', 'target_share', 'currency', 'notes')   # locked: "Lock…"/"Unlock…"
    form_ajax_refs = {'owner': USER_REF, 'parent': CUSTOMER_REF}
    column_export_list = ('code', 'name', 'name_en', 'kind', 'industry', 'region_province',
                          'region_city', 'size', 'level', 'source', 'credit_code', 'phone', 'mobile',
                          'email', 'wechat', 'website', 'address', 'notes', 'owner', 'department',
                          'last_followup_at', 'next_contact_on')
    details_template = 'ltc_admin/customer_details.html'

    def persist(self, form, model, is_created):
        # The parent goes through customers.set_parent, which refuses cycles; a new owner through
        # customers.change_owner (claim from the pool, release, or a manager's assignment).
        wanted, owner = model.parent_id, model.owner_id
        stored = None if is_created else Customer.get_by_id(model.id)
        model.parent = stored.parent_id if stored else None
        if stored is not None:
            model.owner = stored.owner_id
        audit.save(model)
        if wanted != model.parent_id:
            customers.set_parent(model, Customer.get_by_id(wanted) if wanted else None,
                                 by=current_user.record)
        if stored is not None and owner != stored.owner_id:
            customers.change_owner(model, owner, by=current_user.record)

    def bulk_apply(self, row, name, value):
        customers.change_owner(row, value, by=current_user.record)

    @action('claim', _l('Claim'))
    def action_claim(self, ids):
        return self.bulk_run('claim', ids)

    @action('release', _l('Release to the pool'))
    def action_release(self, ids):
        return self.bulk_run('release', ids)

    def detail_panels(self, row):
        return [(_('Locked'), [_('Exempt from the public pool: never reclaimed, and not released until '
                                 'unlocked.')], 'secondary')] if row.locked else []

    @expose('/360/')
    def view_360(self):
        """Show the customer 360° page (scoped like every other path)."""
        customer = self.get_one(request.args.get('id'))
        generate = self._action('generate_statement')
        return self.render('ltc_admin/customer360.html', fmt=formatters, C=C, name_of=name_of,
                           attachments=self.attachments(customer), statement_links=self.statement_links(customer),
                           generate_statement=self.may_run(generate) and url_for(
                               '.act_view', action_name=generate.name, id=customer.id,
                               next=url_for('.view_360', id=customer.id)),
                           **customer360.context(customer))


class ContactView(CustomFieldsMixin, SecureModelView):
    # Finance reads (never edits) the contacts that sign its contracts (scope.signing_contacts).
    roles = ('admin', 'manager', 'sales', 'ops', 'finance')
    write_roles = ('admin', 'manager', 'sales', 'ops')
    column_list = ('code', 'name', 'customer', 'title', 'phone', 'mobile', 'email',
                   'is_key_decision_maker')
    column_sortable_list = ('code', 'name', 'phone', 'mobile', 'email', 'next_contact_on', 'created_at')
    search_fields = (('code', 'code'), ('name', 'plain'), ('mobile', 'plain'), ('phone', 'plain'),
                     ('email', 'plain'))
    column_filters = F.auto(Contact.next_contact_on, Contact.created_at)
    form_columns = ('customer', 'name', 'name_en', 'title', 'department_name', 'gender', 'phone',
                    'mobile', 'email', 'wechat', 'website', 'address', 'is_key_decision_maker', 'birthday',
                    'next_contact_on', 'notes')
    column_export_list = ('code', 'customer', 'name', 'name_en', 'title', 'department_name', 'gender', 'phone',
                          'mobile', 'email', 'wechat', 'website', 'address', 'is_key_decision_maker', 'birthday',
                          'next_contact_on', 'notes')
    form_ajax_refs = {'customer': CUSTOMER_REF}


class CampaignView(SecureModelView):
    column_list = ('code', 'name', 'channel', 'status', 'start_on', 'end_on', 'budget', 'owner')
    column_sortable_list = ('code', 'channel', 'status', 'start_on')
    column_filters = F.auto(Campaign.channel, Campaign.status, Campaign.department, Campaign.start_on)
    search_fields = (('code', 'code'),)
    form_columns = ('name', 'name_en', 'channel', 'status', 'start_on', 'end_on', 'budget',
                    'currency', 'department', 'owner')
    form_ajax_refs = {'owner': USER_REF}


class DecisionChainInline(InlineFormAdmin):
    form_columns = ('id', 'contact', 'role', 'attitude', 'influence', 'notes')
    form_ajax_refs = {'contact': CONTACT_REF}
    form_args = {'id': {'validators': [Optional()]}}


# A product line's price and amount start empty: an empty price is the product's list price, an
# empty amount quantity × price (quotes.fill_line, through the views' prepare_inline), never 0.00.
BLANK_PRICE = {'default': None, 'validators': [Optional()],
               'description': _l("Leave empty for the product's list price.")}
BLANK_AMOUNT = {'default': None, 'validators': [Optional()],
                'description': _l('Leave empty for quantity × unit price.')}


class OpportunityProductInline(InlineFormAdmin):
    form_columns = ('id', 'product', 'quantity', 'unit_price', 'amount')
    form_ajax_refs = {'product': PRODUCT_REF}
    form_args = {'id': {'validators': [Optional()]}, 'unit_price': BLANK_PRICE, 'amount': BLANK_AMOUNT}


class OpportunityView(CustomFieldsMixin, AttachmentsMixin, RecordActionsMixin, OwnedView):
    record_actions = OPPORTUNITY_ACTIONS
    column_list = ('code', 'name', 'customer', 'stage', 'amount', 'weighted_amount',
                   'expected_close_on', 'priority', 'owner', 'health_score')
    column_sortable_list = ('code', 'name', 'amount', 'expected_close_on', 'priority',
                            'health_score', 'created_at')
    column_filters = F.auto(Opportunity.stage, Opportunity.priority, Opportunity.source,
                            Opportunity.owner, Opportunity.department,
                            Opportunity.expected_close_on, Opportunity.created_at)
    search_fields = (('code', 'code'), ('name', 'plain'))
    form_columns = ('name', 'customer', 'contact', 'lead', 'stage', 'amount', 'currency',
                    'expected_close_on', 'priority', 'source', 'competitors',
                    'owner', 'department')
    form_ajax_refs = {'customer': CUSTOMER_REF, 'contact': CONTACT_REF, 'owner': USER_REF,
                      'lead': {'fields': ['code'], 'page_size': 10}}
    inline_models = (DecisionChainInline(OpportunityContact), OpportunityProductInline(OpportunityProduct))

    def create_form(self, obj=None):
        # A new opportunity starts in an open stage; Won and Lost are reached by "Move stage".
        form = super().create_form(obj)
        form.stage.query = Stage.select().where(~Stage.is_won, ~Stage.is_lost).order_by(Stage.sequence)
        return form

    def edit_form(self, obj=None):
        # The stage moves only through "Move stage", which records the stage history.
        form = super().edit_form(obj)
        del form['stage']
        return form

    def persist(self, form, model, is_created):
        opportunities.save_opportunity(model, by=current_user.record)

    def prepare_inline(self, row):
        if isinstance(row, OpportunityProduct):
            quotes.fill_line(row)

    def after_inline(self, form, model, is_created):
        diagnosis.diagnose(model, by=current_user.record)

    def detail_panels(self, row):
        return opportunity_panels(row)

    @action('diagnose', _l('Diagnose'))
    def action_diagnose(self, ids):
        return self.bulk_run('diagnose', ids)


class ReadOnlyLineView(SecureModelView):
    """Lines edited through their parent; listed here for search and export."""
    allow_create = allow_edit = allow_delete = False
    column_sortable_list = ('code', 'created_at')
    search_fields = (('code', 'code'),)


class StageHistoryView(ReadOnlyLineView):
    column_list = ('code', 'opportunity', 'from_stage', 'to_stage', 'changed_at', 'changed_by',
                   'days_in_previous')
    column_filters = F.auto(StageHistory.to_stage, StageHistory.changed_at)


class OpportunityProductView(ReadOnlyLineView):
    column_list = ('code', 'opportunity', 'product', 'quantity', 'unit_price', 'amount')


class OpportunityContactView(ReadOnlyLineView):
    column_list = ('code', 'opportunity', 'contact', 'role', 'attitude', 'influence')


class ProductView(SecureModelView):
    write_roles = ('admin', 'ops')
    column_list = ('code', 'name', 'category', 'specification', 'unit', 'list_price', 'status')
    column_sortable_list = ('code', 'name', 'status')
    column_filters = F.auto(Product.status)
    search_fields = (('code', 'code'), ('name', 'plain'))
    form_columns = ('name', 'name_en', 'category', 'specification', 'unit', 'list_price',
                    'currency', 'status', 'profile_industries', 'profile_sizes', 'description')
    status_field = 'status'


class ProductCategoryView(SecureModelView):
    write_roles = ('admin', 'ops')
    column_list = ('code', 'name', 'name_en', 'parent')
    form_columns = ('name', 'name_en', 'parent')
    search_fields = (('code', 'code'),)


class ProductPlanView(SecureModelView):
    write_roles = ('admin', 'ops')
    column_list = ('code', 'product', 'period', 'planned_quantity')
    column_sortable_list = ('code', 'period')
    column_filters = F.auto(ProductPlan.period)
    form_columns = ('product', 'period', 'planned_quantity')
    form_ajax_refs = {'product': PRODUCT_REF}
