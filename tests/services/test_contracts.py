"""Contracts: approval flow with approver and time, amount against lines, expiry, renewals, milestones."""
import datetime
import threading
import time
from decimal import Decimal

import pytest

from ltc.errors import RuleViolation, ValidationError
from ltc.models import (CareTask, Contract, ContractApproval, ContractLine, DeliveryMilestone, PaymentPlan,
                        Setting)
from ltc.db import database
from ltc.services import audit, contracts, receivables
from tests.factories import make_contract, make_contract_line, make_product, make_user
from tests.services.cashkit import approver, live_contract, unchanged

D = datetime.date


def test_full_status_flow_records_approver_and_time(db):
    owner = make_user()
    contract = make_contract(amount=Decimal('5000'), owner=owner)
    contracts.add_line(contract, make_product(), quantity=2, unit_price='2500')
    contracts.submit(contract, by=owner)
    assert Contract.get_by_id(contract.id).status == 'pending_approval'
    boss = approver()
    contracts.approve(contract, boss, 'ok')
    row = Contract.get_by_id(contract.id)
    assert row.status == 'effective' and row.approved_by_id == boss.id and row.approved_at is not None
    approval = ContractApproval.get(ContractApproval.contract == contract.id)
    assert (approval.decision, approval.approver_id, approval.comment) == ('approved', boss.id, 'ok')
    assert approval.decided_at == row.approved_at
    contracts.activate(contract)
    contracts.complete(contract)
    assert Contract.get_by_id(contract.id).status == 'completed'


def test_amount_must_equal_lines(db):
    contract = make_contract(amount=Decimal('100000'))
    make_contract_line(contract=contract, amount=Decimal('90000'), unit_price=Decimal('90000'))
    with unchanged(Contract, ContractApproval), pytest.raises(RuleViolation) as err:
        contracts.submit(contract)
    assert 'contract-amount' in str(err.value) and '100000.00' in str(err.value) and '90000.00' in str(err.value)
    empty = make_contract()
    with unchanged(Contract, ContractApproval), pytest.raises(RuleViolation, match='contract-lines'):
        contracts.submit(empty)


def test_reject_returns_to_draft_and_resubmit_opens_a_new_round(db):
    contract = make_contract(amount=Decimal('1000'))
    make_contract_line(contract=contract)
    contracts.submit(contract)
    contracts.reject(contract, approver(), 'price too low')
    assert Contract.get_by_id(contract.id).status == 'draft'
    contracts.submit(contract)
    steps = [(a.round, a.step, a.decision) for a in ContractApproval.select().order_by(ContractApproval.id)]
    assert steps == [(1, 1, 'rejected'), (2, 1, 'pending')]


def test_refusals_change_nothing(db):
    contract = make_contract(amount=Decimal('1000'))
    make_contract_line(contract=contract)
    sales, boss = make_user(role='sales'), approver()
    with unchanged(Contract, ContractApproval), pytest.raises(RuleViolation, match='status-flow'):
        contracts.approve(contract, boss)
    contracts.submit(contract)
    with unchanged(Contract, ContractApproval), pytest.raises(RuleViolation, match='contract-approver'):
        contracts.approve(contract, sales)
    with unchanged(Contract), pytest.raises(RuleViolation, match='status-flow'):
        contracts.activate(contract)
    with unchanged(Contract), pytest.raises(ValidationError, match='needs a reason'):
        contracts.terminate(contract, reason=' ')
    product = make_product()
    with unchanged(ContractLine), pytest.raises(RuleViolation, match='status-flow'):
        contracts.add_line(contract, product)


def test_complete_needs_all_milestones_accepted(db):
    contract = live_contract(status='executing')
    milestone = contracts.add_milestone(contract, '上线验收', planned_on=D(2026, 5, 1))
    with unchanged(Contract), pytest.raises(RuleViolation, match='contract-delivery'):
        contracts.complete(contract)
    contracts.accept_milestone(milestone, D(2026, 5, 3))
    assert contracts.complete(Contract.get_by_id(contract.id)).status == 'completed'


