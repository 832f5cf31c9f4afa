"""All tables, imported in dependency order; ALL_MODELS is what migrations and tests compare.

Models import only the base floor (db, errors); services and everything above import them.
"""
from peewee import sort_models

from ..db import CodeSequence, ConfigGeneration
from .api import ApiToken, IdempotentAnswer
from .activities import CareTask, Document, FollowUp, Reminder
from .approvals import ApprovalRule, QuoteApproval
from .audit import AuditLog
from .bank import BankReceipt, ReceiptMatch
from .collection import DunningStep
from .catalog import Product, ProductCategory, ProductPlan
from .custom import CustomField
from .contracts import Contract, ContractApproval, ContractLine, DeliveryMilestone
from .customers import Campaign, Contact, Customer, PublicPool
from .intake import IntakeForm
from .invoices import Invoice
from .jobs import JobRun
from .leads import AssignmentRule, GradingRule, Lead
from .logins import LoginThrottle
from .notify import ChatWebhook, Notification, NotificationPreference
from .opportunities import (DecisionRole, Opportunity, OpportunityContact, OpportunityProduct,
                            Stage, StageHistory, TeamMember)
from .org import Department, Role, Setting, Target, User
from .quotes import Quote, QuoteLine
from .rates import ExchangeRate
from .receivables import Payment, PaymentPlan
from .sync import SyncConflict, SyncRun, SyncState, SyncTarget
from .sync_admin import ImportMapping
from .webhooks import WebhookDelivery, WebhookSubscription

ALL_MODELS = sort_models([
    CodeSequence, ConfigGeneration, AuditLog,
    Department, Role, User, Target, Setting, LoginThrottle,
    ProductCategory, Product, ProductPlan,
    PublicPool, Customer, Contact, Campaign, IntakeForm,
    Lead, GradingRule, AssignmentRule,
    Stage, Opportunity, StageHistory, OpportunityProduct, DecisionRole, OpportunityContact, TeamMember,
    Quote, QuoteLine, ApprovalRule, QuoteApproval,
    Contract, ContractLine, ContractApproval, DeliveryMilestone,
    PaymentPlan, Payment, Invoice, BankReceipt, ReceiptMatch, DunningStep, ExchangeRate,
    FollowUp, CareTask, Document, Reminder,
    ChatWebhook, NotificationPreference, Notification,
    JobRun,
    SyncTarget, SyncRun, SyncState, SyncConflict,
    ImportMapping, CustomField,
    ApiToken, IdempotentAnswer,
    WebhookSubscription, WebhookDelivery,
])
BUSINESS_MODELS = [m for m in ALL_MODELS if m not in (CodeSequence, ConfigGeneration, AuditLog, JobRun, LoginThrottle, ApiToken, IdempotentAnswer,
                                                   NotificationPreference, Notification,
                                                   WebhookSubscription, WebhookDelivery)]
MODELS_BY_NAME = {m.__name__: m for m in ALL_MODELS}

__all__ = ['ALL_MODELS', 'BUSINESS_MODELS', 'MODELS_BY_NAME'] + list(MODELS_BY_NAME)
