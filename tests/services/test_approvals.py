"""Approvals routed up the org tree: steps from the rules, in order, each by an approver of the right part of
the tree; rejection with a reason; quotes above a discount need approval before they are sent."""
import datetime
from decimal import Decimal

import pytest

from ltc.errors import LTCError, RuleViolation, ValidationError
from ltc.models import ApprovalRule, Contract, ContractApproval, Quote, QuoteApproval
from ltc.services import approvals, contracts, quotes
from tests.factories import make_contract, make_contract_line, make_customer, make_department, make_product, make_user
from tests.services.cashkit import unchanged

D = datetime.date


@pytest.fixture
def org(db):
    """HQ above the East and North regions; Shanghai below East, Beijing below North; a manager on each."""
    hq = make_department(name='总部')
    east = make_department(name='华东大区', parent=hq, is_region=True)
    north = make_department(name='华北大区', parent=hq, is_region=True)
    sh = make_department(name='上海分公司', parent=east)
    bj = make_department(name='北京分公司', parent=north)
    w = {'hq': hq, 'east': east, 'north': north, 'sh': sh, 'bj': bj,
         'admin': make_user('admin', username='boss'),
         'ceo': make_user('manager', username='mgr_hq', department=hq),
         'mgr_east': make_user('manager', username='mgr_east', department=east),
         'mgr_sh': make_user('manager', username='mgr_sh', department=sh),
         'mgr_sh2': make_user('manager', username='mgr_sh2', department=sh),
         'mgr_north': make_user('manager', username='mgr_north', department=north),
         'mgr_bj': make_user('manager', username='mgr_bj', department=bj),
         'cfo': make_user('finance', username='cfo'),
         'sales_sh': make_user('sales', username='sales_sh', department=sh)}
    three_levels(w['cfo'])
    return w


def three_levels(designated):
    """≤ 500k: the department manager; ≤ 5M: also the region head; above: also the designated approver."""
    ApprovalRule.create(code='AR1', name='部门经理', sequence=1, level='department')
    ApprovalRule.create(code='AR2', name='大区负责人', sequence=2, level='region', amount_above=Decimal('500000'))
    ApprovalRule.create(code='AR3', name='财务总监', sequence=3, level='designated', approver=designated,
                        amount_above=Decimal('5000000'))


def submitted(w, amount, department='sh', **kw):
    owner = w['sales_sh'] if department == 'sh' else make_user('sales', department=w[department])
    contract = make_contract(amount=Decimal(amount), owner=owner, department=w[department], **kw)
    make_contract_line(contract=contract)
    contracts.submit(contract, by=owner)
    return Contract.get_by_id(contract.id)


def levels(contract):
    return [(s.step, s.level, s.decision) for s in approvals.round_steps(contract)]


def test_steps_follow_the_amount_thresholds(org):
    assert levels(submitted(org, '500000')) == [(1, 'department', 'pending')]
    assert levels(submitted(org, '500000.01')) == [(1, 'department', 'pending'), (2, 'region', 'pending')]
    assert levels(submitted(org, '5000000')) == [(1, 'department', 'pending'), (2, 'region', 'pending')]
    big = submitted(org, '8000000')
    assert levels(big) == [(1, 'department', 'pending'), (2, 'region', 'pending'), (3, 'designated', 'pending')]
    assert approvals.round_steps(big)[2].designated_id == org['cfo'].id


def test_three_levels_in_order_each_by_the_right_approver(org):
    contract = submitted(org, '8000000')
    # Step 1: not the region head's turn yet for region-only approvers? A region manager's tree holds
    # Shanghai, so they may take the department step; the North manager may not, whatever the step.
    with unchanged(Contract, ContractApproval), pytest.raises(LTCError, match='not found|approval-route'):
        contracts.approve(contract, org['mgr_north'], 'ok')
    with unchanged(Contract, ContractApproval), pytest.raises(LTCError, match='not found|approval-route'):
        contracts.approve(contract, org['mgr_bj'], 'ok')
    with unchanged(Contract, ContractApproval), pytest.raises(RuleViolation, match='designated approver mgr'
                                                                               '|contract-approver'):
        contracts.approve(contract, org['cfo'], 'skip to my step')   # the designated step is not yet current
    done = contracts.approve(contract, org['mgr_sh'], 'ok')
    assert done.status == 'pending_approval' and [s.step for s in done.remaining] == [2, 3]
    # Step 2 needs the region (East) or above: the Shanghai managers are below it.
    with unchanged(Contract, ContractApproval), pytest.raises(RuleViolation, match='approval-route'):
        contracts.approve(contract, org['mgr_sh2'], 'ok')
    with unchanged(Contract, ContractApproval), pytest.raises(RuleViolation, match='approval-route'):
        contracts.approve(contract, org['mgr_sh'], 'ok again')
    done = contracts.approve(contract, org['mgr_east'], 'ok')
    assert done.status == 'pending_approval' and [s.step for s in done.remaining] == [3]
    # Step 3: only the designated approver; an admin or the CEO may not stand in.
    for other in ('admin', 'ceo'):
        with unchanged(Contract, ContractApproval), pytest.raises(RuleViolation, match='approval-route'):
            contracts.approve(contract, org[other], 'ok')
    done = contracts.approve(contract, org['cfo'], 'ok')
    assert done.status == 'effective' and done.approved_by_id == org['cfo'].id
    assert [(s.approver.username, s.decision) for s in approvals.round_steps(done)] == \
        [('mgr_sh', 'approved'), ('mgr_east', 'approved'), ('cfo', 'approved')]


