"""Login safety: a session version per user (raising it ends every session of that user) and
login_throttle, the recent failed logins per username and per client address."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('user', 'session_version', IntegerField(default=1)))

    class LoginThrottle(Model):
        kind = CharField(max_length=24, choices=[('user', 'Username'), ('ip', 'Address')])
        key = CharField(max_length=120)
        failures = IntegerField(default=0)
        first_failure_at = DateTimeField()
        last_failure_at = DateTimeField(index=True)
        locked_until = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'login_throttle'
            indexes = ((('kind', 'key'), True),)
    db.create_tables([LoginThrottle])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('login_throttle'),
                     migrator.drop_column('user', 'session_version'))
