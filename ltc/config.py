"""Settings from the environment, with safe defaults for a laptop."""
import os
import secrets
from pathlib import Path

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ('development', 'production', 'testing')
# File kinds a document may be (by extension): office files, PDF and OFD (e-invoices), images,
# text and archives. HTML, SVG, scripts and executables are never accepted, whatever this says.
DOCUMENT_TYPES = 'pdf,ofd,doc,docx,xls,xlsx,ppt,pptx,odt,ods,odp,rtf,txt,csv,png,jpg,jpeg,gif,bmp,tif,tiff,webp,heic,zip,7z,rar,eml,msg'


def _instance_dir(config):
    path = Path(config.get('INSTANCE_PATH') or ROOT / 'instance')
    path.mkdir(parents=True, exist_ok=True)
    return path


def _local_secret_key(instance):
    """Return the key kept in instance/, creating it on first use."""
    path = instance / 'secret_key'
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _int(name, value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f'{name} must be a whole number, got {value!r}.') from None


def _bool(name, value):
    text = str(value).strip().lower()
    if text in ('1', 'true', 'yes', 'on'):
        return True
    if text in ('0', 'false', 'no', 'off'):
        return False
    raise ConfigError(f'{name} must be 1 or 0 (true/false), got {value!r}.')


def _extensions(value):
    """Return the set of lower-case extensions (without dots) listed in VALUE, e.g. 'pdf, .PNG'."""
    if isinstance(value, (set, frozenset, list, tuple)):
        value = ','.join(value)
    return frozenset(part.strip().lstrip('.').lower() for part in str(value).split(',') if part.strip())


