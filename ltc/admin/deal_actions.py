"""Opportunity, quote, contract, milestone and reminder operations offered in the admin."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..models import Stage
from ..services import contracts, diagnosis, opportunities, quotes, reminders
from .actions import RecordAction
from .i18n import name_of

MANAGERS = ('admin', 'manager')


def _stages(view, rows):
    return [(str(s.id), f'{name_of(s)} ({s.probability}%)') for s in Stage.select().order_by(Stage.sequence)]


def _move(view, rows, form, by):
    stage = Stage.get_by_id(int(form.choice.data))
    for opportunity in rows:
        opportunities.move_stage(opportunity, stage, by=by, reason=form.reason.data)
        diagnosis.diagnose(opportunity, by=by)
    return _('Moved to stage %(stage)s.', stage=name_of(stage))


def _diagnose(view, rows, form, by):
    for opportunity in rows:
        diagnosis.diagnose(opportunity, by=by)
    return _('%(count)s opportunities were diagnosed.', count=len(rows))


def _open(row):
    return not (row.stage.is_won or row.stage.is_lost)


OPPORTUNITY_ACTIONS = (
    RecordAction('move_stage', _l('Move stage'), _move, inputs=('choice', 'reason'), choices=_stages,
                 choice_label=_l('New stage')),
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
        warnings = opportunities.decision_chain_warnings(opportunity)
        if warnings:
            panels.append((_('Decision chain'), warnings, 'warning'))
    return panels


def _send(view, rows, form, by):
    for quote in rows:
        quotes.send_quote(quote)
    return _('%(count)s quotes were sent.', count=len(rows))


def _accept(view, rows, form, by):
    links = []
    for quote in rows:
        contract = quotes.accept_quote(quote, by=by)
        links.append(Markup('<a href="{}">{}</a>').format(url_for('contract.details_view', id=contract.id),
                                                         contract.code))
    return Markup('{} {}').format(_('Contract draft created:'), Markup(', ').join(links))


def _reject_quote(view, rows, form, by):
    for quote in rows:
        quotes.reject_quote(quote, reason=form.reason.data)
    return _('%(count)s quotes were rejected.', count=len(rows))


QUOTE_ACTIONS = (
    RecordAction('send', _l('Mark sent'), _send, when=lambda r: r.status == 'draft'),
    RecordAction('accept', _l('Accept → contract'), _accept, when=lambda r: r.status in ('draft', 'sent')),
    RecordAction('reject', _l('Customer rejected'), _reject_quote, inputs=('reason',),
                 when=lambda r: r.status in ('draft', 'sent')),
)


def _step(fn, done):
    def run(view, rows, form, by):
        for contract in rows:
            fn(contract, by)
        return done()
    return run


def _approve(view, rows, form, by):
    for contract in rows:
        contracts.approve(contract, by, comment=form.reason.data if form else None)
    return _('%(count)s contracts were approved.', count=len(rows))


def _reject(view, rows, form, by):
    for contract in rows:
        contracts.reject(contract, by, comment=form.reason.data)
    return _('%(count)s contracts were sent back to draft.', count=len(rows))


def _terminate(view, rows, form, by):
    for contract in rows:
        contracts.terminate(contract, by=by, reason=form.reason.data)
    return _('%(count)s contracts were terminated.', count=len(rows))


CONTRACT_ACTIONS = (
    RecordAction('submit', _l('Submit for approval'),
                 _step(lambda c, by: contracts.submit(c, by=by), lambda: _('Submitted for approval.')),
                 when=lambda r: r.status == 'draft'),
    RecordAction('approve', _l('Approve'), _approve, inputs=('reason',), roles=MANAGERS,
                 when=lambda r: r.status == 'pending_approval'),
    RecordAction('reject', _l('Reject'), _reject, inputs=('reason',), roles=MANAGERS,
                 when=lambda r: r.status == 'pending_approval'),
    RecordAction('activate', _l('Start execution'),
                 _step(lambda c, by: contracts.activate(c, by=by), lambda: _('The contract is executing.')),
                 when=lambda r: r.status == 'effective'),
    RecordAction('complete', _l('Complete'),
                 _step(lambda c, by: contracts.complete(c, by=by), lambda: _('The contract is completed.')),
                 when=lambda r: r.status == 'executing'),
    RecordAction('terminate', _l('Terminate'), _terminate, inputs=('reason',),
                 when=lambda r: r.status in ('draft', 'pending_approval', 'effective', 'executing')),
)


def _accept_milestone(view, rows, form, by):
    for milestone in rows:
        contracts.accept_milestone(milestone, accepted_on=form.on.data, by=by)
    return _('%(count)s milestones were accepted.', count=len(rows))


MILESTONE_ACTIONS = (
    RecordAction('accept_milestone', _l('Accept delivery'), _accept_milestone, inputs=('on',),
                 when=lambda r: r.status != 'accepted'),
)


def _mark_read(view, rows, form, by):
    count = reminders.mark_read(by, codes=[r.code for r in rows])
    return _('%(count)s reminders were marked read.', count=count)


REMINDER_ACTIONS = (
    RecordAction('mark_read', _l('Mark read'), _mark_read, bulk=True, when=lambda r: r.read_at is None),
)
