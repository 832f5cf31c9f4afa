"""The emulator's HTTP server: routing, request log, injected faults, per-minute quota."""
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from . import cells, sheets, values
from .store import ApiError, Spreadsheet, unimplemented

SPREADSHEET_MIME = 'application/vnd.google-apps.spreadsheet'
DRIVE_DEFAULT_FIELDS = ('kind', 'id', 'name', 'mimeType')
ROUTES = [
    ('POST', r'/v4/spreadsheets', 'spreadsheets.create'),
    ('GET', r'/v4/spreadsheets/(?P<key>[^/:]+)', 'spreadsheets.get'),
    ('POST', r'/v4/spreadsheets/(?P<key>[^/:]+):batchUpdate', 'spreadsheets.batchUpdate'),
    ('GET', r'/v4/spreadsheets/(?P<key>[^/:]+)/values:batchGet', 'values.batchGet'),
    ('POST', r'/v4/spreadsheets/(?P<key>[^/:]+)/values:batchUpdate', 'values.batchUpdate'),
    ('POST', r'/v4/spreadsheets/(?P<key>[^/:]+)/values:batchClear', 'values.batchClear'),
    ('POST', r'/v4/spreadsheets/(?P<key>[^/:]+)/values/(?P<range>.+):append', 'values.append'),
    ('POST', r'/v4/spreadsheets/(?P<key>[^/:]+)/values/(?P<range>.+):clear', 'values.clear'),
    ('GET', r'/v4/spreadsheets/(?P<key>[^/:]+)/values/(?P<range>.+)', 'values.get'),
    ('PUT', r'/v4/spreadsheets/(?P<key>[^/:]+)/values/(?P<range>.+)', 'values.update'),
    ('POST', r'/drive/v3/files', 'drive.create'),
    ('POST', r'/drive/v3/files/(?P<key>[^/]+)/permissions', 'drive.permissions.create'),
    ('GET', r'/drive/v3/files/(?P<key>[^/]+)/permissions', 'drive.permissions.list'),
    ('DELETE', r'/drive/v3/files/(?P<key>[^/]+)/permissions/(?P<permission>[^/]+)', 'drive.permissions.delete'),
    ('GET', r'/drive/v3/files/(?P<key>[^/]+)', 'drive.get'),
    ('DELETE', r'/drive/v3/files/(?P<key>[^/]+)', 'drive.delete'),
]
QUOTA_MESSAGE = ("Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per "
                 "user' of service 'sheets.googleapis.com' for consumer 'project_number:0'.")
FAULT_MESSAGES = {429: QUOTA_MESSAGE, 500: 'Internal error encountered.',
                  502: 'Bad Gateway', 503: 'The service is currently unavailable.'}


@dataclass
class LoggedRequest:
    """One request as the emulator saw it."""
    method: str
    path: str
    kind: str
    params: dict
    body: object
    status: int = 0
    at: float = field(default_factory=time.monotonic)


