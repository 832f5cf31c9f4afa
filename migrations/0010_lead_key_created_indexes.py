"""Index each duplicate-detection key of leads with created_at, so the oldest lead sharing a key is one index read.

A company e-mail domain can be shared by tens of thousands of leads; with a one-column index,
finding the oldest of them read and sorted them all on every lead save. The composite index
also answers everything the one-column index did (equality, prefix search), so it replaces it.
"""
from peewee import *

KEYS = ('phone_norm', 'email_norm', 'email_domain', 'company_norm')


def up(migrator, db):
    for key in KEYS:
        migrator.migrate(migrator.drop_index('lead', f'lead_{key}'))
        migrator.migrate(migrator.add_index('lead', (key, 'created_at')))


def down(migrator, db):
    for key in KEYS:
        migrator.migrate(migrator.drop_index('lead', f'lead_{key}_created_at'))
        migrator.migrate(migrator.add_index('lead', (key,)))
