"""Login and logout with Flask-Login; sessions expire after SESSION_HOURS and end early when the
user logs out, gets a new password, role or is disabled (the session carries the user's session
version); failed logins are throttled per username and per address (ltc.services.logins)."""
import math

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired

from ..db import utcnow
from ..errors import ConflictError
from ..models import User
from ..services import audit, logins
from ..services.users import authenticate, log_out
from .safety import local_target

bp = Blueprint('ltc_auth', __name__, template_folder='templates', static_folder='static',
               static_url_path='/ltc-static')
login_manager = LoginManager()


class LoginForm(FlaskForm):
    username = StringField(_l('Username'), validators=[DataRequired()])
    password = PasswordField(_l('Password'), validators=[DataRequired()])
    next = HiddenField()


class SessionUser(UserMixin):
    """The logged-in user: a User row plus what Flask-Login asks of it."""

    def __init__(self, record):
        self.record = record

    def __getattr__(self, name):
        return getattr(self.record, name)

    @property
    def is_active(self):
        return bool(self.record.active)

    def get_id(self):
        """The id kept in the session: user id and session version, so raising the version ends it."""
        return f'{self.record.id}:{self.record.session_version}'


@login_manager.user_loader
def load_user(session_id):
    try:
        user_id, version = (int(part) for part in session_id.split(':'))
    except (AttributeError, TypeError, ValueError):
        return None   # also a session from before session versions: log in again
    record = User.get_or_none((User.id == user_id) & User.active & (User.session_version == version))
    return SessionUser(record) if record else None


def _record_login(user):
    """Stamp and audit the login; a simultaneous login of the same user (another tab) may win the row."""
    with audit.acting_as(user, 'admin'):
        for _attempt in range(5):
            try:
                user.last_login_at = utcnow()
                audit.save(user, action='login')
                return
            except ConflictError:   # re-read the row the other login saved and stamp it again
                user = User.get_by_id(user.id)


@bp.route('/login', methods=('GET', 'POST'))
def login():
    """Show the login form; on success go to NEXT when it is a local URL."""
    form = LoginForm(next=request.args.get('next', ''))
    if form.validate_on_submit():
        limits = logins.Limits.from_config(current_app.config)
        wait = logins.wait_seconds(form.username.data, request.remote_addr)
        user = None if wait else authenticate(form.username.data, form.password.data)
        if wait:
            _flash_locked(wait)
        elif user is None:
            lock = logins.record_failure(form.username.data, request.remote_addr, limits)
            if lock:
                _flash_locked(lock)
            else:
                flash(_('Wrong username or password, or the account is disabled.'), 'error')
        else:
            logins.forget(user.username)
            session.clear()
            session.permanent = True   # expires after PERMANENT_SESSION_LIFETIME
            login_user(SessionUser(user))
            _record_login(user)
            return redirect(local_target(form.next.data) or url_for('admin.index'))
    return render_template('ltc_admin/login.html', form=form)


def _flash_locked(seconds):
    if seconds < 120:
        wait = _('%(seconds)s seconds', seconds=seconds)
    else:
        wait = _('%(minutes)s minutes', minutes=math.ceil(seconds / 60))
    flash(_('Too many failed logins for this username or from this address. Try again in %(wait)s; '
            'an administrator can lift the lock on a username by setting a new password.', wait=wait), 'error')


@bp.post('/logout')
def logout():
    """End every session of the user (POST with the CSRF token, so no other site can log a user out)."""
    if current_user.is_authenticated:
        with audit.acting_as(current_user.record, 'admin'):
            log_out(current_user.record)
    logout_user()
    lang = session.get('lang')
    session.clear()
    if lang:
        session['lang'] = lang
    flash(_('You have logged out.'), 'info')
    return redirect(url_for('ltc_auth.login'))


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = 'ltc_auth.login'
    login_manager.login_message = _l('Please log in to open this page.')
    app.register_blueprint(bp)

    @app.context_processor
    def _user():
        return {'current_user': current_user}
