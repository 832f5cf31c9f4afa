"""The fields real files carry beside a name: mobile and landline, WeChat, address, website, notes and
the next contact date on leads, customers and contacts (those each table lacked)."""
from peewee import *

ADDED = {
    'lead': [('mobile', CharField(null=True, max_length=40)), ('wechat', CharField(null=True, max_length=80)),
             ('website', CharField(null=True, max_length=200)), ('address', CharField(null=True, max_length=255)),
             ('notes', TextField(null=True)), ('next_contact_on', DateField(null=True))],
    'customer': [('mobile', CharField(null=True, max_length=40)), ('wechat', CharField(null=True, max_length=80)),
                 ('next_contact_on', DateField(null=True))],
    'contact': [('website', CharField(null=True, max_length=200)), ('address', CharField(null=True, max_length=255)),
                ('next_contact_on', DateField(null=True))],
}


def up(migrator, db):
    for table, columns in ADDED.items():
        migrator.migrate(*[migrator.add_column(table, name, field) for name, field in columns])
        migrator.migrate(migrator.add_index(table, ('next_contact_on',)))


def down(migrator, db):
    for table, columns in ADDED.items():
        migrator.migrate(migrator.drop_index(table, f'{table}_next_contact_on'))
        migrator.migrate(*[migrator.drop_column(table, name) for name, _field in columns])
