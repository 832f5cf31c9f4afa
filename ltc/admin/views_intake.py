"""Web-to-lead forms: a campaign's forms, with the endpoint and the HTML snippet to paste into a web site."""
from flask import flash, redirect, request, url_for
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ..db import database
from ..errors import LTCError
from ..models import IntakeForm
from ..services import audit, intake_forms
from ..services.messages import text
from . import filters as F
from .base import SecureModelView
from .i18n import lang

FIELD_HELP = _l('Space-separated, in the order shown; "company" and a phone, mobile or e-mail are required. '
                'Available: %(fields)s', fields=' '.join(intake_forms.FIELDS))


def _endpoint(view, context, model, name):
    return Markup('<code>{}</code>').format(request.url_root.rstrip('/') + '/intake/' + model.key)


def _snippet(view, context, model, name):
    html = intake_forms.snippet(model, request.url_root)
    return Markup('<textarea class="form-control text-monospace" rows="14" readonly '
                  'onclick="this.select()">{}</textarea>').format(html)


class IntakeFormView(SecureModelView):
    roles = ('admin', 'ops', 'manager')
    column_list = ('code', 'name', 'campaign', 'allowed_fields', 'thank_you_url', 'active', 'created_at')
    column_sortable_list = ('code', 'created_at')
    column_filters = F.auto(IntakeForm.campaign, IntakeForm.active)
    search_fields = (('code', 'code'),)
    column_details_list = ('code', 'name', 'campaign', 'active', 'allowed_fields', 'thank_you_url',
                           'allowed_origins', 'endpoint', 'snippet', 'created_at', 'created_by')
    column_labels = {'key': _l('Public key'), 'endpoint': _l('Endpoint'), 'snippet': _l('HTML to paste into your site'),
                     'allowed_fields': _l('Fields'), 'thank_you_url': _l('Thank-you page'),
                     'allowed_origins': _l('Allowed origins')}
    column_formatters = {'endpoint': _endpoint, 'snippet': _snippet}
    form_columns = ('name', 'campaign', 'allowed_fields', 'thank_you_url', 'allowed_origins', 'active')
    form_args = {'allowed_fields': {'description': FIELD_HELP},
                 'allowed_origins': {'description': _l('Web sites whose pages may post this form with a script, '
                                                       'one a line, e.g. https://www.example.com; empty: plain '
                                                       'HTML forms from anywhere, no script')}}

    def persist(self, form, model, is_created):
        intake_forms.save_form(model, by=current_user.record)

    @action('new_key', _l('New public key'), _l('The pasted forms stop working until you paste the new snippet. '
                                                 'Continue?'))
    def action_new_key(self, ids):
        done = 0
        try:
            with audit.acting_as(current_user, 'admin'), database.atomic():
                for row in IntakeForm.select().where(IntakeForm.id.in_([int(i) for i in ids])):
                    intake_forms.new_key(row, by=current_user.record)
                    done += 1
        except LTCError as exc:
            flash(_('Nothing was saved: %(error)s', error=text(exc, lang())), 'error')
        else:
            flash(_('%(num)d form(s) got a new key; paste their snippets again.', num=done), 'success')
        return redirect(request.referrer or url_for('.index_view'))
