"""Outgoing webhooks: subscriptions, signing, and sending the pending deliveries with retries.

Events are written as pending deliveries by the commands themselves (ltc.services.events); the job
`deliver_webhooks` sends the due ones. A failed attempt is retried with exponential backoff
(1, 2, 4, ... minutes) up to MAX_ATTEMPTS, then marked failed; any delivery can be replayed.

Each request carries `X-LTC-Signature: t=<unix time>,v1=<hex>`, where hex is the HMAC-SHA256 of
"<t>.<body>" keyed with the subscription's secret (the receiver checks it with `verify`).
"""
import datetime
import hashlib
import hmac
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from ..db import database, utcnow
from ..models import WebhookDelivery, WebhookSubscription
from . import audit, events, gate
from .messages import invalid

MAX_ATTEMPTS = 8
BACKOFF = datetime.timedelta(minutes=1)
TIMEOUT = 10   # seconds per attempt
TOLERANCE = 300   # seconds a receiver should accept between the signature's time and its clock
USER_AGENT = 'LTC-Webhooks/1'


def new_secret():
    return 'whsec_' + secrets.token_urlsafe(32)


def save_subscription(sub):
    """Check and save SUB: an http(s) URL, known events, a secret (made when empty)."""
    if urlsplit(sub.url or '').scheme not in ('http', 'https') or not urlsplit(sub.url).netloc:
        raise invalid('The webhook URL must be an http(s) address, e.g. https://erp.example.com/ltc-events.',
                      'Webhook 地址必须是 http(s) 地址，例如 https://erp.example.com/ltc-events。')
    chosen = sub.event_list
    unknown = [e for e in chosen if e not in events.EVENTS]
    if unknown or not chosen:
        raise invalid('Choose the events to send, space-separated, among: {known} (unknown: {bad}).',
                      '请选择要发送的事件（以空格分隔），可选：{known}（未知：{bad}）。',
                      known=' '.join(events.EVENTS), bad=', '.join(unknown) or '-')
    sub.events = ' '.join(dict.fromkeys(chosen))
    if not sub.secret:
        sub.secret = new_secret()
    with database.atomic():
        return audit.save(sub)


def sign(secret, body, timestamp=None):
    """Return the X-LTC-Signature header value for BODY (bytes) at TIMESTAMP (unix seconds)."""
    timestamp = int(time.time() if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()
    return f't={timestamp},v1={digest}'


def verify(secret, body, header, now=None, tolerance=TOLERANCE):
    """Return whether HEADER (X-LTC-Signature) signs BODY (bytes) with SECRET, made within TOLERANCE seconds."""
    parts = dict(item.split('=', 1) for item in (header or '').split(',') if '=' in item)
    try:
        timestamp = int(parts.get('t', ''))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get('v1', ''))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Answer a redirect as the HTTP error it is for a webhook: urllib would follow a 301/302/303 as a GET
    without the body (the receiver never gets the event, yet the GET's 200 read as delivered) and send the
    signature headers to whatever host the redirect names."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post_once(request, timeout):
    """Open REQUEST (a urllib Request) without following redirects; a 3xx raises HTTPError like a 4xx."""
    return _opener.open(request, timeout=timeout)


def _post(delivery, sub):
    """Send DELIVERY to SUB once; return (HTTP status or None, error text or None)."""
    body = delivery.payload.encode('utf-8')
    request = urllib.request.Request(sub.url, data=body, method='POST', headers={
        'Content-Type': 'application/json; charset=utf-8', 'User-Agent': USER_AGENT,
        'X-LTC-Event': delivery.event, 'X-LTC-Event-Id': delivery.event_id, 'X-LTC-Delivery': str(delivery.id),
        'X-LTC-Signature': sign(sub.secret, body)})
    try:
        with post_once(request, TIMEOUT) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            return exc.code, (f'HTTP {exc.code} {exc.reason}: redirected to {exc.headers.get("Location", "?")}; '
                              'redirects are not followed, give the final URL')
        return exc.code, f'HTTP {exc.code} {exc.reason}: {exc.read(500).decode("utf-8", "replace")}'.strip()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, f'{type(exc).__name__}: {getattr(exc, "reason", exc)}'


def backoff(attempts):
    """Return the wait before the next attempt after ATTEMPTS failed ones (1, 2, 4, ... minutes)."""
    return BACKOFF * (2 ** max(attempts - 1, 0))


def attempt(delivery, now=None):
    """Send DELIVERY once and record the outcome (delivered, retry later, or failed after the last try)."""
    sub = delivery.subscription
    status, error = _post(delivery, sub)
    now = now or utcnow()
    delivery.attempts += 1
    delivery.response_code = status
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at, delivery.last_error = \
            'delivered', now, None, None
    else:
        delivery.last_error = (error or f'HTTP {status}')[:2000]
        if delivery.attempts >= MAX_ATTEMPTS or not sub.active:
            delivery.status, delivery.next_attempt_at = 'failed', None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save()
    return delivery


def deliver_due(now=None, limit=200):
    """Send the deliveries due at NOW (at most LIMIT); return counts of delivered, retrying and failed."""
    now = now or utcnow()
    counts = {'delivered': 0, 'retrying': 0, 'failed': 0}
    for delivery in list(WebhookDelivery.due(now).limit(limit)):
        attempt(delivery, now)
        counts['retrying' if delivery.status == 'pending' else delivery.status] += 1
    return counts


def replay(delivery, by=None):
    """Send DELIVERY again from the start (its payload unchanged, same event id): pending, due now."""
    act = gate.as_actor(by)
    if not act.is_system and act.role != 'admin':
        raise gate.role_refusal(act, WebhookSubscription, 'update')
    with database.atomic():
        delivery.status, delivery.attempts, delivery.next_attempt_at = 'pending', 0, utcnow()
        delivery.save()
        audit.record('WebhookDelivery', str(delivery.id), 'replay', {}, note=f'{delivery.event} {delivery.entity_code}')
    return delivery
