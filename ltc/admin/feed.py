"""The team feed page: a department's stage moves, wins, losses and major follow-ups, scoped to the user."""
import datetime

from flask import abort, request, url_for
from flask_admin import BaseView, expose
from flask_admin.form import BaseForm
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField
from wtforms import validators as V

from ..db import utcnow
from ..models import Department
from ..services import scope
from ..services.opportunities import department_feed
from . import formatters
from .base import RoleGate
from .i18n import name_of

FEED_ROLES = ('admin', 'manager', 'sales', 'ops')
DAYS = (7, 30, 90, 365)
LIMITS = (20, 50, 100)
KINDS = {'stage': (_l('Stage move'), 'info'), 'won': (_l('Won'), 'success'), 'lost': (_l('Lost'), 'danger'),
         'followup': (_l('Major follow-up'), 'secondary')}


class FeedForm(BaseForm):
    """The period and length of the feed (a GET form: it changes nothing, so no CSRF token)."""
    days = SelectField(_l('Period'), default='30', validators=[V.Optional()],
                       choices=[(str(d), _l('Last %(days)s days', days=d)) for d in DAYS])
    limit = SelectField(_l('Show at most'), default='50', validators=[V.Optional()],
                        choices=[(str(n), str(n)) for n in LIMITS])


def departments(user):
    """Return the departments whose feed USER may open: all for admin/ops, else their own subtree."""
    query = Department.select().order_by(Department.id)
    if scope.visible_user_ids(user) is None:
        return list(query)
    if not user.department_id:
        return []
    return list(query.where(Department.id.in_(Department.get_by_id(user.department_id).subtree_ids())))


def linked(items):
    """Return ITEMS, each with the details link of its opportunity or follow-up."""
    out = []
    for item in items:
        endpoint = 'followup' if item['kind'] == 'followup' else 'opportunity'
        out.append({**item, 'url': url_for(f'{endpoint}.details_view', id=item['id'])})
    return out


class FeedView(RoleGate, BaseView):
    """Read-only page over opportunities.department_feed, which keeps to the records the user may see."""

    roles = FEED_ROLES

    @expose('/')
    def index(self):
        user = current_user.record
        allowed = departments(user)
        chosen = self._department(allowed, user)
        form = FeedForm(request.args)
        items = None
        if form.validate() and chosen is not None:
            days, limit = int(form.days.data or form.days.default), int(form.limit.data or form.limit.default)
            items = linked(department_feed(chosen, since=utcnow() - datetime.timedelta(days=days), limit=limit,
                                           user=user))
        return self.render('ltc_admin/feed.html', form=form, departments=allowed, chosen=chosen, items=items,
                           kinds=KINDS, name_of=name_of, fmt=formatters)

    @staticmethod
    def _department(allowed, user):
        """Return the department asked for (404 when not one the user may open), else the user's own."""
        asked = request.args.get('department')
        if asked:
            found = [d for d in allowed if str(d.id) == asked.strip()]
            if not found:
                abort(404)
            return found[0]
        own = [d for d in allowed if d.id == user.department_id]
        return (own or allowed or [None])[0]
