"""Screens for the front of the funnel: leads, customers, contacts, campaigns, opportunities, products."""
import re

from flask import request
from flask_admin import expose
from flask_admin.model.form import InlineFormAdmin
from flask_login import current_user
from wtforms.validators import Optional

from ..models import (Campaign, Contact, Customer, Lead, Opportunity, OpportunityContact,
                      OpportunityProduct, Product, ProductPlan, StageHistory)
from ..models import choices as C
from . import customer360, formatters
from .i18n import name_of
from . import filters as F
from .base import SecureModelView
from .bulk import BulkMixin

USER_REF = {'fields': ['username'], 'page_size': 10}
CUSTOMER_REF = {'fields': ['code', 'name'], 'page_size': 10}
CONTACT_REF = {'fields': ['code', 'name'], 'page_size': 10}
PRODUCT_REF = {'fields': ['code', 'name'], 'page_size': 10}


class OwnedView(BulkMixin, SecureModelView):
    """A record with an owner: a sales user's new record is theirs."""
    owner_field = 'owner'

    def on_model_change(self, form, model, is_created):
        if is_created and model.owner_id is None and getattr(current_user.role, 'name', '') == 'sales':
            model.owner = current_user.id


class LeadView(OwnedView):
    status_field = 'status'
    column_list = ('code', 'company', 'contact_name', 'phone', 'industry', 'region_province',
                   'source', 'grade', 'status', 'owner', 'created_at')
    column_sortable_list = ('code', 'industry', 'region_province', 'source', 'grade', 'status',
                            'score', 'created_at', 'last_followup_at')
    column_filters = F.auto(Lead.industry, Lead.region_province, Lead.source, Lead.status,
                            Lead.grade, Lead.owner, Lead.department, Lead.created_at)
    search_fields = (('code', 'code'), ('phone_norm', 'digits'), ('email_norm', 'email'),
                     ('company_norm', 'lower'))
    column_details_exclude_list = ('phone_norm', 'email_norm', 'company_norm', 'version')
    column_export_list = ('code', 'company', 'contact_name', 'contact_title', 'phone', 'email',
                          'source', 'industry', 'region_province', 'region_city', 'company_size',
                          'budget', 'status', 'grade', 'score', 'owner', 'department', 'created_at')
    form_columns = ('company', 'contact_name', 'contact_title', 'phone', 'email', 'source',
                    'campaign', 'industry', 'region_province', 'region_city', 'company_size',
                    'budget', 'currency', 'requirement', 'department', 'owner', 'status', 'grade',
                    'disqualify_reason')
    form_ajax_refs = {'owner': USER_REF}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        # Keys the index-backed search and duplicate checks use.
        model.phone_norm = re.sub(r'\D', '', model.phone or '') or None
        model.email_norm = (model.email or '').strip().lower() or None
        model.company_norm = re.sub(r'\s+', '', model.company or '').lower() or None


class CustomerView(OwnedView):
    roles = ('admin', 'manager', 'sales', 'ops', 'finance')   # finance: customers with contracts
    write_roles = ('admin', 'manager', 'sales', 'ops')
    column_list = ('code', 'name', 'kind', 'industry', 'region_province', 'level', 'source',
                   'owner', 'last_followup_at')
    column_sortable_list = ('code', 'name', 'kind', 'industry', 'region_province', 'level',
                            'source', 'last_followup_at', 'created_at')
    column_filters = F.auto(Customer.industry, Customer.region_province, Customer.kind,
                            Customer.level, Customer.source, Customer.owner, Customer.department,
                            Customer.created_at) + [F.in_pool(Customer.owner)]
    search_fields = (('code', 'code'), ('name', 'plain'))
    form_columns = ('name', 'name_en', 'kind', 'parent', 'industry', 'region_province',
                    'region_city', 'size', 'level', 'source', 'credit_code', 'phone', 'email',
                    'website', 'address', 'owner', 'department', 'pool', 'locked',
                    'yearly_category_spend', 'target_share', 'currency', 'notes')
    form_ajax_refs = {'owner': USER_REF, 'parent': CUSTOMER_REF}
    column_export_list = ('code', 'name', 'name_en', 'kind', 'industry', 'region_province',
                          'region_city', 'size', 'level', 'source', 'credit_code', 'phone',
                          'email', 'owner', 'department', 'last_followup_at')
    details_template = 'ltc_admin/customer_details.html'

    @expose('/360/')
    def view_360(self):
        """Show the customer 360° page (scoped like every other path)."""
        customer = self.get_one(request.args.get('id'))
        return self.render('ltc_admin/customer360.html', fmt=formatters, C=C, name_of=name_of,
                           **customer360.context(customer))


class ContactView(SecureModelView):
    column_list = ('code', 'name', 'customer', 'title', 'phone', 'mobile', 'email',
                   'is_key_decision_maker')
    column_sortable_list = ('code', 'name', 'phone', 'mobile', 'email', 'created_at')
    search_fields = (('code', 'code'), ('name', 'plain'), ('mobile', 'plain'), ('phone', 'plain'),
                     ('email', 'plain'))
    column_filters = F.auto(Contact.created_at)
    form_columns = ('customer', 'name', 'name_en', 'title', 'department_name', 'gender', 'phone',
                    'mobile', 'email', 'wechat', 'is_key_decision_maker', 'birthday', 'notes')
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


class OpportunityProductInline(InlineFormAdmin):
    form_columns = ('id', 'product', 'quantity', 'unit_price', 'amount')
    form_ajax_refs = {'product': PRODUCT_REF}
    form_args = {'id': {'validators': [Optional()]}}


class OpportunityView(OwnedView):
    column_list = ('code', 'name', 'customer', 'stage', 'amount', 'weighted_amount',
                   'expected_close_on', 'priority', 'owner', 'health_score')
    column_sortable_list = ('code', 'name', 'amount', 'expected_close_on', 'priority',
                            'health_score', 'created_at')
    column_filters = F.auto(Opportunity.stage, Opportunity.priority, Opportunity.source,
                            Opportunity.owner, Opportunity.department,
                            Opportunity.expected_close_on, Opportunity.created_at)
    search_fields = (('code', 'code'), ('name', 'plain'))
    form_columns = ('name', 'customer', 'contact', 'lead', 'stage', 'amount', 'currency',
                    'expected_close_on', 'priority', 'source', 'competitors', 'lost_reason',
                    'owner', 'department')
    form_ajax_refs = {'customer': CUSTOMER_REF, 'contact': CONTACT_REF, 'owner': USER_REF,
                      'lead': {'fields': ['code'], 'page_size': 10}}
    inline_models = (DecisionChainInline(OpportunityContact), OpportunityProductInline(OpportunityProduct))


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
