"""Dashboard data: every series present, JSON-serialisable, correct on small data and scoped per user."""
import datetime
import json
from decimal import Decimal

from ltc.models import Stage
from ltc.services import dashboard, planning, receivables
from tests.factories import make_customer, make_lead, make_opportunity, make_product, make_user
from tests.services.cashkit import live_contract

D = datetime.date
T = datetime.datetime
TODAY = D(2026, 5, 15)


def _stage(code):
    return Stage.get(Stage.code == code)


def _world():
    ann, bob = make_user(), make_user()
    admin = make_user(role='admin')
    make_opportunity(owner=ann, stage=_stage('ST-PROPOSE'), amount=Decimal('100000'), expected_close_on=D(2026, 6, 1))
    make_opportunity(owner=ann, stage=_stage('ST-NEGOTIATE'), amount=Decimal('40000'), expected_close_on=D(2026, 5, 20))
    make_opportunity(owner=bob, stage=_stage('ST-PROPOSE'), amount=Decimal('7000'), expected_close_on=D(2026, 6, 3))
    make_opportunity(owner=ann, stage=_stage('ST-WON'), amount=Decimal('50000'), closed_on=D(2026, 4, 1))
    make_opportunity(owner=ann, stage=_stage('ST-LOST'), amount=Decimal('10000'), closed_on=D(2026, 4, 2))
    make_lead(owner=ann, source='exhibition', status='converted', grade='high')
    make_lead(owner=ann, source='exhibition', grade='general')
    make_lead(owner=bob, source='website', grade='high')
    big = make_customer(owner=ann, yearly_category_spend=Decimal('10000000'), target_share=Decimal('50'))
    contract = live_contract(amount='1000000', owner=ann, customer=big, signed_on=D(2026, 3, 1), end_on=D(2026, 6, 1))
    receivables.set_plans(contract, [{'amount': 400000, 'due_on': D(2026, 3, 31)},
                                     {'amount': 600000, 'due_on': D(2026, 6, 30)}])
    receivables.record_payment(contract, 100000, received_on=D(2026, 4, 2), today=D(2026, 4, 2))
    make_customer(owner=ann, last_followup_at=T(2026, 4, 18, 9), owner_since=D(2026, 1, 1))   # 27 days: warn
    make_customer(owner=ann, last_followup_at=T(2026, 5, 1, 9), owner_since=D(2026, 1, 1))    # 14 days: fine
    make_customer(owner=ann, locked=True, owner_since=D(2025, 1, 1))                           # locked: exempt
    product = make_product()
    planning.set_product_plan(product, '2026-05', 10)
    planning.set_target('sales', '2026-05', 100000, user=ann)
    return ann, bob, admin, big


def test_dashboard_series_for_an_admin(db):
    ann, bob, admin, big = _world()
    data = dashboard.dashboard_data(admin, today=TODAY)
    json.dumps(data)   # serialisable as is
    funnel = {r['stage']: r for r in data['funnel']}
    assert funnel['ST-PROPOSE']['count'] == 2 and funnel['ST-PROPOSE']['amount'] == 107000.0
    assert funnel['ST-PROPOSE']['weighted'] == 53500.0 and funnel['ST-VALIDATE']['count'] == 0
    forecast = {r['month']: r for r in data['forecast']}
    assert forecast['2026-05']['weighted'] == 30000.0 and forecast['2026-06']['amount'] == 107000.0
    by_source = {r['key']: r for r in data['lead_conversion_by_source']}
    assert by_source['exhibition']['rate_pct'] == 50.0 and by_source['website']['converted'] == 0
    assert {r['key'] for r in data['lead_conversion_by_grade']} == {'high', 'general'}
    assert data['win_rate']['rate_pct'] == 50.0 and data['win_rate']['amount_rate_pct'] == 83.3
    months = {r['month']: r for r in data['receivables_by_month']}
    assert months['2026-03']['planned'] == 400000.0 and months['2026-04']['collected'] == 100000.0
    assert months['2026-06']['planned'] == 600000.0
    assert {b['bucket']: b['amount'] for b in data['overdue_aging']}['31-60'] == 300000.0
    assert data['contracts_expiring']['count'] == 1 and data['contracts_expiring']['items'][0]['days_left'] == 17
    gaps = data['share_of_wallet_gaps']
    assert gaps[0]['code'] == big.code and gaps[0]['gap'] == 4000000.0 and gaps[0]['share_pct'] == 10.0
    reclaim = data['about_to_reclaim']
    assert reclaim['count'] == 1 and reclaim['items'][0]['days_left'] == 3
    assert reclaim['items'][0]['owner'] == ann.username and '2026-04-18' in reclaim['items'][0]['reason']
    assert data['product_plan_coverage']['items'][0]['flag'] == 'shortfall'
    targets = data['target_progress']   # one row per person, each kind a column of its own
    assert targets['count'] == 1 and targets['items'][0]['sales'] == 0.0 and targets['items'][0]['name'] == ann.username
    assert all(r['shown'] and r['shown_en'] for r in targets['items'])   # people by name, not login


