"""Add job_run: the last runs of the periodic jobs (ltc/jobs.py)."""
from peewee import *


def up(migrator, db):
    class JobRun(Model):
        name = CharField(index=True, max_length=60)
        started_at = DateTimeField(index=True)
        finished_at = DateTimeField(null=True)
        status = CharField(max_length=16, default='running')
        counts = TextField(default='{}')
        message = TextField(default='')
        trigger = CharField(max_length=16, default='schedule')
        class Meta:
            database = db
            table_name = 'job_run'
    db.create_tables([JobRun])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('job_run'))