def test_nobody_approves_two_steps_of_a_round(org):
    contract = submitted(org, '800000')
    contracts.approve(contract, org['mgr_east'], 'department step')   # the region head's tree holds Shanghai
    with unchanged(Contract, ContractApproval), pytest.raises(RuleViolation, match='already approved step 1'):
        contracts.approve(contract, org['mgr_east'], 'region step too')
    assert contracts.approve(contract, org['ceo'], 'ok').status == 'effective'   # HQ is above East


def test_regions_without_marks_fall_back_to_the_top_level_below_the_root(org):
    for dept in ('east', 'north'):
        org[dept].is_region = False
        org[dept].save()
    assert approvals.region_of(org['sh'].id) == org['east'].id
    assert approvals.region_of(org['hq'].id) == org['hq'].id


def test_reject_needs_a_reason_sends_back_to_draft_and_cancels_later_steps(org):
    contract = submitted(org, '8000000')
    contracts.approve(contract, org['mgr_sh'], 'ok')
    with unchanged(Contract, ContractApproval), pytest.raises(ValidationError, match='needs a reason'):
        contracts.reject(contract, org['mgr_east'], ' ')
    contracts.reject(contract, org['mgr_east'], '价格太低 / price too low')
    contract = Contract.get_by_id(contract.id)
    assert contract.status == 'draft'
    assert levels(contract) == [(1, 'department', 'approved'), (2, 'region', 'rejected'),
                                (3, 'designated', 'cancelled')]
    contracts.submit(contract, by=org['sales_sh'])   # a new round starts from step 1
    assert [(s.round, s.step, s.decision) for s in approvals.round_steps(Contract.get_by_id(contract.id))] == \
        [(2, 1, 'pending'), (2, 2, 'pending'), (2, 3, 'pending')]


def test_rules_by_contract_type_and_discount(org):
    ApprovalRule.create(code='AR4', name='框架合同法务', sequence=4, level='designated', approver=org['admin'],
                        contract_kind='framework')
    ApprovalRule.create(code='AR5', name='大折扣', sequence=5, level='region', discount_from=Decimal('30'))
    assert [s[1] for s in levels(submitted(org, '1000', kind='framework'))] == ['department', 'designated']
    assert [s[1] for s in levels(submitted(org, '1000', kind='service'))] == ['department']
    product = make_product(list_price=Decimal('1000'))
    contract = make_contract(amount=Decimal('600'), owner=org['sales_sh'], department=org['sh'])
    make_contract_line(contract=contract, product=product, quantity=1, unit_price=Decimal('600'),
                       amount=Decimal('600'))
    assert approvals.discount_of(contract) == Decimal('40.00')
    contracts.submit(contract, by=org['sales_sh'])
    assert [s[1] for s in levels(Contract.get_by_id(contract.id))] == ['department', 'region']


def test_no_rules_still_need_the_department_manager(db):
    east = make_department(name='华东')
    north = make_department(name='华北')
    owner = make_user('sales', department=east)
    contract = make_contract(owner=owner, department=east)
    make_contract_line(contract=contract)
    contracts.submit(contract, by=owner)
    with pytest.raises(LTCError):   # a North China manager on an East China contract: refused
        contracts.approve(contract, make_user('manager', department=north), 'ok')
    assert Contract.get_by_id(contract.id).status == 'pending_approval'
    assert contracts.approve(contract, make_user('manager', department=east), 'ok').status == 'effective'


def test_the_inbox_holds_only_current_steps_for_their_approvers(org):
    small, big = submitted(org, '1000'), submitted(org, '8000000')
    inbox = {u: approvals.inbox(org[u]) for u in ('mgr_sh', 'mgr_east', 'mgr_north', 'cfo', 'sales_sh')}
    first = {s.contract_id for s in ContractApproval.select().where(ContractApproval.id.in_(inbox['mgr_sh']))}
    assert first == {small.id, big.id}
    assert not inbox['mgr_north'] and not inbox['cfo'] and not inbox['sales_sh']
    contracts.approve(big, org['mgr_sh'], 'ok')
    assert [ContractApproval.get_by_id(i).step for i in approvals.inbox(org['mgr_east'])
            if ContractApproval.get_by_id(i).contract_id == big.id] == [2]
    assert big.id not in {ContractApproval.get_by_id(i).contract_id for i in approvals.inbox(org['mgr_sh2'])}
    contracts.approve(big, org['mgr_east'], 'ok')
    assert [ContractApproval.get_by_id(i).contract_id for i in approvals.inbox(org['cfo'])] == [big.id]


