"""Lead assignment: rules in priority order, to a user or round-robin / least-loaded, with caps."""
from peewee import fn

from ..db import database, is_sqlite, utcnow
from ..models import AssignmentRule, Lead, User
from . import audit, cached
from .changes import update
from .messages import refusal

OPEN_STATUSES = ('new', 'assigned', 'contacted', 'qualified')
# Re-running assignment moves only leads nobody has started working on.
REASSIGNABLE = ('new', 'assigned')


def open_lead_count(user, exclude=None):
    query = Lead.select(fn.COUNT(Lead.id)).where(Lead.owner == user.id, Lead.status.in_(OPEN_STATUSES))
    if exclude is not None and exclude.id is not None:
        query = query.where(Lead.id != exclude.id)
    return query.scalar()


def has_room(user, lead=None):
    """Return True when USER is active and below their open-lead cap."""
    if not user.active:
        return False
    return user.open_lead_cap is None or open_lead_count(user, exclude=lead) < user.open_lead_cap


def check_room(user, lead=None):
    """Refuse giving USER another open lead (LEAD, when it is one already) over their open-lead cap."""
    if not has_room(user, lead):
        raise refusal('Assignment refused: {user} already has {count} open leads, the cap of {cap}; '
                      'choose another user or raise the cap.',
                      '分配被拒绝：{user} 已有 {count} 条未关闭线索，达到上限 {cap}；请选择其他人员或提高上限。',
                      user=user.username, count=open_lead_count(user, exclude=lead), cap=user.open_lead_cap)


def rule_matches(rule, lead):
    """Return True when every condition the rule sets holds for LEAD."""
    return ((rule.industry is None or rule.industry == lead.industry)
            and (not rule.region_province or rule.region_province == lead.region_province)
            and (rule.source is None or rule.source == lead.source)
            and (rule.lead_department_id is None or rule.lead_department_id == lead.department_id))


def active_rules():
    """Return the active assignment rules in priority order (this process's copy, see ltc.services.cached)."""
    return cached.get('assignment_rules', lambda: list(
        AssignmentRule.select().where(AssignmentRule.active).order_by(AssignmentRule.priority, AssignmentRule.id)))


def sales_staff(department_id):
    """Return the active sales users and managers of DEPARTMENT_ID by id (this process's copy)."""
    return cached.get(f'sales_staff:{department_id}', lambda: list(User.active_sales(department_id)))


def next_turn(rule_id, candidates):
    """Return the round-robin pick of rule RULE_ID among CANDIDATES (by id) and move its pointer.

    The pointer is the rule's running state, not its settings: it moves with a plain update, without an
    audit row or a new version (an admin editing the rule meanwhile is not refused as stale, and the
    copies of the rules stay valid). On PostgreSQL the rule's row is locked until the lead commits, so
    concurrent intakes (web forms, API) never read the same turn; SQLite's single writer serialises them.
    """
    query = AssignmentRule.select(AssignmentRule.last_assignee).where(AssignmentRule.id == rule_id)
    if not is_sqlite():
        query = query.for_update()
    after = query.scalar() or 0
    chosen = next((u for u in candidates if u.id > after), candidates[0])
    move_pointer(rule_id, chosen.id)
    return chosen


def move_pointer(rule_id, user_id):
    """Store USER_ID as the last user rule RULE_ID gave a lead to (see next_turn)."""
    AssignmentRule.update(last_assignee=user_id).where(AssignmentRule.id == rule_id).execute()


def _pick(rule, lead):
    """Return the user RULE gives LEAD to (moving its round-robin pointer), or None."""
    if rule.method == 'user':
        user = rule.assignee
        return user if user is not None and has_room(user, lead) else None
    if rule.target_department_id is None:
        return None
    candidates = [u for u in sales_staff(rule.target_department_id) if has_room(u, lead)]
    if not candidates:
        return None
    if rule.method == 'least_loaded':
        return min(candidates, key=lambda u: (open_lead_count(u, exclude=lead), u.id))
    return next_turn(rule.id, candidates)


def choose_owner(lead):
    """Return (user, rule) for LEAD from the active rules, or (None, None) for the managers' queue."""
    for rule in active_rules():
        if rule_matches(rule, lead):
            user = _pick(rule, lead)
            if user is not None:
                return user, rule
    return None, None


def _check_open(lead):
    if lead.status in ('converted', 'disqualified'):
        raise refusal('Assignment refused: lead {code} is {status}; only open leads can be assigned.',
                      '分配被拒绝：线索 {code} 已{status_zh}；只能分配未关闭的线索。',
                      code=lead.code, status=lead.status,
                      status_zh='转化' if lead.status == 'converted' else '作废')


def apply_owner(lead, user):
    """Set LEAD's owner (or queue it when USER is None) without saving; return True if changed."""
    if user is None:
        return update(lead, owner=None, assigned_at=None,
                      status='new' if lead.status == 'assigned' else lead.status)
    changed = False
    if lead.owner_id != user.id:
        changed = update(lead, owner=user, assigned_at=utcnow(),
                         department=user.department_id or lead.department_id)
    return update(lead, status='assigned' if lead.status == 'new' else lead.status) or changed


def remind_owner(lead, by=None, new=False):
    """Put 'lead assigned' in the inbox of LEAD's owner, unless they gave it to themselves.

    NEW: LEAD was just created and given to an owner found active and under the cap.
    """
    by = getattr(by, 'user', by)   # a gate Actor names its user
    if lead.owner_id and lead.owner_id != getattr(getattr(by, 'record', by), 'id', None):
        import datetime
        from .reminders import add
        add(lead.owner_id, 'lead_assigned', 'Lead', lead.code, datetime.date.today(),
            {'name': f'{lead.code} {lead.company}'}, fresh=new)


def assign_lead(lead, by=None, to=None):
    """Give LEAD to TO, or to whoever the assignment rules pick (None: the managers' queue)."""
    _check_open(lead)
    if lead.id is not None:
        from . import gate
        gate.require(by, lead)
    with database.atomic():
        if to is not None:
            if not to.active:
                raise refusal('Assignment refused: user {user} is inactive; choose an active user.',
                              '分配被拒绝：用户 {user} 已停用；请选择在职用户。', user=to.username)
            from . import gate
            if to.id not in gate.may_own(by, [to.id]):
                raise gate.owner_refusal(to)
            check_room(to, lead)
            user, note = to, f'assigned by {getattr(by, "username", "system")}'
        else:
            user, rule = choose_owner(lead)
            note = f'rule {rule.code} {rule.name}' if rule else 'no rule matched: queued for managers'
        if apply_owner(lead, user) or lead.id is None:
            audit.save(lead, action='assign', note=note[:255])
            remind_owner(lead, by)
    return lead.owner if lead.owner_id else None


def assign_leads(leads, by=None, rerun=False):
    """Assign many leads: unowned ones, or with RERUN every new/assigned one; return counts."""
    counts = {'assigned': 0, 'queued': 0, 'skipped': 0}
    for lead in leads:
        if lead.status not in OPEN_STATUSES or (lead.owner_id and not rerun) \
                or (rerun and lead.status not in REASSIGNABLE):
            counts['skipped'] += 1
            continue
        owner = assign_lead(lead, by=by)
        counts['assigned' if owner else 'queued'] += 1
    return counts


def rerun_assignment(leads, by=None):
    """Apply the current rules again to new and assigned leads; return counts."""
    return assign_leads(leads, by=by, rerun=True)


def queue():
    """Return the leads waiting for a manager to assign them."""
    return Lead.unassigned().order_by(Lead.created_at)
