"""Next-step buttons of the record pages: record actions that translate a small form into one command.

Who may press each is the gate's rule for what the step creates (`gate.rule_for(...).create`) and the
command's own rule (`when`); the command checks again when it runs.
"""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms import validators as V

from ...db import utcnow
from ...models import (Contact, Contract, Customer, DecisionRole, FollowUp, OpportunityContact,
                       OpportunityProduct, Payment, PaymentPlan, Quote)
from ...models import choices as C
from ...services import followups, gate, opportunities, quotes, receivables
from ..actions import InputForm, Landing, RecordAction
from ..dates import DateField, DateTimeField
from ..i18n import lang, name_of
from ..labels import LABELS
from ..listing import in_scope


def _pairs(choices):
    return [(v, choices.label(v, lang())) for v in choices.values]


def _open_deal(row):
    return not (row.stage.is_won or row.stage.is_lost)


# -- log a follow-up (lead, opportunity, quote, contract, payment plan) -------------------------
class FollowUpForm(InputForm):
    kind = SelectField(LABELS['kind'], choices=[], validators=[V.InputRequired()])
    happened_at = DateTimeField(LABELS['happened_at'], validators=[V.Optional()],
                                description=_l('Leave empty for now.'))
    summary = TextAreaField(LABELS['summary'], validators=[V.InputRequired(), V.Length(max=2000)])
    next_contact_on = DateField(LABELS['next_contact_on'], validators=[V.Optional()])
    is_major = BooleanField(LABELS['is_major'])

    def prepare(self, rows):
        self.kind.choices = _pairs(C.FOLLOWUP_KINDS)


def followup_links(row):
    """Return what a follow-up logged on ROW names: {lead, opportunity, customer, contract, plan}.

    A quote's follow-up is its opportunity's (or its customer's); a contract's and a payment plan's are
    collection follow-ups naming the contract and the plan, counted on the customer.
    """
    if isinstance(row, Quote):
        return {'customer': row.customer_id, 'opportunity': row.opportunity_id}
    if isinstance(row, Contract):
        return {'customer': row.customer_id, 'contract': row.id}
    if isinstance(row, PaymentPlan):
        contract = Contract.get_by_id(row.contract_id)
        return {'customer': contract.customer_id, 'contract': contract.id, 'plan': row.id}
    on = type(row).__name__.lower()
    return {'customer': getattr(row, 'customer_id', None) or getattr(row, 'converted_customer_id', None),
            'lead': row.id if on == 'lead' else None, 'opportunity': row.id if on == 'opportunity' else None}


def _log_followup(view, rows, form, by):
    from ...models import Lead, Opportunity
    for row in rows:
        values = {k: v for k, v in followup_links(row).items() if v is not None}
        gate.check_write(by, FollowUp(kind=form.kind.data, summary=form.summary.data, **values), 'create',
                         fields=['kind', 'summary'] + list(values),
                         values=dict(values, kind=form.kind.data, summary=form.summary.data))
        records = {'customer': Customer, 'lead': Lead, 'opportunity': Opportunity, 'contract': Contract,
                   'plan': PaymentPlan}
        named = {k: records[k].get_by_id(v) for k, v in values.items()}
        if 'lead' in named or 'opportunity' in named:
            named.pop('customer', None)   # the command takes the customer from the lead or opportunity
        followup = followups.record_followup(
            by=by, kind=form.kind.data, summary=form.summary.data, happened_at=form.happened_at.data,
            next_contact_on=form.next_contact_on.data, is_major=form.is_major.data, **named)
    return _('Follow-up %(code)s was logged.', code=followup.code)


LOG_FOLLOWUP = RecordAction('log_followup', _l('Log follow-up'), _log_followup, form=FollowUpForm,
                            roles=gate.rule_for(FollowUp).create, reader=True,   # a team member logs one too
                            defaults=lambda rows: {'kind': 'call',
                                                   'happened_at': utcnow().replace(second=0, microsecond=0)})


# -- add a decision-chain member (opportunity) -----------------------------------------------
class ChainForm(InputForm):
    contact = SelectField(LABELS['contact'], choices=[], validators=[V.InputRequired()],
                          description=_l('Contacts of the customer and its group; add a new person under '
                                         'Customers → Contacts first.'))
    role = SelectField(LABELS['role'], choices=[], validators=[V.InputRequired()])
    attitude = SelectField(LABELS['attitude'], choices=[], validators=[V.InputRequired()])
    influence = SelectField(LABELS['influence'], choices=[], validators=[V.InputRequired()])
    notes = StringField(LABELS['notes'], validators=[V.Optional(), V.Length(max=255)])

    def prepare(self, rows):
        customer = Customer.get_by_id(rows[0].customer_id)
        group = {customer.id, customer.parent_id} | {c.id for c in customer.subsidiaries}
        contacts = in_scope(Contact.select().where(Contact.customer.in_([g for g in group if g])), Contact,
                            current_user).order_by(Contact.is_key_decision_maker.desc(), Contact.id)
        self.contact.choices = [('', '—')] + [(str(c.id), f'{c.code} {name_of(c)}' + (f' · {c.title}' if c.title
                                                                                        else ''))
                                              for c in contacts]
        self.role.choices = [(str(r.id), name_of(r)) for r in DecisionRole.select().order_by(DecisionRole.sequence)]
        self.attitude.choices = _pairs(C.ATTITUDES)
        self.influence.choices = _pairs(C.INFLUENCE)


