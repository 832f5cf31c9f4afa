"""Bulk writes for the demo: rows as dicts, codes from reserve_codes, one audit row per record."""
import datetime

from peewee import ForeignKeyField, fn

from .. import searchkeys
from ..db import database, is_sqlite, reserve_codes, utcnow
from ..services import audit

BATCH = 400   # rows per INSERT; stays under SQLite's and PostgreSQL's bound-parameter limits


def latest_moment(today):
    """Return the latest time a demo record may carry: the end of TODAY, or now if that is earlier
    (a demo loaded today has nothing dated later today)."""
    return min(datetime.datetime.combine(today, datetime.time(23, 59, 59)), utcnow().replace(microsecond=0))


class Writer:
    """Insert rows given as dicts; a foreign key may hold another row dict (its id is used).

    Keys starting with an underscore are the generator's own notes and are not stored.
    """

    def __init__(self, today):
        self.default_time = datetime.datetime.combine(today, datetime.time(9)) - datetime.timedelta(days=540)
        self.latest = latest_moment(today)

    def add(self, model, rows):
        """Give ROWS codes, insert them parents first, audit each, and return them with ids."""
        if not rows:
            return rows
        missing = [row for row in rows if not row.get('code')]
        for row, code in zip(missing, reserve_codes(model.code_prefix, len(missing))):
            row['code'] = code
        actor = audit.current()[0]
        searchkeys.fill(model, rows)
        names = {}
        for row in rows:
            row['created_by'] = actor
            row.setdefault('created_at', self.default_time)
            row.setdefault('updated_at', row['created_at'])
            for key, value in row.items():   # what happened (…_at) happened by now, never later today
                if key.endswith('_at') and isinstance(value, datetime.datetime) and value > self.latest:
                    row[key] = self.latest
            names.update(dict.fromkeys(k for k in row if not k.startswith('_')))
        fields = [model._meta.fields[name] for name in names if name != 'id']
        fks = [f.name for f in fields if isinstance(f, ForeignKeyField)]
        pending = list(rows)
        while pending:
            # A row whose parent (a dict without an id yet) is in this same list waits a round.
            ready = [r for r in pending if _parents_saved(r, fks)]
            if not ready:
                raise RuntimeError(f'demo rows of {model.__name__} refer to rows never inserted')
            waiting = [r for r in pending if not _parents_saved(r, fks)]
            self._insert(model, fields, ready)
            pending = waiting
        audit.record_many([(model.__name__, row['code'], 'create', audit.diff({}, self._plain(row)))
                           for row in rows])
        return rows

    def _insert(self, model, fields, rows):
        if is_sqlite():
            return self._insert_sqlite(model, rows)
        defaults = {f.name: f.default for f in fields}
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            values = [tuple(_value(row[f.name]) if f.name in row else _default(defaults[f.name]) for f in fields)
                      for row in chunk]
            query = model.insert_many(values, fields=fields).returning(model.id, model.code).tuples()
            ids = dict((code, pk) for pk, code in query.execute())
            for row in chunk:
                row['id'] = ids[row['code']]

    def _insert_sqlite(self, model, rows):
        """Run the model's own INSERT with executemany, then read the new ids back by code.

        peewee's insert_many builds a node per cell, which made the SQL building most of the
        demo's load time; the write lock is held (BEGIN IMMEDIATE), so the new ids are the
        ones above the previous maximum.
        """
        fields = [f for f in model._meta.sorted_fields if f.name != 'id']
        sql = insert_sql(model, fields)
        values = [tuple(_value(row[f.name]) if f.name in row else _default(f.default) for f in fields)
                  for row in rows]
        before = model.select(fn.MAX(model.id)).scalar() or 0
        database.cursor().executemany(sql, values)
        ids = dict(model.select(model.code, model.id).where(model.id > before).tuples())
        for row in rows:
            row['id'] = ids[row['code']]

    @staticmethod
    def _plain(row):
        return {k: (v['id'] if isinstance(v, dict) else v) for k, v in row.items()
                if k != 'id' and not k.startswith('_')}


def _value(value):
    return value['id'] if isinstance(value, dict) else value


def _default(default):
    return default() if callable(default) else default


def _parents_saved(row, fks):
    return all(not isinstance(row.get(n), dict) or 'id' in row[n] for n in fks)


def insert_sql(model, fields):
    """Return the plain INSERT of FIELDS into MODEL's table with ? placeholders (for executemany)."""
    return 'INSERT INTO "{}" ({}) VALUES ({})'.format(
        model._meta.table_name, ', '.join(f'"{f.column_name}"' for f in fields), ', '.join('?' * len(fields)))
