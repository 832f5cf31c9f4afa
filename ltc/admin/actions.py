"""Record actions: details-page buttons and bulk actions that call one LTC service, scoped and audited."""
import dataclasses
from typing import Callable, Optional

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms import validators as V
from wtforms.widgets import HiddenInput

from ..db import database
from ..errors import LTCError
from ..services import audit
from ..services.messages import text
from .base import AdminForm, role
from .dates import DateField
from .i18n import lang
from .labels import LABELS
from .safety import local_target


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
    form: Optional[type] = None              # an InputForm of its own instead of INPUTS
    defaults: Callable = None                # (rows) -> {field: value} pre-filled in the form
    roles: Optional[tuple] = None            # None: everyone who may edit the screen
    when: Callable = lambda row: True        # show the details-page button only when true
    choices: Callable = None                 # (view, rows) -> [(value, label)] for 'choice'
    choice_label: object = None
    bulk: bool = False                       # also offered under "With selected"
    reader: bool = False                     # also offered on a record the user only reads (a team member's)

    @property
    def needs_input(self):
        return bool(self.inputs or self.form)


@dataclasses.dataclass
class Landing:
    """An action's answer that opens another page than the one it came from (the record it created)."""
    message: object
    url: str


class InputForm(AdminForm):
    """Base of the action forms: CSRF token and the record's version when it was opened."""
    version = IntegerField(widget=HiddenInput(), validators=[V.Optional()])


class ActionForm(InputForm):
    choice = SelectField(choices=[], validators=[V.InputRequired()])
    reason = TextAreaField(validators=[V.Optional(), V.Length(max=255)])
    on = DateField(validators=[V.Optional()])


class RecordActionsMixin:
    """Adds /act/<name>/ pages and details-page buttons for the view's `record_actions`."""

    record_actions = ()
    details_template = 'ltc_admin/details.html'

    def actions_for(self, row, writable=True):
        """Return the actions the user may run on ROW (for the details page); on a row the user may only
        read (WRITABLE False: a team member's opportunity), only the readers' actions."""
        return [a for a in self.record_actions if self.may_run(a) and a.when(row) and (writable or a.reader)]

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
        """Run ACT on ROWS in one transaction; flash the result; return True (or the URL of the page it
        lands on, when the action answers with a Landing) when it succeeded."""
        try:
            with audit.acting_as(current_user, 'admin'), database.atomic():
                message = act.run(self, rows, form, current_user.record)
        except LTCError as exc:
            flash_refusal(exc)
            return False
        landing = message.url if isinstance(message, Landing) else True
        message = message.message if isinstance(message, Landing) else message
        flash(message or ngettext('%(num)d record was updated.', '%(num)d records were updated.', len(rows)), 'success')
        return landing

    def input_form(self, act, rows, single):
        """Return the input form of ACT: its own form class, or ActionForm cut down to its inputs."""
        formdata = request.form if request.method == 'POST' else None
        if act.form is not None:
            initial = act.defaults(rows) if act.defaults and single and formdata is None else None
            form = act.form(formdata, data=initial)
        else:
            form = ActionForm(formdata)
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
            if act.defaults and single and formdata is None:
                for name, value in act.defaults(rows).items():
                    form[name].data = value
        if formdata is None and single:
            form.version.data = getattr(rows[0], 'version', None)
        return form

    @staticmethod
    def is_stale(form, row):
        """Return True when FORM was opened on an older version of ROW (the version it carries)."""
        sent = form.version.data
        return sent is not None and getattr(row, 'version', sent) != sent

    @expose('/act/<action_name>/', methods=('GET', 'POST'))
    def act_view(self, action_name):
        act = self._action(action_name)
        if not self.may_run(act):
            abort(403)
        rows = self._rows_from_args()
        single = len(rows) == 1 and 'id' in request.args
        # NEXT: the page that opened the action (a contract's page accepting one of its milestones).
        back = local_target(request.args.get('next')) or (
            url_for('.details_view', id=rows[0].id) if single else url_for('.index_view'))
        form = self.input_form(act, rows, single)
        if request.method == 'POST':
            valid = form.validate()
            if valid and single and self.is_stale(form, rows[0]):
                # Like the edit form: a page opened before someone else changed the record saves nothing.
                flash(_('This record changed since you opened it. Nothing was saved; reload it, re-apply '
                        'your change and save again.'), 'error')
                if not act.needs_input:
                    return redirect(back)
            elif valid:
                done = self.run_action(act, rows, form)
                if isinstance(done, str):
                    return redirect(done)
                if done or not act.needs_input:
                    return redirect(back)
            elif not act.needs_input:
                return redirect(back)
        return self.render('ltc_admin/act.html', form=form, rows=rows, act=act, back=back)

    def bulk_run(self, name, ids):
        """Run the no-input action NAME on the selected ids (a Flask-Admin @action body)."""
        act = self._action(name)
        if not self.may_run(act):
            abort(403)
        rows = self.scoped_rows(ids)
        if act.needs_input:
            return redirect(url_for('.act_view', action_name=name, ids=','.join(str(r.id) for r in rows)))
        self.run_action(act, rows)
        return None

    def is_action_allowed(self, name):
        for act in self.record_actions:
            if act.name == name:
                return act.bulk and self.may_run(act)
        return super().is_action_allowed(name)