def _add_chain(view, rows, form, by):
    contact = in_scope(Contact.select(), Contact, current_user).where(Contact.id == int(form.contact.data)).first()
    role = DecisionRole.get_by_id(int(form.role.data))
    for row in rows:
        if contact is None:
            raise gate.not_found(Contact, form.contact.data)
        values = {'opportunity': row.id, 'contact': contact.id, 'role': role.id,
                  'attitude': form.attitude.data, 'influence': form.influence.data}
        gate.check_write(by, OpportunityContact(**values), 'create', fields=list(values), values=values)
        opportunities.add_decision_contact(row, contact, role, attitude=form.attitude.data,
                                           influence=form.influence.data, by=by, notes=form.notes.data or None)
    return _('%(name)s is in the decision chain as %(role)s.', name=name_of(contact), role=name_of(role))


ADD_CHAIN = RecordAction('add_chain_member', _l('Add to decision chain'), _add_chain, form=ChainForm,
                         roles=gate.rule_for(OpportunityContact).create, when=_open_deal,
                         defaults=lambda rows: {'attitude': 'neutral', 'influence': 'medium'})


# -- new quote from an opportunity -----------------------------------------------------------
class QuoteForm(InputForm):
    title = StringField(LABELS['title'], validators=[V.InputRequired(), V.Length(max=200)])
    valid_until = DateField(LABELS['valid_until'], validators=[V.Optional()])

    def prepare(self, rows):
        pass


def _new_quote(view, rows, form, by):
    quote = None
    for row in rows:
        values = {'customer': row.customer_id, 'opportunity': row.id, 'title': form.title.data}
        gate.check_write(by, Quote(**values), 'create', fields=list(values), values=values)
        lines = [{'product': line.product, 'quantity': line.quantity, 'unit_price': line.unit_price}
                 for line in OpportunityProduct.select().where(OpportunityProduct.opportunity == row.id)
                 .order_by(OpportunityProduct.id)]
        quote = quotes.create_quote(Customer.get_by_id(row.customer_id), form.title.data,
                                    valid_until=form.valid_until.data, opportunity=row, currency=row.currency,
                                    lines=lines)
    # The new quote's page is where its lines are checked and edited next.
    message = (_('Draft quote %(code)s created with the products of the opportunity; check its lines.',
                 code=quote.code) if lines else
               _('Draft quote %(code)s created; add its lines with Edit lines.', code=quote.code))
    return Landing(message, url_for('quote.details_view', id=quote.id))


NEW_QUOTE = RecordAction('new_quote', _l('New quote'), _new_quote, form=QuoteForm,
                         roles=gate.rule_for(Quote).create, when=_open_deal,
                         defaults=lambda rows: {'title': rows[0].name})


# -- record a payment (contract, payment plan) -----------------------------------------------
class PaymentForm(InputForm):
    plan = SelectField(LABELS['plan'], choices=[], validators=[V.Optional()])
    amount = StringField(LABELS['amount'], validators=[V.InputRequired()])
    received_on = DateField(LABELS['received_on'], validators=[V.Optional()],
                            description=_l('Leave empty for today.'))
    method = SelectField(LABELS['method'], choices=[], validators=[V.InputRequired()])
    reference = StringField(LABELS['reference'], validators=[V.Optional(), V.Length(max=120)])

    def prepare(self, rows):
        row = rows[0]
        self.method.choices = _pairs(C.PAYMENT_METHODS)
        if isinstance(row, PaymentPlan):
            del self['plan']
            return
        self.plan.choices = [(str(p.id), f'{p.code} · #{p.sequence} · {p.amount - p.paid_amount:,.2f}')
                             for p in _open_plans(row)]


def _open_plans(contract):
    return PaymentPlan.select().where(PaymentPlan.contract == contract.id,
                                      PaymentPlan.status.in_(receivables.OPEN)).order_by(PaymentPlan.sequence,
                                                                                         PaymentPlan.id)


def _payable(row):
    contract = row if isinstance(row, Contract) else Contract.get_by_id(row.contract_id)
    if contract.status not in receivables.PAYABLE:
        return False
    return row.status in receivables.OPEN if isinstance(row, PaymentPlan) else _open_plans(row).exists()


def _payment_defaults(rows):
    row = rows[0]
    plan = row if isinstance(row, PaymentPlan) else _open_plans(row).first()
    data = {'method': 'bank_transfer'}
    if plan is not None:
        data['amount'] = f'{plan.amount - plan.paid_amount:.2f}'
        if not isinstance(row, PaymentPlan):
            data['plan'] = str(plan.id)
    return data


def _record_payment(view, rows, form, by):
    amount = (form.amount.data or '').replace(',', '').replace('，', '').strip()
    done = []
    for row in rows:
        contract = row if isinstance(row, Contract) else Contract.get_by_id(row.contract_id)
        if isinstance(row, PaymentPlan):
            plan = row
        else:
            plan = PaymentPlan.get_or_none(PaymentPlan.id == int(form.plan.data)) if form.plan.data else None
        done += receivables.record_payment(contract, amount, plan=plan, received_on=form.received_on.data,
                                           method=form.method.data, reference=form.reference.data or None, by=by)
    return _('Payment %(codes)s was recorded.', codes=', '.join(p.code for p in done))


RECORD_PAYMENT = RecordAction('record_payment', _l('Record payment'), _record_payment, form=PaymentForm,
                              roles=gate.rule_for(Payment).create, when=_payable, defaults=_payment_defaults)
