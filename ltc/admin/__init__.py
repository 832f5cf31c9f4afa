"""Flask-Admin for LTC: init_admin(app) builds the Admin and every view for one app.

A door on the top floor: it may import sync, services, models and the base floor; only the app
factory (`ltc.create_app`) imports it.
"""
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from .. import models as M
from . import auth, dashboard, i18n, safety
from .dashboard import DashboardView
from .documents import DocumentView
from .feed import FeedView
from .notifications import ChatWebhookView, MyNotificationsView, NotificationLogView
from .tokens import TokensView
from .views_intake import IntakeFormView
from .views_hooks import WebhookDeliveryView, WebhookSubscriptionView
from .pipeline import PipelineView
from .records import (ContractRecordView, LeadRecordView, OpportunityRecordView, PaymentPlanRecordView,
                      PaymentRecordView, QuoteRecordView)
from .views_money import ContractApprovalView, ContractLineView, MilestoneView, QuoteLineView
from .views_org import (AssignmentRuleView, AuditLogView, CareTaskView, DecisionRoleView,
                        DepartmentView, FollowUpView, GradingRuleView, JobRunView, LoginThrottleView,
                        PoolView,
                        ReminderView, RoleView, SettingView, CustomFieldView, StageView, TargetView, UserView)
from .sync_import import ImportView
from .views_bank import BankReceiptView, DunningStepView, ExchangeRateView, ReceiptMatchView
from .views_invoices import InvoiceView
from .views_approvals import ApprovalRuleView, ContractInboxView, QuoteApprovalView, QuoteInboxView
from .views_sync import (ExportView, ImportMappingView, SyncConflictView, SyncRunView, SyncStateView,
                         SyncTargetView)
from .views_sales import (CampaignView, ContactView, CustomerView, OpportunityContactView,
                          OpportunityProductView, ProductCategoryView,
                          ProductPlanView, ProductView, StageHistoryView)

SALES, CUSTOMERS, DEALS, MONEY, WORK, CATALOG, SETTINGS, SYNC = (
    _l('Leads'), _l('Customers'), _l('Opportunities'), _l('Contracts & payments'),
    _l('Activities'), _l('Products'), _l('Settings'), _l('Spreadsheets'))

