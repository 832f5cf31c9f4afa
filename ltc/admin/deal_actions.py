"""Opportunity, quote, contract, milestone, care-task and reminder operations offered in the admin."""
from flask import flash, url_for
from flask_login import current_user
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import SelectField, StringField, TextAreaField
from wtforms import validators as V

from ..models import Contract, QuoteLine, Stage
from ..models.choices import CONTRACT_STATUSES
from ..services import approvals, care, contracts, diagnosis, opportunities, quotes, reminders
from ..services.messages import text
from .actions import InputForm, Landing, RecordAction
from .dates import DateField
from .i18n import lang, name_of
from .labels import LABELS

# Roles that may decide an approval step: managers and admins by the org tree, designated approvers
# by name (ltc/services/approvals.py decides who exactly).
DECIDERS = ('admin', 'manager', 'finance')



def _stages(view, rows):
    # A blank first entry: nothing is chosen unless the user (or the next-stage default) chose it.
    return [('', _('— choose the new stage —'))] + [
        (str(s.id), f'{name_of(s)} ({s.probability}%)') for s in Stage.select().order_by(Stage.sequence)]


def next_stage(opportunity):
    """Return the stage after OPPORTUNITY's (Lost is never "next"), or None at the end."""
    current = Stage.get_by_id(opportunity.stage_id)
    return (Stage.select().where(Stage.sequence > current.sequence, ~Stage.is_lost)
            .order_by(Stage.sequence).first())


def _next_stage_default(rows):
    stage = next_stage(rows[0])
    return {'choice': str(stage.id) if stage else ''}


def _move(view, rows, form, by):
    stage = Stage.get_by_id(int(form.choice.data))
    for opportunity in rows:
        opportunities.move_stage(opportunity, stage, by=by, reason=form.reason.data)
        diagnosis.diagnose(opportunity, by=by)
    return _('Moved to stage %(stage)s.', stage=name_of(stage))


def _diagnose(view, rows, form, by):
    for opportunity in rows:
        diagnosis.diagnose(opportunity, by=by)
    return ngettext('%(num)d opportunity was diagnosed.', '%(num)d opportunities were diagnosed.', len(rows))


def _open(row):
    return not (row.stage.is_won or row.stage.is_lost)


OPPORTUNITY_ACTIONS = (
    RecordAction('move_stage', _l('Move stage'), _move, inputs=('choice', 'reason'), choices=_stages,
                 choice_label=_l('New stage'), defaults=_next_stage_default),
    RecordAction('diagnose', _l('Diagnose'), _diagnose, bulk=True, when=_open),
)


def opportunity_panels(opportunity):
    """Return the health diagnosis and decision-chain warnings of OPPORTUNITY."""
    reasons = [line for line in (opportunity.health_reasons or '').splitlines() if line.strip()]
    score = opportunity.health_score
    kind = 'success' if (score or 0) >= 70 else 'warning' if (score or 0) >= 40 else 'danger'
    panels = [(_('Health score %(score)s / 100', score='—' if score is None else score),
               reasons or [_('Not diagnosed yet; use "Diagnose".')], kind)]
    if _open(opportunity):
        # each warning is 'English / 中文': the reader's half only
        half = 0 if lang() == 'en' else 1
        warnings = [w.split(' / ')[half] if w.count(' / ') == 1 else w
                    for w in opportunities.decision_chain_warnings(opportunity)]
        if warnings:
            panels.append((_('Decision chain'), warnings, 'warning'))
    return panels


def _has_lines(quote):
    # A quote without lines is refused when sent or accepted (rule quote-lines): no button until it has one.
    return QuoteLine.select(QuoteLine.id).where(QuoteLine.quote == quote.id).exists()


def _submit_quote(view, rows, form, by):
    for quote in rows:
        quotes.submit_quote(quote, by=by)
    return _('Submitted for approval.')


def _approve_quote(view, rows, form, by):
    for quote in rows:
        done = quotes.approve_quote(quote, by, comment=form.reason.data if form else None)
        if done.remaining:
            flash(_('Quote %(code)s: your step is approved; waiting for %(next)s.', code=done.code,
                    next=', '.join(approvals.describe_step(s, lang()) for s in done.remaining)), 'info')
    return ngettext('%(num)d approval was recorded.', '%(num)d approvals were recorded.', len(rows))


def _reject_quote_approval(view, rows, form, by):
    for quote in rows:
        quotes.reject_approval(quote, by, comment=form.reason.data)
    return ngettext('%(num)d quote was sent back to draft.', '%(num)d quotes were sent back to draft.', len(rows))


