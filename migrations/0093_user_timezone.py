"""A time zone per user: their daily digest goes out at the digest hour of their own clock (empty: the
company's LTC_TIMEZONE), for teams spread over several countries."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('user', 'timezone', CharField(max_length=64, null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('user', 'timezone'))
