"""gspread's HTTP client made safe for Google: retries with a deadline, a rate limit, timeouts, a base URL."""
import functools
import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import gspread
import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from ...errors import ConfigError, LTCError

GOOGLE_API_BASE = 'https://sheets.googleapis.com'
# gspread builds URLs from these two hosts (gspread/urls.py); both move to the configured base.
GOOGLE_HOSTS = ('https://sheets.googleapis.com', 'https://www.googleapis.com')
RETRY_STATUS = frozenset({429, 500, 502, 503})


class SheetsError(LTCError):
    """A Google Sheets request that failed; the message says what to do."""


class SheetsUnavailable(SheetsError):
    """Google kept failing (quota, server errors, timeouts) until the retry budget ran out."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry: capped exponential backoff with full jitter."""
    max_tries: int = 6
    deadline: float = 120.0     # seconds for one request including all its retries
    base: float = 1.0           # first backoff ceiling in seconds
    cap: float = 32.0           # largest backoff ceiling in seconds
    timeout: float = 30.0       # seconds per HTTP attempt

    @classmethod
    def from_config(cls, config):
        """Build the policy from GOOGLE_* app config keys, falling back to the defaults."""
        defaults = cls()
        try:
            return cls(max_tries=int(config.get('GOOGLE_MAX_TRIES', defaults.max_tries)),
                       deadline=float(config.get('GOOGLE_DEADLINE_SECONDS', defaults.deadline)),
                       timeout=float(config.get('GOOGLE_TIMEOUT_SECONDS', defaults.timeout)))
        except (TypeError, ValueError):
            raise ConfigError('GOOGLE_MAX_TRIES, GOOGLE_DEADLINE_SECONDS and GOOGLE_TIMEOUT_SECONDS '
                              'must be numbers.',
                              zh='GOOGLE_MAX_TRIES、GOOGLE_DEADLINE_SECONDS 和 GOOGLE_TIMEOUT_SECONDS '
                                 '必须是数字。') from None

    def backoff(self, attempt, rng=random.random):
        """Return the sleep before retry number attempt (1-based): full jitter under a capped ceiling."""
        return rng() * min(self.cap, self.base * 2 ** (attempt - 1))


class TokenBucket:
    """A thread-safe client-side rate limit: per_minute sustained, burst at once.

    per_minute + burst bounds the requests in any 60 s window, so the defaults
    (50 + 10) stay within Google's 60 requests per minute per user.
    """

    def __init__(self, per_minute=50, burst=10, clock=time.monotonic, sleep=time.sleep):
        if per_minute <= 0 or burst < 1:
            raise ConfigError('The Google request rate must be positive and the burst at least 1.',
                              zh='Google 请求速率必须大于 0，突发请求数至少为 1。')
        self.rate, self.capacity = per_minute / 60.0, float(burst)
        self.tokens, self.clock, self.sleep = float(burst), clock, sleep
        self.updated = clock()
        self.lock = threading.Lock()
        self.waited = 0.0

    def acquire(self):
        """Take one token, sleeping until it is due (tokens are reserved, so waiters queue fairly)."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            self.tokens -= 1
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait > 0:
            self.waited += wait
            self.sleep(wait)


class SheetsHTTPClient(HTTPClient):
    """gspread HTTP client: rewrites the API base, rate-limits, times out and retries with a deadline."""

    def __init__(self, auth, session=None, *, api_base=GOOGLE_API_BASE, policy=None,
                 limiter=None, sleep=time.sleep, clock=time.monotonic, rng=random.random):
        super().__init__(auth, session)
        self.api_base = api_base.rstrip('/')
        self.policy = policy or RetryPolicy()
        self.timeout = self.policy.timeout
        self.limiter = limiter or TokenBucket()
        self.sleep, self.clock, self.rng = sleep, clock, rng

    def url_for(self, endpoint):
        """Return endpoint moved onto the configured base (paths unchanged)."""
        if self.api_base == GOOGLE_API_BASE:
            return endpoint
        for host in GOOGLE_HOSTS:
            if endpoint.startswith(host + '/'):
                return self.api_base + endpoint[len(host):]
        return endpoint

    def request(self, method, endpoint, params=None, data=None, json=None, files=None,
                headers=None):
        """Send one API request, retrying 429/500/502/503 and timeouts until tries or deadline run out."""
        url, policy = self.url_for(endpoint), self.policy
        start, attempt, failures = None, 0, Counter()
        while True:
            attempt += 1
            self.limiter.acquire()
            # The deadline starts at the first attempt: a rate-limit wait is not Google's fault.
            start = self.clock() if start is None else start
            remaining = policy.deadline - (self.clock() - start)
            try:
                response = self.session.request(
                    method=method, url=url, json=json, params=params, data=data, files=files,
                    headers=headers, timeout=self._attempt_timeout(remaining))
            except (requests.Timeout, requests.ConnectionError) as err:
                failure, error, retry_after = type(err).__name__, err, None
            else:
                if response.ok:
                    return response
                error = APIError(response)
                if response.status_code not in RETRY_STATUS:
                    raise error
                failure = f'HTTP {response.status_code} {error.error.get("status", "")}'.strip()
                retry_after = _seconds(response.headers.get('Retry-After'))
            failures[failure] += 1
            wait = policy.backoff(attempt, self.rng)
            if retry_after is not None:
                wait = max(wait, min(retry_after, policy.cap))
            elapsed = self.clock() - start
            if attempt >= policy.max_tries or elapsed + wait >= policy.deadline:
                seen = ', '.join(f'{k} x{n}' for k, n in failures.most_common())
                raise SheetsUnavailable(
                    f'Google Sheets did not answer {method.upper()} {urlsplit(url).path} after '
                    f'{attempt} tries in {elapsed:.1f}s ({seen}). Wait a few '
                    f'minutes and run the sync again; if it keeps failing, check Google\'s '
                    f'status page, the sheet\'s sharing and LTC_GOOGLE_API_BASE ({self.api_base}).',
                    zh=f'Google 表格在 {elapsed:.1f} 秒内尝试 {attempt} 次后仍未响应 {method.upper()} '
                       f'{urlsplit(url).path}（{seen}）。请等几分钟后重新同步；如果一直失败，请检查 Google '
                       f'的服务状态页面、表格的共享设置和 LTC_GOOGLE_API_BASE（{self.api_base}）。',
                    tries=attempt, elapsed=elapsed, failures=dict(failures)) from error
            self.sleep(wait)

    def _attempt_timeout(self, remaining):
        """Return this attempt's timeout: the client's (set_timeout may change it), cut to the deadline."""
        remaining = max(0.001, remaining)
        timeout = self.timeout if self.timeout is not None else self.policy.timeout
        if isinstance(timeout, tuple):
            return tuple(min(t, remaining) for t in timeout)
        return min(timeout, remaining)


def _seconds(value):
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def is_google(base):
    """Return True when base is one of Google's own hosts (credentials needed)."""
    host = urlsplit(base).hostname or ''
    return host == 'googleapis.com' or host.endswith('.googleapis.com') or host.endswith('.google.com')


