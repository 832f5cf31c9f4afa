"""LTC's gspread HTTP client: base URL, retries with a deadline, rate limit, timeouts, credentials."""
import json

import pytest
import requests
from gspread.exceptions import APIError

from ltc.errors import ConfigError, LTCError
from ltc.sync.gsheets.http import (GOOGLE_API_BASE, RetryPolicy, SheetsHTTPClient, SheetsUnavailable, TokenBucket,
                                   open_client)
from tests.conftest_sheets import make_client, sheets_emulator  # noqa: F401


@pytest.fixture
def book(sheets_emulator):
    return sheets_emulator.create_spreadsheet('k', 'Book', sheets={'Leads': [['Code'], ['L1']]})


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_every_google_url_moves_to_the_configured_base(sheets_emulator, book):
    client = SheetsHTTPClient(None, requests.Session(), api_base='http://127.0.0.1:8765/')
    assert client.url_for('https://sheets.googleapis.com/v4/spreadsheets/k/values/A1') == \
        'http://127.0.0.1:8765/v4/spreadsheets/k/values/A1'
    assert client.url_for('https://www.googleapis.com/drive/v3/files') == \
        'http://127.0.0.1:8765/drive/v3/files'
    google = SheetsHTTPClient(None, requests.Session())
    assert google.url_for('https://sheets.googleapis.com/v4/spreadsheets/k') == \
        'https://sheets.googleapis.com/v4/spreadsheets/k'


def test_gspread_reaches_the_emulator_without_credentials(sheets_emulator, book):
    client = make_client(sheets_emulator)
    assert not hasattr(client.http_client, 'auth')
    assert client.open_by_key('k').worksheet('Leads').get_all_values() == [['Code'], ['L1']]
    assert sheets_emulator.requests[0].path == '/v4/spreadsheets/k'


def test_429_twice_then_success(sheets_emulator, book):
    fake = FakeTime()
    client = make_client(sheets_emulator, policy=RetryPolicy(base=1, cap=8, deadline=60))
    client.http_client.sleep = fake.sleep
    sheets_emulator.fail_next(2, status=429)
    assert client.http_client.values_get('k', "'Leads'!A1")['values'] == [['Code']]
    assert [r.status for r in sheets_emulator.requests] == [429, 429, 200]
    assert len(fake.sleeps) == 2 and 0 <= fake.sleeps[0] <= 1 and 0 <= fake.sleeps[1] <= 2


@pytest.mark.parametrize('status', [500, 502, 503])
def test_server_errors_are_retried(sheets_emulator, book, status):
    client = make_client(sheets_emulator)
    sheets_emulator.fail_next(1, status=status)
    assert client.http_client.values_get('k', "'Leads'!A2")['values'] == [['L1']]
    assert sheets_emulator.count() == 2


def test_500_forever_gives_a_clear_error_after_the_deadline(sheets_emulator, book):
    policy = RetryPolicy(max_tries=1000, deadline=0.3, base=0.02, cap=0.05, timeout=1)
    client = make_client(sheets_emulator, policy=policy)
    sheets_emulator.fail_next(10_000, status=500)
    with pytest.raises(SheetsUnavailable) as err:
        client.http_client.values_get('k', "'Leads'!A1")
    assert isinstance(err.value, LTCError)
    # It gave up at the deadline instead of using its 1,000 tries (timing slack for a busy machine).
    assert err.value.details['elapsed'] < 5
    assert len(sheets_emulator.requests) < 1000
    assert err.value.details['tries'] == sheets_emulator.count() > 2
    assert 'HTTP 500' in str(err.value) and 'run the sync again' in str(err.value)


def test_max_tries_bounds_the_attempts(sheets_emulator, book):
    client = make_client(sheets_emulator, policy=RetryPolicy(max_tries=3, deadline=60, base=0.001, cap=0.001))
    sheets_emulator.fail_next(10, status=503)
    with pytest.raises(SheetsUnavailable):
        client.http_client.values_get('k', "'Leads'!A1")
    assert sheets_emulator.count() == 3


