"""Add import_mapping: column mappings remembered per entity and header set (ltc/models/sync_admin.py)."""
from peewee import *


def up(migrator, db):
    class ImportMapping(Model):
        entity = CharField(max_length=40)
        header_hash = CharField(max_length=64)
        headers = TextField(default='[]')
        columns = TextField(default='{}')
        updated_at = DateTimeField()
        updated_by = CharField(max_length=80, null=True)

        class Meta:
            database = db
            table_name = 'import_mapping'
            indexes = ((('entity', 'header_hash'), True),)
    db.create_tables([ImportMapping])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('import_mapping'))
