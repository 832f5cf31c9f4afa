"""Contains-search served by trigram indexes: SQLite FTS5 (trigram tokenizer) and PostgreSQL pg_trgm.

Each searchable table has one search document per row: its code, names as written, phone
digits, e-mail and `search_keys` (pinyin, initials and doubled Chinese characters, from
ltc/searchkeys.py), lower-cased and separated by spaces. The database builds the document from
the columns, so no write path can forget it:

- SQLite: a contentless FTS5 table `<table>_search` (tokenize=trigram) kept by AFTER INSERT /
  UPDATE / DELETE triggers on the table;
- PostgreSQL: the document stored in a generated column `search_doc` (`GENERATED ALWAYS AS
  (…) STORED`, computed by the database on every insert and update) with a GIN `gin_trgm_ops`
  index on it. A trigram match is a candidate that PostgreSQL rechecks against the document: a
  stored one is read, not recomputed (lower-casing and a regular expression per row) for every
  candidate, which made a sales user's two characters 0.2 s at 1,000,000 leads.

A term of three or more characters is a substring look-up on that index; a two-character Chinese
term is looked up doubled (新测 -> 新新测测, see ltc/searchkeys.py); other one- and two-character
terms cannot use a trigram index and are left to the caller (the admin falls back to its
index-range "starts with" match). Terms are ANDed.

Common terms on SQLite: `id IN (matches)` makes SQLite read every match from the index before the
first row of the list, 0.3 s a query for a term in all of 1,000,000 leads (有限公司). A term in
more than COMMON rows (estimated from its first matches) is therefore `common`: the list counts it among the first COMMON matches
only (`condition(..., first=COMMON)`, enough to pass the list's count cap in any sizeable scope)
and reads its page in the list's own order, checking each row's document on its columns
(`row_condition`) until the page is full (ltc/admin/base.py).
"""
import re
from dataclasses import dataclass
from functools import reduce

from peewee import SQL, Column, Expression, NodeList, fn

from .db import database, is_sqlite
from .searchkeys import HAN, keys

PHONE_LIKE = re.compile(r'^[\d\s\-+().]+$')
HAN_PAIR = re.compile(r'^(?:' + HAN.pattern + r')$')


@dataclass(frozen=True)
class Document:
    text: tuple             # columns indexed as written
    digits: tuple = ()      # phone columns, indexed as their digits only


DOCUMENTS = {
    'lead': Document(('code', 'company', 'contact_name', 'email_norm', 'search_keys'), ('phone_norm',)),
    'customer': Document(('code', 'name', 'name_en', 'email', 'credit_code', 'search_keys'), ('phone',)),
    'contact': Document(('code', 'name', 'name_en', 'email', 'search_keys'), ('phone', 'mobile')),
    'opportunity': Document(('code', 'name', 'search_keys')),
    'contract': Document(('code', 'title', 'search_keys')),
    'product': Document(('code', 'name', 'name_en', 'search_keys')),
}
# SQLite has no regexp_replace: the separators people type in phone numbers are removed one by one.
PHONE_SEPARATORS = (' ', '-', '(', ')', '+', '.', '/', '\u3000')


def document(model):
    """Return MODEL's Document, or None when it has no search index."""
    return DOCUMENTS.get(model._meta.table_name)


def _sqlite_expr(doc, prefix):
    parts = [f"coalesce({prefix}\"{c}\", '')" for c in doc.text]
    for c in doc.digits:
        expr = f"coalesce({prefix}\"{c}\", '')"
        for sep in PHONE_SEPARATORS:
            expr = f"replace({expr}, '{sep}', '')"
        parts.append(expr)
    return "lower(" + " || ' ' || ".join(parts) + ")"


PG_COLUMN = 'search_doc'


def pg_expr(doc):
    """Return the PostgreSQL document expression (what the generated column `search_doc` holds)."""
    parts = [f"coalesce(\"{c}\"::text, '')" for c in doc.text]
    parts += [f"regexp_replace(coalesce(\"{c}\"::text, ''), '[^0-9]', '', 'g')" for c in doc.digits]
    return "lower(" + " || ' ' || ".join(parts) + ")"


