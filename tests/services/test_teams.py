"""Opportunity teams: who may change a team, and what membership lets a member read and do."""
import io

import pytest

from ltc.errors import LTCError, NotFound
from ltc.models import (AuditLog, Contract, ContractLine, FollowUp, Opportunity, PaymentPlan, Quote, QuoteLine,
                        StageHistory, TeamMember)
from ltc.services import audit, documents, followups, gate, opportunities, quotes, scope, teams
from ltc.sync.engine.twoway import scoped_query as sheet_rows
from ltc.sync.mapping.entities import get
from ltc.sync.writes.export import scoped_query as export_rows

from ..factories import (make_contract, make_contract_line, make_department, make_opportunity, make_payment_plan,
                         make_user)


@pytest.fixture
def deal(db):
    """Opportunity owned by a rep, with a quote (one line), a contract (a line, a plan) and a follow-up."""
    dept = make_department()
    boss = make_user('manager', department=dept)
    rep = make_user('sales', department=dept)
    opp = make_opportunity(owner=rep)
    opportunities.record_initial_stage(opp)
    quote = quotes.create_quote(opp.customer, 'Offer', opportunity=opp)
    contract = make_contract(customer=opp.customer, opportunity=opp, owner=rep)
    line = make_contract_line(contract=contract)
    plan = make_payment_plan(contract=contract)
    note = followups.record_followup(by=rep, opportunity=opp, summary='kick-off')
    other = make_opportunity(owner=make_user('sales'))
    return dict(boss=boss, rep=rep, opp=opp, quote=quote, contract=contract, line=line, plan=plan, note=note,
                other=other)


def _codes(model, user, write=False):
    return {r.code for r in scope.scoped(model.select(), model, user, write=write)}


def test_owner_manager_admin_add_and_remove_others_are_refused(deal):
    opp, rep, boss = deal['opp'], deal['rep'], deal['boss']
    engineer, stranger = make_user('sales'), make_user('sales')
    member = teams.add_member(opp, engineer, 'presales', by=rep)
    assert (member.role, member.added_by_id) == ('presales', rep.id)
    assert teams.add_member(opp, engineer, '解决方案', by=boss).role == 'solution'   # a role change, by a manager
    assert [m.user_id for m in teams.members(opp)] == [engineer.id]
    for outsider in (stranger, make_user('ops'), make_user('finance'), engineer):
        with pytest.raises(LTCError) as refused:
            teams.add_member(opp, make_user('sales'), 'delivery', by=outsider)
        assert isinstance(refused.value, gate.Refused)
        with pytest.raises(gate.Refused):
            teams.remove_member(opp, engineer, by=outsider)
    with pytest.raises(gate.NotYours):   # the stranger cannot tell the opportunity exists
        teams.add_member(opp, stranger, 'delivery', by=stranger)
    with pytest.raises(LTCError):
        teams.add_member(opp, rep, 'delivery', by=rep)   # the owner is not a member of their own deal
    with pytest.raises(LTCError):
        teams.add_member(opp, stranger, 'cook', by=rep)
    teams.remove_member(opp, engineer, by=make_user('admin'))
    assert teams.members(opp) == []
    actions = [(a.action, a.entity) for a in AuditLog.select().where(AuditLog.entity == 'TeamMember')
               .order_by(AuditLog.id)]
    assert actions == [('create', 'TeamMember'), ('update', 'TeamMember'), ('delete', 'TeamMember')]


def test_member_reads_the_deal_its_quotes_contracts_and_follow_ups(deal):
    member, outsider = make_user('sales'), make_user('sales')
    teams.add_member(deal['opp'], member, 'delivery', by=deal['rep'])
    expected = {Opportunity: {deal['opp'].code}, Quote: {deal['quote'].code}, Contract: {deal['contract'].code},
                ContractLine: {deal['line'].code}, PaymentPlan: {deal['plan'].code}, FollowUp: {deal['note'].code},
                TeamMember: {m.code for m in teams.members(deal['opp'])}}
    for model, codes in expected.items():
        assert _codes(model, member) == codes, model
        assert _codes(model, member, write=True) == set(), model   # reading is all membership gives
        assert _codes(model, outsider) == set(), model
    assert StageHistory.select().where(scope.condition(StageHistory, member)).count() == 1
    assert deal['other'].code not in _codes(Opportunity, member)
    # A finance user on the team reads the deal as well (finance reads no opportunity otherwise).
    finance = make_user('finance')
    assert _codes(Opportunity, finance) == set()
    teams.add_member(deal['opp'], finance, 'finance', by=deal['boss'])
    assert _codes(Opportunity, finance) == {deal['opp'].code}
    # Off the team, nothing is left.
    teams.remove_member(deal['opp'], member, by=deal['rep'])
    assert _codes(Opportunity, member) == _codes(Contract, member) == set()


