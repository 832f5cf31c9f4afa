"""Sync targets, runs, the stored base per target row, and conflicts (ltc/models/sync.py, frozen)."""
from peewee import *


def up(migrator, db):
    class SyncTarget(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(unique=True, max_length=80)
        entity = CharField(max_length=40)
        backend = CharField(max_length=24, default='xlsx')
        settings = TextField(default='{}')
        lang = CharField(max_length=12, default='zh')
        conflict_policy = CharField(max_length=24, default='db')
        delete_policy = CharField(max_length=24, default='keep')
        max_vanish_percent = IntegerField(default=20)
        header_signature = TextField(null=True)
        lock_owner = CharField(null=True, max_length=120)
        locked_at = DateTimeField(null=True)
        last_run_at = DateTimeField(null=True)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = 'sync_target'

    class SyncRun(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        target = ForeignKeyField(SyncTarget, null=True, on_delete='CASCADE')
        kind = CharField(index=True, max_length=24, default='sync')
        entity = CharField(max_length=40)
        source = CharField(max_length=255, default='')
        started_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        status = CharField(index=True, max_length=24, default='running')
        dry_run = BooleanField(default=False)
        totals = TextField(default='{}')
        results = TextField(default='[]')
        message = TextField(default='')

        class Meta:
            database = db
            table_name = 'sync_run'

    class SyncState(Model):
        target = ForeignKeyField(SyncTarget, on_delete='CASCADE')
        code = CharField(max_length=64)
        values = TextField(default='{}')
        pending_key = CharField(null=True, index=True, max_length=64)
        vanished = BooleanField(default=False)

        class Meta:
            database = db
            table_name = 'sync_state'
            indexes = ((('target', 'code'), True),)

    class SyncConflict(Model):
        run = ForeignKeyField(SyncRun, on_delete='CASCADE')
        target = ForeignKeyField(SyncTarget, on_delete='CASCADE')
        code = CharField(max_length=64)
        field = CharField(max_length=60)
        base_value = TextField(null=True)
        sheet_value = TextField(null=True)
        db_value = TextField(null=True)
        status = CharField(index=True, max_length=24, default='open')
        created_at = DateTimeField()
        resolved_at = DateTimeField(null=True)
        resolved_by = CharField(null=True, max_length=80)

        class Meta:
            database = db
            table_name = 'sync_conflict'

    db.create_tables([SyncTarget, SyncRun, SyncState, SyncConflict])
