"""API fixtures: a client, users of each role with their tokens."""
import pytest

from ltc.services import tokens
from tests.factories import make_user


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def token_for(db):
    """Return a function (user, scopes='*:write') -> Authorization headers of a new token."""
    def make(user, scopes='*:write'):
        _token, secret = tokens.create_token(user, 'test', scopes)
        return {'Authorization': f'Bearer {secret}'}
    return make


@pytest.fixture
def sales(db):
    return make_user('sales')


@pytest.fixture
def admin(db):
    return make_user('admin')
