"""Prove a refused operation changed nothing: the rows and the audit log stay as they were."""
import contextlib

from ltc.models import AuditLog


def _state(records):
    return [type(r).select().where(type(r).id == r.id).dicts().get_or_none() for r in records]


@contextlib.contextmanager
def unchanged(*records, tables=()):
    """Assert on exit that RECORDS, the row counts of TABLES and the audit log are unchanged."""
    before = _state(records), [t.select().count() for t in tables], AuditLog.select().count()
    yield
    after = _state(records), [t.select().count() for t in tables], AuditLog.select().count()
    assert after == before
