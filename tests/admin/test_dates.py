"""Typed and pasted dates: the parser, and every admin date field using it."""
import datetime

import pytest

from ltc.admin.dates import DateField, parse


@pytest.mark.parametrize('text, with_time, expected', [
    ('2027-01-31', False, datetime.date(2027, 1, 31)),
    ('2027/1/31', False, datetime.date(2027, 1, 31)),
    (' 2027.1.5 ', False, datetime.date(2027, 1, 5)),
    ('2027年1月31日', False, datetime.date(2027, 1, 31)),
    ('2027-01-31 09:30', True, datetime.datetime(2027, 1, 31, 9, 30)),
    ('2027/1/31 9:30', True, datetime.datetime(2027, 1, 31, 9, 30)),
    ('2027-01-31T09:30:15', True, datetime.datetime(2027, 1, 31, 9, 30, 15)),
    ('2027-01-31', True, datetime.datetime(2027, 1, 31)),
])
def test_parse_reads_what_people_type(text, with_time, expected):
    assert parse(text, with_time) == expected


@pytest.mark.parametrize('text, with_time', [
    ('0002-01-01027-01-31', False), ('2027-13-45', False), ('31/01/2027', False),
    ('2027-01-31 09:30', False), ('2027-01-31 25:00', True), ('', True)])
def test_parse_refuses_what_is_not_a_date(text, with_time):
    with pytest.raises(ValueError):
        parse(text, with_time)


def test_every_admin_date_field_is_the_typed_one(app):
    admin = app.extensions['ltc_admin']
    seen = 0
    with app.test_request_context('/'):
        for view in admin._views:
            form_class = getattr(view, '_create_form_class', None)
            if form_class is None:
                continue
            for name, field in vars(form_class).items():
                kind = getattr(field, 'field_class', None)
                if kind is not None and issubclass(kind, DateField):   # DateTimeField too
                    seen += 1
                elif kind is not None and 'Date' in kind.__name__:
                    pytest.fail(f'{view.endpoint}.{name} is a {kind.__name__}')
    assert seen > 20


def test_contract_and_followup_forms_save_typed_dates(as_role, users, db):
    from ltc.models import Contract, FollowUp
    from ..factories import make_contract, make_customer
    from .conftest import csrf_from
    customer = make_customer(owner=users['sales'])
    contract = make_contract(customer=customer, owner=users['sales'], amount=0,
                             start_on=datetime.date(2026, 1, 1))
    client = as_role('sales', lang='zh_Hans_CN')
    page = client.get(f'/admin/contract/edit/?id={contract.id}').get_data(as_text=True)
    data = {'csrf_token': csrf_from(page), 'title': contract.title, 'customer': customer.id,
            'owner': users['sales'].id, 'currency': 'CNY', 'amount': '0', 'version': contract.version,
            'end_on': '2027/1/31', 'start_on': '2026-01-01'}
    response = client.post(f'/admin/contract/edit/?id={contract.id}', data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert Contract.get_by_id(contract.id).end_on == datetime.date(2027, 1, 31)
    page = client.get('/admin/followup/new/').get_data(as_text=True)
    assert 'data-role="ltc-datetime"' in page and 'value="20' in page.split('id="happened_at"')[1][:200]
    response = client.post('/admin/followup/new/', data={
        'csrf_token': csrf_from(page), 'customer': customer.id, 'kind': 'call', 'summary': 'typed',
        'happened_at': '2026/11/5 9:30'})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert FollowUp.get(FollowUp.summary == 'typed').happened_at == datetime.datetime(2026, 11, 5, 9, 30)
    response = client.post('/admin/followup/new/', data={
        'csrf_token': csrf_from(page), 'customer': customer.id, 'kind': 'call', 'summary': 'bad',
        'happened_at': '0002-01-01 00:00:00026-12-05 09:30:00'})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and '不是日期时间' in body and '0002-01-01 00:00:00026-12-05' in body
