"""The activity timeline of a record: follow-ups, stage changes, approvals, payments and the audit log."""
import dataclasses
import datetime
import decimal
import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from peewee import ForeignKeyField

from ...db import MoneyField
from ...models import AuditLog, User
from ...models import choices as C
from .. import formatters
from ..i18n import lang, name_of
from ..views_org import AUDIT_ACTIONS, AUDIT_SOURCES
from .page import label, link

LIMIT = 100
# Counters and scores the rules keep current: an audit row changing only these is no news of its own
# (the follow-up, payment or diagnosis that moved them is on the timeline already).
NOISE = frozenset({'followup_count', 'last_followup_at', 'health_score', 'health_reasons', 'search_keys',
                   'score_reasons', 'stage_changed_at', 'weighted_amount'})


# Actions of the contract flow the audit log's own table does not name (yet).
MORE_ACTIONS = {'submit': _l('Submitted for approval'), 'approve': _l('Approved'), 'activate': _l('Execution started'),
                'terminate': _l('Terminated'), 'reopen': _l('Reopened'), 'request': _l('Requested')}


@dataclasses.dataclass
class Event:
    at: datetime.datetime
    kind: str          # followup, stage, approval, payment, change
    title: str
    body: object = ''
    who: str = ''
    source: str = ''   # the audit source (admin, import, sync, ...) of a change


def _moment(value):
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    return datetime.datetime.min


def followups(rows):
    return [Event(f.happened_at, 'followup', formatters.label(C.FOLLOWUP_KINDS, f.kind),
                  Markup('{} {}').format(link(f), f.summary or ''), name_of(f.owner) if f.owner_id else '')
            for f in rows]


def stage_changes(rows):
    out = []
    for h in rows:
        moved = (Markup('{} → {}').format(name_of(h.from_stage), name_of(h.to_stage)) if h.from_stage_id
                 else name_of(h.to_stage))
        out.append(Event(h.changed_at, 'stage', _('Stage changed'), moved,
                         name_of(h.changed_by) if h.changed_by_id else ''))
    return out


def approvals(rows):
    return [Event(a.decided_at or a.created_at, 'approval', formatters.label(C.APPROVAL_DECISIONS, a.decision),
                  a.comment or '', name_of(a.approver) if a.approver_id else '') for a in rows]


def payments(rows):
    return [Event(p.created_at, 'payment', _('Payment received'),
                  Markup('{} {} · {}').format(link(p), formatters.money(p.amount, p.currency),
                                              formatters.date(p.received_on)),
                  name_of(p.recorded_by) if p.recorded_by_id else '') for p in rows]


def _shown(model, field_name, raw):
    if raw is None or raw == '':
        return '—'
    field = model._meta.fields.get(field_name)
    if isinstance(field, ForeignKeyField):
        target = field.rel_model.get_or_none(field.rel_model.id == raw)
        if target is None:
            return str(raw)
        if not hasattr(target, 'code') or type(target).__name__ in ('User', 'Department', 'Stage'):
            return name_of(target)
        # a record's code links to its record page (plain text where the reader may not open it)
        return Markup('{} {}').format(link(target, check=True), name_of(target))
    choices = formatters.choices_for(field) if field is not None else None
    if choices is not None:
        return choices.label(raw, lang())
    if isinstance(field, MoneyField):
        try:   # stored as text or a number in the audit row
            return formatters.money(decimal.Decimal(str(raw)))
        except decimal.InvalidOperation:
            return str(raw)
    kind = type(field).__name__ if field is not None else ''
    if kind in ('DateField', 'DateTimeField') and isinstance(raw, str):
        try:   # stored as ISO text in the audit row
            moment = datetime.datetime.fromisoformat(raw)
            return formatters.date(moment if kind == 'DateTimeField' else moment.date())
        except ValueError:
            pass
    text = str(raw)
    return text if len(text) <= 80 else text[:79] + '…'


def audit(row, covered=(), limit=LIMIT):
    """Return the audit rows of ROW itself as events: creation, edits (by hand, import or sync), status moves.

    Changes of the fields in COVERED are left out: another group of events tells them better (the
    stage history tells the stage).
    """
    model = type(row)
    rows = list(AuditLog.select().where(AuditLog.entity == model.__name__, AuditLog.entity_code == row.code)
                .order_by(AuditLog.id.desc()).limit(limit))
    names = {u.username: name_of(u) for u in User.select().where(User.username.in_({r.actor for r in rows}))} \
        if rows else {}
    out = []
    for entry in rows:
        try:
            changes = json.loads(entry.changes or '{}')
        except ValueError:
            changes = {}
        if not isinstance(changes, dict):
            changes = {}
        shown = {k: v for k, v in changes.items() if k not in NOISE and k not in covered and isinstance(v, list) and len(v) == 2}
        if entry.action != 'create' and not shown and not entry.note:
            continue
        if entry.action == 'create':
            shown = {}   # a new record's fields are on the page itself
        body = Markup('; ').join(Markup('<b>{}</b>: {} → {}').format(label(k), _shown(model, k, old),
                                                                      _shown(model, k, new))
                                 for k, (old, new) in list(shown.items())[:8])
        if entry.note:
            body = Markup('{} <span class="text-muted">{}</span>').format(body, entry.note)
        out.append(Event(entry.at, 'change', str(AUDIT_ACTIONS.get(entry.action) or MORE_ACTIONS.get(entry.action, entry.action)), body,
                         names.get(entry.actor, entry.actor), str(AUDIT_SOURCES.get(entry.source, entry.source))))
    return out


def merge(*groups, limit=LIMIT):
    """Return the events of GROUPS, newest first."""
    events = [e for group in groups for e in group]
    events.sort(key=lambda e: _moment(e.at), reverse=True)
    return events[:limit]