class SheetsEmulator:
    """An in-memory Google Sheets API v4 (plus Drive files create/get/delete and permissions) on 127.0.0.1."""

    def __init__(self, port=0, host='127.0.0.1', quota_per_minute=None, clock=time.monotonic):
        self.host, self.port = host, port
        self.quota_per_minute, self.clock = quota_per_minute, clock
        self.lock = threading.RLock()
        self.spreadsheets = {}
        self.forbidden = set()          # keys the caller may not open (403)
        self.requests = []
        self._faults = deque()          # (status, delay, hang) per upcoming request
        self.delay = 0.0                # seconds added to every response
        self._accepted = deque()        # clock() of requests counted against the quota
        self._release = threading.Event()
        self._server = self._thread = None

    # lifecycle ------------------------------------------------------------
    def start(self):
        """Start serving in a background thread and return self."""
        self._release.clear()
        self._server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Release hung requests and stop the server."""
        self._release.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self):
        """Return the URL to put in LTC_GOOGLE_API_BASE."""
        return f'http://{self.host}:{self.port}'

    # spreadsheets ---------------------------------------------------------
    def create_spreadsheet(self, key=None, title='Untitled spreadsheet', sheets=None,
                           rows=1000, cols=26, typed=False):
        """Create a spreadsheet; sheets maps title -> rows of values (stored RAW, or as typed)."""
        with self.lock:
            key = key or secrets.token_urlsafe(33)[:44]
            ss = Spreadsheet(key, title)
            for name, data in (sheets if sheets is not None else {'Sheet1': []}).items():
                width = max((len(r) for r in data), default=0)
                sheet = ss.add_sheet(name, max(rows, len(data)), max(cols, width))
                self._type(sheet, data, 1, 1, cells.user_entered if typed else cells.raw)
            self.spreadsheets[key] = ss
            return ss

    def spreadsheet(self, key):
        """Return the stored spreadsheet for inspection."""
        return self.spreadsheets[key]

    def sheet(self, key, title):
        """Return the stored worksheet for inspection."""
        return self.spreadsheets[key].sheet(title)

    def _type(self, sheet, data, row, col, convert=cells.user_entered):
        for i, line in enumerate(data):
            for j, value in enumerate(line):
                cell = convert(value)
                if cell is not cells.SKIP:
                    sheet.put(row - 1 + i, col - 1 + j, cell)

    def type_values(self, key, title, data, row=1, col=1):
        """Simulate a user typing values (USER_ENTERED) at a 1-based cell."""
        with self.lock:
            ss = self.spreadsheets[key]
            self._type(ss.sheet(title), data, row, col)
            ss.touch()

    def user_rows(self, key, title, change):
        """Let a simulated user change the rows list in place (sort, insert, delete)."""
        with self.lock:
            ss = self.spreadsheets[key]
            sheet = ss.sheet(title)
            before = len(sheet.data)
            change(sheet.data)
            sheet.row_count += max(0, len(sheet.data) - before)
            ss.touch()

    def rendered(self, key, title, value_option='UNFORMATTED_VALUE'):
        """Return the worksheet's values as values.get would (trailing blanks trimmed)."""
        with self.lock:
            return values._trim([[cells.render(c, value_option) for c in row]
                                 for row in self.sheet(key, title).data])

    # faults and log -------------------------------------------------------
    def fail_next(self, n, status=500):
        """Answer the next n requests with this error status (429, 500, 502, 503)."""
        with self.lock:
            self._faults.extend([(status, 0.0, False)] * n)

    def slow_next(self, n, seconds):
        """Delay the next n responses by seconds."""
        with self.lock:
            self._faults.extend([(None, seconds, False)] * n)

    def hang_next(self, n):
        """Never answer the next n requests (until stop() or release())."""
        with self.lock:
            self._faults.extend([(None, 0.0, True)] * n)

    def release(self):
        """Let hung requests finish (they answer 503)."""
        self._release.set()

    def clear_log(self):
        """Forget logged requests."""
        with self.lock:
            self.requests.clear()

    def count(self, kind=None):
        """Return how many requests were logged (of one kind, e.g. 'values.get')."""
        with self.lock:
            return sum(1 for r in self.requests if kind is None or r.kind == kind)

    def kinds(self):
        """Return the logged request kinds in order."""
        with self.lock:
            return [r.kind for r in self.requests]

    def _over_quota(self):
        if not self.quota_per_minute:
            return False
        now = self.clock()
        while self._accepted and now - self._accepted[0] >= 60:
            self._accepted.popleft()
        if len(self._accepted) >= self.quota_per_minute:
            return True
        self._accepted.append(now)
        return False

    # dispatch -------------------------------------------------------------
    def handle(self, method, raw_path, query, body_bytes):
        """Answer one request: return (status, JSON body or None)."""
        kind, match = 'unknown', None
        for verb, pattern, name in ROUTES:
            m = re.fullmatch(pattern, raw_path)
            if m and verb == method:
                kind, match = name, m
                break
        params = {k: (v if k == 'ranges' else v[-1])
                  for k, v in parse_qs(query, keep_blank_values=True).items()}
        try:
            body = json.loads(body_bytes) if body_bytes else {}
        except ValueError:
            body = None
        entry = LoggedRequest(method, raw_path, kind, params, body)
        with self.lock:
            self.requests.append(entry)
            fault = self._faults.popleft() if self._faults else None
            over = self._over_quota()
        status, payload = self._answer(entry, match, fault, over)
        entry.status = status
        return status, payload

    def _answer(self, entry, match, fault, over):
        delay = self.delay + (fault[1] if fault else 0)
        if delay:
            time.sleep(delay)
        if fault and fault[2]:
            self._release.wait()
            return 503, ApiError(503, FAULT_MESSAGES[503]).body()
        if over:
            return 429, ApiError(429, QUOTA_MESSAGE).body()
        if fault and fault[0]:
            return fault[0], ApiError(fault[0], FAULT_MESSAGES.get(fault[0], 'Injected fault')).body()
        try:
            if match is None:
                raise unimplemented(f'{entry.method} {entry.path}')
            if entry.body is None:
                raise ApiError(400, 'Invalid JSON payload received.')
            with self.lock:
                return self._route(entry, match)
        except ApiError as err:
            return err.code, err.body()

    def _find(self, key):
        if unquote(key) in self.forbidden:
            raise ApiError(403, 'The caller does not have permission')
        ss = self.spreadsheets.get(unquote(key))
        if ss is None:
            raise ApiError(404, 'Requested entity was not found.')
        return ss

    def _route(self, entry, match):
        kind, params, body = entry.kind, entry.params, entry.body
        groups = {k: unquote(v) for k, v in match.groupdict().items()}
        if kind == 'spreadsheets.create':
            return 200, self._create(body)
        if kind.startswith('drive.'):
            return self._drive(kind, groups, params, body)
        ss = self._find(groups['key'])
        if kind == 'spreadsheets.get':
            return 200, sheets.get(ss, params, self.base_url)
        if kind == 'spreadsheets.batchUpdate':
            return 200, sheets.batch_update(ss, body)
        if kind == 'values.get':
            return 200, values.value_range(ss, groups['range'], params)
        if kind == 'values.batchGet':
            return 200, values.batch_get(ss, params, params.get('ranges') or [])
        if kind == 'values.update':
            return 200, values.update(ss, groups['range'], params, body)
        if kind == 'values.batchUpdate':
            return 200, values.batch_update(ss, body)
        if kind == 'values.append':
            return 200, values.append(ss, groups['range'], params, body)
        if kind == 'values.clear':
            return 200, values.clear(ss, groups['range'])
        if kind == 'values.batchClear':
            return 200, values.batch_clear(ss, body)
        raise unimplemented(kind)

    def _create(self, body):
        props = body.get('properties') or {}
        if set(body) - {'properties', 'sheets'}:
            raise unimplemented('spreadsheets.create with ' + ', '.join(set(body) - {'properties', 'sheets'}))
        ss = self.create_spreadsheet(title=props.get('title', 'Untitled spreadsheet'), sheets={})
        for item in body.get('sheets') or [{'properties': {'title': 'Sheet1'}}]:
            sheets._request(ss, 'addSheet', item.get('properties') or {})
        return sheets.get(ss, {}, self.base_url)

    def _drive(self, kind, groups, params, body):
        if kind == 'drive.create':
            if body.get('mimeType') != SPREADSHEET_MIME or set(body) - {'name', 'mimeType'}:
                raise unimplemented('Drive files.create other than a plain spreadsheet')
            ss = self.create_spreadsheet(title=body.get('name', 'Untitled spreadsheet'))
            return 200, {'kind': 'drive#file', 'id': ss.key, 'name': ss.title,
                         'mimeType': SPREADSHEET_MIME}
        ss = self._find(groups['key'])
        if kind.startswith('drive.permissions.'):
            return _permissions(ss, kind, groups, params, body)
        if kind == 'drive.delete':
            del self.spreadsheets[ss.key]
            return 204, None
        meta = {'kind': 'drive#file', 'id': ss.key, 'name': ss.title, 'mimeType': SPREADSHEET_MIME,
                'createdTime': ss.created_time, 'modifiedTime': ss.modified_time}
        # As Drive v3: without `fields` only kind, id, name and mimeType; with it, exactly the fields asked.
        fields = [f.strip() for f in params.get('fields', '').split(',') if f.strip()] or DRIVE_DEFAULT_FIELDS
        return 200, {k: v for k, v in meta.items() if k in fields}


