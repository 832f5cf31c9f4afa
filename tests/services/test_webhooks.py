"""Outgoing webhooks against a real local HTTP receiver: events from several doors, signatures, retries, replay."""
import datetime
import http.server
import json
import threading

import pytest

from ltc.db import utcnow
from ltc.models import Lead, WebhookDelivery, WebhookSubscription
from ltc.services import audit, webhooks
from tests.factories import make_contract, make_payment_plan, make_user

SECRET = 'whsec_test-secret'


class Receiver(http.server.ThreadingHTTPServer):
    """A local HTTP server that keeps every request and answers with the queued statuses (then 200)."""

    def __init__(self):
        self.requests, self.statuses, self.elsewhere = [], [], []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):
                body = handler.rfile.read(int(handler.headers['Content-Length']))
                self.requests.append(({k.lower(): v for k, v in handler.headers.items()}, body))
                status = self.statuses.pop(0) if self.statuses else 200
                handler.send_response(status)
                if 300 <= status < 400:   # e.g. a moved endpoint or a login page in front of it
                    handler.send_header('Location', '/elsewhere')
                handler.end_headers()
                handler.wfile.write(b'boom' if status >= 500 else b'ok')

            def do_GET(handler):   # where a followed redirect would land, signature headers and all
                self.elsewhere.append({k.lower(): v for k, v in handler.headers.items()})
                handler.send_response(200)
                handler.end_headers()
                handler.wfile.write(b'<html>sign in</html>')

            def log_message(handler, *args):
                pass
        super().__init__(('127.0.0.1', 0), Handler)

    @property
    def url(self):
        return f'http://127.0.0.1:{self.server_address[1]}/hooks'

    def verified(self):
        """Return the payloads whose signature the receiving side checks with the shared secret."""
        out = []
        for headers, body in self.requests:
            assert webhooks.verify(SECRET, body, headers['x-ltc-signature']), headers
            assert not webhooks.verify('whsec_other', body, headers['x-ltc-signature'])
            out.append(json.loads(body))
        return out


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hook(db, receiver):
    return webhooks.save_subscription(WebhookSubscription(
        name='ERP', url=receiver.url, secret=SECRET, events='lead.created lead.assigned payment.recorded'))


def test_events_from_the_admin_and_the_import_reach_the_receiver_signed(app, db, hook, receiver, tmp_path):
    from werkzeug.security import generate_password_hash
    from tests.admin.conftest import PASSWORD, csrf_from, login
    admin = make_user('admin', password_hash=generate_password_hash(PASSWORD))
    client = app.test_client()
    assert login(client, admin.username).status_code == 302
    token = csrf_from(client.get('/admin/lead/new/').get_data(as_text=True))
    saved = client.post('/admin/lead/new/', data={'company': '华东精密制造', 'phone': '021-55550101', 'source': 'website',
                                                   'currency': 'CNY', 'csrf_token': token})
    assert saved.status_code == 302, saved.get_data(as_text=True)[-800:]
    sheet = tmp_path / 'leads.csv'
    sheet.write_text('公司名称,电话\n北方重工集团,010-66668888\n', encoding='utf-8')
    result = app.test_cli_runner().invoke(args=['ltc', 'import', 'leads', str(sheet)])
    assert result.exit_code == 0, result.output
    assert WebhookDelivery.select().where(WebhookDelivery.status == 'pending').count() == 2
    assert receiver.requests == []   # nothing is sent inside the change: the job sends it
    assert webhooks.deliver_due() == {'delivered': 2, 'retrying': 0, 'failed': 0}
    payloads = receiver.verified()
    assert [(p['event'], p['source'], p['data']['changes']['company'][1]) for p in payloads] == [
        ('lead.created', 'admin', '华东精密制造'), ('lead.created', 'import', '北方重工集团')]
    assert payloads[0]['actor'] == admin.username
    codes = {p['data']['code'] for p in payloads}
    assert codes == {lead.code for lead in Lead.select()}
    headers = receiver.requests[0][0]
    assert headers['x-ltc-event'] == 'lead.created' and headers['x-ltc-event-id'] == payloads[0]['id']