def _may_decide(row):
    return row.status == 'pending_approval' and approvals.may_decide(row, current_user)


def _send(view, rows, form, by):
    for quote in rows:
        quotes.send_quote(quote)
    return ngettext('%(num)d quote was sent.', '%(num)d quotes were sent.', len(rows))


def _accept(view, rows, form, by):
    links = []
    for quote in rows:
        contract = quotes.accept_quote(quote, by=by)
        links.append(Markup('<a href="{}">{}</a>').format(url_for('contract.details_view', id=contract.id),
                                                         contract.code))
    message = Markup('{} {}').format(_('Contract draft created:'), Markup(', ').join(links))
    # One quote accepted: its contract's page is where the deal goes on (approval, plans, payments).
    return Landing(message, url_for('contract.details_view', id=contract.id)) if len(rows) == 1 else message


def _reject_quote(view, rows, form, by):
    for quote in rows:
        quotes.reject_quote(quote, reason=form.reason.data)
    return ngettext('%(num)d quote was rejected.', '%(num)d quotes were rejected.', len(rows))


class ValidityForm(InputForm):
    valid_until = DateField(LABELS['valid_until'], validators=[V.InputRequired()],
                            description=_l('The new last day on which the customer may accept the quote.'))


def _extend(view, rows, form, by):
    for quote in rows:
        quotes.extend_validity(quote, form.valid_until.data)
    return _('The validity was extended to %(date)s.', date=form.valid_until.data.isoformat())


QUOTE_ACTIONS = (
    RecordAction('submit_approval', _l('Submit for approval'), _submit_quote,
                 when=lambda r: r.status == 'draft' and not quotes.approval_covers(r)),
    RecordAction('approve_quote', _l('Approve'), _approve_quote, inputs=('reason',), roles=DECIDERS,
                 when=_may_decide),
    RecordAction('reject_quote_approval', _l('Reject'), _reject_quote_approval, inputs=('reason',),
                 roles=DECIDERS, when=_may_decide),
    RecordAction('send', _l('Mark sent'), _send,
                 when=lambda r: r.status in ('draft', 'approved') and _has_lines(r) and quotes.approval_covers(r)),
    RecordAction('accept', _l('Accept → contract'), _accept,
                 when=lambda r: r.status in ('draft', 'approved', 'sent') and _has_lines(r)
                 and quotes.approval_covers(r)),
    RecordAction('reject', _l('Customer rejected'), _reject_quote, inputs=('reason',),
                 when=lambda r: r.status in quotes.EDITABLE),
    RecordAction('extend_validity', _l('Extend validity'), _extend, form=ValidityForm,
                 defaults=lambda rows: {'valid_until': rows[0].valid_until},
                 when=lambda r: r.status in quotes.EDITABLE),
)


def _step(fn, done):
    def run(view, rows, form, by):
        for contract in rows:
            fn(contract, by)
        return done()
    return run


def _approve(view, rows, form, by):
    for contract in rows:
        approved = contracts.approve(contract, by, comment=form.reason.data if form else None)
        if approved.remaining:
            flash(_('Contract %(code)s: your step is approved; waiting for %(next)s.', code=approved.code,
                    next=', '.join(approvals.describe_step(s, lang()) for s in approved.remaining)), 'info')
        if approved.opportunity_note is not None:
            flash(_('Contract %(code)s is approved, but its opportunity stays where it is: %(error)s',
                    code=approved.code, error=text(approved.opportunity_note, lang())), 'warning')
    return ngettext('%(num)d approval was recorded.', '%(num)d approvals were recorded.', len(rows))


def _reject(view, rows, form, by):
    for contract in rows:
        contracts.reject(contract, by, comment=form.reason.data)
    return ngettext('%(num)d contract was sent back to draft.', '%(num)d contracts were sent back to draft.', len(rows))


def _terminate(view, rows, form, by):
    for contract in rows:
        contracts.terminate(contract, by=by, reason=form.reason.data)
    return ngettext('%(num)d contract was terminated.', '%(num)d contracts were terminated.', len(rows))


class RenewForm(InputForm):
    start_on = DateField(LABELS['start_on'], validators=[V.Optional()],
                         description=_l('Leave empty for the day after the current end date.'))
    end_on = DateField(LABELS['end_on'], validators=[V.InputRequired()])
    title = StringField(LABELS['title'], validators=[V.Optional(), V.Length(max=200)],
                        description=_l('Leave empty to keep the current title.'))


