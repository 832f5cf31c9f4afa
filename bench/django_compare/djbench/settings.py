"""Settings of the django-import-export side of the comparison (bench/django_compare/run.py).

BENCH_DATABASE: a SQLite file path, or a postgresql://user@host:port/name URL.
"""
import os
from urllib.parse import urlparse

SECRET_KEY = 'bench-only-' + 'x' * 40
DEBUG = False   # DEBUG keeps every query in memory
USE_TZ = True
TIME_ZONE = 'UTC'
USE_THOUSAND_SEPARATOR = True   # the workbook's budgets are written '123,000'
DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'
INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth', 'import_export', 'leads']

_target = os.environ.get('BENCH_DATABASE', 'bench.sqlite3')
if _target.startswith(('postgres://', 'postgresql://')):
    _url = urlparse(_target)
    DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': _url.path.lstrip('/'),
                             'USER': _url.username or 'postgres', 'PASSWORD': _url.password or '',
                             'HOST': _url.hostname or '127.0.0.1', 'PORT': str(_url.port or 5432)}}
else:
    # The same pragmas as the product's SQLite connections (WAL, synchronous=normal, 64 MB cache).
    DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': _target, 'OPTIONS': {
        'init_command': 'PRAGMA journal_mode=wal; PRAGMA synchronous=normal; PRAGMA cache_size=-64000; '
                        'PRAGMA foreign_keys=1',
        'transaction_mode': 'IMMEDIATE'}}}
