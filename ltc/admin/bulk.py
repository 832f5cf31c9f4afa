"""Bulk actions that need no other service: assign an owner, change the status (scoped, audited)."""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, SelectField

from ..db import database
from ..errors import LTCError
from ..models import User
from ..services import audit, gate
from ..services.messages import text
from .base import AdminForm
from .formatters import choices_for
from .i18n import lang, name_of


class BulkForm(AdminForm):
    ids = HiddenField()
    value = SelectField(choices=[])


class BulkMixin:
    """Adds 'assign owner' and 'change status' to views that set owner_field / status_field."""

    @action('assign_owner', _l('Assign owner…'))
    def action_assign_owner(self, ids):
        return redirect(url_for('.bulk_view', kind='owner', ids=','.join(ids)))

    @action('change_status', _l('Change status…'))
    def action_change_status(self, ids):
        return redirect(url_for('.bulk_view', kind='status', ids=','.join(ids)))

    def is_action_allowed(self, name):
        if name == 'assign_owner' and not self.owner_field:
            return False
        if name == 'change_status' and not self.status_field:
            return False
        return super().is_action_allowed(name)

    def bulk_apply(self, row, name, value):
        """Set NAME to VALUE on ROW (views whose records have a service override this)."""
        gate.check_write(current_user, row, 'update', fields=[name], values={name: value})
        setattr(row, name, value)
        audit.save(row, action='assign' if name == self.owner_field else 'status')

    def _bulk_choices(self, kind):
        if kind == 'owner':   # only users the gate lets this user make owners (active, sales side, in scope)
            ids = gate.may_own(current_user, [pk for (pk,) in User.select(User.id).where(User.active).tuples()])
            query = User.select().where(User.id.in_(list(ids) or [0])).order_by(User.username)
            return [(str(u.id), name_of(u)) for u in query]
        choices = choices_for(getattr(self.model, self.status_field))
        return choices.pairs(lang())

    @expose('/bulk/<kind>/', methods=('GET', 'POST'))
    def bulk_view(self, kind):
        if kind not in ('owner', 'status') or not self.can_edit or \
                not (self.owner_field if kind == 'owner' else self.status_field):
            abort(404)
        form = BulkForm(request.form if request.method == 'POST' else None,
                        ids=request.args.get('ids', ''))
        form.value.choices = self._bulk_choices(kind)
        ids = [i for i in (form.ids.data or '').split(',') if i]
        rows = self.scoped_rows(ids) if ids else abort(404)
        if request.method == 'POST' and form.validate():
            name = self.owner_field if kind == 'owner' else self.status_field
            value = int(form.value.data) if kind == 'owner' else form.value.data
            try:
                with audit.acting_as(current_user, 'admin'), database.atomic():
                    for row in rows:
                        self.bulk_apply(row, name, value)
            except LTCError as exc:
                flash(_('Nothing was saved: %(error)s', error=text(exc, lang())), 'error')
            else:
                flash(ngettext('%(num)d record was updated.', '%(num)d records were updated.', len(rows)), 'success')
                return redirect(url_for('.index_view'))
        title = _('Assign owner') if kind == 'owner' else _('Change status')
        return self.render('ltc_admin/bulk.html', form=form, rows=rows, title=title)
