"""The database proxy, the base model (code, timestamps, version) and connecting by URL."""
import contextlib
import datetime
import decimal
import io
from urllib.parse import urlparse

from peewee import (BigIntegerField, CharField, DatabaseProxy, DataError, DateTimeField, DecimalField, Field,
                    ForeignKeyField, IntegerField, IntegrityError, Model, Node, SqliteDatabase, _StringField, fn)
from playhouse.db_url import parse as parse_url
from playhouse.pool import PooledPostgresqlDatabase

from . import searchkeys
from .errors import ConfigError, ConflictError, DeleteRefused, DuplicateCodeError, ValidationError

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    'journal_mode': 'wal',
    'foreign_keys': 1,
    'busy_timeout': 10000,   # ms a writer waits for the lock before "database is locked"
    'synchronous': 'normal',
    'cache_size': -64000,
}


def utcnow():
    """Return the current UTC time as a naive datetime (how every timestamp is stored)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def make_database(url, pool_size=8):
    """Return an unconnected peewee database for a sqlite:// or postgresql:// URL."""
    scheme = urlparse(url).scheme
    if scheme in ('sqlite', 'sqlite3'):
        path = urlparse(url).path[1:]   # sqlite:///rel/path or sqlite:////abs/path
        if not path or path == ':memory:':
            raise ConfigError('LTC_DATABASE_URL must name a SQLite file, e.g. sqlite:///instance/ltc.db.')
        # IMMEDIATE: a write transaction takes the lock when it starts, so two writers
        # queue on busy_timeout instead of failing half-way with "database is locked".
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10, lock_type='IMMEDIATE',
                              returning_clause=True)
    if scheme in ('postgres', 'postgresql', 'postgres+pool', 'postgresql+pool'):
        kwargs = parse_url(url)
        name = kwargs.pop('database')
        if not name:
            raise ConfigError('LTC_DATABASE_URL must name a database, e.g. postgresql://user@host/ltc.')
        kwargs.setdefault('max_connections', pool_size)
        kwargs.setdefault('stale_timeout', 300)
        return PooledPostgresqlDatabase(name, **kwargs)
    raise ConfigError(
        f'LTC_DATABASE_URL has an unsupported scheme {scheme!r}; use sqlite:///path or postgresql://host/db.')


def bind(url, pool_size=8):
    """Point the proxy at the database behind URL and return it."""
    db = make_database(url, pool_size)
    database.initialize(db)
    return db


def is_sqlite():
    return isinstance(database.obj, SqliteDatabase)


# A long job's page cache on SQLite (KB): a sync run reads its sheet's records and base once and writes each
# changed row once, so the 64 MB (SQLITE_PRAGMAS) a web worker's connection keeps for its repeated reads only
# added to the job's memory (a 50,000-row run: 60 MB of its peak), for no time saved.
ONE_PASS_CACHE_KB = 2000


@contextlib.contextmanager
def one_pass_cache(kb=ONE_PASS_CACHE_KB):
    """On SQLite, keep at most KB of pages in this connection's cache for the block (then give them back and
    restore the setting); nothing on PostgreSQL, whose cache is the server's."""
    if not is_sqlite():
        yield
        return
    before = database.execute_sql('PRAGMA cache_size').fetchone()[0]
    database.execute_sql(f'PRAGMA cache_size = -{int(kb)}')
    try:
        yield
    finally:
        database.execute_sql(f'PRAGMA cache_size = {int(before)}')
        database.execute_sql('PRAGMA shrink_memory')


# The value classes COPY's text format takes as str() gives them (a datetime as 2026-12-07 03:40:00.123456).
_COPY_AS_STR = frozenset({int, float, decimal.Decimal, datetime.date, datetime.datetime})


