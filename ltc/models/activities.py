"""Activities around customers: follow-ups, customer care, documents and reminders."""
from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField, TextField)

from ..db import BaseModel
from . import choices as C
from .contracts import Contract
from .customers import Contact, Customer
from .fields import ChoiceField
from .leads import Lead
from .opportunities import Opportunity
from .org import User
from .receivables import PaymentPlan


class FollowUp(BaseModel):
    code_prefix = 'F'
    label = 'follow-up'
    customer = ForeignKeyField(Customer, null=True, backref='followups')
    contact = ForeignKeyField(Contact, null=True, backref='followups')
    lead = ForeignKeyField(Lead, null=True, backref='followups')
    opportunity = ForeignKeyField(Opportunity, null=True, backref='followups')
    contract = ForeignKeyField(Contract, null=True, backref='followups')        # collection follow-ups
    plan = ForeignKeyField(PaymentPlan, null=True, backref='followups')
    kind = ChoiceField(C.FOLLOWUP_KINDS, default='call')
    happened_at = DateTimeField(index=True)
    summary = TextField(default='')
    next_contact_on = DateField(null=True, index=True)
    owner = ForeignKeyField(User, null=True, backref='followups')
    is_major = BooleanField(default=False)

    @classmethod
    def of_customer(cls, customer_id):
        """Follow-ups of a customer, with those logged on its leads before they were converted."""
        converted = Lead.select(Lead.id).where(Lead.converted_customer == customer_id)
        return cls.select().where((cls.customer == customer_id) | cls.lead.in_(converted))


class CareTask(BaseModel):
    code_prefix = 'CC'
    label = 'care task'
    customer = ForeignKeyField(Customer, backref='care_tasks')
    contact = ForeignKeyField(Contact, null=True, backref='care_tasks')
    contract = ForeignKeyField(Contract, null=True, backref='care_tasks')
    kind = ChoiceField(C.CARE_KINDS, default='return_visit')
    due_on = DateField(index=True)
    status = ChoiceField(C.TASK_STATUSES, default='open')
    done_at = DateTimeField(null=True)
    satisfaction = IntegerField(null=True)  # 1-5
    owner = ForeignKeyField(User, null=True, backref='care_tasks')
    notes = TextField(null=True)


class Document(BaseModel):
    """A file attached to a record: its table, its id and its code when the file was attached.

    The content lives in the documents folder under its SHA-256 (`storage_key`), so the same
    file attached twice is stored once; see ltc.services.documents.
    """
    code_prefix = 'DOC'
    label = 'document'
    title = CharField(max_length=200)
    entity = CharField(max_length=60, index=True)
    entity_id = IntegerField(null=True)   # the record; its code may be edited later
    entity_code = CharField(max_length=64, index=True)
    filename = CharField(max_length=255)
    content_type = CharField(max_length=120, default='application/octet-stream')
    size = IntegerField(default=0)
    storage_key = CharField(max_length=255)
    uploaded_by = ForeignKeyField(User, null=True, backref='documents')

    class Meta:
        indexes = ((('entity', 'entity_id'), False),)


class Reminder(BaseModel):
    """An item in a user's reminders inbox; dedupe_key keeps generation idempotent."""
    code_prefix = 'RM'
    label = 'reminder'
    user = ForeignKeyField(User, backref='reminders')
    kind = ChoiceField(C.REMINDER_KINDS)
    entity = CharField(max_length=60)
    entity_code = CharField(max_length=64)
    message = CharField(max_length=500)   # the English text, for readers without a language (exports, logs)
    params = TextField(null=True)   # JSON fields of the kind's message, rendered in the reader's language
    due_on = DateField(null=True, index=True)
    read_at = DateTimeField(null=True)
    dedupe_key = CharField(max_length=200, unique=True)
    notified_at = DateTimeField(null=True, index=True)   # handed to the notifications outbox (or nothing to send)
