"""The pipeline board: opportunities by stage as columns; dragging a card moves its stage through the service."""
from flask import abort, jsonify, request, url_for
from flask_admin import BaseView, expose
from flask_admin.form import BaseForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms import validators as V

from ..db import database
from ..errors import LTCError
from ..models import Opportunity, Stage
from ..services import audit, diagnosis, gate, opportunities, pipeline, rates, scope
from . import formatters
from .actions import refusal
from .base import RoleGate
from .feed import departments
from .i18n import name_of

BOARD_ROLES = ('admin', 'manager', 'sales', 'ops')


class BoardForm(BaseForm):
    """The board's filters (a GET form: it changes nothing, so no CSRF token)."""
    owner = SelectField(_l('Owner'), validators=[V.Optional()])
    department = SelectField(_l('Department'), validators=[V.Optional()])
    month = StringField(_l('Close month'), validators=[
        V.Optional(), V.Regexp(r'^\d{4}-(0[1-9]|1[0-2])$', message=_l('Use the form 2026-03.'))])


def column_numbers(column):
    """Return the totals of a column as shown in its header (formatted in the user's locale)."""
    return {'count': column['count'], 'amount': formatters.money(column['amount']),
            'weighted': formatters.money(column['weighted'])}


class PipelineView(RoleGate, BaseView):
    """Kanban of the opportunities the user may see; the stage rules stay in opportunities.move_stage."""

    roles = BOARD_ROLES

    def _opportunity_view(self):
        return next(v for v in self.admin._views if getattr(v, 'model', None) is Opportunity)

    @property
    def can_drag(self):
        """Only roles that may edit opportunities (the gate's rule table) move their stage."""
        return gate.may(current_user.record, Opportunity, 'update')

    def _form(self, user):
        form = BoardForm(request.args)
        form.owner.choices = [('', _('Everyone'))] + [(str(u.id), name_of(u)) for u in pipeline.owner_choices(user)]
        form.department.choices = [('', _('All'))] + [(str(d.id), name_of(d)) for d in departments(user)]
        return form

    def _chosen(self, form):
        return {'owner': form.owner.data or None, 'department': form.department.data or None,
                'month': form.month.data or None}

    def _stage_list_url(self, stage_id):
        """Return the opportunity list filtered by STAGE_ID (where "N more" leads)."""
        view = self._opportunity_view()
        for key, (_index, flt) in (view._filter_args or {}).items():
            if getattr(flt, 'column', None) is Opportunity.stage:
                return url_for('opportunity.index_view') + f'?flt0_{key}={stage_id}'
        return url_for('opportunity.index_view')

    @expose('/')
    def index(self):
        user = current_user.record
        form = self._form(user)
        columns = None
        if form.validate():
            columns = pipeline.board(user, **self._chosen(form))
        return self.render('ltc_admin/pipeline.html', form=form, columns=columns, can_drag=self.can_drag,
                           name_of=name_of, fmt=formatters, numbers=column_numbers,
                           stage_list_url=self._stage_list_url, cap=pipeline.CARDS_PER_COLUMN,
                           base=rates.base_currency())

    @expose('/move/', methods=('POST',))
    def move(self):
        """Move one opportunity to a stage (the drop of a card); answer JSON with the new column totals."""
        if not self.can_drag:
            abort(403)
        user = current_user.record
        try:
            pk, stage_id = int(request.form.get('id', '')), int(request.form.get('stage', ''))
        except ValueError:
            abort(404)
        opportunity = Opportunity.select().where(Opportunity.id == pk, scope.condition(Opportunity, user)).first()
        stage = Stage.get_or_none(Stage.id == stage_id)
        if opportunity is None or stage is None:
            abort(404)
        sent = request.form.get('version', '')
        if sent.isdigit() and int(sent) != opportunity.version:
            return jsonify(ok=False, message=_('This record changed since you opened it. Nothing was saved; '
                                               'reload it, re-apply your change and save again.')), 409
        try:
            with audit.acting_as(current_user, 'admin'), database.atomic():
                moved = opportunities.move_stage(opportunity, stage, by=user, reason=request.form.get('reason'))
                diagnosis.diagnose(moved, by=user)
        except LTCError as exc:
            return jsonify(ok=False, message=_('Nothing was saved: %(error)s', error=refusal(exc))), 422
        form = self._form(user)
        chosen = self._chosen(form) if form.validate() else {}
        sums = pipeline.totals(pipeline.filters(user, **chosen))
        empty = {'count': 0, 'amount': 0, 'weighted': 0}
        return jsonify(ok=True, version=Opportunity.get_by_id(pk).version,
                       message=_('%(code)s moved to stage %(stage)s.', code=moved.code, stage=name_of(stage)),
                       columns={str(s.id): column_numbers(sums.get(s.id, empty)) for s in Stage.select()})