def copy_rows(table, columns, rows):
    """Write ROWS (sequences of database values ordered like COLUMNS) into TABLE on PostgreSQL with one COPY.

    Return False, with nothing written, when a value is of a kind this does not write as COPY text
    (the caller inserts those rows instead). For a batch of new rows COPY is the server's fastest path:
    a 100,000-lead import took ~25 % less time than with one multi-row INSERT per batch, whose SQL text the
    server parses (and the client quotes) value by value.
    """
    lines = []
    for row in rows:
        cells = []
        for value in row:
            kind = value.__class__
            if kind is str:
                text = value
            elif value is None:
                cells.append('\\N')
                continue
            elif kind is bool:
                cells.append('t' if value else 'f')
                continue
            elif kind in _COPY_AS_STR:
                text = str(value)
            else:
                return False
            if '\\' in text or '\t' in text or '\n' in text or '\r' in text:
                text = text.replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n').replace('\r', '\\r')
            if '\x00' in text:
                return False   # refused as INSERT refuses it, with its message
            cells.append(text)
        lines.append('\t'.join(cells))
    lines.append('')
    names = ', '.join(f'"{c}"' for c in columns)
    database.cursor().copy_expert(f'COPY "{table}" ({names}) FROM STDIN', io.StringIO('\n'.join(lines)))
    return True


def in_marks(values):
    """Return the '?, ?, ...' (or '%s, ...') placeholders for an IN list of VALUES."""
    return ', '.join([database.obj.param] * len(values))


class _Bound(Node):
    """A parenthesised list of values bound as plain query parameters (`one_of`)."""

    def __init__(self, values):
        self.values = values

    def __sql__(self, ctx):
        ctx.literal(f'({in_marks(self.values)})')
        ctx._values.extend(self.values)   # peewee's Context keeps a query's parameters in this list
        return ctx


def one_of(field, values):
    """Return the condition FIELD IN VALUES for a peewee query, the values bound as plain parameters.

    The same condition as `field.in_(values)`: peewee builds and renders a node per value, which for the
    2,000 codes of a sync window cost more than running the query (`select_in` is the whole-query twin)."""
    values = [field.db_value(v) for v in values]
    return field.in_(_Bound(values)) if values else field.in_([])


def select_in(model, field, values, fields=None):
    """Return MODEL rows whose FIELD is one of VALUES, as dicts like `.dicts()` gives.

    Same answer as `model.select(*fields).where(field.in_(values)).dicts()`, but peewee
    builds and renders a node per IN value, which costs more than running the query when
    bulk imports look up 500 keys at a time; this binds them as plain parameters.
    """
    values = [field.db_value(v) for v in values]
    if not values:
        return []
    fields = fields or model._meta.sorted_fields
    columns = ', '.join(f'"{f.column_name}"' for f in fields)
    cursor = database.execute_sql(f'SELECT {columns} FROM "{model._meta.table_name}" '
                                  f'WHERE "{field.column_name}" IN ({in_marks(values)})', values)
    names, rows = [f.name for f in fields], cursor.fetchall()
    convert = [(n, f.python_value) for n, f in zip(names, fields) if not as_read(f)]
    found = [dict(zip(names, row)) for row in rows]
    for name, python_value in convert:
        for record in found:
            record[name] = python_value(record[name])
    return found


def as_read(field):
    """Return whether FIELD's stored value is its Python value as the driver gives it: text as str, whole
    numbers (ids, versions, references) as int. Bulk reads convert only the other fields: peewee would call
    two functions per cell."""
    if isinstance(field, ForeignKeyField):
        return as_read(field.rel_field)
    kind = type(field)
    if kind.python_value is not Field.python_value:
        return False
    return (isinstance(field, _StringField) and kind.adapt is _StringField.adapt) or \
        (isinstance(field, IntegerField) and kind.adapt is IntegerField.adapt)


_pg_types = {}


def _pg_type(table, column):
    """Return the PostgreSQL type of TABLE.COLUMN without its length or precision, e.g. 'character varying'.

    Without the length: an explicit cast to varchar(120) would cut a longer value silently, while
    the assignment to the column refuses it (as a single save does); a widened column stays right too.
    """
    if (table, column) not in _pg_types:
        cursor = database.execute_sql(
            'SELECT attname, format_type(atttypid, NULL) FROM pg_attribute '
            'WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped', (f'"{table}"',))
        _pg_types.update(((table, name), kind) for name, kind in cursor.fetchall())
    return _pg_types[(table, column)]


