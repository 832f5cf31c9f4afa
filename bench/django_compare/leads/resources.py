"""The workbook's columns as django-import-export resources: as documented, and tuned for speed.

Tuned: the options django-import-export documents for large imports (its "Bulk imports" page and
ResourceOptions): bulk_create in batches of 1,000 instead of save() per row (so no per-row
pre_save/post_save signals), no diff or HTML report per row, no look-up of an existing instance
(every row is new), skipped rows not reported.
"""
from django.contrib.auth import get_user_model
from import_export import fields, resources, widgets

from .models import Lead

FIELDS = ('id', 'code', 'company', 'contact_name', 'contact_title', 'phone', 'email', 'source', 'industry',
          'region_province', 'region_city', 'company_size', 'budget', 'currency', 'requirement', 'owner')


class LeadResource(resources.ModelResource):
    code = fields.Field(attribute='code', column_name='线索编号')
    company = fields.Field(attribute='company', column_name='*公司名称')
    contact_name = fields.Field(attribute='contact_name', column_name='联系人')
    contact_title = fields.Field(attribute='contact_title', column_name='职务')
    phone = fields.Field(attribute='phone', column_name='手机号')
    email = fields.Field(attribute='email', column_name='邮箱')
    source = fields.Field(attribute='source', column_name='线索来源')
    industry = fields.Field(attribute='industry', column_name='客户行业')
    region_province = fields.Field(attribute='region_province', column_name='省份')
    region_city = fields.Field(attribute='region_city', column_name='城市')
    company_size = fields.Field(attribute='company_size', column_name='企业规模')
    budget = fields.Field(attribute='budget', column_name='预算', widget=widgets.DecimalWidget())
    currency = fields.Field(attribute='currency', column_name='币种')
    requirement = fields.Field(attribute='requirement', column_name='需求')
    owner = fields.Field(attribute='owner', column_name='负责人',
                         widget=widgets.ForeignKeyWidget(get_user_model(), 'username'))

    class Meta:
        model = Lead
        fields = FIELDS


class TunedLeadResource(LeadResource):
    class Meta:
        model = Lead
        fields = FIELDS
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        skip_html_diff = True
        force_init_instance = True
        report_skipped = False
        use_transactions = True
