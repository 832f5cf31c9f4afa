"""Dunning from the admin: raise the level of overdue plans (their page's button, the list's bulk action).

The form only translates into `collection.dun`, one step per plan, each dated and signed by the user.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import SelectField, StringField
from wtforms import validators as V

from ..models import DunningStep
from ..models import choices as C
from ..services import collection, gate
from .actions import InputForm, RecordAction
from .dates import DateField
from .i18n import lang
from .labels import LABELS


class DunForm(InputForm):
    level = SelectField(LABELS['level'], choices=[], validators=[V.Optional()],
                        description=_l('Reminder → call → formal letter → escalation to the manager; a level may be '
                                       'repeated, never skipped.'))
    on = DateField(LABELS['done_on'], validators=[V.Optional()], description=_l('Leave empty for today.'))
    note = StringField(LABELS['note'], validators=[V.Optional(), V.Length(max=255)])

    def prepare(self, rows):
        self.level.choices = [('', _('The next level'))] + [(v, C.DUNNING_LEVELS.label(v, lang()))
                                                            for v in C.DUNNING_LEVELS.values]


def _dun(view, rows, form, by):
    steps = [collection.dun(row, level=form.level.data or None, by=by, note=form.note.data or None,
                            on=form.on.data) for row in rows]
    if len(steps) == 1:
        step = steps[0]
        return _('Plan %(plan)s is at dunning level “%(level)s” (%(code)s).', plan=rows[0].code,
                 level=C.DUNNING_LEVELS.label(step.level, lang()), code=step.code)
    return ngettext('%(num)d plan went up one dunning level.', '%(num)d plans went up one dunning level.', len(steps))


DUN = RecordAction('dun', _l('Raise dunning level'), _dun, form=DunForm, bulk=True,
                   roles=gate.rule_for(DunningStep).create, when=collection.is_overdue)


def due_with_level(plan):
    """Return PLAN's due date as its page shows it, with the dunning level reached (`Mar 1, 2026 · Call`)."""
    from . import formatters
    level = collection.current_level(plan)
    due = formatters.date(plan.due_on) or '—'
    return f'{due} · {C.DUNNING_LEVELS.label(level, lang())}' if level else due
