"""Lead and customer operations offered in the admin, each calling its service in ltc.services."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import TextAreaField
from wtforms import validators as V

from ..services import assignment, customers, dedupe, leads, pool
from .actions import InputForm, RecordAction

OPEN = ('new', 'assigned', 'contacted', 'qualified')


def _assign(view, rows, form, by):
    counts = assignment.assign_leads(rows, by=by)
    return _('Assignment: %(assigned)s assigned, %(queued)s queued for managers, %(skipped)s skipped.', **counts)


def _rerun(view, rows, form, by):
    counts = assignment.rerun_assignment(rows, by=by)
    return _('Assignment: %(assigned)s assigned, %(queued)s queued for managers, %(skipped)s skipped.', **counts)


def _regrade(view, rows, form, by):
    for lead in rows:
        leads.grade_lead(lead, by=by)
    return ngettext('%(num)d lead was re-graded.', '%(num)d leads were re-graded.', len(rows))


def _convert(view, rows, form, by):
    links = []
    for lead in rows:
        done = leads.convert_lead(lead, by=by)
        parts = [Markup('<a href="{}">{}</a>').format(url_for('customer.details_view', id=done['customer'].id),
                                                     done['customer'].code)]
        if done['contact'] is not None:
            parts.append(Markup('<a href="{}">{}</a>').format(
                url_for('contact.details_view', id=done['contact'].id), done['contact'].code))
        if done['opportunity'] is not None:
            parts.append(Markup('<a href="{}">{}</a>').format(
                url_for('opportunity.details_view', id=done['opportunity'].id), done['opportunity'].code))
        links.append(Markup('{} → {}').format(lead.code, Markup(', ').join(parts)))
    return Markup('{} {}').format(_('Converted:'), Markup('; ').join(links))


def _disqualify(view, rows, form, by):
    for lead in rows:
        leads.disqualify(lead, form.reason.data, by=by)
    return ngettext('%(num)d lead was disqualified.', '%(num)d leads were disqualified.', len(rows))


def _qualify(view, rows, form, by):
    for lead in rows:
        leads.qualify(lead, by=by)
    return ngettext('%(num)d lead was qualified.', '%(num)d leads were qualified.', len(rows))


def _merge(view, rows, form, by):
    kept = []
    for lead in rows:
        kept.append(dedupe.merge_leads(lead, by=by).code)
    return _('Merged into %(codes)s.', codes=', '.join(sorted(set(kept))))


LEAD_ACTIONS = (
    RecordAction('assign_rules', _l('Assign by rules'), _assign, bulk=True,
                 when=lambda r: r.owner_id is None and r.status in OPEN),
    RecordAction('rerun_assignment', _l('Re-run assignment'), _rerun, bulk=True,
                 roles=('admin', 'manager', 'ops'), when=lambda r: r.status in ('new', 'assigned')),
    RecordAction('regrade', _l('Re-grade'), _regrade, bulk=True),
    RecordAction('qualify', _l('Mark qualified'), _qualify,
                 when=lambda r: r.status in ('new', 'assigned', 'contacted')),
    RecordAction('convert', _l('Convert'), _convert, bulk=True, when=lambda r: r.status in OPEN),
    RecordAction('disqualify', _l('Disqualify'), _disqualify, inputs=('reason',), bulk=True,
                 when=lambda r: r.status in OPEN),
    RecordAction('merge', _l('Merge duplicates'), _merge, bulk=True,
                 when=lambda r: r.duplicate_of_id is not None),
)


def _claim(view, rows, form, by):
    for customer in rows:
        pool.claim(customer, by)
    return ngettext('%(num)d customer was claimed.', '%(num)d customers were claimed.', len(rows))


def _release(view, rows, form, by):
    for customer in rows:
        pool.release(customer, by, form.reason.data)
    return ngettext('%(num)d customer was released to the public pool.', '%(num)d customers were released to the public pool.', len(rows))


# Locking exempts a customer from the pool's reclaim rules: a management decision, not the owner's.
LOCKERS = ('admin', 'manager', 'ops')


class LockForm(InputForm):
    reason = TextAreaField(_l('Reason'), validators=[V.DataRequired(), V.Length(max=255)],
                           description=_l('Why this customer is kept out of the public pool; shown on its '
                                          'timeline.'))


def _lock(view, rows, form, by):
    for customer in rows:
        customers.set_locked(customer, True, by=by, reason=form.reason.data.strip())
    return ngettext('%(num)d customer was locked.', '%(num)d customers were locked.', len(rows))


def _unlock(view, rows, form, by):
    for customer in rows:
        customers.set_locked(customer, False, by=by, reason=(form.reason.data or '').strip() or None)
    return ngettext('%(num)d customer was unlocked.', '%(num)d customers were unlocked.', len(rows))


CUSTOMER_ACTIONS = (
    RecordAction('claim', _l('Claim'), _claim, bulk=True, roles=('admin', 'manager', 'sales', 'ops'),
                 when=lambda r: r.owner_id is None),
    RecordAction('release', _l('Release to the pool'), _release, inputs=('reason',), bulk=True,
                 when=lambda r: r.owner_id is not None),
    RecordAction('lock', _l('Lock'), _lock, form=LockForm, roles=LOCKERS, when=lambda r: not r.locked),
    RecordAction('unlock', _l('Unlock'), _unlock, inputs=('reason',), roles=LOCKERS, when=lambda r: r.locked),
)


def lead_panels(lead):
    """Return the score reasons and duplicate note of LEAD for its details page."""
    panels = []
    reasons = [line for line in (lead.score_reasons or '').splitlines() if line.strip()]
    if reasons:
        panels.append((_('Score %(score)s: reasons', score=lead.score), reasons, 'info'))
    if lead.duplicate_of_id:
        panels.append((_('Possible duplicate'), [_('Duplicate of %(code)s; "Merge duplicates" keeps the older '
                                                 'record.', code=lead.duplicate_of.code)], 'warning'))
    return panels
