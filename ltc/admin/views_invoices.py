"""Invoices (发票): request one on a plan, then issue, send or reverse it by its actions."""
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms import validators as V

from ..models import Invoice
from ..services import invoices
from . import filters as F
from .actions import InputForm, RecordAction, RecordActionsMixin
from .base import SecureModelView, role
from .dates import DateField
from .labels import LABELS

FINANCE = ('admin', 'ops', 'finance')


class IssueForm(InputForm):
    number = StringField(LABELS['number'], validators=[V.InputRequired(), V.Length(max=40)])
    issued_on = DateField(LABELS['issued_on'], validators=[V.Optional()], description=_l('Empty: today.'))


def _issue(view, rows, form, by):
    for invoice in rows:
        invoices.issue(invoice, form.number.data, form.issued_on.data, by=by)
    return _('The invoice is issued.')


def _send(view, rows, form, by):
    for invoice in rows:
        invoices.send(invoice, by=by)
    return ngettext('%(num)d invoice was marked sent.', '%(num)d invoices were marked sent.', len(rows))


def _reverse(view, rows, form, by):
    for invoice in rows:
        invoices.reverse(invoice, form.reason.data, by=by)
    return ngettext('%(num)d invoice was reversed.', '%(num)d invoices were reversed.', len(rows))


INVOICE_ACTIONS = (
    RecordAction('issue', _l('Issue'), _issue, form=IssueForm, roles=FINANCE, when=lambda r: r.status == 'requested'),
    RecordAction('send_invoice', _l('Mark sent'), _send, roles=FINANCE, bulk=True, when=lambda r: r.status == 'issued'),
    RecordAction('reverse', _l('Reverse (红冲)'), _reverse, inputs=('reason',), roles=FINANCE,
                 when=lambda r: r.status != 'reversed'),
)


class InvoiceView(RecordActionsMixin, SecureModelView):
    roles = ('admin', 'manager', 'sales', 'ops', 'finance')
    allow_edit = allow_delete = False   # an invoice moves by its actions; a wrong one is reversed
    record_actions = INVOICE_ACTIONS
    column_list = ('code', 'plan', 'contract', 'customer', 'kind', 'status', 'number', 'issued_on', 'amount',
                   'tax_rate', 'tax_amount')
    column_sortable_list = ('code', 'status', 'issued_on', 'created_at')
    column_filters = F.auto(Invoice.status, Invoice.issued_on)
    search_fields = (('code', 'code'), ('number', 'code'))
    form_columns = ('plan', 'amount', 'kind', 'tax_rate', 'notes')
    form_ajax_refs = {'plan': {'fields': ['code'], 'page_size': 10}}
    form_args = {'amount': {'description': _l('With tax; empty or 0: what the plan has left to invoice.'),
                            'validators': [V.Optional()]}}

    @property
    def can_act(self):
        return role() in self.roles

    def persist(self, form, model, is_created):
        from flask_login import current_user
        done = invoices.request_invoice(model.plan_id and model.plan, model.amount or None, kind=model.kind,
                                        tax_rate=model.tax_rate, by=current_user.record, notes=model.notes)
        model.__data__.update(done.__data__)
        model._dirty.clear()
