"""Leads indexed by (created_at, id): the API lists newest first by cursor, and rows created in one
import share created_at, so the index must hold the id that breaks the tie."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_index('lead', ('created_at', 'id'), False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('lead', 'lead_created_at_id'))