def update_versioned(model, fields, rows, now):
    """Update ROWS [(id, version, [value per field of FIELDS])] of MODEL in one statement; return the ids updated.

    What `BaseModel.save(only=FIELDS)` does per record, for many: a row is written only if its
    version is still the one given, and gets that version + 1 and `updated_at` NOW; the ids
    missing from the answer were changed or deleted by someone else meanwhile. PostgreSQL and
    SQLite (3.33+, with RETURNING from 3.35) both run it as UPDATE ... FROM a VALUES list.
    """
    if not rows:
        return set()
    table, param = model._meta.table_name, database.obj.param
    columns = [model.id, model.version] + list(fields)
    if is_sqlite():
        marks = [param] * len(columns)
    else:   # untyped VALUES would be text: cast each value to its column's type
        marks = [f'{param}::{_pg_type(table, f.column_name)}' for f in columns]
    names = ['id', 'version'] + [f'v{n}' for n in range(len(fields))]
    values = ', '.join(['(' + ', '.join(marks) + ')'] * len(rows))
    sets = ', '.join([f'"{f.column_name}" = v.v{n}' for n, f in enumerate(fields)]
                     + [f'"{model.updated_at.column_name}" = {param}', f'"{model.version.column_name}" = v.version + 1'])
    sql = (f'WITH v ({", ".join(names)}) AS (VALUES {values}) UPDATE "{table}" SET {sets} FROM v '
           f'WHERE "{table}"."id" = v.id AND "{table}"."version" = v.version RETURNING "{table}"."id"')
    converters = [f.db_value for f in columns]
    params = [convert(value) for id_, version, row in rows
              for convert, value in zip(converters, [id_, version, *row])]
    params.append(model.updated_at.db_value(now))
    return {id_ for (id_,) in database.execute_sql(sql, params).fetchall()}


class CodeSequence(Model):
    """The last number handed out per code prefix."""
    prefix = CharField(max_length=8, primary_key=True)
    value = IntegerField(default=0)

    class Meta:
        database = database
        legacy_table_names = False


class ConfigGeneration(Model):
    """The generation of the settings each process keeps a copy of (ltc.services.cached): a new random
    value with every change of them, written in the changing transaction."""
    name = CharField(max_length=32, primary_key=True)
    value = BigIntegerField(default=0)

    class Meta:
        database = database
        legacy_table_names = False


def reserve_codes(prefix, count=1, width=6):
    """Return COUNT fresh codes for PREFIX, e.g. ['L000001']; call inside the write transaction."""
    # Inside a transaction already (a record being saved), its own savepoint would only cost two statements.
    with contextlib.nullcontext() if database.in_transaction() else database.atomic():
        sql = (f'UPDATE "code_sequence" SET "value" = "value" + {database.param} WHERE "prefix" = {database.param} '
               f'RETURNING "value"')
        rows = database.execute_sql(sql, (count, prefix)).fetchall()
        if not rows:
            CodeSequence.insert(prefix=prefix, value=0).on_conflict_ignore().execute()
            rows = database.execute_sql(sql, (count, prefix)).fetchall()
        last = rows[0][0]
    return [f'{prefix}{n:0{width}d}' for n in range(last - count + 1, last + 1)]


def next_code(prefix):
    return reserve_codes(prefix, 1)[0]


class MoneyField(DecimalField):
    """An amount of money: Decimal with two places, rounded half-up on the way in."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('max_digits', 18)
        kwargs.setdefault('decimal_places', 2)
        kwargs.setdefault('auto_round', True)
        kwargs.setdefault('default', 0)
        super().__init__(*args, **kwargs)


def describe(model, plural=False):
    """Return the English name of a model for messages, e.g. 'payment plans'."""
    name = getattr(model, 'label', None) or model.__name__
    return getattr(model, 'label_plural', name + 's') if plural else name


def _no_language():
    return None


_language_source = [_no_language]


def display_language():
    """Return the reader's language ('zh' or 'en') when a door has said how to find it, else None.

    Records name themselves (`str(record)`: select boxes, look-ups) in the reader's language;
    the admin registers its language with set_display_language, commands and jobs keep the stored name.
    """
    return _language_source[0]()


def set_display_language(source):
    """Make SOURCE (a function returning 'zh', 'en' or None) tell records the reader's language."""
    _language_source[0] = source


