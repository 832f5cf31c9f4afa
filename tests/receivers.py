"""Real local receivers for notifications: an SMTP server (aiosmtpd) and an HTTP server for webhooks.

Import the fixtures into a test module: `from tests.receivers import smtp_server, http_receiver`.
"""
import email
import email.policy
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Mailbox:
    """What the SMTP server received; `refuse` answers the next N messages with a temporary error."""

    def __init__(self):
        self.messages, self.refuse = [], 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return '451 4.3.0 mailbox busy, try again later'
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return '250 OK'


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname='127.0.0.1', port=free_port())
    controller.start()
    mailbox.host, mailbox.port = controller.hostname, controller.port
    yield mailbox
    controller.stop()


class Receiver:
    """Requests the HTTP server received; `answers` (status, JSON[, headers]) are given in turn, then
    200 {"errcode": 0}. A GET (where a followed redirect lands) is kept too, with no body."""

    def __init__(self):
        self.requests, self.answers = [], []

    def url(self, path):
        return f'http://127.0.0.1:{self.port}{path}'

    def bodies(self, path):
        return [r['json'] for r in self.requests if r['path'] == path]


@pytest.fixture
def http_receiver():
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get('Content-Length') or 0))
            parts = urllib.parse.urlsplit(self.path)
            receiver.requests.append({'path': parts.path, 'query': dict(urllib.parse.parse_qsl(parts.query)),
                                      'headers': dict(self.headers), 'raw': raw, 'json': json.loads(raw)})
            status, answer, *extra = receiver.answers.pop(0) if receiver.answers else (200, {'errcode': 0,
                                                                                        'errmsg': 'ok'})
            data = json.dumps(answer).encode()
            self.send_response(status)
            for name, value in (extra[0] if extra else {}).items():   # e.g. a redirect's Location
                self.send_header(name, value)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            receiver.requests.append({'path': urllib.parse.urlsplit(self.path).path, 'query': {},
                                      'headers': dict(self.headers), 'raw': b'', 'json': None, 'method': 'GET'})
            self.send_response(200)
            self.send_header('Content-Length', '2')
            self.end_headers()
            self.wfile.write(b'{}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
