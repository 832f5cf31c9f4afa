"""Per-process copies of what rarely changes and every web-to-lead answer reads: the web forms, the
grading and assignment rules, the thresholds, the sales staff, the webhook subscriptions.

The copies belong to a generation: a value in the database (ConfigGeneration) that the audited write
path replaces, in the changing transaction, whenever a row of a table they come from (WATCHED) is
written. A request reads the generation once, at its first look-up; a process whose copies are of
another generation drops them all and reads again. So a change saved in the admin (or by an import,
the API, the CLI) is used by every worker from its next request on. Each new generation is a random
value, not a count: a change rolled back after this process read it can never be mistaken for a later
one. Copies are also dropped after MAX_AGE seconds, for writes outside the write path (SQL by hand, a
restored backup).

Copies are shared by the requests of a process: read them, never change them.
"""
import contextvars
import random
import time

from ..db import ConfigGeneration, database

WATCHED = frozenset({'GradingRule', 'AssignmentRule', 'Setting', 'WebhookSubscription', 'IntakeForm', 'Campaign',
                     'User', 'Role', 'Department'})
MAX_AGE = 60.0   # seconds
KEY = 'config'
_request = contextvars.ContextVar('ltc_cached_request', default=None)


def start_request():
    """Begin a request: the generation is read again, once, at its first look-up."""
    _request.set({})


def end_request():
    _request.set(None)


def generation():
    """Return the current generation (read once per request; on every call outside a request)."""
    scope = _request.get()
    if scope is not None and 'generation' in scope:
        return scope['generation']
    value = (ConfigGeneration.select(ConfigGeneration.value)
             .where(ConfigGeneration.name == KEY).scalar()) or 0
    if scope is not None:
        scope['generation'] = value
    return value


def _holder():
    db = database.obj   # the copies belong to the database they were read from (tests bind a new one each)
    holder = getattr(db, '_ltc_cached', None)
    if holder is None:
        holder = db._ltc_cached = [(None, 0.0, {})]
    return holder


def get(name, load):
    """Return this process's copy NAME, calling LOAD() for it when the generation moved or it is missing."""
    holder = _holder()
    current = generation()
    held, at, values = holder[0]
    now = time.monotonic()
    if held != current or now - at > MAX_AGE:
        values = {}
        holder[0] = (current, now, values)   # one assignment: a reader sees a whole state, never half of one
    if name not in values:
        values[name] = load()
    return values[name]


def changed(entities):
    """Start a new generation when ENTITIES (names of models just written) include a watched one.

    Call inside the writing transaction: the new generation is committed (or rolled back) with the change.
    """
    if WATCHED.isdisjoint(entities):
        return
    value = random.getrandbits(62) + 1
    (ConfigGeneration.insert(name=KEY, value=value)
     .on_conflict(conflict_target=[ConfigGeneration.name], update={ConfigGeneration.value: value}).execute())
    _holder()[0] = (None, 0.0, {})   # this process reads again, its own change included
    scope = _request.get()
    if scope is not None:
        scope.pop('generation', None)
