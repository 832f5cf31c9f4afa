"""Helpers for the admin wiring tests: post a record action, a bulk action or a small form."""
import re

from ltc.models import AuditLog

from .conftest import csrf_from


def audit_count():
    return AuditLog.select().count()


def act(client, view, name, row_id, data=None, page=None):
    """POST the record action NAME on ROW_ID with a CSRF token from its details page."""
    html = client.get(page or f'/admin/{view}/details/?id={row_id}').get_data(as_text=True)
    return client.post(f'/admin/{view}/act/{name}/?id={row_id}',
                       data={'csrf_token': csrf_from(html), **(data or {})}, follow_redirects=True)


def bulk(client, view, name, ids):
    html = client.get(f'/admin/{view}/').get_data(as_text=True)
    return client.post(f'/admin/{view}/action/', data={'action': name, 'rowid': [str(i) for i in ids],
                                                       'csrf_token': csrf_from(html)}, follow_redirects=True)


def form_page(client, url, data):
    html = client.get(url).get_data(as_text=True)
    return client.post(url, data={'csrf_token': csrf_from(html), **data}, follow_redirects=True)


def version_of(html):
    return re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