def install(table):
    """Create TABLE's search index (and on SQLite the triggers that keep it) and fill it."""
    doc = DOCUMENTS[table]
    if is_sqlite():
        fts = f'{table}_search'
        columns = ', '.join(f'"{c}"' for c in doc.text + doc.digits)
        statements = [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS \"{fts}\" USING fts5(doc, content='', tokenize='trigram')",
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_ai" AFTER INSERT ON "{table}" BEGIN '
            f'INSERT INTO "{fts}"(rowid, doc) VALUES (new.id, {_sqlite_expr(doc, "new.")}); END',
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_ad" AFTER DELETE ON "{table}" BEGIN '
            f'INSERT INTO "{fts}"("{fts}", rowid, doc) VALUES (\'delete\', old.id, {_sqlite_expr(doc, "old.")}); END',
            f'CREATE TRIGGER IF NOT EXISTS "{fts}_au" AFTER UPDATE OF {columns} ON "{table}" BEGIN '
            f'INSERT INTO "{fts}"("{fts}", rowid, doc) VALUES (\'delete\', old.id, {_sqlite_expr(doc, "old.")}); '
            f'INSERT INTO "{fts}"(rowid, doc) VALUES (new.id, {_sqlite_expr(doc, "new.")}); END',
            f'INSERT INTO "{fts}"(rowid, doc) SELECT id, {_sqlite_expr(doc, "")} FROM "{table}"',
        ]
    else:
        statements = ['CREATE EXTENSION IF NOT EXISTS pg_trgm',
                      f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{PG_COLUMN}" text '
                      f'GENERATED ALWAYS AS ({pg_expr(doc)}) STORED',
                      f'CREATE INDEX IF NOT EXISTS "{table}_search_trgm" ON "{table}" '
                      f'USING gin ("{PG_COLUMN}" gin_trgm_ops)']
    for sql in statements:
        database.execute_sql(sql)


def uninstall(table):
    """Drop TABLE's search index (and triggers)."""
    if is_sqlite():
        fts = f'{table}_search'
        for suffix in ('ai', 'ad', 'au'):
            database.execute_sql(f'DROP TRIGGER IF EXISTS "{fts}_{suffix}"')
        database.execute_sql(f'DROP TABLE IF EXISTS "{fts}"')
    else:
        database.execute_sql(f'DROP INDEX IF EXISTS "{table}_search_trgm"')
        database.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS "{PG_COLUMN}"')


def terms(search):
    """Split SEARCH into terms; a phone as typed (`138 0571 2233`) is one term of its digits."""
    search = (search or '').strip()
    if not search:
        return []
    if PHONE_LIKE.match(search):
        digits = re.sub(r'\D', '', search)
        if len(digits) >= 3:
            return [digits]
    return search.split()


def indexed(term):
    """Return TERM as looked up in the trigram index, or None when it is too short for it."""
    term = term.lower()
    if len(term) >= 3:
        return term
    if len(term) == 2 and HAN_PAIR.match(term):
        return ''.join(ch + ch for ch in term)
    return None


def lookups(search):
    """Return the terms of SEARCH that the trigram index looks up (as `indexed` gives them)."""
    return [key for term in terms(search) if (key := indexed(term)) is not None]


def _match(looked_up):
    return ' AND '.join('"' + t.replace('"', '""') + '"' for t in looked_up)


