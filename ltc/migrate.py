"""Schema migrations: the numbered files in migrations/, applied with playhouse.migrations."""
from playhouse.migrations import Runner

from .config import ROOT
from .db import database

MIGRATIONS_DIR = str(ROOT / 'migrations')


def runner():
    return Runner(database.obj, MIGRATIONS_DIR)


def status():
    """Return [(name, applied_at or None)] for every migration, in order."""
    return [(m.name, m.applied) for m in runner().status()]


def pending_migrations():
    return [name for name, applied in status() if applied is None]


def upgrade():
    """Apply every pending migration; return their names."""
    return runner().up()
