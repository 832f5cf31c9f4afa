"""Lead assignment: rules in priority order, user / round-robin / least-loaded, caps, the queue."""
import pytest

from ltc.errors import RuleViolation
from ltc.models import AssignmentRule, Lead
from ltc.services import audit, leads
from ltc.services.assignment import assign_leads, queue, rerun_assignment

from ..factories import make_department, make_lead, make_user
from .unchanged import unchanged


def _rule(**kw):
    kw.setdefault('name', 'rule')
    return audit.save(AssignmentRule(**kw))


def test_priority_order_and_conditions(db):
    east = make_department(name='华东')
    alice, bob = make_user(department=east), make_user()
    _rule(name='all', priority=50, method='user', assignee=bob)
    _rule(name='manufacturing in 上海', priority=10, industry='manufacturing', region_province='上海',
          method='user', assignee=alice)
    lead = make_lead(industry='manufacturing', region_province='上海')
    assert leads.assign_lead(lead).id == alice.id
    lead = Lead.get_by_id(lead.id)
    assert lead.status == 'assigned' and lead.assigned_at and lead.department_id == east.id
    other = make_lead(industry='manufacturing', region_province='北京')
    assert leads.assign_lead(other).id == bob.id


def test_round_robin_within_department(db):
    team = make_department()
    users = [make_user(department=team) for _ in range(3)]
    make_user(department=team, active=False)
    _rule(method='round_robin', target_department=team, source='website')
    owners = [leads.assign_lead(make_lead(source='website')).id for _ in range(4)]
    assert owners == [users[0].id, users[1].id, users[2].id, users[0].id]


def test_least_loaded_and_caps(db):
    team = make_department()
    busy, idle = make_user(department=team), make_user(department=team, open_lead_cap=1)
    make_lead(owner=busy, status='assigned')
    make_lead(owner=busy, status='contacted')
    _rule(method='least_loaded', target_department=team)
    assert leads.assign_lead(make_lead()).id == idle.id
    # idle is at its cap of 1 now, so busy gets the next one despite the load
    assert leads.assign_lead(make_lead()).id == busy.id


def test_capped_user_rule_falls_through_then_queues(db):
    full = make_user(open_lead_cap=1)
    make_lead(owner=full, status='assigned')
    _rule(method='user', assignee=full)
    lead = make_lead()
    assert leads.assign_lead(lead) is None
    lead = Lead.get_by_id(lead.id)
    assert lead.owner_id is None and lead.status == 'new'
    assert lead.id in [q.id for q in queue()]
    row = audit.AuditLog.select().where(audit.AuditLog.entity_code == lead.code,
                                        audit.AuditLog.action == 'assign')
    assert not row.exists()   # nothing changed, so nothing is audited


def test_manual_assign_honours_cap(db):
    full = make_user(open_lead_cap=1)
    make_lead(owner=full, status='assigned')
    lead = make_lead()
    with unchanged(lead), pytest.raises(RuleViolation, match='already has 1 open leads, the cap of 1'):
        leads.assign_lead(lead, to=full)
    gone = make_user(active=False)
    with unchanged(lead), pytest.raises(RuleViolation, match='is inactive'):
        leads.assign_lead(lead, to=gone)


def test_closed_leads_are_not_assigned(db):
    user = make_user()
    _rule(method='user', assignee=user)
    lead = make_lead(status='converted')
    with unchanged(lead), pytest.raises(RuleViolation, match='Assignment refused: lead .* is converted'):
        leads.assign_lead(lead)


def test_save_lead_assigns_new_leads(db):
    user = make_user()
    _rule(method='user', assignee=user, industry='energy')
    lead = leads.save_lead(Lead(company='国电测试', industry='energy'))
    assert lead.owner_id == user.id and lead.status == 'assigned'
    queued = leads.save_lead(Lead(company='零售测试', industry='retail'))
    assert queued.owner_id is None and queued.status == 'new'


def test_bulk_assign_and_rerun(db):
    a, b = make_user(), make_user()
    mine = make_lead(owner=a, status='assigned')
    working = make_lead(owner=a, status='contacted')
    waiting = make_lead()
    rule = _rule(method='user', assignee=a)
    assert assign_leads([mine, working, waiting]) == {'assigned': 1, 'queued': 0, 'skipped': 2}
    rule.assignee = b
    audit.save(rule)
    counts = rerun_assignment(Lead.select().order_by(Lead.id))
    assert counts == {'assigned': 2, 'queued': 0, 'skipped': 1}
    assert Lead.get_by_id(mine.id).owner_id == b.id and Lead.get_by_id(working.id).owner_id == a.id


def test_the_new_owner_is_reminded_once(db):
    """'Lead assigned' reaches the owner the rules or a manager chose, not one who took the lead themselves."""
    from ltc.models import Reminder
    from ltc.services import reminders
    alice = make_user(language='en')
    _rule(method='user', assignee=alice)
    lead = make_lead(company='新测智能')
    leads.assign_lead(lead)
    [reminder] = Reminder.select().where(Reminder.kind == 'lead_assigned')
    assert reminder.user_id == alice.id and reminders.render(reminder, 'en') == f'Lead {lead.code} 新测智能 was assigned to you'
    own = make_lead(company='自建', owner=alice)
    leads.save_lead(own, by=alice)
    assert Reminder.select().where(Reminder.kind == 'lead_assigned').count() == 1