def condition(model, looked_up, first=None):
    """Return the condition "MODEL's document contains every term of LOOKED_UP" on a query of MODEL.

    LOOKED_UP are terms already passed through `indexed`. SQLite: `id IN (rows the FTS table
    matches)`; FIRST: only the first FIRST matching rows by id, which the index gives in that order
    without reading the rest. PostgreSQL: `search_doc LIKE …` on the row itself, so the planner can
    combine the trigram index with the scope's indexes (a BitmapAnd with a sales user's owner index:
    22 ms where `id IN (SELECT …)` walked the user's 43,000 leads one by one, 135 ms).
    """
    table = model._meta.table_name
    if is_sqlite():
        limit = '' if first is None else f' ORDER BY rowid LIMIT {int(first)}'
        sub = SQL(f'SELECT rowid FROM "{table}_search" WHERE "{table}_search" MATCH ?{limit}', [_match(looked_up)])
        return model.id.in_(NodeList((sub,), parens=True))
    doc = Column(model, PG_COLUMN)
    return reduce(lambda left, right: left & right, [Expression(doc, 'LIKE', _like(t)) for t in looked_up])


# SQLite: terms in more rows than this are read in the list's order (see the module's docstring);
# among this many matches a sales user holding 2 % of the rows has the 1,000 rows the list counts
# of a term in every name. Whether a term is that common is estimated from its first SAMPLE
# matches (how far into the table they reach), so rarer terms pay almost nothing for the check;
# a wrong estimate costs time, never rows: both ways of listing are exact.
COMMON = 100_000
SAMPLE = 2000


def common(model, looked_up):
    """Return whether LOOKED_UP look like matching more than COMMON rows of MODEL, and each row can check them (SQLite).

    A row checks a term on its own columns (`row_condition`) exactly as the index matches it when
    the term has no letters but ASCII ones that change case: SQLite's lower() folds only those,
    the index folds all.
    """
    if not is_sqlite() or not looked_up or not all(map(_row_checkable, looked_up)):
        return False
    table = model._meta.table_name
    found, last = database.execute_sql(
        f'SELECT count(*), max(rowid) FROM (SELECT rowid FROM "{table}_search" WHERE "{table}_search" MATCH ? '
        f'ORDER BY rowid LIMIT {SAMPLE})', (_match(looked_up),)).fetchone()
    if found < SAMPLE:
        return False
    top = database.execute_sql(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0
    return found * top / last > COMMON   # the rest of the table as dense in matches as its start


def _row_checkable(term):
    return all(ch.isascii() or ch.lower() == ch.upper() for ch in term)


def row_condition(model, looked_up):
    """Return the condition `condition` stands for, checked on each row's columns (SQLite).

    The document is built from the row as the index's triggers build it; a term matches where it
    is a substring of it (the trigram index matches exactly the substrings of at least three
    characters). Only for terms `common` accepts.
    """
    doc = DOCUMENTS[model._meta.table_name]
    columns = model._meta.columns
    parts = [fn.COALESCE(columns[c], '') for c in doc.text]
    parts += [reduce(lambda expr, sep: fn.REPLACE(expr, sep, ''), PHONE_SEPARATORS, fn.COALESCE(columns[c], ''))
              for c in doc.digits]
    text = fn.LOWER(reduce(lambda left, right: left.concat(' ').concat(right), parts))
    return reduce(lambda left, right: left & right, [fn.INSTR(text, term) > 0 for term in looked_up])


def _like(term):
    return '%' + term.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'


def refresh_keys(model, batch=2000):
    """Recompute MODEL's `search_keys` from its names where they differ; return how many changed.

    A repair for rows written around the application (plain SQL, another tool): the keys are
    derived data, so the rows keep their version and no audit row is written.
    """
    names = model.search_sources
    table, param = model._meta.table_name, database.obj.param
    columns = ', '.join(f'"{model._meta.fields[n].column_name}"' for n in names)
    changed, last = 0, 0
    while True:
        rows = database.execute_sql(f'SELECT id, search_keys, {columns} FROM "{table}" WHERE id > {param} '
                                    f'ORDER BY id LIMIT {batch}', (last,)).fetchall()
        if not rows:
            return changed
        last = rows[-1][0]
        stale = [(fresh, row[0]) for row in rows if (fresh := keys(*row[2:])) != row[1]]
        if stale:
            with database.atomic():
                database.cursor().executemany(
                    f'UPDATE "{table}" SET search_keys = {param} WHERE id = {param}', stale)
            changed += len(stale)
