"""Fixtures for the Sheets API emulator; import them into a test module to use them."""
import pytest

from ltc.sync.gsheets.http import RetryPolicy, TokenBucket, open_client
from tests.sheets_emulator import SheetsEmulator

# Retries in tests sleep microseconds, so fault tests stay fast.
FAST_RETRY = RetryPolicy(max_tries=5, deadline=5.0, base=0.001, cap=0.01, timeout=5.0)


@pytest.fixture
def sheets_emulator():
    """Start a fresh emulator on a free 127.0.0.1 port."""
    with SheetsEmulator() as emulator:
        yield emulator


def make_client(emulator, policy=FAST_RETRY, limiter=None, **config):
    """Return a gspread Client on the emulator through LTC's HTTP client."""
    limiter = limiter or TokenBucket(per_minute=600_000, burst=10_000)
    return open_client({'GOOGLE_API_BASE': emulator.base_url, **config},
                       policy=policy, limiter=limiter)


@pytest.fixture
def gsheets_client(sheets_emulator):
    """Return a gspread Client on the emulator with tiny backoff and no rate-limit waits."""
    return make_client(sheets_emulator)
