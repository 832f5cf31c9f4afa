"""The REST API's own tables: personal access tokens and the answers kept for idempotency keys."""
from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField

from ..db import BaseModel, database, utcnow
from .org import User


class ApiToken(BaseModel):
    """A personal access token: it acts as its user, within the scopes it was given.

    Only the SHA-256 of the secret is kept (the secret is 256 random bits, so a fast hash is
    enough); the prefix is shown in lists so that people can tell their tokens apart.
    """
    code_prefix = 'TK'
    label = 'API token'
    user = ForeignKeyField(User, backref='api_tokens', on_delete='CASCADE')
    name = CharField(max_length=120)
    prefix = CharField(max_length=16, index=False)
    secret_hash = CharField(max_length=64, unique=True)
    scopes = TextField(default='')   # space-separated, e.g. 'leads:read leads:write' or '*:read'
    expires_on = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)

    def __str__(self):
        return f'{self.name} ({self.prefix}…)'

    @property
    def active(self):
        return self.revoked_at is None and (self.expires_on is None or self.expires_on > utcnow())


class IdempotentAnswer(Model):
    """The answer given to a create sent with an Idempotency-Key, replayed when the key comes again."""
    id = AutoField()
    token = ForeignKeyField(ApiToken, backref='answers', on_delete='CASCADE')
    key = CharField(max_length=200)
    fingerprint = CharField(max_length=64)   # SHA-256 of method, path and body
    status = IntegerField()
    body = TextField()
    location = CharField(max_length=300, null=True)
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        database = database
        legacy_table_names = False
        indexes = ((('token', 'key'), True),)
