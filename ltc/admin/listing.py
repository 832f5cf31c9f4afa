"""Fast lists on big tables: indexed contains-search, capped counts, scope, batched references."""
import re

from peewee import SQL, ForeignKeyField, Value, fn

from .. import search as search_index
from ..services import scope

# A list page counts at most this many rows; beyond it the pager becomes "next/previous". A
# scoped count (a sales user's or a manager's leads with a filter) reads rows, not just one
# index: at 1,000,000 leads counting to 10,000 took 50-160 ms a page, counting to 1,000 takes
# 1-10 ms (bench/README.md, load test).
COUNT_CAP = 1000
CODE_RE = re.compile(r'^[A-Za-z]{1,4}-?\d+$')
PREFIX_END = '\U0010ffff'


def prefix(field, term):
    """Return an index-friendly 'starts with' condition (a range, not LIKE)."""
    return (field >= term) & (field < term + PREFIX_END)


def in_scope(query, model, user):
    """Narrow QUERY to MODEL rows USER may see; an all-rows scope adds no WHERE (keeps index plans)."""
    cond = scope.condition(model, user)
    if isinstance(cond, Value) and cond.value is True:
        return query
    return query.where(cond)


def normalise(term, kind):
    """Return TERM shaped for a prefix match on an indexed column of KIND, or None if it cannot match."""
    term = term.strip()
    if kind == 'code':
        return term.upper() if CODE_RE.match(term) or term.isalnum() else None
    if kind == 'digits':
        digits = re.sub(r'\D', '', term)
        return digits if len(digits) >= 3 and len(digits) * 2 >= len(term) else None
    if kind == 'email':
        return term.lower() if '@' in term or '.' in term else None
    if kind == 'lower':
        return term.lower()
    return term


def search_conditions(model, search, fields):
    """Return the conditions that find SEARCH in MODEL rows: one per term, all to be met.

    Tables with a search index (ltc/search.py) match each term anywhere in the code, names,
    pinyin, phone digits and e-mail through the trigram index; a term too short for it (one
    character, or two that are not Chinese) falls back to "starts with" on FIELDS [(field,
    kind)] by index ranges. Small tables without a search index (users) match anywhere in
    FIELDS. Return None when the search cannot match anything.
    """
    indexed_model = search_index.document(model) is not None
    conds, looked_up = [], []
    for term in search_index.terms(search) if indexed_model else search.split():
        key = search_index.indexed(term) if indexed_model else None
        if key is not None:
            looked_up.append(key)
            continue
        if getattr(model, 'search_scan', False):
            parts = [fn.LOWER(field).contains(term.lower()) for field, _kind in fields]
        else:
            parts = [model.select(model.id).where(prefix(field, value))
                     for field, value in ((f, normalise(term, kind)) for f, kind in fields)
                     if value is not None]
            if parts:
                union = parts[0]
                for part in parts[1:]:
                    union = union + part
                parts = [model.id.in_(union)]
        if not parts:
            return None
        cond = parts[0]
        for part in parts[1:]:
            cond = cond | part
        conds.append(cond)
    if looked_up:
        conds.insert(0, search_index.condition(model, looked_up))
    return conds


def capped_ids(query):
    """Return the ids of at most COUNT_CAP + 1 rows of QUERY, in no order (the planner's cheapest way)."""
    return [pk for (pk,) in query.clone().order_by().limit(COUNT_CAP + 1).select(query.model.id).tuples()]


def capped_count(query):
    """Count up to COUNT_CAP rows; return None (simple pager) when there are more."""
    inner = query.clone().order_by().limit(COUNT_CAP + 1).select(query.model.id)
    n = query.model.select(fn.COUNT(SQL('*'))).from_(inner.alias('capped')).scalar()
    return None if n > COUNT_CAP else n


def preload(model, rows):
    """Load the records the rows refer to in one query per reference (no query per row)."""
    for name, field in model._meta.fields.items():
        if not isinstance(field, ForeignKeyField):
            continue
        ids = {r.__data__.get(name) for r in rows} - {None}
        if not ids:
            continue
        related = {o.id: o for o in field.rel_model.select().where(field.rel_model.id.in_(list(ids)))}
        for r in rows:
            ref = r.__data__.get(name)
            if ref in related:
                r.__rel__[name] = related[ref]
