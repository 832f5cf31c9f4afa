"""The REST API: personal access tokens (only a hash of the secret is kept) and the answers kept for
idempotency keys, so a create sent twice is made once."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ApiToken(Model):
        code = CharField(max_length=64, unique=True)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(max_length=80, null=True)
        version = IntegerField(default=1)
        user = ForeignKeyField(User, backref='api_tokens', on_delete='CASCADE')
        name = CharField(max_length=120)
        prefix = CharField(max_length=16)
        secret_hash = CharField(max_length=64, unique=True)
        scopes = TextField(default='')
        expires_on = DateTimeField(null=True)
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'api_token'

    class IdempotentAnswer(Model):
        token = ForeignKeyField(ApiToken, backref='answers', on_delete='CASCADE')
        key = CharField(max_length=200)
        fingerprint = CharField(max_length=64)
        status = IntegerField()
        body = TextField()
        location = CharField(max_length=300, null=True)
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = 'idempotent_answer'
            indexes = ((('token', 'key'), True),)

    db.create_tables([ApiToken, IdempotentAnswer])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('idempotent_answer'), migrator.drop_table('api_token'))