PERMISSION_TYPES = ('user', 'group', 'domain', 'anyone')
PERMISSION_ROLES = ('owner', 'organizer', 'fileOrganizer', 'writer', 'commenter', 'reader')


def _permissions(ss, kind, groups, params, body):
    """Drive v3 permissions.create / list / delete on a spreadsheet, as documented by Google: a create answers
    the new Permission with its default fields (kind, id, type, role), a list `{"kind", "permissions"}`."""
    if kind == 'drive.permissions.list':
        return 200, {'kind': 'drive#permissionList', 'permissions': [dict(p) for p in ss.permissions]}
    if kind == 'drive.permissions.delete':
        kept = [p for p in ss.permissions if p['id'] != groups['permission']]
        if len(kept) == len(ss.permissions):
            raise ApiError(404, f"Permission not found: {groups['permission']}.")
        ss.permissions[:] = kept
        return 204, None
    kind_, role = body.get('type'), body.get('role')
    if kind_ not in PERMISSION_TYPES:
        raise ApiError(400, 'The permission type field is required.' if not kind_ else
                       f'Invalid value for permission type: {kind_}')
    if role not in PERMISSION_ROLES:
        raise ApiError(400, 'The permission role field is required.' if not role else
                       f'Invalid value for permission role: {role}')
    email = body.get('emailAddress')
    if kind_ in ('user', 'group') and not email:
        raise ApiError(400, 'The permission emailAddress field is required.')
    if email and not re.fullmatch(r'[^@\s]+@[^@\s]+\.[^@\s]+', email):
        raise ApiError(400, f'Bad Request. User message: "Invalid email address: {email}"')
    permission = {'kind': 'drive#permission', 'id': secrets.token_hex(10), 'type': kind_, 'role': role}
    stored = dict(permission, emailAddress=email) if email else dict(permission)
    stored['notified'] = str(params.get('sendNotificationEmail', 'true')).lower() == 'true'
    ss.permissions.append(stored)
    return 200, permission


def _handler(emulator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        disable_nagle_algorithm = True      # no 40 ms delayed-ACK stall per response

        def _serve(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get('Content-Length') or 0)
            data = self.rfile.read(length) if length else b''
            status, payload = emulator.handle(self.command, parts.path, parts.query, data)
            out = b'' if payload is None else json.dumps(payload, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                if payload is not None:
                    self.send_header('Content-Type', 'application/json; charset=UTF-8')
                self.send_header('Content-Length', str(len(out)))
                self.end_headers()
                self.wfile.write(out)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, *args):
            pass

    return Handler
