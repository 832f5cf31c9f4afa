"""Contains-search: a `search_keys` column (pinyin, initials, doubled Chinese characters) on the
searchable tables, filled for the existing rows, and the trigram search index of each table
(SQLite: an FTS5 trigram table kept by triggers; PostgreSQL: pg_trgm GIN on the document).

A later change of what a document holds (ltc/search.py DOCUMENTS) needs a migration that runs
`search.uninstall` and `search.install` again for the tables it changes."""
from peewee import *

from ltc import search, searchkeys

SOURCES = {'lead': ('company', 'contact_name'), 'customer': ('name',), 'contact': ('name',),
           'opportunity': ('name',), 'contract': ('title',), 'product': ('name',)}
BATCH = 5000


def up(migrator, db):
    for table, names in SOURCES.items():
        migrator.migrate(migrator.add_column(table, 'search_keys', TextField(null=True)))
        cols = ', '.join(f'"{n}"' for n in names)
        last = 0
        while True:
            rows = db.execute_sql(f'SELECT id, {cols} FROM "{table}" WHERE id > {db.param} ORDER BY id '
                                  f'LIMIT {BATCH}', (last,)).fetchall()
            if not rows:
                break
            last = rows[-1][0]
            values = [(k, row[0]) for row in rows if (k := searchkeys.keys(*row[1:])) is not None]
            if values:
                db.cursor().executemany(f'UPDATE "{table}" SET search_keys = {db.param} '
                                        f'WHERE id = {db.param}', values)
        search.install(table)


def down(migrator, db):
    for table in SOURCES:
        search.uninstall(table)
        migrator.migrate(migrator.drop_column(table, 'search_keys'))