def test_milestone_acceptance_sets_plan_due_dates_and_plans_a_return_visit(db):
    contract = live_contract(amount='100000')
    first = contracts.add_milestone(contract, '到货', planned_on=D(2026, 4, 1))
    second = contracts.add_milestone(contract, '终验', planned_on=D(2026, 6, 1))
    audit.save(Setting(code='receivables.milestone_terms_days', value='15'))
    receivables.set_plans(contract, [{'amount': 30000, 'due_on': D(2026, 3, 1)},
                                     {'amount': 40000, 'milestone': first.code},
                                     {'amount': 30000, 'milestone': second.code}])
    assert [p.due_on for p in PaymentPlan.select().order_by(PaymentPlan.sequence)] == [D(2026, 3, 1), None, None]
    contracts.accept_milestone(first, D(2026, 4, 3))
    plans = list(PaymentPlan.select().order_by(PaymentPlan.sequence))
    assert [p.due_on for p in plans] == [D(2026, 3, 1), D(2026, 4, 18), None]
    ms = DeliveryMilestone.get_by_id(first.id)
    assert (ms.status, ms.accepted_on, ms.planned_on) == ('accepted', D(2026, 4, 3), D(2026, 4, 1))
    visit = CareTask.get(CareTask.contract == contract.id)
    assert visit.kind == 'return_visit' and visit.due_on == D(2026, 4, 10) and visit.owner_id == contract.owner_id
    with unchanged(DeliveryMilestone, PaymentPlan, CareTask), pytest.raises(RuleViolation, match='milestone-accepted'):
        contracts.accept_milestone(DeliveryMilestone.get_by_id(first.id), D(2026, 4, 5))


def test_milestone_acceptance_refused_before_approval(db):
    contract = make_contract()
    milestone = contracts.add_milestone(contract, '到货')
    with unchanged(DeliveryMilestone, CareTask), pytest.raises(RuleViolation, match='status-flow'):
        contracts.accept_milestone(milestone, D(2026, 4, 3))


def test_expiry_and_expiring_window(db):
    soon = live_contract(end_on=D(2026, 5, 20))
    later = live_contract(end_on=D(2026, 9, 1))
    past = live_contract(end_on=D(2026, 4, 30), status='executing')
    assert [c.code for c in contracts.expiring(D(2026, 5, 1))] == [soon.code]
    assert [c.code for c in contracts.expiring(D(2026, 5, 1), days=180)] == [soon.code, later.code]
    assert contracts.mark_expired(D(2026, 5, 1)) == 1
    assert Contract.get_by_id(past.id).status == 'expired'
    assert contracts.mark_expired(D(2026, 5, 1)) == 0   # idempotent


def test_renewal_is_linked_and_copies_lines(db):
    contract = live_contract(end_on=D(2026, 12, 31))
    renewal = contracts.renew(contract, end_on=D(2027, 12, 31))
    assert renewal.renewal_of_id == contract.id and renewal.status == 'draft'
    assert renewal.start_on == D(2027, 1, 1) and renewal.amount == contract.amount
    assert contracts.lines_total(renewal) == contract.amount
    assert [r.code for r in Contract.get_by_id(contract.id).renewals] == [renewal.code]


def test_terminate_voids_open_plans(db):
    contract = live_contract(amount='1000')
    receivables.set_plans(contract, [{'amount': 400, 'due_on': D(2026, 3, 1)},
                                     {'amount': 600, 'due_on': D(2026, 6, 1)}])
    receivables.record_payment(contract, 400, received_on=D(2026, 3, 1), today=D(2026, 3, 1))
    contracts.terminate(Contract.get_by_id(contract.id), reason='customer cancelled')
    assert [p.status for p in PaymentPlan.select().order_by(PaymentPlan.sequence)] == ['paid', 'void']
    assert Contract.get_by_id(contract.id).status == 'terminated'


def test_renew_refused_for_drafts(db):
    contract = make_contract()
    with unchanged(Contract, ContractLine), pytest.raises(RuleViolation, match='status-flow'):
        contracts.renew(contract)
    live = live_contract(end_on=D(2026, 12, 31))
    with unchanged(Contract, ContractLine), pytest.raises(ValidationError, match='ends'):
        contracts.renew(live, start_on=D(2027, 1, 1), end_on=D(2026, 6, 1))


def test_a_contract_is_renewed_once(db):
    contract = live_contract(end_on=D(2026, 12, 31))
    renewal = contracts.renew(contract, end_on=D(2027, 12, 31))
    assert contracts.current_renewal(contract).code == renewal.code
    with unchanged(Contract, ContractLine), pytest.raises(RuleViolation) as refused:
        contracts.renew(Contract.get_by_id(contract.id), end_on=D(2028, 12, 31))
    assert str(refused.value) == (f'Rule contract-renewed: contract {contract.code} was already renewed by '
                                  f'{renewal.code} (draft); continue with {renewal.code}, or terminate it before '
                                  f'renewing {contract.code} again.')
    assert refused.value.details['zh'] == (f'规则 contract-renewed：合同 {contract.code} 已续签为 {renewal.code}'
                                           f'（草稿）；请继续处理 {renewal.code}，或先终止它再重新续签 {contract.code}。')
    contracts.submit(renewal)
    contracts.approve(renewal, approver())
    with unchanged(Contract, ContractLine), pytest.raises(RuleViolation, match=r'\(effective\)'):
        contracts.renew(Contract.get_by_id(contract.id), end_on=D(2028, 12, 31))
    # the renewal is renewed in turn (a chain); a terminated renewal frees the contract again
    assert contracts.renew(renewal, end_on=D(2028, 12, 31)).renewal_of_id == renewal.id
    contracts.terminate(Contract.get_by_id(renewal.id), reason='signed with the wrong dates')
    again = contracts.renew(Contract.get_by_id(contract.id), end_on=D(2027, 12, 31))
    assert contracts.current_renewal(contract).code == again.code