_INSERTS = {}   # {(parameter mark, table, column names): INSERT statement} (BaseModel._insert)


class BaseModel(Model):
    """Every business table: a unique code, timestamps, author and a version for optimistic locking."""
    code = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow, index=True)
    updated_at = DateTimeField(default=utcnow, index=True)
    created_by = CharField(max_length=80, null=True)
    version = IntegerField(default=1)

    code_prefix = 'X'
    label = None
    # Backrefs deleted together with the record (its own lines); all others refuse the delete.
    owned = ()

    class Meta:
        database = database
        legacy_table_names = False

    def __str__(self):
        name = getattr(self, 'name', None) or getattr(self, 'title', None)
        if display_language() == 'en':
            name = getattr(self, 'name_en', None) or name
        return f'{self.code} {name}' if name else str(self.code)

    @classmethod
    def insert_many(cls, rows, fields=None):
        """Insert many rows (dicts, or tuples ordered like FIELDS), with their search keys."""
        rows, fields = searchkeys.with_keys(cls, rows, fields)
        return super().insert_many(rows, fields=fields)

    @classmethod
    def by_code(cls, code):
        return cls.get_or_none(cls.code == code)

    def field_values(self):
        """Return the stored values by field name (foreign keys as ids)."""
        return {name: self.__data__.get(name) for name in self._meta.fields}

    def _check_code(self):
        model = type(self)
        query = model.select(model.id).where(model.code == self.code)
        if self.id is not None:
            query = query.where(model.id != self.id)
        if query.exists():
            raise DuplicateCodeError(
                f'{describe(model)} code {self.code} is already used by another record; '
                f'choose a different code or leave it empty to get a new one.',
                code=self.code)

    def save(self, force_insert=False, only=None):
        """Insert, or update only if nobody saved a newer version meanwhile."""
        model = type(self)
        with database.atomic():
            if not self.code:
                self.code = next_code(self.code_prefix)
            elif self.id is None or force_insert or 'code' in self._dirty:
                self._check_code()   # a clear message instead of the database's unique error
            now = utcnow()
            if self.id is None or force_insert:
                searchkeys.refresh(self)
                self.created_at = self.created_at or now
                self.updated_at = now
                self.version = 1
                try:
                    if self.id is None and only is None:
                        return self._insert()
                    return super().save(force_insert=force_insert, only=only)
                except (IntegrityError, DataError) as exc:
                    raise _integrity_message(model, exc) from None
            expected = self.version
            fields = only or self.dirty_fields or list(self._meta.sorted_fields)
            if searchkeys.refresh(self, fields):
                fields = list(fields) + [model.search_keys]
            values = {f: self.__data__.get(f.name) for f in fields
                      if not f.primary_key and f.name not in ('version', 'created_at')}
            values[model.updated_at] = now
            values[model.version] = expected + 1
            try:
                rows = (model.update(values)
                        .where((model.id == self.id) & (model.version == expected))
                        .execute())
            except (IntegrityError, DataError) as exc:
                raise _integrity_message(model, exc) from None
            if rows != 1:
                current = model.get_or_none(model.id == self.id)
                if current is None:
                    raise ConflictError(
                        f'{describe(model)} {self.code} was deleted by someone else; reload the list.')
                changed = {f.name: (current.__data__.get(f.name), self.__data__.get(f.name))
                           for f in fields if not f.primary_key
                           and f.name not in ('version', 'updated_at', 'created_at', 'search_keys')
                           and current.__data__.get(f.name) != self.__data__.get(f.name)}
                raise ConflictError(
                    f'{describe(model)} {self.code} changed since you opened it '
                    f'(version {current.version}, yours {expected}); reload it, re-apply your change '
                    f'and save again. Nothing was saved.',
                    current={k: v[0] for k, v in changed.items()},
                    attempted={k: v[1] for k, v in changed.items()})
            self.updated_at = now
            self.version = expected + 1
            self._dirty.clear()
            return rows

    def _insert(self):
        """INSERT this new record and take its id, as peewee's save does (the ids of relations saved since
        they were set, the defaults), with one statement text per model and set of columns: peewee builds
        its INSERT anew for every record, which costs more than running it."""
        meta = type(self)._meta
        data = self.__data__
        for fk in meta.refs:
            if data.get(fk.name) is None and self.__rel__.get(fk.name) is not None:
                setattr(self, fk.name, getattr(self, fk.name))   # a related record saved after it was set
        for field, default in meta.defaults.items():
            if field.name not in data:
                data[field.name] = default() if callable(default) else default
        pk = meta.primary_key
        fields = [f for f in meta.sorted_fields if f.name in data and f is not pk]
        key = (database.param, meta.table_name, tuple(f.name for f in fields))
        sql = _INSERTS.get(key)
        if sql is None:
            columns = ', '.join(f'"{f.column_name}"' for f in fields)
            marks = ', '.join([database.param] * len(fields))
            sql = _INSERTS[key] = (f'INSERT INTO "{meta.table_name}" ({columns}) VALUES ({marks}) '
                                   f'RETURNING "{pk.column_name}"')
        self._pk = database.execute_sql(sql, [f.db_value(data[f.name]) for f in fields]).fetchone()[0]
        self._dirty.clear()
        return 1

    def dependents(self):
        """Return {English name: count} of records that still point at this one."""
        found = {}
        for fk, model in self._meta.backrefs.items():
            if fk.backref in self.owned or model is type(self) and fk.name == 'id':
                continue
            count = model.select(fn.COUNT(model._meta.primary_key)).where(fk == self.id).scalar()
            if count:
                key = describe(model, plural=count != 1)
                found[key] = found.get(key, 0) + count
        return found

    def delete_instance(self, recursive=False, delete_nullable=False):
        """Delete this record and its own lines; refuse while anything else refers to it."""
        model = type(self)
        with database.atomic():
            found = self.dependents()
            if found:
                listed = ', '.join(f'{n} {name}' for name, n in sorted(found.items()))
                raise DeleteRefused(
                    f'{describe(model)} {self.code} cannot be deleted: {listed} still refer to it. '
                    f'Delete or reassign those first.', dependents=found)
            for row in self.owned_rows():
                row.delete_instance()
            return model.delete().where(model.id == self.id).execute()

    def owned_rows(self):
        """Return the rows of this record's own lines (deleted with it)."""
        rows = []
        for fk, child in self._meta.backrefs.items():
            if fk.backref in self.owned:
                rows.extend(child.select().where(fk == self.id))
        return rows


