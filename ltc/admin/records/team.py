"""The Team section of the opportunity page: add a member with a role, take one off.

Both are record actions translating a small form into ltc.services.teams' commands, which check
who may (the owner, their managers, an admin) again when they run.
"""
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField
from wtforms import validators as V

from ...models import User
from ...models import choices as C
from ...services import teams
from ..actions import InputForm, RecordAction
from ..i18n import lang
from ..labels import LABELS

MANAGERS = teams.MANAGING_ROLES


def may_manage(row):
    return teams.may_manage(current_user.record, row)


class AddMemberForm(InputForm):
    user = SelectField(LABELS['user'], choices=[], validators=[V.InputRequired()])
    role = SelectField(LABELS['role'], choices=[], validators=[V.InputRequired()])

    def prepare(self, rows):
        taken = {m.user_id for m in teams.members(rows[0])} | {rows[0].owner_id}
        people = User.select().where(User.active, User.id.not_in([t for t in taken if t])).order_by(User.username)
        self.user.choices = [('', '—')] + [(str(u.id), f'{u.display_name or u.username} ({u.username})')
                                           for u in people]
        self.role.choices = C.TEAM_ROLES.pairs(lang())


class RemoveMemberForm(InputForm):
    member = SelectField(LABELS['user'], choices=[], validators=[V.InputRequired()])

    def prepare(self, rows):
        self.member.choices = [(str(m.user_id), f'{m.user.display_name or m.user.username} · '
                                                f'{C.TEAM_ROLES.label(m.role, lang())}')
                               for m in teams.members(rows[0])]
        if request.method == 'GET' and request.args.get('member'):
            self.member.data = request.args['member']   # the member whose "Remove" was pressed


def _add(view, rows, form, by):
    user = User.get_or_none(User.id == int(form.user.data))
    for row in rows:
        teams.add_member(row, user, form.role.data, by=by)
    return _('%(name)s is on the team as %(role)s.', name=user.display_name or user.username,
             role=C.TEAM_ROLES.label(form.role.data, lang()))


def _remove(view, rows, form, by):
    user = User.get_or_none(User.id == int(form.member.data))
    for row in rows:
        teams.remove_member(row, user, by=by)
    return _('%(name)s is off the team.', name=user.display_name or user.username)


ADD_MEMBER = RecordAction('add_team_member', _l('Add to team'), _add, form=AddMemberForm, roles=MANAGERS,
                          when=may_manage, defaults=lambda rows: {'role': 'presales'})
# Offered per member in the Team section (each row's "Remove"), not among the page's buttons.
REMOVE_MEMBER = RecordAction('remove_team_member', _l('Remove from team'), _remove, form=RemoveMemberForm,
                             roles=MANAGERS, when=lambda row: False)
