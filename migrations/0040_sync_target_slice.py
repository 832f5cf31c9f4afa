"""Team sheets: a sync target's slice (the rows it holds, as terms like owner=me) and who owns the rows
a sheet adds (the run-as user, or the assignment rules). Existing targets keep the assignment rules."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('sync_target', 'slice_terms', TextField(default='[]')),
        migrator.add_column('sync_target', 'new_owner', CharField(max_length=12, default='rules')),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('sync_target', 'slice_terms'),
                     migrator.drop_column('sync_target', 'new_owner'))