def test_client_errors_are_not_retried(sheets_emulator, book):
    client = make_client(sheets_emulator)
    with pytest.raises(APIError) as err:
        client.http_client.values_get('k', "'Nope'!A1")
    assert err.value.code == 400 and sheets_emulator.count() == 1


def test_a_hung_request_times_out_and_is_retried(sheets_emulator, book):
    client = make_client(sheets_emulator, policy=RetryPolicy(max_tries=3, deadline=5, base=0.001,
                                                             cap=0.001, timeout=0.2))
    sheets_emulator.hang_next(1)
    assert client.http_client.values_get('k', "'Leads'!A1")['values'] == [['Code']]
    assert sheets_emulator.count() == 2


def test_set_timeout_still_applies_within_the_deadline(sheets_emulator, book):
    client = make_client(sheets_emulator, policy=RetryPolicy(deadline=10, timeout=30))
    client.set_timeout((1.5, 4))
    assert client.http_client._attempt_timeout(10) == (1.5, 4)
    assert client.http_client._attempt_timeout(2) == (1.5, 2)
    client.set_timeout(None)
    assert client.http_client._attempt_timeout(10) == 10


def test_backoff_is_full_jitter_under_a_capped_ceiling():
    policy = RetryPolicy(base=1, cap=8)
    assert [policy.backoff(n, rng=lambda: 1.0) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]
    assert policy.backoff(5, rng=lambda: 0.0) == 0


def test_token_bucket_keeps_any_minute_under_the_limit():
    fake = FakeTime()
    bucket = TokenBucket(per_minute=50, burst=10, clock=fake.clock, sleep=fake.sleep)
    stamps = []
    for _ in range(300):
        bucket.acquire()
        stamps.append(fake.now)
    worst = max(sum(1 for t in stamps if start <= t < start + 60) for start in stamps)
    assert worst <= 60
    assert stamps[9] == 0 and stamps[10] > 0


def test_every_attempt_takes_a_token(sheets_emulator, book):
    fake = FakeTime()
    bucket = TokenBucket(per_minute=60, burst=1, clock=fake.clock, sleep=fake.sleep)
    client = make_client(sheets_emulator, limiter=bucket)
    sheets_emulator.fail_next(1, status=429)
    client.http_client.values_get('k', "'Leads'!A1")
    client.http_client.values_get('k', "'Leads'!A1")
    assert sheets_emulator.count() == 3 and fake.sleeps == [1.0, 1.0]


def test_google_base_needs_credentials(tmp_path):
    with pytest.raises(ConfigError, match='LTC_GOOGLE_CREDENTIALS is not set'):
        open_client({'GOOGLE_API_BASE': GOOGLE_API_BASE})
    with pytest.raises(ConfigError, match='not a file'):
        open_client({'GOOGLE_CREDENTIALS': str(tmp_path / 'missing.json')})
    with pytest.raises(ConfigError, match='http'):
        open_client({'GOOGLE_API_BASE': 'sheets.example'})


def test_service_account_credentials_are_used_for_google(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / 'sa.json'
    path.write_text(json.dumps({
        'type': 'service_account', 'project_id': 'ltc', 'private_key_id': 'x', 'private_key': pem,
        'client_email': 'sync@ltc.iam.gserviceaccount.com', 'client_id': '1',
        'token_uri': 'https://oauth2.googleapis.com/token'}))
    client = open_client({'GOOGLE_CREDENTIALS': str(path), 'GOOGLE_TIMEOUT_SECONDS': '7'})
    http = client.http_client
    assert isinstance(http, SheetsHTTPClient) and http.api_base == GOOGLE_API_BASE
    assert http.auth.service_account_email == 'sync@ltc.iam.gserviceaccount.com'
    assert http.timeout == 7.0
