"""The admin home page: counts in the user's scope, unread reminders and the dashboard charts."""
import datetime

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from ..models import Contract, Customer, Lead, Opportunity, PaymentPlan, Stage
from ..services import dashboard, reminders, scope
from .listing import COUNT_CAP, capped_count, in_scope


def _count(model, query):
    return capped_count(in_scope(query, model, current_user))


def counts():
    """Return [(key, label key, count or None when above the cap, list endpoint)] for the home page."""
    today = datetime.date.today()
    role = scope.role_of(current_user)
    rows = []
    if role != 'finance':
        rows += [
            ('leads_open', _count(Lead, Lead.select(Lead.id).where(
                Lead.status.not_in(('converted', 'disqualified'))) ), 'lead.index_view'),
            ('customers', _count(Customer, Customer.select(Customer.id)), 'customer.index_view'),
            ('pool', _count(Customer, Customer.select(Customer.id).where(Customer.owner.is_null())),
             'customer.index_view'),
            ('opportunities_open', _count(Opportunity, Opportunity.select(Opportunity.id).join(Stage).where(
                ~Stage.is_won, ~Stage.is_lost)), 'opportunity.index_view'),
        ]
    rows += [
        ('contracts_active', _count(Contract, Contract.select(Contract.id).where(
            Contract.status.in_(('effective', 'executing')))), 'contract.index_view'),
        ('plans_overdue', _count(PaymentPlan, PaymentPlan.overdue(today).select(PaymentPlan.id)),
         'paymentplan.index_view'),
    ]
    return rows


class DashboardView(AdminIndexView):
    """Home page: counts and the charts of ltc.services.dashboard (drawn by static/ltc_charts.js)."""

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for('ltc_auth.login', next=request.full_path))

    @expose('/')
    def index(self):
        unread = reminders.unread_count(current_user)
        return self.render('ltc_admin/index.html', counts=counts(), count_cap=COUNT_CAP, unread=unread,
                           chart_data=dashboard.dashboard_data(current_user.record))


def unread_badge():
    """Return the logged-in user's unread reminder count for the menu badge (None when logged out)."""
    if not current_user.is_authenticated:
        return None
    return reminders.unread_count(current_user)


def init_app(app):
    app.jinja_env.globals['ltc_unread'] = unread_badge
