"""Outgoing webhooks: subscriptions to business events and the delivery log (written with each change,
sent by a job with retries)."""
from peewee import *


def up(migrator, db):
    class WebhookSubscription(Model):
        code = CharField(max_length=64, unique=True)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(max_length=80, null=True)
        version = IntegerField(default=1)
        name = CharField(max_length=200)
        url = CharField(max_length=500)
        secret = CharField(max_length=100)
        events = TextField(default='')
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = 'webhook_subscription'

    class WebhookDelivery(Model):
        subscription = ForeignKeyField(WebhookSubscription, backref='deliveries', on_delete='CASCADE')
        event = CharField(max_length=25, index=True)
        event_id = CharField(max_length=40)
        entity_code = CharField(max_length=64)
        payload = TextField()
        status = CharField(max_length=24, default='pending')
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(null=True)
        response_code = IntegerField(null=True)
        last_error = TextField(null=True)
        created_at = DateTimeField(index=True)
        delivered_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'webhook_delivery'
            indexes = ((('status', 'next_attempt_at'), False),)

    db.create_tables([WebhookSubscription, WebhookDelivery])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('webhook_delivery'), migrator.drop_table('webhook_subscription'))
