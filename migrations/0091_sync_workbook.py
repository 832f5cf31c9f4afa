"""Workbooks: one sync target holding several tabs of related entities (leads, follow-ups, contracts, payment
plans ...), synced in one run; `workbook_id` links each tab's target to its workbook target."""
from peewee import *


def up(migrator, db):
    class SyncTarget(Model):
        class Meta:
            database = db
            table_name = 'sync_target'

    migrator.migrate(
        migrator.add_column('sync_target', 'workbook_id',
                            ForeignKeyField(SyncTarget, null=True, field=SyncTarget.id, on_delete='CASCADE')),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('sync_target', 'workbook_id'))
