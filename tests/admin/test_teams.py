"""Opportunity teams in the admin: the Team section, its add/remove, and what a member reads and does
through every screen (lists, record pages, look-ups, exports) while a non-member still sees nothing."""
import json

import pytest
from werkzeug.security import generate_password_hash

from ltc.models import Contract, FollowUp, Opportunity, TeamMember
from ltc.services import audit, quotes, teams

from ..factories import make_contract, make_department, make_contract_line, make_opportunity, make_payment_plan, make_user
from .conftest import PASSWORD, login
from .wiring import form_page


@pytest.fixture
def deal(users):
    dept = make_department()
    boss = make_user('manager', username='owner.boss', department=dept, password_hash=generate_password_hash(PASSWORD))
    rep = make_user('sales', username='owner.rep', department=dept, password_hash=generate_password_hash(PASSWORD))
    with audit.acting_as(rep, 'admin'):
        opp = make_opportunity(owner=rep, name='三期扩产')
        quote = quotes.create_quote(opp.customer, '三期报价', opportunity=opp)
        contract = make_contract(customer=opp.customer, opportunity=opp, owner=rep, title='三期合同')
        line = make_contract_line(contract=contract)
        plan = make_payment_plan(contract=contract)
    return dict(boss=boss, rep=rep, opp=opp, quote=quote, contract=contract, line=line, plan=plan)


def _client(app, user):
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def _text(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_owner_adds_and_removes_members_on_the_record_page(app, users, deal):
    opp, member = deal['opp'], users['sales']
    owner = _client(app, deal['rep'])
    status, html = _text(owner, f'/admin/opportunity/details/?id={opp.id}')
    assert 'id="record-team"' in html and 'data-act="add_team_member"' in html
    base = f'/admin/opportunity/act/%s/?id={opp.id}'
    page = form_page(owner, base % 'add_team_member', {'user': member.id, 'role': 'delivery'}).get_data(as_text=True)
    assert 'is on the team as Delivery' in page and f'data-member="{member.username}"' in page
    assert TeamMember.get(TeamMember.user == member.id).added_by_id == deal['rep'].id
    # the member sees the team but may not change it: no button, and the command refuses
    mine = _client(app, member)
    status, html = _text(mine, f'/admin/opportunity/details/?id={opp.id}')
    assert status == 200 and f'data-member="{member.username}"' in html
    assert 'data-act="add_team_member"' not in html and 'data-remove=' not in html
    form_page(mine, base % 'add_team_member', {'user': users['ops'].id, 'role': 'partner'})
    assert not TeamMember.select().where(TeamMember.user == users['ops'].id).exists()
    # a manager of the owner's department removes; the Chinese page names the role 交付
    zh = _client(app, deal['boss'])
    zh.set_cookie('ltc_lang', 'zh_Hans_CN')
    status, html = _text(zh, f'/admin/opportunity/details/?id={opp.id}')
    assert '团队' in html and '交付' in html and f'data-remove="{member.username}"' in html
    page = form_page(zh, base % 'remove_team_member' + f'&member={member.id}', {'member': member.id})
    assert '已移出团队' in page.get_data(as_text=True)
    assert teams.members(opp) == []


def test_member_reads_everywhere_and_logs_follow_ups_a_stranger_sees_nothing(app, users, deal):
    opp, member = deal['opp'], users['sales']
    stranger = make_user('sales', username='stranger.rep', password_hash=generate_password_hash(PASSWORD))
    teams.add_member(opp, member, 'presales', by=deal['rep'])
    mine, theirs = _client(app, member), _client(app, stranger)
    urls = {f'/admin/opportunity/details/?id={opp.id}': '三期扩产',
            f'/admin/quote/details/?id={deal["quote"].id}': '三期报价',
            f'/admin/contract/details/?id={deal["contract"].id}': deal['line'].product.code,
            f'/admin/paymentplan/details/?id={deal["plan"].id}': deal['plan'].code}
    for url, shown in urls.items():
        status, html = _text(mine, url)
        assert status == 200 and shown in html, url
        assert 'id="record-edit"' not in html, url   # read, never edit
        edit = mine.get(url.replace('/details/', '/edit/'))
        assert edit.status_code == 302 and '/details/' in edit.headers['Location'], url
        status, html = _text(theirs, url)
        assert status == 404 and shown not in html, url
    for url, code in (('/admin/opportunity/', opp.code), ('/admin/quote/', deal['quote'].code),
                      ('/admin/contract/', deal['contract'].code), (f'/admin/opportunity/?search={opp.code}', '三期扩产'),
                      ('/admin/spreadsheets/opportunities.csv', opp.code),
                      ('/admin/spreadsheets/contracts.csv', deal['contract'].code)):
        assert code in _text(mine, url)[1], url
        assert code not in _text(theirs, url)[1], url
    looked_up = lambda client: json.loads(client.get(  # noqa: E731
        f'/admin/followup/ajax/lookup/?name=opportunity&query={opp.code}').data)
    assert [row[0] for row in looked_up(mine)] == [opp.id] and looked_up(theirs) == []
    # the only next step offered is a follow-up; moving the stage is refused by the gate anyway
    status, html = _text(mine, f'/admin/opportunity/details/?id={opp.id}')
    assert 'data-act="log_followup"' in html and 'data-act="move_stage"' not in html
    assert 'id="document-upload"' not in html   # the deal's files are read, not attached to, by a member
    base = f'/admin/opportunity/act/%s/?id={opp.id}'
    page = form_page(mine, base % 'log_followup', {'kind': 'meeting', 'summary': '方案评审会'}).get_data(as_text=True)
    assert 'was logged' in page and '方案评审会' in page
    assert FollowUp.get(FollowUp.summary == '方案评审会').owner_id == member.id
    form_page(mine, base % 'move_stage', {'choice': 'ST-ANALYSE', 'reason': ''})
    assert Opportunity.get_by_id(opp.id).stage.code == 'ST-VALIDATE'
    assert theirs.get(base % 'log_followup').status_code == 404
    assert Contract.get_by_id(deal['contract'].id).version == deal['contract'].version


def test_lists_offer_no_edit_or_delete_on_a_deal_a_member_only_reads(app, users, deal):
    """On the opportunity, quote and contract lists a team member's rows carry only the view button; their own
    rows keep edit (the owner's page is unchanged)."""
    member = users['sales']
    teams.add_member(deal['opp'], member, 'presales', by=deal['rep'])
    with audit.acting_as(member, 'admin'):
        own = make_opportunity(owner=member, name='自己的商机')
    mine, owner = _client(app, member), _client(app, deal['rep'])
    for url, row_id in (('/admin/opportunity/', deal['opp'].id), ('/admin/quote/', deal['quote'].id),
                        ('/admin/contract/', deal['contract'].id)):
        html = _text(mine, url)[1]
        assert f'details/?id={row_id}' in html, url
        assert f'edit/?id={row_id}' not in html and f'edit/?id={row_id}&' not in html, url
        assert f'edit/?id={row_id}' in _text(owner, url)[1] or f'edit/?id={row_id}&' in _text(owner, url)[1], url
    assert f'edit/?id={own.id}' in _text(mine, '/admin/opportunity/')[1]
