"""Column mappings chosen on the import screen, remembered per entity and header set."""
from peewee import CharField, DateTimeField, Model, TextField

from ..db import database, utcnow


class ImportMapping(Model):
    """How the columns of one header set map to fields; a user preference, not business data."""
    entity = CharField(max_length=40)
    header_hash = CharField(max_length=64)      # sha1 of the normalised header texts in order
    headers = TextField(default='[]')           # the header texts as written, for the screen
    columns = TextField(default='{}')           # {"position": "attr" or ""}
    updated_at = DateTimeField(default=utcnow)
    updated_by = CharField(max_length=80, null=True)

    class Meta:
        database = database
        legacy_table_names = False
        indexes = ((('entity', 'header_hash'), True),)