def _integrity_message(model, exc):
    text = str(exc).lower()
    if 'unique' in text or 'duplicate' in text:
        detail = exc.args[0] if exc.args else exc
        return DuplicateCodeError(
            f'This {describe(model)} duplicates an existing one ({detail}); '
            f'change the value that must be unique.',
            zh=f'此记录与已有记录在必须唯一的字段上重复（{detail}）；请修改该值。')
    if 'foreign key' in text:
        return DeleteRefused(
            f'This {describe(model)} refers to a record that does not exist or is still referred to; '
            f'check the linked records.',
            zh='此记录引用的记录不存在，或它仍被其他记录引用；请检查关联的记录。')
    if 'too long' in text:   # PostgreSQL: a text longer than its column (SQLite does not limit)
        return ValidationError(
            f'A value is longer than the {describe(model)} can store ({exc}); shorten it.',
            zh=f'某个值超出了该字段允许的长度（{exc}）；请缩短。')
    if 'not null' in text or 'null value' in text:
        return ValidationError(
            f'A required field of the {describe(model)} is empty ({exc}); fill it in.',
            zh=f'必填字段为空（{exc}）；请填写。')
    return ValidationError(f'The {describe(model)} could not be saved: {exc}.', zh=f'无法保存此记录：{exc}。')
