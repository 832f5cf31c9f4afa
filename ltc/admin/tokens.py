"""API tokens page: each user creates, lists and revokes their own personal access tokens."""
from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, StringField
from wtforms import validators as V

from ..errors import LTCError
from ..services import audit, tokens
from ..services.messages import text
from .base import AdminForm, RoleGate
from .i18n import lang


class TokenForm(AdminForm):
    name = StringField(_l('What it is for'), validators=[V.InputRequired(), V.Length(max=120)])
    scopes = StringField(_l('Scopes'), default='leads:read', validators=[V.InputRequired(), V.Length(max=500)])
    days = IntegerField(_l('Expires after (days, empty: never)'), validators=[V.Optional(), V.NumberRange(min=1)])


class RevokeForm(AdminForm):
    """Only the CSRF token: the token to revoke is in the address."""


class TokensView(RoleGate, BaseView):
    """A user's own tokens; nobody sees or revokes another user's tokens here."""

    roles = ('admin', 'manager', 'sales', 'ops', 'finance')

    def _render(self, form, secret=None):
        return self.render('ltc_admin/tokens.html', form=form, secret=secret, revoke_form=RevokeForm(),
                           tokens=tokens.tokens_of(current_user.record), entities=tokens.ENTITIES)

    @expose('/', methods=['GET', 'POST'])
    def index(self):
        form = TokenForm(request.form if request.method == 'POST' else None)
        if request.method == 'POST' and form.validate():
            user = current_user.record
            try:
                with audit.acting_as(user, 'admin'):
                    _token, secret = tokens.create_token(user, form.name.data, form.scopes.data, by=user,
                                                         expires_in_days=form.days.data)
            except LTCError as exc:
                flash(_('Nothing was saved: %(error)s', error=text(exc, lang())), 'error')
            else:
                return self._render(TokenForm(), secret=secret)
        return self._render(form)

    @expose('/revoke/<code>', methods=['POST'])
    def revoke(self, code):
        form = RevokeForm(request.form)
        if form.validate():
            try:
                with audit.acting_as(current_user.record, 'admin'):
                    token = tokens.revoke_token(current_user.record, code)
            except LTCError as exc:
                flash(_('Nothing was saved: %(error)s', error=text(exc, lang())), 'error')
            else:
                flash(_('Token %(name)s is revoked; requests with it are refused from now on.', name=token.name),
                      'success')
        return redirect(url_for('.index'))