def open_client(config, *, policy=None, limiter=None, sleep=time.sleep, session=None):
    """Return a gspread Client for the app config (GOOGLE_API_BASE, GOOGLE_CREDENTIALS, limits)."""
    base = (config.get('GOOGLE_API_BASE') or GOOGLE_API_BASE).rstrip('/')
    if urlsplit(base).scheme not in ('http', 'https') or not urlsplit(base).hostname:
        raise ConfigError(f'LTC_GOOGLE_API_BASE must be an http(s) URL such as {GOOGLE_API_BASE}; '
                          f'got {base!r}.',
                          zh=f'LTC_GOOGLE_API_BASE 必须是 http(s) 地址，例如 {GOOGLE_API_BASE}；'
                             f'当前为 {base!r}。')
    if limiter is None:
        try:
            limiter = TokenBucket(per_minute=float(config.get('GOOGLE_REQUESTS_PER_MINUTE', 50)),
                                  burst=int(config.get('GOOGLE_REQUEST_BURST', 10)))
        except (TypeError, ValueError):
            raise ConfigError('GOOGLE_REQUESTS_PER_MINUTE and GOOGLE_REQUEST_BURST must be '
                              'numbers.',
                              zh='GOOGLE_REQUESTS_PER_MINUTE 和 GOOGLE_REQUEST_BURST 必须是数字。') from None
    factory = functools.partial(SheetsHTTPClient, api_base=base,
                                policy=policy or RetryPolicy.from_config(config),
                                limiter=limiter, sleep=sleep)
    if not is_google(base):
        # A local emulator or proxy: an anonymous session, no Google credentials involved.
        return gspread.Client(auth=None, session=session or requests.Session(), http_client=factory)
    path = config.get('GOOGLE_CREDENTIALS')
    if not path:
        raise ConfigError('LTC_GOOGLE_CREDENTIALS is not set; set it to the path of a Google '
                          'service-account JSON key and share the sheet with that account.',
                          zh='未设置 LTC_GOOGLE_CREDENTIALS；请把它设为 Google 服务账号 JSON 密钥文件的路径，'
                             '并把表格共享给该账号。')
    if not os.path.isfile(path):
        raise ConfigError(f'LTC_GOOGLE_CREDENTIALS points to {path!r}, which is not a file; set it '
                          'to the path of a Google service-account JSON key.',
                          zh=f'LTC_GOOGLE_CREDENTIALS 指向 {path!r}，但它不是文件；请把它设为 Google '
                             '服务账号 JSON 密钥文件的路径。')
    try:
        return gspread.service_account(filename=path, http_client=factory)
    except (ValueError, KeyError) as err:
        raise ConfigError(f'LTC_GOOGLE_CREDENTIALS ({path}) is not a valid service-account JSON '
                          f'key ({err}); download a new key for the service account.',
                          zh=f'LTC_GOOGLE_CREDENTIALS（{path}）不是有效的服务账号 JSON 密钥（{err}）；'
                             '请为该服务账号下载新的密钥。') from None