def test_a_500_is_retried_with_backoff_then_delivered_and_a_delivery_can_be_replayed(runner, db, hook, receiver):
    receiver.statuses = [500]
    contract = make_contract(status='effective')
    plan = make_payment_plan(contract=contract)
    from ltc.services import receivables
    with audit.acting_as('finance-job', 'job'):
        receivables.record_payment(contract, plan.amount, plan=plan, received_on=datetime.date.today())
    now = utcnow()
    assert webhooks.deliver_due(now) == {'delivered': 0, 'retrying': 1, 'failed': 0}
    delivery = WebhookDelivery.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ('pending', 1, 500)
    assert 'boom' in delivery.last_error and delivery.next_attempt_at > now
    assert webhooks.deliver_due(now + datetime.timedelta(seconds=30)) == {'delivered': 0, 'retrying': 0, 'failed': 0}
    assert webhooks.deliver_due(now + webhooks.backoff(1)) == {'delivered': 1, 'retrying': 0, 'failed': 0}
    delivery = WebhookDelivery.get()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.last_error) == \
        ('delivered', 2, 200, None)
    first, second = receiver.verified()
    assert first == second and first['event'] == 'payment.recorded' and first['source'] == 'job'
    listed = runner.invoke(args=['ltc', 'webhooks', 'list'])
    assert listed.exit_code == 0 and 'payment.recorded' in listed.output and 'delivered' in listed.output
    replayed = runner.invoke(args=['ltc', 'webhooks', 'replay', str(delivery.id)])
    assert replayed.exit_code == 0, replayed.output
    sent = runner.invoke(args=['ltc', 'webhooks', 'deliver'])
    assert sent.exit_code == 0 and 'delivered 1' in sent.output
    assert len(receiver.verified()) == 3 and receiver.verified()[2]['id'] == first['id']


def test_unreachable_receivers_fail_after_the_last_attempt_and_rolled_back_changes_send_nothing(db, hook, receiver):
    hook.url = 'http://127.0.0.1:9/nothing-listens'
    audit.save(hook)
    audit.save(Lead(company='Acme'))
    delivery = WebhookDelivery.get()
    delivery.attempts = webhooks.MAX_ATTEMPTS - 1
    delivery.save()
    assert webhooks.deliver_due() == {'delivered': 0, 'retrying': 0, 'failed': 1}
    delivery = WebhookDelivery.get()
    assert delivery.status == 'failed' and delivery.response_code is None and 'Connection' in delivery.last_error
    delivery.delete_instance()
    from ltc.db import database
    with pytest.raises(RuntimeError):
        with database.atomic():
            audit.save(Lead(company='Never'))
            raise RuntimeError
    audit.save(Lead(company='Kept'))
    hook.events = 'payment.recorded'
    webhooks.save_subscription(hook)
    audit.save(Lead(company='Not subscribed'))
    assert [d.entity_code for d in WebhookDelivery.select()] == [Lead.get(Lead.company == 'Kept').code]




def test_signatures_are_checked_and_subscriptions_validated(db):
    body = b'{"x": 1}'
    header = webhooks.sign(SECRET, body, timestamp=1_700_000_000)
    assert webhooks.verify(SECRET, body, header, now=1_700_000_100)
    assert not webhooks.verify(SECRET, body + b' ', header, now=1_700_000_100)
    assert not webhooks.verify(SECRET, body, header, now=1_700_001_000)   # too old: a replayed capture
    from ltc.errors import ValidationError
    with pytest.raises(ValidationError, match='events'):
        webhooks.save_subscription(WebhookSubscription(name='x', url='https://a.example', events='lead.deleted'))
    with pytest.raises(ValidationError, match='http'):
        webhooks.save_subscription(WebhookSubscription(name='x', url='ftp://a.example', events='lead.created'))
    made = webhooks.save_subscription(WebhookSubscription(name='x', url='https://a.example', events='lead.created'))
    assert made.secret.startswith('whsec_')


@pytest.mark.parametrize('status', [301, 302, 303, 307])
def test_a_redirect_is_not_followed_nor_counted_as_delivered(db, hook, receiver, status):
    """A receiver that moved (or a login page in front of it) answers a redirect: the event was not delivered,
    nothing is sent to the address it names, and the delivery log says to give the final URL."""
    receiver.statuses = [status]
    audit.save(Lead(company='重定向测试有限公司'))
    now = utcnow()
    assert webhooks.deliver_due(now) == {'delivered': 0, 'retrying': 1, 'failed': 0}
    delivery = WebhookDelivery.get()
    assert (delivery.status, delivery.response_code) == ('pending', status)
    assert 'redirected to /elsewhere' in delivery.last_error and 'final URL' in delivery.last_error
    assert receiver.elsewhere == [] and len(receiver.requests) == 1
