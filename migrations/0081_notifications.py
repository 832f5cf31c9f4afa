"""Notifications by e-mail and group chat: the chat webhooks, each user's choices, the outbox (which is
the delivery log), and the mark on each reminder once it is handed to the outbox. Reminders that exist
already count as handed over: turning notifications on does not send the past."""
import datetime

from peewee import *


def up(migrator, db):
    class Department(Model):
        class Meta:
            database = db
            table_name = 'department'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Reminder(Model):
        class Meta:
            database = db
            table_name = 'reminder'

    class ChatWebhook(Model):
        code = CharField(max_length=64, unique=True)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(max_length=80, null=True)
        version = IntegerField(default=1)
        name = CharField(max_length=120)
        kind = CharField(max_length=24, default='wecom')
        url = CharField(max_length=500)
        secret = CharField(max_length=200, null=True)
        department = ForeignKeyField(Department, null=True, on_delete='SET NULL')
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = 'chat_webhook'

    class NotificationPreference(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        kind = CharField(max_length=24)
        channel = CharField(max_length=24)
        mode = CharField(max_length=24)
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'notification_preference'
            indexes = ((('user', 'kind', 'channel'), True),)

    class Notification(Model):
        reminder = ForeignKeyField(Reminder, null=True, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        channel = CharField(max_length=24)
        webhook = ForeignKeyField(ChatWebhook, null=True, on_delete='SET NULL')
        address = CharField(max_length=300, null=True)
        mode = CharField(max_length=24)
        status = CharField(max_length=24, default='pending', index=True)
        attempts = IntegerField(default=0)
        send_after = DateTimeField(index=True)
        subject = CharField(max_length=300, null=True)
        last_error = TextField(null=True)
        sent_at = DateTimeField(null=True)
        created_at = DateTimeField(index=True)
        dedupe_key = CharField(max_length=120, unique=True)

        class Meta:
            database = db
            table_name = 'notification'

    db.create_tables([ChatWebhook, NotificationPreference, Notification])
    migrator.migrate(migrator.add_column('reminder', 'notified_at', DateTimeField(null=True)),
                     migrator.add_index('reminder', ('notified_at',)))
    db.execute_sql(f'UPDATE reminder SET notified_at = {db.param}', (datetime.datetime.utcnow(),))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('reminder', 'reminder_notified_at'),
                     migrator.drop_column('reminder', 'notified_at'),
                     migrator.drop_table('notification'), migrator.drop_table('notification_preference'),
                     migrator.drop_table('chat_webhook'))
