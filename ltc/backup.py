"""Backup and restore: SQLite through the online backup API, PostgreSQL through pg_dump/pg_restore."""
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlparse

from .db import database, is_sqlite
from .errors import LTCError


class BackupError(LTCError):
    """A backup or restore that could not be done."""


def _pg_env(url):
    parsed = urlparse(url)
    env = dict(os.environ)
    if parsed.password:
        env['PGPASSWORD'] = parsed.password
    args = ['-h', parsed.hostname or '127.0.0.1', '-p', str(parsed.port or 5432)]
    if parsed.username:
        args += ['-U', parsed.username]
    return env, args, parsed.path.lstrip('/')


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(f'{name} is not installed; install the PostgreSQL client tools '
                          f'(Debian: apt-get install postgresql-client) and try again.')
    return path


def backup(out, url):
    """Write a consistent copy of the live database to OUT; return its size in bytes."""
    out = Path(out)
    if out.exists():
        raise BackupError(f'{out} already exists; choose a new file name so no backup is overwritten.')
    out.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite():
        target = sqlite3.connect(str(out))
        try:
            database.connection().backup(target)   # online: writers keep working meanwhile
        finally:
            target.close()
    else:
        env, args, name = _pg_env(url)
        result = subprocess.run([_tool('pg_dump'), '--format=custom', '--no-owner', *args,
                                 '-f', str(out), name], env=env, capture_output=True, text=True)
        if result.returncode:
            out.unlink(missing_ok=True)
            raise BackupError(f'pg_dump failed: {result.stderr.strip()}')
    return out.stat().st_size


def _check_sqlite_backup(path):
    try:
        conn = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
        try:
            conn.execute('SELECT name FROM schema_migration LIMIT 1').fetchall()
            ok = conn.execute('PRAGMA quick_check').fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f'{path} is not an LTC backup ({exc}); nothing was restored.') from None
    if ok != 'ok':
        raise BackupError(f'{path} is damaged ({ok}); nothing was restored.')


def restore(path, url):
    """Replace the live database's contents with the backup at PATH."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f'{path} does not exist; give the path of a file made by `flask ltc backup`.')
    if is_sqlite():
        _check_sqlite_backup(path)
        source = sqlite3.connect(f'file:{path}?mode=ro', uri=True)
        try:
            source.backup(database.connection())   # one step: readers see old or new, never half
        finally:
            source.close()
    else:
        env, args, name = _pg_env(url)
        result = subprocess.run([_tool('pg_restore'), '--clean', '--if-exists', '--no-owner',
                                 '--single-transaction', *args, '-d', name, str(path)],
                                env=env, capture_output=True, text=True)
        if result.returncode:
            raise BackupError(f'pg_restore failed, the database is unchanged: {result.stderr.strip()}')
