"""The admin's import screen takes a visit log: preview, confirm, follow-ups recorded as by the form."""
import datetime

from ltc.admin import uploads
from ltc.models import Customer, FollowUp
from tests.factories import make_customer

from .conftest import csrf_from
from .test_sync_screens import preview_rows, token_of, upload


def test_visit_log_through_the_import_screen(as_role, users, db):
    customer = make_customer(owner=users['sales'])
    content = ('客户编号,跟进方式,跟进时间,跟进内容,下次联系日期\n'
               f'{customer.code},拜访,2026-11-20 14:30,预算10万左右,2026-12-01\n'
               ',电话,2026-11-21 09:00,没写客户,\n').encode('utf-8')
    client = as_role('sales', 'zh_Hans_CN')
    token = token_of(upload(client, content, name='拜访记录.csv', entity='followups'))
    page = client.get(f'/admin/import/{token}/mapping').get_data(as_text=True)
    assert '<option value="happened_at" selected>' in page and '<option value="summary" selected>' in page
    client.post(f'/admin/import/{token}/mapping', data={'col-0': 'customer', 'col-1': 'kind', 'col-2': 'happened_at',
                                                        'col-3': 'summary', 'col-4': 'next_contact_on',
                                                        'on_existing': 'update', 'sheet': '',
                                                        'csrf_token': csrf_from(page)})
    html = client.get(f'/admin/import/{token}/preview').get_data(as_text=True)
    assert preview_rows(html) == {'2': 'created', '3': 'error'}
    assert '没有填写线索、客户、联系人或商机' in html
    assert not FollowUp.select().exists()   # the preview writes nothing
    client.post(f'/admin/import/{token}/confirm', data={'csrf_token': csrf_from(html)})
    uploads.THREADS[token].join(30)
    followup = FollowUp.get()
    assert (followup.customer_id, followup.owner_id, followup.kind) == (customer.id, users['sales'].id, 'visit')
    assert Customer.get_by_id(customer.id).last_followup_at == datetime.datetime(2026, 11, 20, 14, 30)
