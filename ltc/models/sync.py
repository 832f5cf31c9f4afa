"""Sync targets, runs (imports and syncs), the stored base per target row, and conflicts."""
import json

from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model,
                    TextField)

from ..db import BaseModel, database, utcnow
from .choices import Choices
from .fields import ChoiceField
from .org import User

BACKENDS = Choices(('xlsx', 'Excel file', 'Excel 文件'), ('csv', 'CSV file', 'CSV 文件'),
                   ('gsheet', 'Google Sheet', '谷歌表格'))
CONFLICT_POLICIES = Choices(('db', 'Keep the database value', '保留数据库的值'),
                            ('sheet', 'Take the sheet value', '采用表格的值'))
DELETE_POLICIES = Choices(('keep', 'Never delete, mark', '不删除，仅标记'),
                          ('delete', 'Delete the record', '删除记录'))
RUN_KINDS = Choices(('import', 'Import', '导入'), ('sync', 'Sync', '同步'), ('revert', 'Revert', '撤销'))
RUN_STATUSES = Choices(('running', 'Running', '进行中'), ('done', 'Done', '完成'),
                       ('attention', 'Done with errors or conflicts', '完成（有错误或冲突）'),
                       ('refused', 'Refused', '已拒绝'), ('failed', 'Failed', '失败'),
                       ('dry_run', 'Dry run', '预演'), ('reverted', 'Reverted', '已撤销'),
                       ('interrupted', 'Interrupted', '已中断'))
CONFLICT_STATUSES = Choices(('open', 'Open', '待处理'), ('kept_db', 'Kept database value', '已保留数据库值'),
                            ('took_sheet', 'Took sheet value', '已采用表格值'), ('edited', 'Edited', '已手工修改'),
                            ('kept_record', 'Kept the record', '已保留记录'),
                            ('deleted_record', 'Deleted the record', '已删除记录'))
# The entity of a workbook target: its tabs are targets of their own entities (`workbook_id` names it).
WORKBOOK = 'workbook'
# SyncConflict.field of a record removed from the sheet but changed in the database: delete or keep it
DELETION = '(deleted row)'


class SyncTarget(BaseModel):
    """A spreadsheet kept in two-way sync with one entity; backend settings are JSON."""
    code_prefix = 'SY'
    label = 'sync target'
    name = CharField(max_length=80, unique=True)
    entity = CharField(max_length=40)
    backend = ChoiceField(BACKENDS, default='xlsx', index=False)
    settings = TextField(default='{}')   # xlsx/csv: {"path", "sheet"}; gsheet: {"key", "worksheet"}
    lang = CharField(max_length=12, default='zh')
    conflict_policy = ChoiceField(CONFLICT_POLICIES, default='db', index=False)
    delete_policy = ChoiceField(DELETE_POLICIES, default='keep', index=False)
    max_vanish_percent = IntegerField(default=20)
    header_signature = TextField(null=True)
    lock_owner = CharField(max_length=120, null=True)
    locked_at = DateTimeField(null=True)
    last_run_at = DateTimeField(null=True)
    active = BooleanField(default=True)
    every_minutes = IntegerField(default=5)   # the periodic job runs the target when this much time has passed
    run_as = ForeignKeyField(User, null=True, backref='+', on_delete='SET NULL')   # whose role and scope apply
    slice_terms = TextField(default='[]')   # the rows it holds: [[field, value], ...] (ltc/sync/engine/slices.py)
    new_owner = CharField(max_length=12, default='me')   # a row the sheet adds: owned by 'me' (run-as) or 'rules'
    sheet_stamp = CharField(max_length=64, null=True)   # the sheet's modifiedTime (or mtime:size) before the last read
    schedule = CharField(max_length=120, default='')   # '' every N minutes, 'working hours', or a cron line
    team = TextField(default='')   # a template's fan-out: {"department": code, "mode": "tabs"|"spreadsheets"}
    team_of = ForeignKeyField('self', null=True, backref='members', on_delete='SET NULL')   # a member's template
    # A tab of a workbook target (entity WORKBOOK): synced in its workbook's run, never on its own.
    workbook = ForeignKeyField('self', null=True, backref='tabs', on_delete='CASCADE')

    @property
    def is_workbook(self):
        return self.entity == WORKBOOK

    @property
    def options(self):
        return json.loads(self.settings or '{}')

    @property
    def team_settings(self):
        return json.loads(self.team) if self.team else None

    @property
    def terms(self):
        return [tuple(t) for t in json.loads(self.slice_terms or '[]')]


class SyncRun(BaseModel):
    """One import, sync run or revert; its code tags the audit rows it wrote (audit batch)."""
    code_prefix = 'RUN'
    label = 'sync run'
    target = ForeignKeyField(SyncTarget, null=True, backref='runs', on_delete='CASCADE')
    kind = ChoiceField(RUN_KINDS, default='sync')
    entity = CharField(max_length=40)
    source = CharField(max_length=255, default='')
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    status = ChoiceField(RUN_STATUSES, default='running')
    dry_run = BooleanField(default=False)
    totals = TextField(default='{}')
    results = TextField(default='[]')   # rows that were not unchanged, as dicts
    message = TextField(default='')


class SyncState(Model):
    """The base of the three-way merge: the last synced values of one row of one target."""
    target = ForeignKeyField(SyncTarget, backref='states', on_delete='CASCADE')
    code = CharField(max_length=64)
    values = TextField(default='{}')       # {attr: canonical text}
    pending_key = CharField(max_length=64, null=True, index=True)   # created, code not yet in the sheet
    vanished = BooleanField(default=False)   # removed from the sheet, record kept (policy keep, or a deletion conflict)

    class Meta:
        database = database
        legacy_table_names = False
        indexes = ((('target', 'code'), True),)


class SyncConflict(Model):
    """A field changed differently in the sheet and the database since the last sync.

    Or (field DELETION) a record removed from the sheet that was changed in the database: it is
    kept until the conflict is settled; base_value and db_value hold the changed fields as JSON.
    """
    run = ForeignKeyField(SyncRun, backref='conflicts', on_delete='CASCADE')
    target = ForeignKeyField(SyncTarget, backref='conflicts', on_delete='CASCADE')
    code = CharField(max_length=64)
    field = CharField(max_length=60)
    base_value = TextField(null=True)
    sheet_value = TextField(null=True)
    db_value = TextField(null=True)
    status = ChoiceField(CONFLICT_STATUSES, default='open')
    created_at = DateTimeField(default=utcnow)
    resolved_at = DateTimeField(null=True)
    resolved_by = CharField(max_length=80, null=True)

    class Meta:
        database = database
        legacy_table_names = False

    @property
    def is_deletion(self):
        return self.field == DELETION