def test_dashboard_is_scoped_to_the_user(db):
    ann, bob, admin, big = _world()
    data = dashboard.dashboard_data(bob, today=TODAY)
    assert sum(r['count'] for r in data['funnel']) == 1
    assert data['contracts_expiring']['count'] == 0 and data['share_of_wallet_gaps'] == []
    assert data['about_to_reclaim']['count'] == 0
    assert sum(b['count'] for b in data['overdue_aging']) == 0
    assert {r['key'] for r in data['lead_conversion_by_source']} == {'website'}
    assert data['target_progress'] == {'count': 0, 'items': []}
    assert sum(r['count'] for r in dashboard.dashboard_data(ann, today=TODAY)['funnel']) == 4


def test_each_role_gets_its_own_charts_finance_starts_with_receivables(db):
    ann, bob, admin, big = _world()
    finance = make_user(role='finance')
    data = dashboard.dashboard_data(finance, today=TODAY)
    keys = [c['key'] for c in data['charts']]
    assert keys[:2] == ['receivables', 'aging']
    assert not {'funnel', 'forecast', 'conversion_source', 'conversion_grade', 'win_rate', 'reclaim'} & set(keys)
    assert 'funnel' not in data and 'lead_conversion_by_source' not in data   # not even computed
    assert [c['key'] for c in dashboard.dashboard_data(ann, today=TODAY)['charts']][0] == 'funnel'
    assert {c['key'] for c in dashboard.dashboard_data(admin, today=TODAY)['charts']} == set(dashboard.CHARTS)
    assert [c['key'] for c in dashboard.dashboard_data(make_user(role='ops'), today=TODAY)['charts']][0] == \
        'conversion_source'


def test_a_chart_without_data_says_so_instead_of_blank_axes(db):
    newcomer = make_user()
    data = dashboard.dashboard_data(newcomer, today=TODAY)
    flags = {c['key']: c['has_data'] for c in data['charts']}
    # the funnel lists every stage and the forecast every month, all at zero: nothing to draw
    assert len(data['funnel']) == 6 and len(data['forecast']) == 6
    assert not any(flags.values()), flags
    make_opportunity(owner=newcomer, stage=_stage('ST-PROPOSE'), amount=Decimal('1000'),
                     expected_close_on=D(2026, 6, 1))
    flags = {c['key']: c['has_data'] for c in dashboard.dashboard_data(newcomer, today=TODAY)['charts']}
    assert flags['funnel'] and flags['forecast'] and not flags['receivables']


def test_target_chart_lists_each_person_once_and_only_the_top_rows(db):
    boss = make_user(role='admin')
    people = [make_user() for _ in range(dashboard.TOP + 3)]
    for i, person in enumerate(people):
        planning.set_target('sales', '2026-05', 100000 + i, user=person)
        planning.set_target('collection', '2026-05', 50000 + i, user=person)
    targets = dashboard.dashboard_data(boss, today=TODAY)['target_progress']
    names = [r['name'] for r in targets['items']]
    assert len(names) == len(set(names)) == dashboard.TOP and targets['count'] == len(people)
    assert all(r['sales'] == 0.0 and r['collection'] == 0.0 for r in targets['items'])   # both kinds on one row


def test_ranked_charts_keep_the_top_rows_and_count_the_rest(db):
    seller = make_user()
    for i in range(dashboard.TOP + 2):
        make_customer(owner=seller, last_followup_at=T(2026, 4, 18, 9), owner_since=D(2026, 1, 1))
    reclaim = dashboard.dashboard_data(seller, today=TODAY)['about_to_reclaim']
    assert len(reclaim['items']) == dashboard.TOP and reclaim['count'] == dashboard.TOP + 2
    assert all(r['name_en'] and r['owner_shown_en'] for r in reclaim['items'])
