"""On SQLite a sync's updates run in short transactions with a pause between: every row still lands once."""
import json

from bench.crash_sync import TARGET, change_sheet, prepare
from ltc.models import AuditLog, Lead
from ltc.models.sync import SyncTarget
from ltc.services import audit
from ltc.sync.engine import twoway as engine


def test_sliced_update_transactions_write_every_row_once(tmp_path, monkeypatch):
    database, path = prepare(f'sqlite:///{tmp_path}/slices.db', 60, tmp_path)
    expected = change_sheet(path, 'sliced')
    slices, sleeps = [], []
    monkeypatch.setattr(engine, 'WRITE_SLICE', 0.0)   # every transaction ends after one row
    monkeypatch.setattr(engine, 'time', type('Clock', (), {'monotonic': staticmethod(__import__('time').monotonic),
                                                           'sleep': staticmethod(sleeps.append)}))
    real_atomic = database.atomic

    def counting_atomic(*args, **kwargs):
        slices.append(1)
        return real_atomic(*args, **kwargs)
    with database.connection_context(), audit.acting_as('tester', 'cli'):
        mark = AuditLog.select().order_by(AuditLog.id.desc()).first().id
        monkeypatch.setattr(database, 'atomic', counting_atomic)
        result = engine.run_sync(SyncTarget.get(SyncTarget.name == TARGET))
        monkeypatch.setattr(database, 'atomic', real_atomic)
        assert result.totals()['updated'] == 60
        assert dict(Lead.select(Lead.code, Lead.region_city).tuples()) == expected
        changes = [json.loads(c) for (c,) in AuditLog.select(AuditLog.changes).where(
            (AuditLog.id > mark) & (AuditLog.entity == 'Lead')).tuples()]
        assert sum('region_city' in c for c in changes) == 60
    assert sleeps == [engine.WRITER_PAUSE] * 59   # the lock left free between the 60 one-row slices
