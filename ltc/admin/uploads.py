"""Uploaded import files kept in the instance folder between the import screen's steps.

A file is stored as `imports/<token><ext>`; the token is random and listed in the user's
session, so one user cannot reach another's upload. The apply runs in a background thread
that writes its progress to `imports/<token>.json` (read by the status endpoint, whatever
process serves it) and the reports next to it. Files older than a day are swept away.
"""
import hashlib
import json
import os
import secrets
import threading
import time
from pathlib import Path

from flask import current_app, session
from flask_babel import gettext as _

from ..db import database, utcnow
from ..models.sync_admin import ImportMapping
from ..sync.mapping.entities import norm

KEEP_SECONDS = 24 * 3600
STALLED = 15 * 60   # a batch of 500 rows takes seconds; a quarter of an hour without one is a dead run
SESSION_KEY = 'ltc_imports'
THREADS = {}    # token -> running apply thread (tests join it)


def folder():
    path = Path(current_app.instance_path) / 'imports'
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep():
    """Delete upload, status and report files older than a day."""
    limit = time.time() - KEEP_SECONDS
    for path in folder().iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def new_name():
    return secrets.token_hex(8)


def new_upload(entity, filename, ext):
    """Return a fresh token registered in the session for an upload of ENTITY."""
    token = secrets.token_urlsafe(18)
    entries = dict(session.get(SESSION_KEY) or {})
    while len(entries) >= 5:   # the session cookie stays small: the oldest uploads are forgotten
        entries.pop(next(iter(entries)))
    entries[token] = {'entity': entity, 'filename': filename, 'ext': ext, 'sheet': None,
                      'on_existing': 'update', 'columns': None, 'preview': None}
    session[SESSION_KEY] = entries
    return token


def entry(token):
    """Return the session's entry for TOKEN, or None when it is not this user's upload."""
    return (session.get(SESSION_KEY) or {}).get(token)


def update(token, **values):
    entries = dict(session.get(SESSION_KEY) or {})
    entries[token] = {**entries[token], **values}
    session[SESSION_KEY] = entries


def forget(token):
    entries = dict(session.get(SESSION_KEY) or {})
    entries.pop(token, None)
    session[SESSION_KEY] = entries


def path_of(token, ext):
    return folder() / f'{token}{ext}'


def status_path(token):
    return folder() / f'{token}.json'


def write_status(token, **status):
    """Replace the status file atomically so a reader never sees half a file."""
    temp = folder() / f'{token}.json.tmp'
    temp.write_text(json.dumps(status, ensure_ascii=False))
    os.replace(temp, status_path(token))


def read_status(token):
    """Return the apply's status; a run whose status has not moved for STALLED seconds has died."""
    try:
        status = json.loads(status_path(token).read_text())
    except (FileNotFoundError, ValueError):
        return None
    if status['state'] == 'running' and time.time() - status_path(token).stat().st_mtime > STALLED:
        status.update(state='failed', error=_('The import stopped without finishing (was the server '
                                               'restarted?); check the run and import the file again.'))
    return status


def header_hash(headers):
    return hashlib.sha1('\x1f'.join(norm(h) for h in headers).encode()).hexdigest()


def remembered(entity, headers):
    """Return the remembered {position: attr or None} for this header set, or None."""
    row = ImportMapping.get_or_none(ImportMapping.entity == entity,
                                    ImportMapping.header_hash == header_hash(headers))
    return {int(k): v or None for k, v in json.loads(row.columns).items()} if row else None


def remember(entity, headers, columns, username):
    """Store COLUMNS as the mapping of this header set (a preference: not audited)."""
    data = dict(entity=entity, header_hash=header_hash(headers),
                headers=json.dumps(headers, ensure_ascii=False),
                columns=json.dumps({str(k): v or '' for k, v in columns.items()}),
                updated_at=utcnow(), updated_by=username)
    with database.atomic():
        updated = (ImportMapping.update(**data)
                   .where(ImportMapping.entity == entity, ImportMapping.header_hash == data['header_hash'])
                   .execute())
        if not updated:
            ImportMapping.create(**data)


def start(token, work):
    """Run WORK() in a background thread with its own app context and database connection."""
    app = current_app._get_current_object()

    def run():
        with app.app_context():
            database.connect(reuse_if_open=True)
            try:
                work()
            finally:
                if not database.is_closed():
                    database.close()

    thread = threading.Thread(target=run, name=f'ltc-import-{token[:6]}', daemon=True)
    THREADS[token] = thread
    thread.start()
    return thread
