"""Failed logins per username and per client address: the state of login throttling, kept in the
database so every web worker sees the same counts."""
from peewee import AutoField, CharField, DateTimeField, IntegerField, Model

from ..db import database, utcnow
from . import choices as C
from .fields import ChoiceField


class LoginThrottle(Model):
    """Recent failed logins of one username or one address, and until when further tries are refused."""
    id = AutoField()
    kind = ChoiceField(C.THROTTLE_KINDS, index=False)
    key = CharField(max_length=120)   # the username as typed (lower case) or the client address
    failures = IntegerField(default=0)   # since first_failure_at
    first_failure_at = DateTimeField(default=utcnow)
    last_failure_at = DateTimeField(default=utcnow, index=True)
    locked_until = DateTimeField(null=True)

    class Meta:
        database = database
        legacy_table_names = False
        indexes = ((('kind', 'key'), True),)
