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
import hashlib
import importlib.util
import json
import marshal
import os
import re
import sys
import tempfile
import unicodedata
from json.decoder import WHITESPACE

HAN_CHARS = '\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff'
HAN = re.compile(f'[{HAN_CHARS}]+')
# Runs of Han characters, and of other letters/digits (kept lower-cased in the pinyin strings,
# so "ABC科技" gives "abckeji" and "abckj").
PARTS = re.compile(f'[{HAN_CHARS}]+|[^\\W_{HAN_CHARS}]+')


@functools.cache
def _tables():
    """Return ({character: syllable}, {phrase: syllables}, longest phrase): pypinyin's readings, toneless.

    Read from pypinyin's own data files (its character and phrase dictionaries, the version pinned in
    requirements.txt) without importing the package, whose import holds both dictionaries with every
    reading and tone (57 MB in every process that saves a record): here each character keeps its first
    reading and each phrase its syllables as one string (about 19 MB), read at the first Chinese name.
    Building them takes 0.3-0.7 s of CPU; the first process that does keeps them in LTC_CACHE_DIR
    (`_cached`) and the next ones load them from there in a tenth of that.
    `tests/test_search.py` checks every entry against pypinyin's `to_normal`."""
    where = importlib.util.find_spec('pypinyin').submodule_search_locations[0]
    files = [os.path.join(where, name) for name in ('pinyin_dict.json', 'phrases_dict.json')]
    return _cached(files, lambda: _read_tables(*files))


def _read_tables(chars_file, phrases_file):
    plain, toneless = {}, _toneless

    def syllable(toned):
        found = plain.get(toned)
        if found is None:
            found = plain[toned] = toneless(toned)
        return found
    with open(chars_file, encoding='utf-8') as handle:
        chars = {chr(int(code)): syllable(readings.split(',')[0]) for code, readings in _entries(handle.read())}
    with open(phrases_file, encoding='utf-8') as handle:
        phrases = {phrase: ' '.join(syllable(r[0]) for r in readings) for phrase, readings in _entries(handle.read())}
    return chars, phrases, max(map(len, phrases), default=1)


TABLES_FORMAT = 1   # raised when _read_tables changes what it returns: older cache files are then not used


def cache_dir():
    """Return the directory of the files a process may reuse from the ones before it (LTC_CACHE_DIR)."""
    configured = os.environ.get('LTC_CACHE_DIR')
    if configured:
        return configured
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'ltc')


def _cached(files, build):
    """Return BUILD()'s tables, from the cache file of FILES' current sizes and times when there is one.

    The file is named by a digest of what the tables are built from (the data files' paths, sizes and
    modification times, this format, the marshal version and Python's), so an upgraded pypinyin or Python
    builds them again. Written whole under a temporary name, then renamed: a reader never sees half a file.
    An unreadable or unwritable cache is as if there were none (the tables are built in the process)."""
    stamp = [TABLES_FORMAT, marshal.version, sys.version_info[:2]]
    for path in files:
        info = os.stat(path)
        stamp.append((path, info.st_size, info.st_mtime_ns))
    name = 'pinyin-' + hashlib.sha256(repr(stamp).encode()).hexdigest()[:20] + '.marshal'
    path = os.path.join(cache_dir(), name)
    try:
        with open(path, 'rb') as handle:
            chars, phrases, longest = marshal.loads(handle.read())   # whole: `marshal.load` reads in small pieces
        if isinstance(chars, dict) and isinstance(phrases, dict) and isinstance(longest, int):
            return chars, phrases, longest
    except (OSError, EOFError, ValueError, TypeError):
        pass
    tables = build()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.pinyin-')
        try:
            with os.fdopen(handle, 'wb') as out:
                out.write(marshal.dumps(tables))
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass
    return tables


def _entries(text):
    """Yield the (key, value) pairs of the JSON object TEXT one at a time: the whole file parsed at once
    would leave its memory scattered among the tables kept (27 MB held instead of 19)."""
    decode, space = json.JSONDecoder().raw_decode, WHITESPACE.match
    at = space(text, space(text, 0).end() + 1).end()   # past '{'
    while text[at] != '}':
        key, at = decode(text, at)
        value, at = decode(text, space(text, space(text, at).end() + 1).end())   # past ':'
        yield key, value
        at = space(text, at).end()
        if text[at] == ',':
            at = space(text, at + 1).end()


def _toneless(toned):
    """Return a pinyin syllable without its tone mark, ü as v (pypinyin's `to_normal`)."""
    text = unicodedata.normalize('NFD', toned).replace('u\u0308', 'v')
    return ''.join(ch for ch in text if not unicodedata.combining(ch))


def _syllables(run):
    """Return the pinyin syllables of a run of Han characters (pypinyin's data, longest phrase first)."""
    chars, phrases, longest = _tables()
    out, i, n = [], 0, len(run)
    while i < n:
        for j in range(min(n, i + longest), i + 1, -1):
            found = phrases.get(run[i:j])
            if found is not None:
                out.extend(found.split(' '))
                i = j
                break
        else:
            out.append(chars.get(run[i], run[i]))
            i += 1
    return out


# Worth keeping while a name recurs (contact names; the demo's 40,000 companies mostly hit): 200,000
# entries (~280 bytes each) kept an import's unique company names for the life of the process.
@functools.lru_cache(maxsize=32_768)
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