def load(overrides=None):
    """Build the settings: defaults, then LTC_* environment variables, then overrides."""
    overrides = dict(overrides or {})
    env = os.environ
    config = {
        'LTC_ENV': env.get('LTC_ENV', 'development'),
        'INSTANCE_PATH': env.get('LTC_INSTANCE_PATH'),
        'DATABASE_URL': env.get('LTC_DATABASE_URL'),
        'SECRET_KEY': env.get('LTC_SECRET_KEY'),
        'QUEUE_URL': env.get('LTC_QUEUE_URL'),
        'GOOGLE_CREDENTIALS': env.get('LTC_GOOGLE_CREDENTIALS'),
        'GOOGLE_API_BASE': env.get('LTC_GOOGLE_API_BASE', 'https://sheets.googleapis.com'),
        'GOOGLE_REQUESTS_PER_MINUTE': env.get('LTC_GOOGLE_REQUESTS_PER_MINUTE', '50'),
        'GOOGLE_REQUEST_BURST': env.get('LTC_GOOGLE_REQUEST_BURST', '10'),
        'GOOGLE_MAX_TRIES': env.get('LTC_GOOGLE_MAX_TRIES', '6'),
        'GOOGLE_DEADLINE_SECONDS': env.get('LTC_GOOGLE_DEADLINE_SECONDS', '120'),
        'GOOGLE_TIMEOUT_SECONDS': env.get('LTC_GOOGLE_TIMEOUT_SECONDS', '30'),
        'DB_POOL_SIZE': env.get('LTC_DB_POOL_SIZE', '8'),
        'SESSION_HOURS': env.get('LTC_SESSION_HOURS', '12'),
        'EXPORT_MAX_ROWS': env.get('LTC_EXPORT_MAX_ROWS', '50000'),
        'IMPORT_MAX_ROWS': env.get('LTC_IMPORT_MAX_ROWS', '1000000'),
        'IMPORT_MAX_UPLOAD_MB': env.get('LTC_IMPORT_MAX_UPLOAD_MB', '50'),
        'IMPORT_MAX_COLUMNS': env.get('LTC_IMPORT_MAX_COLUMNS', '500'),
        'IMPORT_MAX_CELLS': env.get('LTC_IMPORT_MAX_CELLS', '3000000'),
        'COOKIE_SECURE': env.get('LTC_COOKIE_SECURE', ''),
        'LOGIN_USER_LIMIT': env.get('LTC_LOGIN_USER_LIMIT', '5'),
        'LOGIN_ADDRESS_LIMIT': env.get('LTC_LOGIN_ADDRESS_LIMIT', '20'),
        'LOGIN_LOCK_SECONDS': env.get('LTC_LOGIN_LOCK_SECONDS', '30'),
        'LOGIN_MAX_LOCK_SECONDS': env.get('LTC_LOGIN_MAX_LOCK_SECONDS', '900'),
        'LOGIN_WINDOW_MINUTES': env.get('LTC_LOGIN_WINDOW_MINUTES', '60'),
        'PROXY_HOPS': env.get('LTC_PROXY_HOPS', '0'),
        'DOCUMENTS_DIR': env.get('LTC_DOCUMENTS_DIR'),
        'DOCUMENT_MAX_MB': env.get('LTC_DOCUMENT_MAX_MB', '20'),
        'DOCUMENT_TYPES': env.get('LTC_DOCUMENT_TYPES', DOCUMENT_TYPES),
    }
    config.update(overrides)
    if config['LTC_ENV'] not in ENVIRONMENTS:
        raise ConfigError(
            f"LTC_ENV must be one of {', '.join(ENVIRONMENTS)}; got {config['LTC_ENV']!r}.")
    for key in ('DB_POOL_SIZE', 'SESSION_HOURS', 'EXPORT_MAX_ROWS', 'IMPORT_MAX_ROWS', 'IMPORT_MAX_UPLOAD_MB',
                'IMPORT_MAX_COLUMNS', 'IMPORT_MAX_CELLS',
                'LOGIN_USER_LIMIT', 'LOGIN_ADDRESS_LIMIT', 'LOGIN_LOCK_SECONDS', 'LOGIN_MAX_LOCK_SECONDS',
                'LOGIN_WINDOW_MINUTES', 'PROXY_HOPS', 'DOCUMENT_MAX_MB'):
        config[key] = _int('LTC_' + key, config[key])
    for key in ('LOGIN_USER_LIMIT', 'LOGIN_ADDRESS_LIMIT'):
        if config[key] < 1:
            raise ConfigError(f'LTC_{key} must be at least 1 (failed logins before a lock), got {config[key]}.')
    for key in ('IMPORT_MAX_ROWS', 'IMPORT_MAX_UPLOAD_MB', 'IMPORT_MAX_COLUMNS', 'IMPORT_MAX_CELLS'):
        if config[key] < 1:
            raise ConfigError(f'LTC_{key} must be at least 1, got {config[key]}.')
    production = config['LTC_ENV'] == 'production'
    instance = _instance_dir(config)
    config['INSTANCE_PATH'] = str(instance)
    if not config['SECRET_KEY']:
        if production:
            raise ConfigError(
                'LTC_SECRET_KEY is not set. In production set it to a long random value, '
                'e.g. LTC_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))").')
        config['SECRET_KEY'] = _local_secret_key(instance)
    elif production and len(config['SECRET_KEY']) < 32:
        raise ConfigError('LTC_SECRET_KEY is too short for production; use at least 32 random characters.')
    if not config['DATABASE_URL']:
        config['DATABASE_URL'] = f"sqlite:///{instance / 'ltc.db'}"
    config['DOCUMENTS_DIR'] = str(Path(config['DOCUMENTS_DIR'] or instance / 'documents'))
    config['DOCUMENT_TYPES'] = _extensions(config['DOCUMENT_TYPES'])
    if not config['QUEUE_URL']:
        config['QUEUE_URL'] = f"sqlite:///{instance / 'queue.db'}"
    config['SESSION_COOKIE_HTTPONLY'] = True
    config['SESSION_COOKIE_SAMESITE'] = 'Lax'
    config['REMEMBER_COOKIE_HTTPONLY'] = True
    # Secure cookies by default in production; LTC_COOKIE_SECURE=0 serves a LAN over plain http.
    secure = production if config['COOKIE_SECURE'] in ('', None) else _bool('LTC_COOKIE_SECURE', config['COOKIE_SECURE'])
    config['COOKIE_SECURE'] = secure
    config['SESSION_COOKIE_SECURE'] = secure
    config['REMEMBER_COOKIE_SECURE'] = secure
    return config
