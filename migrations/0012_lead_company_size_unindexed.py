"""Drop the index on leads' company size: no list filters or sorts by it (grading reads it from
the lead itself), and every lead insert and update paid for keeping it."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.drop_index('lead', 'lead_company_size'))


def down(migrator, db):
    migrator.migrate(migrator.add_index('lead', ('company_size',)))
