"""Outgoing webhooks: subscriptions to business events, and the log of every delivery (the outbox)."""
from peewee import AutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField

from ..db import BaseModel, database, utcnow
from . import choices as C
from .fields import ChoiceField


class WebhookSubscription(BaseModel):
    """Another system's URL that receives the EVENTS, each payload signed with SECRET (HMAC-SHA256)."""
    code_prefix = 'WH'
    label = 'webhook'
    name = CharField(max_length=200)
    url = CharField(max_length=500)
    secret = CharField(max_length=100)
    events = TextField(default='')   # space-separated, e.g. 'lead.created payment.recorded'
    active = BooleanField(default=True)

    @property
    def event_list(self):
        return (self.events or '').split()


class WebhookDelivery(Model):
    """One event for one subscription: written with the change (same transaction), sent by a job."""
    id = AutoField()
    subscription = ForeignKeyField(WebhookSubscription, backref='deliveries', on_delete='CASCADE')
    event = ChoiceField(C.WEBHOOK_EVENTS, index=True)
    event_id = CharField(max_length=40)
    entity_code = CharField(max_length=64)
    payload = TextField()
    status = ChoiceField(C.DELIVERY_STATUSES, default='pending', index=False)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True)
    response_code = IntegerField(null=True)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)
    delivered_at = DateTimeField(null=True)

    class Meta:
        database = database
        legacy_table_names = False
        indexes = ((('status', 'next_attempt_at'), False),)

    def __str__(self):
        return f'#{self.id} {self.event} {self.entity_code}'

    @classmethod
    def due(cls, now):
        """Return the pending deliveries whose next attempt is due at NOW, oldest first."""
        return (cls.select().where((cls.status == 'pending') & (cls.next_attempt_at <= now)).order_by(cls.id))
