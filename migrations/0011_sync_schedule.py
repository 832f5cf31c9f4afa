"""A schedule per sync target: how often the periodic sync job runs it (default every 5 minutes)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('sync_target', 'every_minutes', IntegerField(default=5)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('sync_target', 'every_minutes'))
