"""Opportunity teams through the API: the team field, the team-add/team-remove actions, and what a
member's token reads (by code, list, filter, include) and may do, while a non-member's reads nothing."""
from ltc.models import FollowUp, Opportunity, Quote
from ltc.services import quotes, teams
from tests.factories import make_contract, make_department, make_opportunity, make_payment_plan, make_user


def test_team_is_shown_and_changed_by_the_owner_and_managers_only(client, token_for):
    dept = make_department()
    owner, boss = make_user('sales', department=dept), make_user('manager', department=dept)
    member, stranger = make_user('sales'), make_user('sales')
    opp = make_opportunity(owner=owner)
    url = f'/api/v1/opportunities/{opp.code}'
    added = client.post(url + '/team-add', json={'user': member.username, 'role': 'presales'}, headers=token_for(owner))
    assert added.status_code == 200, added.json
    assert added.json['team'] == [{'user': member.username, 'role': 'presales'}]
    changed = client.post(url + '/team-add', json={'user': member.username, 'role': 'solution'}, headers=token_for(boss))
    assert changed.json['team'] == [{'user': member.username, 'role': 'solution'}]
    # a member may not change the team; a stranger cannot tell the opportunity exists
    refused = client.post(url + '/team-add', json={'user': stranger.username, 'role': 'partner'},
                          headers={**token_for(member), 'Accept-Language': 'zh'})
    assert refused.status_code == 403 and '负责人' in refused.json['detail']
    assert client.post(url + '/team-remove', json={'user': member.username},
                       headers=token_for(stranger)).status_code == 404
    assert client.post(url + '/team-add', json={'user': member.username, 'role': 'cook'},
                       headers=token_for(owner)).status_code == 422
    assert client.post(url + '/team-add', json={'user': 'nobody', 'role': 'delivery'},
                       headers=token_for(owner)).status_code == 422
    listed = client.get('/api/v1/opportunities', headers=token_for(owner)).json['data']
    assert listed[0]['team'] == [{'user': member.username, 'role': 'solution'}]
    removed = client.post(url + '/team-remove', json={'user': member.username}, headers=token_for(boss))
    assert removed.status_code == 200 and removed.json['team'] == []


def test_a_members_token_reads_the_deal_and_logs_follow_ups_a_strangers_reads_nothing(client, token_for):
    owner, member, stranger = make_user('sales'), make_user('sales'), make_user('sales')
    opp = make_opportunity(owner=owner, name='四期')
    quote = quotes.create_quote(opp.customer, '四期报价', opportunity=opp)
    contract = make_contract(customer=opp.customer, opportunity=opp, owner=owner)
    plan = make_payment_plan(contract=contract)
    teams.add_member(opp, member, 'delivery', by=owner)
    mine, theirs = token_for(member), token_for(stranger)
    for name, record in (('opportunities', opp), ('quotes', quote), ('contracts', contract), ('payment_plans', plan)):
        got = client.get(f'/api/v1/{name}/{record.code}', headers=mine)
        assert got.status_code == 200, name
        assert client.get(f'/api/v1/{name}/{record.code}', headers=theirs).status_code == 404, name
        assert [r['code'] for r in client.get(f'/api/v1/{name}', headers=mine).json['data']] == [record.code], name
        assert client.get(f'/api/v1/{name}', headers=theirs).json['data'] == [], name
    for url in (f'/api/v1/opportunities?owner={owner.username}', f'/api/v1/quotes?opportunity={opp.code}',
                f'/api/v1/contracts?opportunity={opp.code}', f'/api/v1/payment_plans?contract={contract.code}'):
        assert len(client.get(url, headers=mine).json['data']) == 1, url
        assert client.get(url, headers=theirs).json['data'] == [], url
    embedded = client.get(f'/api/v1/quotes/{quote.code}?include=opportunity', headers=mine).json['_embedded']
    assert embedded['opportunity']['name'] == '四期'
    # a follow-up on the deal is the member's; the deal itself does not change
    logged = client.post('/api/v1/followups', json={'opportunity': opp.code, 'kind': 'visit', 'summary': '现场'},
                         headers=mine)
    assert logged.status_code == 201, logged.json
    assert FollowUp.get(FollowUp.code == logged.json['code']).owner_id == member.id
    assert client.get(f'/api/v1/followups?opportunity={opp.code}', headers=theirs).json['data'] == []
    refused = [client.patch(f'/api/v1/opportunities/{opp.code}', json={'amount': '1'},
                            headers={**mine, 'If-Match': f'"{Opportunity.get_by_id(opp.id).version}"'}),
               client.post(f'/api/v1/opportunities/{opp.code}/move-stage', json={'stage': 'ST-ANALYSE'}, headers=mine),
               client.patch(f'/api/v1/quotes/{quote.code}', json={'title': 'x'},
                            headers={**mine, 'If-Match': f'"{Quote.get_by_id(quote.id).version}"'}),
               client.post('/api/v1/followups', json={'opportunity': opp.code, 'kind': 'call'}, headers=theirs)]
    assert [r.status_code for r in refused] == [404, 404, 404, 404]
    fresh = Opportunity.get_by_id(opp.id)
    assert fresh.amount == opp.amount and fresh.stage.code == 'ST-VALIDATE'
