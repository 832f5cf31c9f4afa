"""Saves through the admin: one transaction with inline rows, audited deletes, refused deletes."""
from decimal import Decimal

from ltc.models import (AuditLog, Customer, DecisionRole, Lead, Opportunity, OpportunityContact, Quote,
                        QuoteLine)

from ..factories import make_contact, make_customer, make_lead, make_opportunity, make_product
from .conftest import csrf_from


def _opportunity_form(opportunity, token, **extra):
    return {'name': opportunity.name, 'customer': opportunity.customer_id, 'stage': opportunity.stage_id,
            'amount': '100000', 'currency': 'CNY', 'priority': 'medium', 'competitors': '',
            'version': str(opportunity.version), 'csrf_token': token, **extra}


def test_decision_chain_is_saved_inline_with_the_opportunity(as_role, db):
    opportunity = make_opportunity()
    contact = make_contact(customer=opportunity.customer)
    role = DecisionRole.get(DecisionRole.code == 'DR-DM')
    client = as_role('admin')
    token = csrf_from(client.get(f'/admin/opportunity/edit/?id={opportunity.id}').get_data(as_text=True))
    response = client.post(f'/admin/opportunity/edit/?id={opportunity.id}', data=_opportunity_form(
        opportunity, token, name='Renamed', **{
            'decision_chain-0-id': '', 'decision_chain-0-contact': contact.id,
            'decision_chain-0-role': role.id, 'decision_chain-0-attitude': 'supporter',
            'decision_chain-0-influence': 'high'}))
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    row = OpportunityContact.get(OpportunityContact.opportunity == opportunity.id)
    assert row.contact_id == contact.id and row.attitude == 'supporter'
    assert Opportunity.get_by_id(opportunity.id).name == 'Renamed'


def test_a_failing_inline_row_rolls_back_the_whole_save(as_role, db):
    opportunity = make_opportunity(name='Unchanged')
    contact = make_contact(customer=opportunity.customer)
    role = DecisionRole.get(DecisionRole.code == 'DR-DM')
    client = as_role('admin')
    token = csrf_from(client.get(f'/admin/opportunity/edit/?id={opportunity.id}').get_data(as_text=True))
    twice = {}
    for i in range(2):   # the same contact twice breaks the (opportunity, contact) unique index
        twice.update({f'decision_chain-{i}-id': '', f'decision_chain-{i}-contact': contact.id,
                      f'decision_chain-{i}-role': role.id, f'decision_chain-{i}-attitude': 'neutral',
                      f'decision_chain-{i}-influence': 'medium'})
    audit_before = AuditLog.select().count()
    response = client.post(f'/admin/opportunity/edit/?id={opportunity.id}',
                           data=_opportunity_form(opportunity, token, name='Half saved', **twice))
    assert response.status_code == 200 and 'Nothing was saved' in response.get_data(as_text=True)
    assert Opportunity.get_by_id(opportunity.id).name == 'Unchanged'
    assert not OpportunityContact.select().exists()
    assert AuditLog.select().count() == audit_before


def test_quote_with_lines(as_role, users, db):
    customer = make_customer(owner=users['sales'])
    product = make_product()
    client = as_role('sales')
    token = csrf_from(client.get('/admin/quote/new/').get_data(as_text=True))
    response = client.post('/admin/quote/new/', data={
        'title': 'Q with lines', 'customer': customer.id, 'status': 'draft', 'quoted_on': '2026-02-01',
        'subtotal': '2000', 'discount_amount': '0', 'total': '2000', 'currency': 'CNY', 'csrf_token': token,
        'lines-0-id': '', 'lines-0-product': product.id, 'lines-0-quantity': '2',
        'lines-0-unit_price': '1000', 'lines-0-discount_pct': '0', 'lines-0-amount': '2000'})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    quote = Quote.get(Quote.title == 'Q with lines')
    assert quote.owner_id == users['sales'].id
    assert [line.amount for line in QuoteLine.select().where(QuoteLine.quote == quote.id)] == [Decimal('2000')]


def test_delete_is_audited_and_a_referenced_record_is_refused(as_role, db):
    lead = make_lead()
    customer = make_customer()
    make_contact(customer=customer)
    client = as_role('admin')
    token = csrf_from(client.get('/admin/lead/').get_data(as_text=True))
    assert client.post('/admin/lead/delete/', data={'id': lead.id, 'csrf_token': token}).status_code == 302
    assert Lead.get_or_none(Lead.id == lead.id) is None
    assert AuditLog.get(AuditLog.entity_code == lead.code, AuditLog.action == 'delete').actor == 'admin1'
    response = client.post('/admin/customer/delete/', data={'id': customer.id, 'csrf_token': token},
                           follow_redirects=True)
    assert 'cannot be deleted' in response.get_data(as_text=True)
    assert Customer.get_or_none(Customer.id == customer.id) is not None
