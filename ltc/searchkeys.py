"""Search keys: what a record's search document needs that only Python can compute.

For the Chinese names of a record (a lead's company and contact, a customer's name ...) the keys
hold the full pinyin (`hangzhouxince…`), the pinyin initials (`hzxc…`) and the Chinese
characters doubled (`杭杭州州…`): the trigram indexes need three characters, and a two-character
term such as 新测 is looked up as 新新测测, which occurs in the doubled text exactly where 新测
occurs in the name. The rest of the document (code, names as written, phone digits, e-mail) is
built by the database from the columns themselves (ltc/search.py), so every write path keeps it.

Every write path fills `search_keys`: BaseModel.save, the bulk inserts (importer, demo,
`insert_many`) and the batched sync/import updates; `flask ltc search refresh` recomputes them.
"""
import functools
import re

from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
from pypinyin.contrib.tone_convert import to_normal

HAN_CHARS = '\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff'
HAN = re.compile(f'[{HAN_CHARS}]+')
# Runs of Han characters, and of other letters/digits (kept lower-cased in the pinyin strings,
# so "ABC科技" gives "abckeji" and "abckj").
PARTS = re.compile(f'[{HAN_CHARS}]+|[^\\W_{HAN_CHARS}]+')
# Every prefix of a phrase: the longest phrase at a position is found in a few look-ups.
PREFIXES = {phrase[:n] for phrase in PHRASES_DICT for n in range(1, len(phrase) + 1)}


@functools.lru_cache(maxsize=None)
def _plain(toned):
    return to_normal(toned)


def _syllables(run):
    """Return the pinyin syllables of a run of Han characters (pypinyin's data, longest phrase first)."""
    out, i, n = [], 0, len(run)
    while i < n:
        end, j = 0, i + 2
        while j <= n and run[i:j] in PREFIXES:
            if run[i:j] in PHRASES_DICT:
                end = j
            j += 1
        if end:
            out.extend(_plain(p[0]) for p in PHRASES_DICT[run[i:end]])
            i = end
        else:
            readings = PINYIN_DICT.get(ord(run[i]))
            out.append(_plain(readings.split(',')[0]) if readings else run[i])
            i += 1
    return out


@functools.lru_cache(maxsize=200_000)
def keys_of(text):
    """Return the search keys of one name ('' when it has no Chinese characters)."""
    if not text or not HAN.search(text):
        return ''
    full, initials = [], []
    for part in PARTS.findall(text):
        if HAN.match(part):
            syllables = _syllables(part)
            full.extend(syllables)
            initials.extend(s[0] for s in syllables)
        else:
            full.append(part.lower())
            initials.append(part.lower())
    doubled = ' '.join(''.join(ch + ch for ch in run) for run in HAN.findall(text))
    return f'{"".join(full)} {"".join(initials)} {doubled}'


def keys(*texts):
    """Return the search keys of a record's names TEXTS, or None when none is Chinese."""
    found = [k for k in (keys_of(t) for t in texts if t) if k]
    return ' '.join(found) or None


def sources(model):
    """Return the names of MODEL's fields whose text feeds its search keys (empty when none)."""
    return getattr(model, 'search_sources', ())


def fill(model, rows):
    """Set `search_keys` on ROWS (dicts of field values) of MODEL, for bulk inserts."""
    names = sources(model)
    if names:
        for row in rows:
            row['search_keys'] = keys(*(row.get(n) for n in names))
    return rows


def refresh(record, fields=None):
    """Recompute RECORD's keys; return True when FIELDS (None: all) touch a source and they changed."""
    names = sources(type(record))
    if not names or (fields is not None and not {getattr(f, 'name', f) for f in fields} & set(names)):
        return False
    value = keys(*(record.__data__.get(n) for n in names))
    if record.__data__.get('search_keys') == value:
        return False
    record.search_keys = value
    return True


def with_keys(model, rows, fields=None):
    """Return (ROWS, FIELDS) for a bulk insert into MODEL with `search_keys` filled in.

    ROWS are dicts, or tuples ordered like FIELDS (fields or their names); a row's own
    non-empty `search_keys` is kept.
    """
    names = sources(model)
    if not names:
        return rows, fields
    rows = list(rows)
    if fields is None:
        return [r if not isinstance(r, dict) or r.get('search_keys') is not None else
                {**r, 'search_keys': keys(*(r.get(n) for n in names))} for r in rows], None
    order = [getattr(f, 'name', f) for f in fields]
    at = [order.index(n) for n in names if n in order]
    if 'search_keys' in order:
        k = order.index('search_keys')
        return [r if r[k] is not None else
                tuple(r[:k]) + (keys(*(r[i] for i in at)),) + tuple(r[k + 1:]) for r in rows], fields
    extended = [tuple(r) + (keys(*(r[i] for i in at)),) for r in rows]
    return extended, list(fields) + ['search_keys' if isinstance(fields[0], str) else model.search_keys]
