"""The generation of the settings processes keep a copy of (grading and assignment rules, web forms,
webhook subscriptions, settings, users): a new value with every change, read once per request."""
from peewee import *


def up(migrator, db):
    class ConfigGeneration(Model):
        name = CharField(max_length=32, primary_key=True)
        value = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = 'config_generation'

    db.create_tables([ConfigGeneration])


def down(migrator, db):
    db.execute_sql('DROP TABLE config_generation')
