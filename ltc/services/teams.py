"""Opportunity teams: the people who sell a deal beside its owner, each with a role.

A member reads the opportunity, its quotes, contracts and follow-ups and logs follow-ups on it
(ltc.services.scope); nothing else changes for them. The opportunity's owner, the managers whose
scope holds it and administrators add and remove members; nobody else.
"""
from ..db import database
from ..models import Opportunity, TeamMember, User
from ..models import choices as C
from . import audit, gate
from .messages import invalid, refusal

# Roles that may manage a team: an admin any team, a manager or sales user the teams of the
# opportunities they may change (a sales user's own; a manager's department tree).
MANAGING_ROLES = ('admin', 'manager', 'sales')


def may_manage(by, opportunity):
    """Return whether BY may add and remove members of OPPORTUNITY's team."""
    act = gate.as_actor(by)
    if act.is_system or act.role == 'admin':
        return True
    return act.role in MANAGING_ROLES and bool(gate.visible(act, Opportunity, [opportunity.id]))


def _check(by, opportunity):
    act = gate.as_actor(by)
    if not act.is_system and not gate.visible(act, Opportunity, [opportunity.id], write=False):
        raise gate.not_found(Opportunity, opportunity.code)   # one it may not read: the same as a missing one
    if not may_manage(act, opportunity):
        raise refusal("Refused: only opportunity {code}'s owner, their managers or an administrator change its "
                      'team; ask the owner.', '已拒绝：只有商机 {code} 的负责人、其上级经理或管理员可以调整团队成员；请联系负责人。',
                      error_class=gate.PermissionDenied, code=opportunity.code)
    return act


def members(opportunity):
    """Return the team of OPPORTUNITY (with each member's user), in the order they were added."""
    return list(TeamMember.select(TeamMember, User).join(User, on=(TeamMember.user == User.id))
                .where(TeamMember.opportunity == opportunity.id).order_by(TeamMember.id))


def add_member(opportunity, user, role, by=None):
    """Put USER on OPPORTUNITY's team as ROLE (a member already there changes role); return the member."""
    act = _check(by, opportunity)
    role = C.TEAM_ROLES.lookup(role) if role not in C.TEAM_ROLES else role
    if role is None:
        raise invalid('Unknown team role; use one of {choices}.', '未知的团队角色；请使用 {choices} 之一。',
                      choices=', '.join(C.TEAM_ROLES))
    if user is None or not user.active:
        raise invalid('Only an active user can join a team; choose another person.',
                      '只有在职用户可以加入团队；请选择其他人。')
    if user.id == opportunity.owner_id:
        raise invalid('{user} owns opportunity {code} already; add someone else to its team.',
                      '{user} 已是商机 {code} 的负责人；请添加其他人。', user=user.username, code=opportunity.code)
    with database.atomic():
        member = TeamMember.get_or_none(TeamMember.opportunity == opportunity.id, TeamMember.user == user.id)
        if member is not None and member.role == role:
            return member
        member = member or TeamMember(opportunity=opportunity.id, user=user.id, added_by=act.user)
        member.role = role
        audit.save(member, note=f'opportunity {opportunity.code}, {user.username} as {role} by {act.name}')
    return member


def remove_member(opportunity, user, by=None):
    """Take USER off OPPORTUNITY's team; refused when they are not on it."""
    act = _check(by, opportunity)
    member = TeamMember.get_or_none(TeamMember.opportunity == opportunity.id, TeamMember.user == user.id)
    if member is None:
        raise invalid('{user} is not on the team of opportunity {code}.', '{user} 不是商机 {code} 的团队成员。',
                      user=user.username, code=opportunity.code)
    with database.atomic():
        audit.delete(member, note=f'opportunity {opportunity.code}, {user.username} by {act.name}')
    return member
