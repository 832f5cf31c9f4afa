"""`flask ltc lead|customer|pool|opp|followup ...`: each command calls its service and reports."""
import datetime
from decimal import Decimal

from ltc.models import AuditLog, Customer, Lead, Opportunity, PublicPool, Reminder, StageHistory
from ltc.services import audit

from ..factories import make_contract, make_customer, make_department, make_lead, make_opportunity, make_user


def _ok(runner, *args, input=None):
    result = runner.invoke(args=['ltc', *args], input=input)
    assert result.exit_code == 0, result.output
    return result.output


def _fails(runner, *args):
    result = runner.invoke(args=['ltc', *args])
    assert result.exit_code != 0 and 'Traceback' not in result.output, result.output
    return result.output


def test_lead_grade_assign_convert_chain(runner, db):
    rep = make_user()
    lead = make_lead(company='宁波港机有限公司', industry='manufacturing', phone='13811112222',
                     contact_name='陈工', budget=Decimal('600000'), region_province='浙江')
    assert '7 grading rules created' in _ok(runner, 'lead', 'default-rules')
    out = _ok(runner, 'lead', 'grade', lead.code)
    assert f'{lead.code} high (60)' in out and '+20 目标行业 target industry 制造业' in out
    assert 'leads re-graded' in _ok(runner, 'lead', 'grade', '--all')
    assert 'queue (no rule matched)' in _ok(runner, 'lead', 'assign', lead.code)
    assert f'-> {rep.username}' in _ok(runner, 'lead', 'assign', lead.code, '--to', rep.username)
    out = _ok(runner, 'lead', 'convert', lead.code, '--user', rep.username, '--close-on', '2026-09-30')
    lead = Lead.get_by_id(lead.id)
    assert lead.status == 'converted' and f'customer {lead.converted_customer.code}' in out
    again = _fails(runner, 'lead', 'convert', lead.code)
    assert 'Conversion refused' in again and 'already converted' in again
    row = AuditLog.get(AuditLog.entity_code == lead.code, AuditLog.action == 'convert')
    assert row.actor == rep.username and row.source == 'cli'


def test_lead_status_disqualify_dedupe_merge(runner, db):
    a = make_lead(company='常州电机有限公司')
    b = make_lead(company='常州电机')
    assert '1 duplicates flagged' in _ok(runner, 'lead', 'dedupe')
    assert f'merged into {a.code}' in _ok(runner, 'lead', 'merge', b.code)
    assert Lead.get_or_none(Lead.id == b.id) is None
    assert 'is contacted' in _ok(runner, 'lead', 'status', a.code, 'contacted')
    assert 'Missing option' in runner.invoke(args=['ltc', 'lead', 'disqualify', a.code]).output
    _ok(runner, 'lead', 'disqualify', a.code, '--reason', 'no budget')
    assert Lead.get_by_id(a.id).disqualify_reason == 'no budget'
    assert 'Give one or more lead codes' in _fails(runner, 'lead', 'grade')
    assert "There is no lead 'L999'" in _fails(runner, 'lead', 'grade', 'L999')


def test_customer_claim_release_and_limits(runner, db):
    rep = make_user()
    pool = PublicPool.get(PublicPool.code == 'PL-DEFAULT')
    pool.daily_claim_limit = 1
    audit.save(pool)
    first, second = make_customer(), make_customer()
    assert 'claimed by' in _ok(runner, 'customer', 'claim', first.code, '--user', rep.username)
    out = _fails(runner, 'customer', 'claim', second.code, '--user', rep.username)
    assert 'daily claim limit of 1 reached for today' in out
    assert Customer.get_by_id(second.id).owner_id is None
    _ok(runner, 'customer', 'release', first.code, '--user', rep.username, '--reason', 'duplicate account')
    assert Customer.get_by_id(first.id).previous_owner_id == rep.id
    assert "There is no user 'ghost'" in _fails(runner, 'customer', 'claim', second.code, '--user', 'ghost')


