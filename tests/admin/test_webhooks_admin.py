"""Webhooks in the admin: an administrator subscribes a URL, reads the delivery log and replays a delivery."""
from ltc.models import Lead, WebhookDelivery, WebhookSubscription
from ltc.services import audit

from .conftest import csrf_from


def test_an_admin_subscribes_sees_the_delivery_log_and_replays(as_role, db):
    client = as_role('admin', lang='zh_Hans_CN')
    token = csrf_from(client.get('/admin/webhooksubscription/new/').get_data(as_text=True))
    response = client.post('/admin/webhooksubscription/new/', data={
        'name': 'ERP', 'url': 'https://erp.example.com/ltc', 'events': 'lead.created contract.approved',
        'active': 'y', 'csrf_token': token})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    hook = WebhookSubscription.get(WebhookSubscription.name == 'ERP')
    page = client.get(f'/admin/webhooksubscription/details/?id={hook.id}').get_data(as_text=True)
    assert hook.secret.startswith('whsec_') and hook.secret in page and '线索已创建' in page
    audit.save(Lead(company='Acme'))
    delivery = WebhookDelivery.get()
    delivery.status, delivery.attempts, delivery.last_error = 'failed', 8, 'HTTP 500'
    delivery.save()
    log = client.get('/admin/webhookdelivery/').get_data(as_text=True)
    assert '失败' in log and 'HTTP 500' in log and '重新发送' in log
    details = client.get(f'/admin/webhookdelivery/details/?id={delivery.id}').get_data(as_text=True)
    assert delivery.event_id in details and '&#34;event&#34;: &#34;lead.created&#34;' in details
    client.post('/admin/webhookdelivery/action/', data={'action': 'replay', 'rowid': [delivery.id],
                                                         'csrf_token': csrf_from(log)})
    delivery = WebhookDelivery.get()
    assert (delivery.status, delivery.attempts) == ('pending', 0)
    assert as_role('manager').get('/admin/webhookdelivery/').status_code == 403