# (view class, model, menu name, menu category); every model of ltc.models has a screen. Leads,
# opportunities, quotes, contracts and payment plans open as record pages (ltc.admin.records).
SCREENS = [
    (LeadRecordView, M.Lead, _l('Leads'), SALES),
    (CampaignView, M.Campaign, _l('Campaigns'), SALES),
    (IntakeFormView, M.IntakeForm, _l('Web forms'), SALES),
    (CustomerView, M.Customer, _l('Customers'), CUSTOMERS),
    (ContactView, M.Contact, _l('Contacts'), CUSTOMERS),
    (OpportunityRecordView, M.Opportunity, _l('Opportunities'), DEALS),
    (StageHistoryView, M.StageHistory, _l('Stage history'), DEALS),
    (OpportunityProductView, M.OpportunityProduct, _l('Opportunity products'), DEALS),
    (OpportunityContactView, M.OpportunityContact, _l('Decision chain'), DEALS),
    (QuoteRecordView, M.Quote, _l('Quotes'), DEALS),
    (QuoteLineView, M.QuoteLine, _l('Quote lines'), DEALS),
    (QuoteApprovalView, M.QuoteApproval, _l('Quote approvals'), DEALS),
    (ContractRecordView, M.Contract, _l('Contracts'), MONEY),
    (ContractLineView, M.ContractLine, _l('Contract lines'), MONEY),
    (ContractApprovalView, M.ContractApproval, _l('Contract approvals'), MONEY),
    (MilestoneView, M.DeliveryMilestone, _l('Delivery milestones'), MONEY),
    (PaymentPlanRecordView, M.PaymentPlan, _l('Payment plans'), MONEY),
    (PaymentRecordView, M.Payment, _l('Payments'), MONEY),
    (InvoiceView, M.Invoice, _l('Invoices'), MONEY),
    (BankReceiptView, M.BankReceipt, _l('Bank receipts'), MONEY),
    (ReceiptMatchView, M.ReceiptMatch, _l('Receipt matches'), MONEY),
    (DunningStepView, M.DunningStep, _l('Dunning steps'), MONEY),
    (FollowUpView, M.FollowUp, _l('Follow-ups'), WORK),
    (CareTaskView, M.CareTask, _l('Care tasks'), WORK),
    (DocumentView, M.Document, _l('Documents'), WORK),
    (ReminderView, M.Reminder, _l('Reminders'), WORK),
    (ChatWebhookView, M.ChatWebhook, _l('Chat webhooks'), SETTINGS),
    (NotificationLogView, M.Notification, _l('Notification log'), SETTINGS),
    (ProductView, M.Product, _l('Products'), CATALOG),
    (ProductCategoryView, M.ProductCategory, _l('Product categories'), CATALOG),
    (ProductPlanView, M.ProductPlan, _l('Product plans'), CATALOG),
    (UserView, M.User, _l('Users'), SETTINGS),
    (RoleView, M.Role, _l('Roles'), SETTINGS),
    (DepartmentView, M.Department, _l('Departments'), SETTINGS),
    (TargetView, M.Target, _l('Targets'), SETTINGS),
    (StageView, M.Stage, _l('Stages'), SETTINGS),
    (DecisionRoleView, M.DecisionRole, _l('Decision roles'), SETTINGS),
    (PoolView, M.PublicPool, _l('Public pools'), SETTINGS),
    (GradingRuleView, M.GradingRule, _l('Grading rules'), SETTINGS),
    (AssignmentRuleView, M.AssignmentRule, _l('Assignment rules'), SETTINGS),
    (ApprovalRuleView, M.ApprovalRule, _l('Approval rules'), SETTINGS),
    (ExchangeRateView, M.ExchangeRate, _l('Exchange rates'), SETTINGS),
    (CustomFieldView, M.CustomField, _l('Custom fields'), SETTINGS),
    (SettingView, M.Setting, _l('System settings'), SETTINGS),
    (AuditLogView, M.AuditLog, _l('Audit log'), SETTINGS),
    (WebhookSubscriptionView, M.WebhookSubscription, _l('Outgoing webhooks'), SETTINGS),
    (WebhookDeliveryView, M.WebhookDelivery, _l('Webhook deliveries'), SETTINGS),
    (JobRunView, M.JobRun, _l('Job runs'), SETTINGS),
    (LoginThrottleView, M.LoginThrottle, _l('Failed logins'), SETTINGS),
    (SyncTargetView, M.SyncTarget, _l('Sync targets'), SYNC),
    (SyncRunView, M.SyncRun, _l('Sync runs'), SYNC),
    (SyncConflictView, M.SyncConflict, _l('Sync conflicts'), SYNC),
    (SyncStateView, M.SyncState, _l('Sync state'), SYNC),
    (ImportMappingView, M.ImportMapping, _l('Remembered column mappings'), SYNC),
]


def init_admin(app):
    """Build login, language, CSRF, security headers and every admin view for APP."""
    safety.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    dashboard.init_app(app)
    admin = Admin(app, name='LTC', index_view=DashboardView(name=_l('Home'), url='/admin'),
                  theme=Bootstrap4Theme(base_template='ltc_admin/master.html', fluid=True),
                  csp_nonce_generator=safety.csp_nonce)
    for view_class, model, name, category in SCREENS:
        admin.add_view(view_class(model, name=name, category=category,
                                  endpoint=model.__name__.lower()))
    admin.add_view(ContractInboxView(M.ContractApproval, name=_l('Contracts to approve'), category=MONEY,
                                     endpoint='contract_inbox', url='/admin/approvals/contracts'))
    admin.add_view(QuoteInboxView(M.QuoteApproval, name=_l('Quotes to approve'), category=DEALS,
                                  endpoint='quote_inbox', url='/admin/approvals/quotes'))
    admin.add_view(PipelineView(name=_l('Pipeline board'), category=DEALS, endpoint='pipeline',
                                url='/admin/pipeline'))
    admin.add_view(FeedView(name=_l('Team feed'), category=DEALS, endpoint='team_feed', url='/admin/feed'))
    admin.add_view(ImportView(name=_l('Import'), category=SYNC, endpoint='sync_import', url='/admin/import'))
    admin.add_view(ExportView(name=_l('Exports and templates'), category=SYNC, endpoint='sync_export',
                              url='/admin/spreadsheets'))
    admin.add_view(MyNotificationsView(name=_l('My notifications'), category=WORK, endpoint='my_notifications',
                                       url='/admin/my-notifications'))
    admin.add_view(TokensView(name=_l('API tokens'), category=SYNC, endpoint='api_tokens', url='/admin/tokens'))
    app.extensions['ltc_admin'] = admin
    return admin
