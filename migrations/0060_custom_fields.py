"""Custom fields: the definitions an administrator adds per entity, and a `custom` column (JSON text)
holding their values on leads, customers, contacts, opportunities and contracts."""
from peewee import *

TABLES = ('lead', 'customer', 'contact', 'opportunity', 'contract')


class CustomField(Model):
    code = CharField(max_length=64, unique=True)
    created_at = DateTimeField(index=True)
    updated_at = DateTimeField(index=True)
    created_by = CharField(max_length=80, null=True)
    version = IntegerField(default=1)
    entity = CharField(max_length=24, index=True)
    key = CharField(max_length=40)
    label_zh = CharField(max_length=80)
    label_en = CharField(max_length=80)
    kind = CharField(max_length=24, default='text')
    options = TextField(null=True)
    required = BooleanField(default=False)
    active = BooleanField(default=True)
    sequence = IntegerField(default=0)

    class Meta:
        table_name = 'custom_field'
        legacy_table_names = False
        indexes = ((('entity', 'key'), True),)


def up(migrator, db):
    CustomField._meta.set_database(db)
    db.create_tables([CustomField])
    for table in TABLES:
        migrator.migrate(migrator.add_column(table, 'custom', TextField(null=True)))


def down(migrator, db):
    for table in TABLES:
        migrator.migrate(migrator.drop_column(table, 'custom'))
    CustomField._meta.set_database(db)
    db.drop_tables([CustomField])
