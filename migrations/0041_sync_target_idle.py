"""Idle runs are cheap: the sheet's stamp (Drive modifiedTime, or a file's mtime and size) seen before a
target's last full read; a schedule per target: every N minutes, working hours only, or a cron line."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('sync_target', 'sheet_stamp', CharField(max_length=64, null=True)),
        migrator.add_column('sync_target', 'schedule', CharField(max_length=120, default='')),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('sync_target', 'sheet_stamp'),
                     migrator.drop_column('sync_target', 'schedule'))
