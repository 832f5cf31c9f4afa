"""Notifications: group-chat webhooks, each user's choices, and the outbox that is also the delivery log."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField

from ..db import BaseModel, database, utcnow
from . import choices as C
from .activities import Reminder
from .fields import ChoiceField
from .org import Department, User


class ChatWebhook(BaseModel):
    """A group-chat robot (WeCom, DingTalk, Feishu) or any JSON endpoint; for one department or the company."""
    code_prefix = 'WH'
    label = 'chat webhook'
    name = CharField(max_length=120)
    kind = ChoiceField(C.CHAT_KINDS, default='wecom', index=False)
    url = CharField(max_length=500)
    secret = CharField(max_length=200, null=True)   # DingTalk / Feishu signing secret
    department = ForeignKeyField(Department, null=True, backref='chat_webhooks', on_delete='SET NULL')
    active = BooleanField(default=True)

    def __str__(self):
        return self.name


class NotificationPreference(Model):
    """How one user wants one kind of reminder on one channel (no row: not sent there)."""
    user = ForeignKeyField(User, backref='notification_preferences', on_delete='CASCADE')
    kind = CharField(max_length=24)
    channel = ChoiceField(C.NOTIFY_CHANNELS, index=False)
    mode = ChoiceField(C.NOTIFY_MODES, index=False)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        database = database
        table_name = 'notification_preference'
        indexes = ((('user', 'kind', 'channel'), True),)


class Notification(Model):
    """One delivery of a reminder (or of a digest's reminders) to one address: the outbox and its log."""
    reminder = ForeignKeyField(Reminder, null=True, backref='notifications', on_delete='CASCADE')
    user = ForeignKeyField(User, backref='notifications', on_delete='CASCADE')
    channel = ChoiceField(C.NOTIFY_CHANNELS, index=False)
    webhook = ForeignKeyField(ChatWebhook, null=True, backref='notifications', on_delete='SET NULL')
    address = CharField(max_length=300, null=True)   # the e-mail address or the webhook's host
    mode = ChoiceField(C.NOTIFY_MODES, index=False)
    status = ChoiceField(C.NOTIFY_STATUSES, default='pending')
    attempts = IntegerField(default=0)
    send_after = DateTimeField(index=True)
    subject = CharField(max_length=300, null=True)
    last_error = TextField(null=True)
    sent_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)
    dedupe_key = CharField(max_length=120, unique=True)   # reminder:channel:webhook: never delivered twice

    class Meta:
        database = database
        table_name = 'notification'