def test_member_logs_follow_ups_but_changes_nothing_else(deal):
    opp, member = deal['opp'], make_user('sales')
    teams.add_member(opp, member, 'solution', by=deal['rep'])
    values = {'opportunity': opp.id, 'customer': opp.customer_id, 'kind': 'visit', 'summary': 'demo'}
    gate.check_write(member, FollowUp(**values), 'create', fields=list(values), values=values)
    note = followups.record_followup(by=member, opportunity=opp, kind='visit', summary='demo')
    assert note.owner_id == member.id and Opportunity.get_by_id(opp.id).followup_count == 2
    gate.update_fields(member, note, {'summary': 'demo, second part'})   # their own follow-up stays theirs
    stranger = make_user('sales')
    values = {'opportunity': opp.id, 'customer': opp.customer_id, 'kind': 'call'}
    with pytest.raises(gate.NotYours):
        gate.check_write(stranger, FollowUp(**values), 'create', fields=list(values), values=values)
    refused = [
        lambda: gate.update_fields(member, Opportunity.get_by_id(opp.id), {'amount': 1}),
        lambda: opportunities.move_stage(opp, 'ST-ANALYSE', by=member),
        lambda: gate.check_write(member, Quote.get_by_id(deal['quote'].id), 'update', fields=['title'],
                                 values={'title': 'x'}),
        lambda: gate.check_write(member, ContractLine.get_by_id(deal['line'].id), 'delete'),
        lambda: gate.check_write(member, PaymentPlan.get_by_id(deal['plan'].id), 'update', fields=['amount'],
                                 values={'amount': 1}),
        lambda: gate.check_write(member, FollowUp.get_by_id(deal['note'].id), 'update', fields=['summary'],
                                 values={'summary': 'x'}),
        lambda: gate.check_write(member, QuoteLine(quote=deal['quote'].id, description='x'), 'create', fields=['quote'],
                                 values={'quote': deal['quote'].id}),
        lambda: gate.check_write(member, Quote(title='mine', customer=opp.customer_id, opportunity=opp.id),
                                 'create', fields=['customer', 'opportunity'],
                                 values={'customer': opp.customer_id, 'opportunity': opp.id}),
    ]
    for attempt in refused:
        with pytest.raises(gate.NotYours):
            attempt()
    assert Opportunity.get_by_id(opp.id).stage.code == 'ST-VALIDATE'


def test_cli_adds_lists_and_removes(runner, deal):
    opp, engineer = deal['opp'], make_user('sales')
    out = runner.invoke(args=['ltc', 'opp', 'team-add', opp.code, engineer.username, 'presales',
                              '--as', deal['rep'].username])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=['ltc', 'opp', 'team', opp.code])
    assert out.exit_code == 0 and engineer.username in out.output and '售前' in out.output, out.output
    out = runner.invoke(args=['ltc', 'opp', 'team-remove', opp.code, engineer.username, '--as', engineer.username])
    assert out.exit_code != 0 and 'owner' in out.output, out.output
    out = runner.invoke(args=['ltc', 'opp', 'team-remove', opp.code, engineer.username, '--as', deal['boss'].username])
    assert out.exit_code == 0, out.output
    assert teams.members(opp) == []
    # deleting an opportunity takes its team with it
    spare = make_opportunity(owner=deal['rep'])
    teams.add_member(spare, engineer, 'partner', by=deal['rep'])
    audit.delete(Opportunity.get_by_id(spare.id))
    assert TeamMember.select().where(TeamMember.opportunity == spare.id).count() == 0


def test_a_members_sheet_holds_only_what_they_may_change_their_export_and_documents_what_they_read(deal, tmp_path):
    member = make_user('sales')
    teams.add_member(deal['opp'], member, 'presales', by=deal['rep'])
    for entity, record in (('opportunities', deal['opp']), ('contracts', deal['contract']), ('quotes', deal['quote'])):
        assert record.code in {r.code for r in export_rows(entity, member)}, entity
        assert record.code not in {r.code for r in sheet_rows(get(entity), member)}, entity
        assert record.code in {r.code for r in sheet_rows(get(entity), deal['rep'])}, entity
    # documents of the deal: read, never attached to, renamed or deleted by a member
    limits = documents.Limits(tmp_path / 'docs', max_mb=1, types={'pdf'})
    pdf = b'%PDF-1.4\n%%EOF\n'
    doc = documents.attach(deal['opp'], io.BytesIO(pdf), 'deal.pdf', by=deal['rep'], limits=limits)
    boss = make_user('manager')   # a manager elsewhere: on this deal only as a member
    teams.add_member(deal['opp'], boss, 'solution', by=deal['rep'])
    assert [d.id for d in documents.documents_of(deal['opp'], boss)] == [doc.id]
    for attempt in (lambda: documents.attach(deal['opp'], io.BytesIO(pdf), 'mine.pdf', by=boss, limits=limits),
                    lambda: documents.set_title(doc.id, 'renamed', boss),
                    lambda: documents.delete_document(doc.id, boss, limits=limits)):
        with pytest.raises(NotFound):
            attempt()
