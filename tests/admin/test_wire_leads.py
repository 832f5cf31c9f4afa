"""Admin → lead, customer and follow-up services: each action calls its service; refusals change nothing."""
import re

from ltc.models import (AssignmentRule, AuditLog, Contact, Customer, FollowUp, GradingRule, Lead,
                        Opportunity)
from ltc.services import audit, leads

from ..factories import make_customer, make_lead
from .conftest import csrf_from
from .wiring import act, audit_count, bulk

LEAD_FORM = {'source': 'website', 'budget': '0', 'currency': 'CNY'}


def test_lead_form_normalises_grades_flags_duplicates_and_assigns(as_role, users, db):
    audit.save(GradingRule(name='目标行业', field='industry', value='manufacturing', points=70, sequence=1))
    audit.save(AssignmentRule(name='制造业', industry='manufacturing', method='user', assignee=users['sales']))
    older = leads.save_lead(Lead(company='Older Co', phone='13800001111', source='website'), assign=False)
    client = as_role('admin')
    token = csrf_from(client.get('/admin/lead/new/').get_data(as_text=True))
    response = client.post('/admin/lead/new/', data={**LEAD_FORM, 'company': '华为技术有限公司',
                                                     'phone': '+86 138-0000-1111', 'industry': 'manufacturing',
                                                     'csrf_token': token})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    lead = Lead.get(Lead.company == '华为技术有限公司')
    assert lead.phone_norm == '13800001111' and lead.company_norm == '华为技术'   # the service's normaliser
    assert lead.grade == 'high' and lead.score == 70 and '目标行业' in lead.score_reasons
    assert lead.duplicate_of_id == older.id
    assert lead.owner_id == users['sales'].id and lead.status == 'assigned'
    html = client.get(f'/admin/lead/details/?id={lead.id}').get_data(as_text=True)
    assert '+70 目标行业' in html and 'Score 70: reasons' in html and older.code in html
    assert 'data-act="merge"' in html and 'data-act="convert"' in html


def test_lead_form_has_no_free_status_or_grade(as_role, db):
    html = as_role('admin').get('/admin/lead/new/').get_data(as_text=True)
    assert 'name="grade"' not in html and 'name="status"' not in html and 'name="company"' in html


def test_convert_action_links_customer_contact_opportunity(as_role, users, db):
    lead = make_lead(company='Convert Me 有限公司', contact_name='王工', phone='13900002222',
                     owner=users['sales'], status='assigned', budget=50000)
    client = as_role('sales')
    page = act(client, 'lead', 'convert', lead.id).get_data(as_text=True)
    lead = Lead.get_by_id(lead.id)
    assert lead.status == 'converted' and lead.converted_customer_id and lead.converted_contact_id
    opportunity = Opportunity.get(Opportunity.lead == lead.id)
    assert opportunity.customer_id == lead.converted_customer_id and opportunity.amount == 50000
    assert Contact.get_by_id(lead.converted_contact_id).name == '王工'
    assert f'/admin/customer/details/?id={lead.converted_customer_id}' in page
    assert f'/admin/opportunity/details/?id={opportunity.id}' in page
    row = AuditLog.get(AuditLog.entity_code == lead.code, AuditLog.action == 'convert')
    assert row.actor == 'sales1' and row.source == 'admin'
    # converting again is refused with the service's message, in the user's language, and changes nothing
    zh = as_role('sales', lang='zh_Hans_CN')
    before = audit_count()
    page = zh.post(f'/admin/lead/act/convert/?id={lead.id}', follow_redirects=True,
                   data={'csrf_token': csrf_from(zh.get('/admin/lead/').get_data(as_text=True))})
    assert f'转化被拒绝：线索 {lead.code} 已转化' in page.get_data(as_text=True)
    assert audit_count() == before and Customer.select().count() == 1


