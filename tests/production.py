"""Start the production stack as separate processes: gunicorn workers and the Huey consumer.

Shared by tests/test_production.py and the bench scripts (crash, load).
"""
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def sibling_database(url, suffix):
    """Return URL with its database name extended by SUFFIX (same server and credentials)."""
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip('/') + suffix
    return urllib.parse.urlunsplit(parts._replace(path='/' + name, query=''))


def recreate_database(url):
    """Drop and create the PostgreSQL database named in URL (a throwaway one)."""
    import psycopg2
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip('/')
    admin = urllib.parse.urlunsplit(parts._replace(path='/postgres', query=''))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database(url):
    import psycopg2
    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path='/postgres', query=''))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    conn.close()


class Stack:
    """The production processes for one database and queue, started and stopped together."""

    def __init__(self, database_url, queue_url, workdir, workers=2, env=None):
        self.port = free_port()
        self.base = f'http://127.0.0.1:{self.port}'
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workers = workers
        self.env = dict(os.environ, LTC_ENV='production', LTC_SECRET_KEY=secrets.token_hex(32),
                        LTC_DATABASE_URL=database_url, LTC_QUEUE_URL=queue_url,
                        LTC_INSTANCE_PATH=str(self.workdir / 'instance'), PYTHONUNBUFFERED='1')
        self.env.update(env or {})
        self.web = self.consumer = None

    def flask(self, *args, stdin=None, check=True):
        """Run `flask --app app ltc ARGS` as the deploy scripts would; return the completed process."""
        done = subprocess.run([sys.executable, '-m', 'flask', '--app', 'app', 'ltc', *args], cwd=ROOT,
                              env=self.env, input=stdin, capture_output=True, text=True, timeout=600)
        if check and done.returncode:
            raise RuntimeError(f'flask ltc {" ".join(args)} failed: {done.stdout}{done.stderr}')
        return done

    def _spawn(self, name, args):
        log = open(self.workdir / f'{name}.log', 'ab')
        return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start_web(self):
        self.web = self._spawn('gunicorn', [
            sys.executable, '-m', 'gunicorn', '--workers', str(self.workers),
            '--bind', f'127.0.0.1:{self.port}', '--access-logfile', '-',
            '--no-control-socket', 'app:app'])   # several stacks may run side by side
        self.wait_healthy()

    def start_consumer(self, *options):
        self.consumer = self._spawn('consumer', [sys.executable, '-m', 'ltc.jobs', *options])
        return self.consumer

    def wait_healthy(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.web.poll() is not None:
                raise RuntimeError('gunicorn exited: ' + self.log('gunicorn'))
            try:
                response = requests.get(self.base + '/healthz', timeout=5)
                if response.status_code == 200:
                    return response.json()
            except (requests.ConnectionError, requests.Timeout):
                pass   # not listening yet, or a worker still starting on a busy machine: ask again
            time.sleep(0.2)
        raise RuntimeError('gunicorn did not become healthy: ' + self.log('gunicorn'))

    def log(self, name):
        path = self.workdir / f'{name}.log'
        return path.read_text(errors='replace')[-4000:] if path.exists() else ''

    @staticmethod
    def stop_process(process, sig=signal.SIGTERM, timeout=30):
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)

    def stop(self):
        self.stop_process(self.consumer)
        self.stop_process(self.web)


class LoopbackSession(requests.Session):
    """A session that sends Secure cookies back over plain http on loopback.

    Production cookies are Secure: behind the TLS proxy the browser sends them back. This client
    speaks http to gunicorn directly, so it keeps them as if the connection were https.
    """

    def send(self, request, **kwargs):
        response = super().send(request, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


def login(base, username, password):
    """Log in through the form (CSRF token included); return the logged-in session."""
    session = LoopbackSession()
    page = session.get(base + '/login', timeout=30)
    token = CSRF.search(page.text)
    if token is None:
        raise RuntimeError('the login page has no CSRF token')
    # No automatic redirect: requests would not send the new Secure cookie on the redirect hop.
    response = session.post(base + '/login', timeout=30, allow_redirects=False, data={
        'csrf_token': token.group(1), 'username': username, 'password': password, 'next': ''})
    if response.status_code != 302 or '/login' in response.headers.get('Location', '/login'):
        raise RuntimeError(f'login as {username} failed')
    session.login_cookie_header = response.headers.get('Set-Cookie', '')
    return session