def test_a_designated_rule_needs_an_approver_who_can_read(org):
    rule = ApprovalRule(name='x', level='designated', approver=org['sales_sh'])
    with pytest.raises(ValidationError, match='designated-approver step needs'):
        approvals.save_rule(rule, by=org['admin'])
    with pytest.raises(LTCError, match='may not create'):
        approvals.save_rule(ApprovalRule(name='x', level='department'), by=org['mgr_east'])
    rule = approvals.save_rule(ApprovalRule(name='x', level='region', approver=org['cfo']), by=org['admin'])
    assert rule.approver_id is None   # region steps route by the tree, never to a person


# -- quotes -------------------------------------------------------------------------------
def discounted_quote(org, discount):
    ApprovalRule.create(code='AR-Q', name='报价折扣', applies_to='quote', sequence=1, level='department',
                        discount_from=Decimal('20'))
    return quotes.create_quote(make_customer(), '报价', owner=org['sales_sh'], quoted_on=D(2026, 3, 1),
                               lines=[{'product': make_product(list_price=Decimal('1000')), 'quantity': 10,
                                       'unit_price': '1000', 'discount_pct': discount}])


def test_a_quote_below_the_threshold_is_sent_without_approval(org):
    quote = discounted_quote(org, '10')
    assert quotes.send_quote(quote).status == 'sent'
    with pytest.raises(RuleViolation, match='needs no approval'):
        quotes.submit_quote(quotes.create_quote(make_customer(), 'q', owner=org['sales_sh'],
                                                lines=[{'product': make_product()}]),
                            by=org['sales_sh'])


def test_a_quote_above_the_discount_threshold_needs_approval_before_it_is_sent(org):
    quote = discounted_quote(org, '25')
    with unchanged(Quote, QuoteApproval), pytest.raises(RuleViolation, match='quote-approval') as err:
        quotes.send_quote(quote)
    assert '25.00%' in str(err.value)
    with unchanged(Quote, QuoteApproval), pytest.raises(RuleViolation, match='quote-approval'):
        quotes.accept_quote(quote, by=org['sales_sh'], today=D(2026, 3, 2))
    quote = Quote.get_by_id(quote.id)   # the refused calls rolled back
    quotes.submit_quote(quote, by=org['sales_sh'])
    with pytest.raises(LTCError):
        quotes.approve_quote(quote, org['mgr_north'])
    with pytest.raises(RuleViolation, match='status-flow'):
        quotes.send_quote(Quote.get_by_id(quote.id))
    assert quotes.approve_quote(quote, org['mgr_sh'], 'ok').status == 'approved'
    # A deeper discount than the one approved sends it back to draft.
    line = quote.lines[0]
    line.discount_pct = Decimal('30')
    line.save()
    assert quotes.refresh_totals(Quote.get_by_id(quote.id)).status == 'draft'
    quotes.submit_quote(quote.code, by=org['sales_sh'])
    quotes.reject_approval(quote.code, org['mgr_sh'], '折扣过大')
    assert Quote.get_by_id(quote.id).status == 'draft'
    line = type(line).get_by_id(line.id)
    line.discount_pct = Decimal('20')
    line.save()
    quotes.refresh_totals(Quote.get_by_id(quote.id))
    quotes.submit_quote(quote.code, by=org['sales_sh'])
    quotes.approve_quote(quote.code, org['mgr_sh'], 'ok')
    assert quotes.send_quote(Quote.get_by_id(quote.id)).status == 'sent'


def test_thresholds_compare_in_the_base_currency(org):
    from ltc.services import rates
    usd = submitted(org, '100000', currency='USD')          # no rate: 100,000 as written, one step
    assert [s[1] for s in levels(usd)] == ['department']
    rates.set_rate('USD', D(2020, 1, 1), '7.2')
    usd2 = submitted(org, '100000', currency='USD')         # 720,000 CNY: the region head too
    assert [s[1] for s in levels(usd2)] == ['department', 'region']


def test_whoever_may_decide_the_waiting_step_is_reminded(org):
    """Submitting reminds the deciders of step 1 (Shanghai's managers and those above, admins); the last
    step's designated approver is reminded when it is their turn."""
    from ltc.models import Reminder
    from ltc.services import reminders

    def waiting():
        return {r.user_id for r in Reminder.select().where(Reminder.kind == 'approval_waiting')}
    contract = submitted(org, '6000000')
    assert waiting() == {org[k].id for k in ('admin', 'ceo', 'mgr_east', 'mgr_sh', 'mgr_sh2')}
    contracts.approve(contract, by=org['mgr_sh'])
    assert org['cfo'].id not in waiting()
    contracts.approve(contract, by=org['mgr_east'])
    assert org['cfo'].id in waiting()
    reminder = Reminder.get(Reminder.kind == 'approval_waiting', Reminder.user == org['cfo'].id)
    assert reminders.render(reminder, 'zh') == f'合同 {contract.code} 等待您审批（第 3 级）'
    assert reminders.render(reminder, 'en') == f'Contract {contract.code} waits for your approval (step 3)'
