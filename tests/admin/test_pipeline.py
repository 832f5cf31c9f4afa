"""Admin → the pipeline board: columns in the user's scope, filters, capped cards, moves through move_stage."""
import datetime
import re
from decimal import Decimal

from ltc.models import AuditLog, Opportunity, Quote, Stage, StageHistory
from ltc.services import opportunities, pipeline

from ..factories import make_department, make_opportunity, make_user
from .conftest import csrf_from


def stage(code):
    return Stage.get(Stage.code == code)


def column(html, code):
    match = re.search(rf'<section class="board-column" data-stage-column="\d+" data-code="{code}">(.*?)</section>',
                      html, re.S)
    assert match, f'no column {code}'
    return match.group(1)


def test_board_shows_columns_with_totals_in_scope_and_filters(as_role, users, db):
    team = make_department()
    users['manager'].department = team
    users['manager'].save()
    users['sales'].department = team
    users['sales'].save()
    outsider = make_user('sales')
    for amount, close in ((Decimal('100000'), datetime.date(2026, 3, 10)), (Decimal('50000'), datetime.date(2026, 4, 2))):
        opportunities.save_opportunity(make_opportunity(owner=users['sales'], amount=amount, expected_close_on=close,
                                                        name=f'Mine {amount}'))
    opportunities.save_opportunity(make_opportunity(owner=outsider, name='Not mine', amount=Decimal('7')))
    client = as_role('sales')
    html = client.get('/admin/pipeline/').get_data(as_text=True)
    validate = column(html, 'ST-VALIDATE')
    assert 'Mine 100000' in validate and 'Mine 50000' in validate and 'Not mine' not in html
    assert '<span class="board-count">2</span>' in validate and '150,000.00' in validate
    assert '15,000.00' in validate                      # weighted at 10 %
    assert 'draggable="true"' in html and 'data-csrf=' in html
    assert 'ltc_board.js' in html and '<script>' not in html   # no inline script (CSP)
    html = client.get('/admin/pipeline/?month=2026-04').get_data(as_text=True)
    assert 'Mine 50000' in html and 'Mine 100000' not in html
    bad = client.get('/admin/pipeline/?month=2026-13').get_data(as_text=True)
    assert 'Use the form 2026-03.' in bad and 'pipeline-board' not in bad
    manager = as_role('manager')
    html = manager.get(f'/admin/pipeline/?department={team.id}').get_data(as_text=True)
    assert 'Mine 100000' in html and 'Not mine' not in html
    html = manager.get(f'/admin/pipeline/?owner={users["sales"].id}&month=2026-03').get_data(as_text=True)
    assert 'Mine 100000' in html and 'Mine 50000' not in html
    html = manager.get(f'/admin/pipeline/?owner={outsider.id}').get_data(as_text=True)   # not theirs to pick
    assert 'field-error' in html and 'pipeline-board' not in html and 'Not mine' not in html
    client.set_cookie('ltc_lang', 'zh_Hans_CN')
    zh = client.get('/admin/pipeline/').get_data(as_text=True)
    assert '商机看板' in zh and '加权金额' in zh
    # A column shows at most CAP cards and counts the rest.
    opportunities.save_opportunity(make_opportunity(owner=users['sales'], name='Third'))
    first = pipeline.board(users['sales'], cap=2)[0]
    assert (first['stage'].code, first['count'], len(first['cards']), first['more']) == ('ST-VALIDATE', 3, 2, 1)


def move(client, opp, to, reason='', version=None, query=''):
    token = csrf_from(client.get('/admin/pipeline/').get_data(as_text=True))
    return client.post('/admin/pipeline/move/' + query, data={
        'csrf_token': token, 'id': opp.id, 'stage': to.id, 'reason': reason,
        'version': version if version is not None else Opportunity.get_by_id(opp.id).version})


def test_moves_go_through_move_stage_and_refusals_are_answered(as_role, users, db):
    opp = opportunities.save_opportunity(make_opportunity(owner=users['sales']))
    client = as_role('sales')
    response = move(client, opp, stage('ST-PROPOSE'))
    answer = response.get_json()
    assert response.status_code == 200 and answer['ok'] and 'moved to stage' in answer['message']
    propose = str(stage('ST-PROPOSE').id)
    assert answer['columns'][propose]['count'] == 1 and answer['columns'][propose]['weighted'] == '50,000.00'
    assert Opportunity.get_by_id(opp.id).stage.code == 'ST-PROPOSE'
    assert StageHistory.get(StageHistory.opportunity == opp.id, StageHistory.to_stage == stage('ST-PROPOSE').id
                            ).changed_by_id == users['sales'].id
    assert AuditLog.get(AuditLog.entity_code == opp.code, AuditLog.action == 'stage').source == 'admin'
    # Won needs a contract or a sent quote; Lost needs a reason (in the user's language).
    refused = move(client, opp, stage('ST-WON'))
    assert refused.status_code == 422 and not refused.get_json()['ok']
    assert 'to Won needs a contract or a sent' in refused.get_json()['message']
    client.set_cookie('ltc_lang', 'zh_Hans_CN')
    zh = move(client, opp, stage('ST-LOST'), reason='  ')
    assert '输单必须填写输单原因' in zh.get_json()['message']
    client.set_cookie('ltc_lang', 'en')
    assert Opportunity.get_by_id(opp.id).stage.code == 'ST-PROPOSE'
    stale = move(client, opp, stage('ST-ANALYSE'), version=1)
    assert stale.status_code == 409 and 'changed since you opened it' in stale.get_json()['message']
    Quote.create(code='Q-BOARD', title='q', customer=opp.customer, opportunity=opp, status='sent',
                 quoted_on=datetime.date(2026, 1, 5))
    assert move(client, opp, stage('ST-WON')).get_json()['ok']
    assert Opportunity.get_by_id(opp.id).stage.code == 'ST-WON'
    # Out of the user's scope: 404; a role that may not edit opportunities: 403.
    theirs = opportunities.save_opportunity(make_opportunity(owner=users['manager']))
    assert move(client, theirs, stage('ST-PROPOSE')).status_code == 404
    assert Opportunity.get_by_id(theirs.id).stage.code == 'ST-VALIDATE'
    finance = as_role('finance')
    assert finance.get('/admin/pipeline/').status_code == 403
    token = csrf_from(finance.get('/admin/').get_data(as_text=True))
    assert finance.post('/admin/pipeline/move/', data={'csrf_token': token, 'id': theirs.id,
                                                       'stage': stage('ST-PROPOSE').id}).status_code == 403
