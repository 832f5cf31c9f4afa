"""Settings from the environment; production refuses to start without a secret key."""
import pytest

from ltc import config, create_app
from ltc.errors import ConfigError


def test_production_without_secret_key_refuses(tmp_path, monkeypatch):
    monkeypatch.delenv('LTC_SECRET_KEY', raising=False)
    monkeypatch.setenv('LTC_ENV', 'production')
    with pytest.raises(ConfigError, match='LTC_SECRET_KEY is not set'):
        config.load({'INSTANCE_PATH': str(tmp_path)})


def test_production_short_secret_key_refuses(tmp_path):
    with pytest.raises(ConfigError, match='too short'):
        config.load({'INSTANCE_PATH': str(tmp_path), 'LTC_ENV': 'production', 'SECRET_KEY': 'abc'})


def test_development_generates_and_keeps_a_local_key(tmp_path, monkeypatch):
    monkeypatch.delenv('LTC_SECRET_KEY', raising=False)
    first = config.load({'INSTANCE_PATH': str(tmp_path)})
    second = config.load({'INSTANCE_PATH': str(tmp_path)})
    assert first['SECRET_KEY'] == second['SECRET_KEY'] and len(first['SECRET_KEY']) >= 32
    assert first['DATABASE_URL'] == f"sqlite:///{tmp_path / 'ltc.db'}"


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv('LTC_DATABASE_URL', f'sqlite:///{tmp_path}/other.db')
    monkeypatch.setenv('LTC_EXPORT_MAX_ROWS', '123')
    settings = config.load({'INSTANCE_PATH': str(tmp_path)})
    assert settings['DATABASE_URL'].endswith('other.db')
    assert settings['EXPORT_MAX_ROWS'] == 123


def test_bad_numbers_and_environments_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv('LTC_EXPORT_MAX_ROWS', 'lots')
    with pytest.raises(ConfigError, match='LTC_EXPORT_MAX_ROWS must be a whole number'):
        config.load({'INSTANCE_PATH': str(tmp_path)})
    monkeypatch.delenv('LTC_EXPORT_MAX_ROWS')
    with pytest.raises(ConfigError, match='LTC_ENV must be one of'):
        config.load({'INSTANCE_PATH': str(tmp_path), 'LTC_ENV': 'prod'})


def test_production_cookies_are_secure(tmp_path):
    app = create_app({'INSTANCE_PATH': str(tmp_path), 'LTC_ENV': 'production',
                      'SECRET_KEY': 'k' * 40, 'DATABASE_URL': f'sqlite:///{tmp_path}/p.db'})
    assert app.config['SESSION_COOKIE_SECURE'] is True
    assert app.config['SESSION_COOKIE_HTTPONLY'] is True
    assert app.config['SESSION_COOKIE_SAMESITE'] == 'Lax'


def test_login_throttling_settings(tmp_path, monkeypatch):
    defaults = config.load({'INSTANCE_PATH': str(tmp_path)})
    assert (defaults['LOGIN_USER_LIMIT'], defaults['LOGIN_ADDRESS_LIMIT'], defaults['LOGIN_LOCK_SECONDS'],
            defaults['LOGIN_MAX_LOCK_SECONDS'], defaults['PROXY_HOPS']) == (5, 20, 30, 900, 0)
    monkeypatch.setenv('LTC_LOGIN_USER_LIMIT', '8')
    assert config.load({'INSTANCE_PATH': str(tmp_path)})['LOGIN_USER_LIMIT'] == 8
    monkeypatch.setenv('LTC_LOGIN_USER_LIMIT', '0')
    with pytest.raises(ConfigError, match='LTC_LOGIN_USER_LIMIT must be at least 1'):
        config.load({'INSTANCE_PATH': str(tmp_path)})