def _renew(view, rows, form, by):
    links = []
    for contract in rows:
        renewal = contracts.renew(contract, by=by, start_on=form.start_on.data, end_on=form.end_on.data,
                                  title=(form.title.data or '').strip() or None)
        links.append(Markup('<a href="{}" class="renewal-link">{}</a>').format(
            url_for('contract.details_view', id=renewal.id), renewal.code))
    return Markup('{} {}').format(_('Renewal draft created:'), Markup(', ').join(links))


def contract_panels(view, contract):
    """Return what CONTRACT renews and the renewals made of it (those the user may see)."""
    lines = []
    if contract.renewal_of_id:
        lines.append(_('Renews %(code)s.', code=Contract.get_by_id(contract.renewal_of_id).code))
    renewals = view.scoped(Contract.select().where(Contract.renewal_of == contract.id)).order_by(Contract.id)
    for renewal in renewals:
        lines.append(_('Renewed by %(code)s (%(status)s).', code=renewal.code,
                       status=CONTRACT_STATUSES.label(renewal.status, lang())))
    return [(_('Renewal'), lines, 'info')] if lines else []


CONTRACT_ACTIONS = (
    RecordAction('submit', _l('Submit for approval'),
                 _step(lambda c, by: contracts.submit(c, by=by), lambda: _('Submitted for approval.')),
                 when=lambda r: r.status == 'draft'),
    # Shown to whoever may decide the contract's current step (ltc/services/approvals.py); the
    # service checks it again on the click.
    RecordAction('approve', _l('Approve'), _approve, inputs=('reason',), roles=DECIDERS, when=_may_decide),
    RecordAction('reject', _l('Reject'), _reject, inputs=('reason',), roles=DECIDERS, when=_may_decide),
    RecordAction('activate', _l('Start execution'),
                 _step(lambda c, by: contracts.activate(c, by=by), lambda: _('The contract is executing.')),
                 when=lambda r: r.status == 'effective'),
    RecordAction('complete', _l('Complete'),
                 _step(lambda c, by: contracts.complete(c, by=by), lambda: _('The contract is completed.')),
                 when=lambda r: r.status == 'executing'),
    RecordAction('terminate', _l('Terminate'), _terminate, inputs=('reason',),
                 when=lambda r: r.status in ('draft', 'pending_approval', 'effective', 'executing')),
    RecordAction('renew', _l('Renew'), _renew, form=RenewForm,
                 when=lambda r: r.status in contracts.RENEWABLE and contracts.current_renewal(r) is None),
)


def _accept_milestone(view, rows, form, by):
    for milestone in rows:
        contracts.accept_milestone(milestone, accepted_on=form.on.data, by=by)
    return ngettext('%(num)d milestone was accepted.', '%(num)d milestones were accepted.', len(rows))


MILESTONE_ACTIONS = (
    RecordAction('accept_milestone', _l('Accept delivery'), _accept_milestone, inputs=('on',),
                 when=lambda r: r.status != 'accepted'),
)


SCORES = [('', '—')] + [(str(n), str(n)) for n in range(1, 6)]


class CareDoneForm(InputForm):
    satisfaction = SelectField(LABELS['satisfaction'], choices=SCORES, validators=[V.Optional()],
                               description=_l('1 (very unhappy) to 5 (very happy); return visits and '
                                              'surveys need one.'))
    notes = TextAreaField(LABELS['notes'], validators=[V.Optional(), V.Length(max=2000)])


def _complete_care(view, rows, form, by):
    score = form.satisfaction.data or None
    for task in rows:
        care.complete_task(task, satisfaction=score, notes=form.notes.data or None, by=by)
    return ngettext('%(num)d care task was completed.', '%(num)d care tasks were completed.', len(rows))


def _cancel_care(view, rows, form, by):
    for task in rows:
        care.cancel_task(task, form.reason.data)
    return ngettext('%(num)d care task was cancelled.', '%(num)d care tasks were cancelled.', len(rows))


CARE_ACTIONS = (
    RecordAction('complete_care', _l('Complete'), _complete_care, form=CareDoneForm, bulk=True,
                 defaults=lambda rows: {'satisfaction': str(rows[0].satisfaction or ''), 'notes': rows[0].notes},
                 when=lambda r: r.status == 'open'),
    RecordAction('cancel_care', _l('Cancel task'), _cancel_care, inputs=('reason',), bulk=True,
                 when=lambda r: r.status == 'open'),
)


def _mark_read(view, rows, form, by):
    count = reminders.mark_read(by, codes=[r.code for r in rows])
    return ngettext('%(num)d reminder was marked read.', '%(num)d reminders were marked read.', count)


REMINDER_ACTIONS = (
    RecordAction('mark_read', _l('Mark read'), _mark_read, bulk=True, when=lambda r: r.read_at is None),
)
