"""Record actions: details-page buttons and bulk actions that call one LTC service, scoped and audited."""
import dataclasses
from typing import Callable, Optional

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import DateField, SelectField, TextAreaField
from wtforms import validators as V

from ..db import database
from ..errors import LTCError
from ..services import audit
from ..services.messages import text
from .base import AdminForm, role
from .i18n import lang
from .labels import LABELS


def refusal(exc):
    """Return the message of a service refusal in the user's language."""
    return text(exc, lang())


def flash_refusal(exc):
    flash(_('Nothing was saved: %(error)s', error=refusal(exc)), 'error')


@dataclasses.dataclass
class RecordAction:
    """One operation on selected records: RUN(view, rows, form, user) returns the success message."""
    name: str
    label: object
    run: Callable
    inputs: tuple = ()                       # of 'reason', 'choice', 'on'
    roles: Optional[tuple] = None            # None: everyone who may edit the screen
    when: Callable = lambda row: True        # show the details-page button only when true
    choices: Callable = None                 # (view, rows) -> [(value, label)] for 'choice'
    choice_label: object = None
    bulk: bool = False                       # also offered under "With selected"


class ActionForm(AdminForm):
    choice = SelectField(choices=[], validators=[V.InputRequired()])
    reason = TextAreaField(validators=[V.Optional(), V.Length(max=255)])
    on = DateField(validators=[V.Optional()])


class RecordActionsMixin:
    """Adds /act/<name>/ pages and details-page buttons for the view's `record_actions`."""

    record_actions = ()
    details_template = 'ltc_admin/details.html'

    def actions_for(self, row):
        """Return the actions the user may run on ROW (for the details page)."""
        return [a for a in self.record_actions if self.may_run(a) and a.when(row)]

    @property
    def can_act(self):
        return self.can_edit

    def may_run(self, act):
        return self.can_act and (act.roles is None or role() in act.roles)

    def detail_panels(self, row):
        """Return [(title, [line, ...])] shown above the details table."""
        return []

    def _action(self, name):
        for act in self.record_actions:
            if act.name == name:
                return act
        abort(404)

    def _rows_from_args(self):
        ids = request.args.get('ids') or request.args.get('id') or ''
        ids = [i for i in ids.split(',') if i]
        return self.scoped_rows(ids) if ids else abort(404)

    def run_action(self, act, rows, form=None):
        """Run ACT on ROWS in one transaction; flash the result; return True when it succeeded."""
        try:
            with audit.acting_as(current_user, 'admin'), database.atomic():
                message = act.run(self, rows, form, current_user.record)
        except LTCError as exc:
            flash_refusal(exc)
            return False
        flash(message or _('%(count)s records were updated.', count=len(rows)), 'success')
        return True

    @expose('/act/<action_name>/', methods=('GET', 'POST'))
    def act_view(self, action_name):
        act = self._action(action_name)
        if not self.may_run(act):
            abort(403)
        rows = self._rows_from_args()
        single = len(rows) == 1 and 'id' in request.args
        back = url_for('.details_view', id=rows[0].id) if single else url_for('.index_view')
        form = ActionForm(request.form if request.method == 'POST' else None)
        for field in ('choice', 'reason', 'on'):
            if field not in act.inputs:
                delattr(form, field)
        if 'choice' in act.inputs:
            form.choice.choices = act.choices(self, rows)
            form.choice.label.text = act.choice_label or LABELS.get('stage', '')
        if 'reason' in act.inputs:
            form.reason.label.text = _('Reason')
        if 'on' in act.inputs:
            form.on.label.text = _('Date')
        if request.method == 'POST' and form.validate():
            if self.run_action(act, rows, form) or not act.inputs:
                return redirect(back)
        elif request.method == 'POST' and not act.inputs:
            return redirect(back)
        return self.render('ltc_admin/act.html', form=form, rows=rows, act=act, back=back)

    def bulk_run(self, name, ids):
        """Run the no-input action NAME on the selected ids (a Flask-Admin @action body)."""
        act = self._action(name)
        if not self.may_run(act):
            abort(403)
        rows = self.scoped_rows(ids)
        if act.inputs:
            return redirect(url_for('.act_view', action_name=name, ids=','.join(str(r.id) for r in rows)))
        self.run_action(act, rows)
        return None

    def is_action_allowed(self, name):
        for act in self.record_actions:
            if act.name == name:
                return act.bulk and self.may_run(act)
        return super().is_action_allowed(name)
