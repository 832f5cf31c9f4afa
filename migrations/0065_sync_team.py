"""Team fan-out: a template target keeps one target per member of a department (one tab or one spreadsheet
each); `team` holds the template's department and mode, `team_of` links a member's target to its template."""
from peewee import *


def up(migrator, db):
    class SyncTarget(Model):
        class Meta:
            database = db
            table_name = 'sync_target'

    migrator.migrate(
        migrator.add_column('sync_target', 'team', TextField(default='')),
        migrator.add_column('sync_target', 'team_of_id',
                            ForeignKeyField(SyncTarget, null=True, field=SyncTarget.id, on_delete='SET NULL')),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('sync_target', 'team_of_id'),
                     migrator.drop_column('sync_target', 'team'))
