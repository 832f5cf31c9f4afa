"""Periodic job runs: when each job last ran, how it ended and what it counted."""
import json

from peewee import AutoField, CharField, DateTimeField, Model, TextField, fn

from ..db import database, utcnow


class JobRun(Model):
    """One run of a periodic job (from the consumer or `flask ltc jobs run`)."""
    id = AutoField()
    name = CharField(max_length=60, index=True)
    started_at = DateTimeField(default=utcnow, index=True)
    finished_at = DateTimeField(null=True)
    status = CharField(max_length=16, default='running')   # running / ok / failed / locked
    counts = TextField(default='{}')   # JSON {what: how many}
    message = TextField(default='')
    trigger = CharField(max_length=16, default='schedule')   # schedule / manual

    class Meta:
        database = database
        legacy_table_names = False

    def counts_dict(self):
        return json.loads(self.counts or '{}')

    @classmethod
    def last_runs(cls):
        """Return {job name: its latest run}."""
        latest = cls.select(fn.MAX(cls.id)).group_by(cls.name)
        return {row.name: row for row in cls.select().where(cls.id.in_(latest))}