def test_disqualify_asks_for_a_reason(as_role, users, db):
    lead = make_lead(owner=users['sales'], status='assigned')
    client = as_role('sales')
    form = client.get(f'/admin/lead/act/disqualify/?id={lead.id}').get_data(as_text=True)
    assert 'name="reason"' in form
    before = audit_count()
    page = client.post(f'/admin/lead/act/disqualify/?id={lead.id}',
                       data={'csrf_token': csrf_from(form), 'reason': ''}).get_data(as_text=True)
    assert 'Disqualification refused: give a reason' in page
    assert Lead.get_by_id(lead.id).status == 'assigned' and audit_count() == before
    response = client.post(f'/admin/lead/act/disqualify/?id={lead.id}',
                           data={'csrf_token': csrf_from(form), 'reason': 'no budget'})
    assert response.status_code == 302
    lead = Lead.get_by_id(lead.id)
    assert lead.status == 'disqualified' and lead.disqualify_reason == 'no budget'


def test_bulk_assign_regrade_merge_and_disqualify(as_role, users, db):
    audit.save(AssignmentRule(name='all', method='user', assignee=users['sales']))
    a, b = make_lead(company='Queue A'), make_lead(company='Queue B')
    client = as_role('admin')
    page = bulk(client, 'lead', 'assign_rules', [a.id, b.id]).get_data(as_text=True)
    assert '2 assigned' in page
    assert {Lead.get_by_id(i).owner_id for i in (a.id, b.id)} == {users['sales'].id}
    audit.save(GradingRule(name='web', field='source', value='website', points=30, sequence=1))
    bulk(client, 'lead', 'regrade', [a.id])
    assert Lead.get_by_id(a.id).score == 30 and Lead.get_by_id(b.id).score == 0
    dup = make_lead(company='Queue A', duplicate_of=a.id)
    page = bulk(client, 'lead', 'merge', [dup.id]).get_data(as_text=True)
    assert f'Merged into {a.code}' in page and Lead.get_or_none(Lead.id == dup.id) is None
    response = bulk(client, 'lead', 'disqualify', [a.id, b.id])
    assert b'name="reason"' in response.data   # the bulk disqualify asks for the reason


def test_sales_cannot_act_on_another_owners_lead(as_role, users, db):
    theirs = make_lead(owner=users['manager'], status='assigned')
    mine = make_lead(owner=users['sales'], status='assigned')
    client = as_role('sales')
    token = csrf_from(client.get('/admin/lead/').get_data(as_text=True))
    before = audit_count()
    assert client.post(f'/admin/lead/act/convert/?id={theirs.id}', data={'csrf_token': token}).status_code == 404
    assert client.post('/admin/lead/action/', data={'action': 'convert', 'rowid': [mine.id, theirs.id],
                                                    'csrf_token': token}).status_code == 404
    assert client.get(f'/admin/lead/act/disqualify/?ids={theirs.id}').status_code == 404
    assert audit_count() == before and Lead.get_by_id(theirs.id).status == 'assigned'
    assert Lead.get_by_id(mine.id).status == 'assigned'


def test_claim_and_release_customers(as_role, users, db):
    pool_customer = make_customer(name='Pool Customer')
    client = as_role('sales')
    assert 'Pool Customer' in client.get('/admin/customer/').get_data(as_text=True)   # the pool is visible
    act(client, 'customer', 'claim', pool_customer.id)
    assert Customer.get_by_id(pool_customer.id).owner_id == users['sales'].id
    before = audit_count()
    form = client.get(f'/admin/customer/act/release/?id={pool_customer.id}').get_data(as_text=True)
    page = client.post(f'/admin/customer/act/release/?id={pool_customer.id}',
                       data={'csrf_token': csrf_from(form), 'reason': ' '}).get_data(as_text=True)
    assert 'Release refused: give a reason' in page and audit_count() == before
    client.post(f'/admin/customer/act/release/?id={pool_customer.id}',
                data={'csrf_token': csrf_from(form), 'reason': 'no budget this year'})
    customer = Customer.get_by_id(pool_customer.id)
    assert customer.owner_id is None and customer.previous_owner_id == users['sales'].id
    assert AuditLog.get(AuditLog.entity_code == customer.code, AuditLog.action == 'release').note \
        == 'released: no budget this year'
    others = make_customer(owner=users['manager'])
    token = csrf_from(form)
    assert client.post(f'/admin/customer/act/release/?id={others.id}',
                       data={'csrf_token': token, 'reason': 'x'}).status_code == 404


