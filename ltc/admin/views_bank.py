"""Bank receipts (matched to a suggested plan by their action), dunning steps and exchange rates."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..models import BankReceipt, DunningStep, PaymentPlan, ReceiptMatch
from ..services import reconcile
from . import filters as F
from .actions import RecordAction, RecordActionsMixin
from .base import SecureModelView, role
from .views_sales import ReadOnlyLineView

FINANCE = ('admin', 'ops', 'finance')


def _suggested(view, rows):
    found = reconcile.PlanIndex().candidates(rows[0])
    return [('', _('— choose the plan —'))] + [
        (str(plan['id']), f'{plan["code"]} · {plan["contract"]} · {plan["outstanding"]:,.2f} · '
                          f'{", ".join(reasons)}') for _score, plan, reasons in found[:10]]


def _match(view, rows, form, by):
    plan = PaymentPlan.get_by_id(int(form.choice.data))
    reconcile.confirm([(rows[0], plan, None)], by=by)
    return _('The receipt is matched to plan %(plan)s and recorded as a payment.', plan=plan.code)


BANK_ACTIONS = (
    RecordAction('match', _l('Match to a plan'), _match, inputs=('choice',), choices=_suggested,
                 choice_label=_l('Suggested plans'), roles=FINANCE, when=lambda r: r.status != 'matched'),
)


class BankReceiptView(RecordActionsMixin, SecureModelView):
    roles = FINANCE
    allow_create = allow_edit = allow_delete = False   # statements come in by import (flask ltc bank import)
    record_actions = BANK_ACTIONS
    column_list = ('code', 'received_on', 'payer_name', 'payer_account', 'amount', 'matched_amount', 'currency',
                   'reference', 'status')
    column_sortable_list = ('code', 'received_on', 'status', 'created_at')
    column_filters = F.auto(BankReceipt.status, BankReceipt.received_on)
    search_fields = (('code', 'code'),)
    column_details_exclude_list = ('fingerprint', 'version')

    @property
    def can_act(self):
        return role() in self.roles


class ReceiptMatchView(ReadOnlyLineView):
    roles = FINANCE
    column_list = ('code', 'receipt', 'plan', 'payment', 'amount', 'confirmed_by', 'confirmed_at')
    column_filters = F.auto(ReceiptMatch.confirmed_at)


class DunningStepView(ReadOnlyLineView):
    """Dunning steps on overdue plans (recorded with `flask ltc collect dun`)."""
    roles = ('admin', 'manager', 'sales', 'ops', 'finance')
    column_list = ('code', 'plan', 'level', 'done_on', 'done_by', 'escalated_to', 'note')
    column_filters = F.auto(DunningStep.level, DunningStep.done_on)


class ExchangeRateView(SecureModelView):
    """Exchange rates by date: one unit of the currency in the base currency (setting currency.base)."""
    roles = ('admin', 'finance')
    delete_roles = ('admin',)
    column_list = ('currency', 'on', 'rate', 'created_by', 'updated_at')
    column_sortable_list = ('on', 'created_at')
    column_default_sort = ('on', True)
    form_columns = ('currency', 'on', 'rate')

    def persist(self, form, model, is_created):
        from flask_login import current_user
        from ..services.rates import set_rate
        saved = set_rate(model.currency, model.on, model.rate, by=current_user.record)
        model.__data__.update(saved.__data__)
        model._dirty.clear()