def test_customer_group_lock_and_wallet(runner, db):
    group = make_customer(yearly_category_spend=Decimal('10000000'), target_share=Decimal('50'))
    child = make_customer()
    _ok(runner, 'customer', 'group', child.code, '--parent', group.code)
    assert 'cannot contain itself' in _fails(runner, 'customer', 'group', group.code, '--parent', child.code)
    make_contract(customer=group, amount=Decimal('1000000'), status='effective', signed_on=datetime.date.today())
    out = _ok(runner, 'customer', 'wallet', group.code)
    assert 'share_pct: 10.00' in out and 'gap: 4000000.00' in out
    assert 'members: 2' in _ok(runner, 'customer', 'wallet', group.code, '--group')
    _ok(runner, 'customer', 'lock', child.code)
    assert Customer.get_by_id(child.id).locked


def test_pool_reclaim_and_due(runner, db):
    rep = make_user()
    old = make_customer(owner=rep, owner_since=datetime.date(2026, 1, 1))
    soon = make_customer(owner=rep, owner_since=datetime.date(2026, 1, 30))
    assert soon.code in _ok(runner, 'pool', 'due', '--days', '400')
    assert '1 reclaimed, 1 warned' in _ok(runner, 'pool', 'reclaim', '--today', '2026-02-27')
    assert '0 reclaimed, 0 warned' in _ok(runner, 'pool', 'reclaim', '--today', '2026-02-27')
    assert Customer.get_by_id(old.id).owner_id is None and Reminder.select().count() == 1


def test_opp_move_diagnose_chain_feed_and_followup(runner, db):
    team = make_department(name='华南')
    rep = make_user(department=team)
    opp = make_opportunity(owner=rep)
    out = _ok(runner, 'opp', 'move', opp.code, 'ST-PROPOSE', '--user', rep.username)
    assert 'Propose' in out and 'weighted 50,000.00' in out
    assert StageHistory.get(StageHistory.opportunity == opp.id).changed_by_id == rep.id
    assert 'needs a lost reason' in _fails(runner, 'opp', 'move', opp.code, 'ST-LOST')
    assert 'needs a contract' in _fails(runner, 'opp', 'move', opp.code, 'ST-WON')
    out = _ok(runner, 'opp', 'diagnose', opp.code)
    assert f'{opp.code} health' in out and 'no decision chain recorded' in out
    assert Opportunity.get_by_id(opp.id).health_score is not None
    assert 'opportunities re-scored' in _ok(runner, 'opp', 'diagnose', '--all')
    assert 'No decision maker identified' in _ok(runner, 'opp', 'chain', opp.code)
    assert 'recorded F' in _ok(runner, 'followup', 'record', '--opp', opp.code, '--kind', 'visit',
                               '--summary', '见了CIO', '--major', '--user', rep.username)
    out = _ok(runner, 'opp', 'feed', '华南')
    assert '见了CIO' in out and '验证机会 → 方案报价' in out
    colleague = make_user(department=team)   # a sales colleague sees only their own deals
    assert '见了CIO' not in _ok(runner, 'opp', 'feed', '华南', '--user', colleague.username)
    assert '见了CIO' in _ok(runner, 'opp', 'feed', '华南', '--user', rep.username)
    assert "There is no user 'ghost'" in _fails(runner, 'opp', 'feed', '华南', '--user', 'ghost')
    assert Opportunity.get_by_id(opp.id).followup_count == 1


def test_bad_input_is_one_clear_line(runner, db):
    lead = make_lead()
    assert 'cannot go from new to converted' not in _fails(runner, 'lead', 'status', lead.code, 'converted')
    assert 'only by converting it' in _fails(runner, 'lead', 'status', lead.code, 'converted')
    assert "There is no department 'Nowhere'" in _fails(runner, 'opp', 'feed', 'Nowhere')
    assert 'Give either --parent CODE or --detach' in _fails(runner, 'customer', 'group', 'C1')
    assert "'12x' is not an amount" in _fails(runner, 'lead', 'convert', lead.code, '--amount', '12x')
    assert Lead.get_by_id(lead.id).status == 'new'
