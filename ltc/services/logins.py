"""Login throttling: failed logins are counted per username (as typed, existing or not) and per
client address in the database, so every web worker and process sees the same counts.

Failures are counted in a window of WINDOW minutes from the first one; a failure after the window
starts a new count. From the LIMIT-th failure in a window on, each failure locks the username (or
address) for a time that doubles: LOCK, 2 x LOCK, 4 x LOCK ... up to MAX_LOCK. While locked, logins
are refused without checking the password (and are not counted). A successful login clears its
username's count, not its address's."""
import dataclasses
import datetime
import math

from peewee import Case

from ..db import database, utcnow
from ..models import LoginThrottle
from . import audit

KEY_CHARS = 120


@dataclasses.dataclass(frozen=True)
class Limits:
    per_user: int = 5
    per_address: int = 20
    lock_seconds: int = 30
    max_lock_seconds: int = 900
    window_minutes: int = 60

    @classmethod
    def from_config(cls, config):
        return cls(per_user=config['LOGIN_USER_LIMIT'], per_address=config['LOGIN_ADDRESS_LIMIT'],
                   lock_seconds=config['LOGIN_LOCK_SECONDS'], max_lock_seconds=config['LOGIN_MAX_LOCK_SECONDS'],
                   window_minutes=config['LOGIN_WINDOW_MINUTES'])

    def lock_for(self, failures, limit):
        """Seconds of lock after FAILURES failures against LIMIT (0 below it), doubling each time."""
        if failures < limit:
            return 0
        return min(self.lock_seconds * 2 ** min(failures - limit, 30), self.max_lock_seconds)

    def window_start(self, now):
        """A count whose first failure is older than this is over: the next failure starts a new one."""
        return now - datetime.timedelta(minutes=self.window_minutes)


def _keys(username, address):
    keys = [('user', (username or '').strip().lower()[:KEY_CHARS])]
    if address:
        keys.append(('ip', address[:KEY_CHARS]))
    return keys


def _where(keys):
    condition = None
    for kind, key in keys:
        one = (LoginThrottle.kind == kind) & (LoginThrottle.key == key)
        condition = one if condition is None else condition | one
    return condition


def wait_seconds(username, address, now=None):
    """Return for how many more seconds logins as USERNAME or from ADDRESS are refused (0: not locked)."""
    now = now or utcnow()
    locked = (LoginThrottle.select(LoginThrottle.locked_until)
              .where(_where(_keys(username, address)) & (LoginThrottle.locked_until > now)))
    return max((math.ceil((row.locked_until - now).total_seconds()) for row in locked), default=0)


def _count(kind, key, now, limits):
    """Add one failure to (KIND, KEY) in one statement (safe with concurrent logins); return the count."""
    over = LoginThrottle.first_failure_at < limits.window_start(now)
    (LoginThrottle.insert(kind=kind, key=key, failures=1, first_failure_at=now, last_failure_at=now)
     .on_conflict(conflict_target=[LoginThrottle.kind, LoginThrottle.key],
                  update={LoginThrottle.failures: Case(None, [(over, 1)], LoginThrottle.failures + 1),
                          LoginThrottle.first_failure_at: Case(None, [(over, now)], LoginThrottle.first_failure_at),
                          LoginThrottle.last_failure_at: now})
     .execute())
    return LoginThrottle.get((LoginThrottle.kind == kind) & (LoginThrottle.key == key)).failures


def record_failure(username, address, limits, now=None):
    """Count a failed login as USERNAME from ADDRESS, lock what reached its limit and audit both;
    return the seconds of the longest lock this failure started (0 when none)."""
    now = now or utcnow()
    longest = 0
    with database.atomic(), audit.acting_as('anonymous', 'admin'):
        for kind, key in _keys(username, address):
            failures = _count(kind, key, now, limits)
            lock = limits.lock_for(failures, limits.per_user if kind == 'user' else limits.per_address)
            if kind == 'user':
                audit.record('Login', key[:64], 'login-failed', {},
                             note=f'failure {failures} from address {address or "unknown"}'[:255])
            if lock:
                (LoginThrottle.update(locked_until=now + datetime.timedelta(seconds=lock))
                 .where((LoginThrottle.kind == kind) & (LoginThrottle.key == key)).execute())
                audit.record('Login', key[:64], 'login-locked', {},
                             note=f'{"username" if kind == "user" else "address"} locked for {lock} s '
                                  f'after {failures} failed logins')
                longest = max(longest, lock)
    return longest


def forget(username):
    """Clear the failed logins of USERNAME (after a successful login or a new password)."""
    LoginThrottle.delete().where(_where(_keys(username, None))).execute()