def test_two_renewals_at_once_make_one(db):
    contract = live_contract(end_on=D(2026, 12, 31))
    first_done, release, outcome = threading.Event(), threading.Event(), {}

    def first():
        with database.connection_context(), database.atomic():
            outcome['first'] = contracts.renew(contract, end_on=D(2027, 12, 31)).code
            first_done.set()
            release.wait(10)   # the first renewal is not committed yet

    def second():
        first_done.wait(10)
        with database.connection_context():
            try:
                contracts.renew(contract, end_on=D(2027, 6, 30))
                outcome['second'] = 'renewed'
            except RuleViolation as exc:
                outcome['second'] = str(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_done.wait(10)
    time.sleep(0.5)   # the second renewal is waiting for the first transaction
    assert 'second' not in outcome
    release.set()
    for thread in threads:
        thread.join(20)
    assert outcome['second'].startswith(f'Rule contract-renewed: contract {contract.code} was already renewed by '
                                        f"{outcome['first']}")
    assert [c.code for c in Contract.select().where(Contract.renewal_of == contract.id)] == [outcome['first']]


def test_a_manager_approves_only_contracts_of_their_department_tree(db):
    from tests.factories import make_department
    from ltc.errors import NotFound
    east, north = make_department(name='华东'), make_department(name='华北')
    owner = make_user(role='sales', department=east)
    contract = make_contract(amount=Decimal('1000'), owner=owner, department=east)
    make_contract_line(contract=contract)
    contracts.submit(contract, by=owner)
    stranger = make_user(role='manager', department=north)
    with unchanged(Contract, ContractApproval), pytest.raises(NotFound, match='not found among the records'):
        contracts.approve(contract, stranger)
    contracts.approve(contract, make_user(role='manager', department=east))
    assert Contract.get_by_id(contract.id).status == 'effective'


def test_approval_moves_the_opportunity_to_won_with_history(db):
    from ltc.models import AuditLog, Opportunity, Stage, StageHistory
    from tests.factories import make_opportunity
    owner, boss = make_user(), approver()
    opportunity = make_opportunity(stage=Stage.get(Stage.code == 'ST-ANALYSE'), owner=owner)
    contract = make_contract(amount=Decimal('5000'), owner=owner, customer=opportunity.customer,
                             opportunity=opportunity)
    contracts.add_line(contract, make_product(), quantity=1, unit_price='5000')
    contracts.submit(contract, by=owner)
    assert contracts.approve(contract, boss).opportunity_note is None
    won = Opportunity.get_by_id(opportunity.id)
    assert won.stage.is_won and won.closed_on is not None and won.weighted_amount == won.amount
    last = StageHistory.select().where(StageHistory.opportunity == won.id).order_by(StageHistory.id.desc()).get()
    assert last.to_stage.is_won and last.from_stage.code == 'ST-ANALYSE' and last.changed_by_id == boss.id
    # A renewal approved later finds the opportunity won already: nothing to move, nothing noted.
    renewal = contracts.renew(Contract.get_by_id(contract.id), by=owner)
    contracts.submit(renewal, by=owner)
    assert contracts.approve(renewal, boss).opportunity_note is None
    assert StageHistory.select().where(StageHistory.opportunity == won.id).count() == 1


def test_a_refused_move_to_won_is_noted_and_the_approval_stands(db, monkeypatch):
    from ltc.models import AuditLog, Opportunity, Stage
    from ltc.services import opportunities
    from ltc.services.messages import refusal
    from tests.factories import make_opportunity
    owner = make_user()
    opportunity = make_opportunity(stage=Stage.get(Stage.code == 'ST-PROPOSE'))
    contract = make_contract(amount=Decimal('5000'), owner=owner, customer=opportunity.customer,
                             opportunity=opportunity)
    contracts.add_line(contract, make_product(), quantity=1, unit_price='5000')
    contracts.submit(contract, by=owner)

    def refuse(opportunity, stage, reason):
        raise refusal('Stage move refused: test rule.', '阶段变更被拒绝：测试规则。')
    monkeypatch.setattr(opportunities, '_check_move', refuse)
    approved = contracts.approve(contract, approver())
    assert 'test rule' in str(approved.opportunity_note)
    assert Contract.get_by_id(contract.id).status == 'effective'
    assert Opportunity.get_by_id(opportunity.id).stage.code == 'ST-PROPOSE'
    note = AuditLog.get(AuditLog.entity == 'Opportunity', AuditLog.action == 'note')
    assert note.entity_code == opportunity.code and contract.code in note.note
