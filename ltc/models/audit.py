"""The audit log: one row per change, written in the same transaction as the change."""
from peewee import AutoField, CharField, DateTimeField, Model, TextField

from ..db import database, utcnow


class AuditLog(Model):
    id = AutoField()
    at = DateTimeField(default=utcnow, index=True)
    actor = CharField(max_length=80, index=True)
    source = CharField(max_length=16, index=True)
    entity = CharField(max_length=60)
    entity_code = CharField(max_length=64)
    action = CharField(max_length=24)
    changes = TextField(default='{}')   # JSON {field: [before, after]}
    batch = CharField(max_length=64, null=True, index=True)   # import or sync run
    note = CharField(max_length=255, null=True)

    class Meta:
        database = database
        legacy_table_names = False
        indexes = ((('entity', 'entity_code'), False),)
