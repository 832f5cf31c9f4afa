"""PostgreSQL keeps each search document in a stored generated column (`search_doc`) and its
trigram index on that column instead of on the document expression: the index's candidates are
rechecked against the stored text, not recomputed row by row (ltc/search.py). SQLite's FTS5
tables are unchanged.

Adding a stored generated column rewrites each searchable table once (about a minute for
1,000,000 leads)."""
from ltc import search
from ltc.db import is_sqlite


def _has_column(db, table):
    return any(c.name == search.PG_COLUMN for c in db.get_columns(table))


def up(migrator, db):
    if is_sqlite():
        return
    for table in search.DOCUMENTS:
        if not _has_column(db, table):   # a database migrated from scratch has it from 0016 already
            db.execute_sql(f'DROP INDEX IF EXISTS "{table}_search_trgm"')
            search.install(table)


def down(migrator, db):
    if is_sqlite():
        return
    for table, doc in search.DOCUMENTS.items():
        search.uninstall(table)
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{table}_search_trgm" ON "{table}" '
                       f'USING gin (({search.pg_expr(doc)}) gin_trgm_ops)')