def test_parent_change_goes_through_set_parent(as_role, db):
    top, child = make_customer(name='Top'), make_customer(name='Child')
    client = as_role('admin')

    def edit(customer, parent):
        html = client.get(f'/admin/customer/edit/?id={customer.id}').get_data(as_text=True)
        version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
        return client.post(f'/admin/customer/edit/?id={customer.id}', follow_redirects=True, data={
            'name': customer.name, 'kind': customer.kind, 'parent': parent.id, 'currency': 'CNY',
            'yearly_category_spend': '0', 'target_share': '0', 'version': version,
            'csrf_token': csrf_from(html)}).get_data(as_text=True)

    edit(child, top)
    assert Customer.get_by_id(child.id).parent_id == top.id and Customer.get_by_id(top.id).kind == 'group'
    before = audit_count()
    page = edit(Customer.get_by_id(top.id), Customer.get_by_id(child.id))
    assert 'Group refused' in page and 'a group cannot contain itself' in page
    assert Customer.get_by_id(top.id).parent_id is None and audit_count() == before


def test_followup_form_keeps_counters_current(as_role, users, db):
    lead = make_lead(owner=users['sales'], status='assigned')
    customer = make_customer(owner=users['sales'])
    client = as_role('sales')
    token = csrf_from(client.get('/admin/followup/new/').get_data(as_text=True))
    response = client.post('/admin/followup/new/', data={'customer': customer.id, 'lead': lead.id,
                                                         'kind': 'call', 'summary': 'first call',
                                                         'csrf_token': token})
    assert response.status_code == 302, re.findall(r'(?:help-block|invalid-feedback|alert)[^>]*>([^<]+)',
                                                   response.get_data(as_text=True))
    followup = FollowUp.get(FollowUp.summary == 'first call')
    lead = Lead.get_by_id(lead.id)
    assert lead.followup_count == 1 and lead.status == 'contacted' and lead.last_followup_at
    assert Customer.get_by_id(customer.id).last_followup_at == followup.happened_at
    assert followup.owner_id == users['sales'].id


def test_bulk_status_follows_the_lead_status_flow(as_role, users, db):
    lead = make_lead(owner=users['sales'], status='assigned')
    client = as_role('sales')
    url = f'/admin/lead/bulk/status/?ids={lead.id}'
    token = csrf_from(client.get(url).get_data(as_text=True))
    before = audit_count()
    page = client.post(url, data={'csrf_token': token, 'ids': str(lead.id), 'value': 'disqualified'})
    assert 'Disqualification refused: give a reason' in page.get_data(as_text=True)
    assert Lead.get_by_id(lead.id).status == 'assigned' and audit_count() == before
    client.post(url, data={'csrf_token': token, 'ids': str(lead.id), 'value': 'contacted'})
    assert Lead.get_by_id(lead.id).status == 'contacted'


def test_a_followup_logged_on_a_lead_shows_on_the_customers_360_after_conversion(as_role, users, db):
    import datetime
    from ltc.services import customers, followups, leads
    lead = make_lead(company='Before Conversion Co', owner=users['sales'], status='assigned')
    followups.record_followup(by=users['sales'], lead=lead, kind='call', summary='First call before converting',
                              happened_at=datetime.datetime(2026, 3, 2, 10, 0))
    result = leads.convert_lead(lead, by=users['sales'])
    customer = result['customer']
    page = as_role('sales').get(f'/admin/customer/360/?id={customer.id}').get_data(as_text=True)
    assert 'First call before converting' in page
    assert any(item['text'] == 'First call before converting' for item in customers.timeline(customer))
