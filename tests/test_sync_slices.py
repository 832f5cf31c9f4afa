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


def _slices_of(tmp_path, monkeypatch, writer):
    """Run a 60-row sync whose update transactions are timed by a clock at 1,024 rows a second; WRITER(path)
    runs in each pause (another connection, or nothing). Return the rows of each update transaction.
    (Times in 1/1024 s, which floats hold exactly.)"""
    database, path = prepare(f'sqlite:///{tmp_path}/slices.db', 60, tmp_path)
    change_sheet(path, 'sliced')
    sizes, clock = [], {'now': 0.0}
    monkeypatch.setattr(engine, 'WRITE_SLICE', 10 / 1024)   # 10 rows at that rate; a quiet run's slices double
    monkeypatch.setattr(engine, 'QUIET_SLICE', 40 / 1024)   # up to 40 rows
    real_write = engine.write_updates

    def timed_write(mapping, batch, ctx):
        sizes.append(len(batch))
        clock['now'] += len(batch) / 1024
        return real_write(mapping, batch, ctx)
    monkeypatch.setattr(engine, 'write_updates', timed_write)
    monkeypatch.setattr(engine, 'time', type('Clock', (), {'monotonic': staticmethod(lambda: clock['now']),
                                                           'sleep': staticmethod(lambda _s: writer(tmp_path))}))
    with database.connection_context(), audit.acting_as('tester', 'cli'):
        result = engine.run_sync(SyncTarget.get(SyncTarget.name == TARGET))
    assert result.totals()['updated'] == 60
    return sizes


def test_slices_grow_while_nobody_writes_in_the_pauses(tmp_path, monkeypatch):
    # The first transaction assumes 200 rows/s (1 row in 10/1024 s); then twice and four times that time.
    assert _slices_of(tmp_path, monkeypatch, lambda _path: None) == [1, 20, 39]


def test_slices_stay_short_while_others_write_in_the_pauses(tmp_path, monkeypatch):
    import sqlite3

    def other_save(path):   # a web save that was waiting for the lock takes it in the pause
        connection = sqlite3.connect(path / 'slices.db')
        with connection:
            connection.execute('CREATE TABLE IF NOT EXISTS other_writer (n INTEGER)')
            connection.execute('INSERT INTO other_writer VALUES (1)')
        connection.close()
    assert _slices_of(tmp_path, monkeypatch, other_save) == [1, 10, 10, 10, 10, 10, 9]
