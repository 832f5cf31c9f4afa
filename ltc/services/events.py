"""Business events for outgoing webhooks, raised from the audit rows every command writes.

Every change of business data goes through a command that writes its audit row here in the same
transaction, whichever door asked (admin, import, sync, CLI, API, job, web form); so the events are
read off those rows, and each one is written as a pending delivery per subscription in that same
transaction (an outbox): a change that rolls back sends nothing, and a sent event was committed.
The deliveries are sent later by a job (ltc.services.webhooks), never inside the request.
"""
import datetime
import json
import uuid

from ..db import utcnow
from ..models import WebhookDelivery, WebhookSubscription
from ..models.choices import WEBHOOK_EVENTS
from . import cached

EVENTS = WEBHOOK_EVENTS.values


def _after(changes, field):
    pair = changes.get(field)
    return pair[1] if isinstance(pair, (list, tuple)) and len(pair) == 2 else None


def events_of(entity, action, changes):
    """Return the events an audit row (ENTITY, ACTION, CHANGES) stands for."""
    if entity == 'Lead':
        if action == 'create':
            return ['lead.created'] + (['lead.assigned'] if _after(changes, 'owner') else [])
        if action == 'assign' and _after(changes, 'owner'):
            return ['lead.assigned']
    elif entity == 'Opportunity' and action in ('stage', 'won', 'lost'):
        return ['opportunity.stage_changed']
    elif entity == 'Quote' and action == 'accept':
        return ['quote.accepted']
    elif entity == 'Contract' and action == 'approve':
        return ['contract.approved']
    elif entity == 'Payment' and action == 'create':
        return ['payment.recorded']
    return []


def _stamp(moment):
    return moment.replace(tzinfo=None).isoformat(timespec='seconds') + 'Z'


def _subscribers():
    """Return {event: [ids of the active subscriptions to it]}."""
    subscribers = {}
    for sub_id, events in (WebhookSubscription.select(WebhookSubscription.id, WebhookSubscription.events)
                           .where(WebhookSubscription.active).tuples()):
        for event in (events or '').split():
            subscribers.setdefault(event, []).append(sub_id)
    return subscribers


def raise_for(rows, actor, source):
    """Write a pending delivery per subscriber for each event of the audit ROWS (entity, code, action, changes).

    No query when nothing subscribes (the subscriptions are this process's copy, see ltc.services.cached);
    one insert for the whole batch otherwise.
    """
    found = [(event, entity, code, action, changes) for entity, code, action, changes in rows
             for event in events_of(entity, action, changes)]
    if not found:
        return 0
    subscribers = cached.get('webhook_subscribers', _subscribers)
    now = utcnow()
    deliveries = []
    for event, entity, code, action, changes in found:
        targets = subscribers.get(event)
        if not targets:
            continue
        event_id = 'evt_' + uuid.uuid4().hex
        payload = json.dumps({'id': event_id, 'event': event, 'occurred_at': _stamp(now), 'actor': actor,
                              'source': source,
                              'data': {'entity': entity, 'code': code, 'action': action, 'changes': changes}},
                             ensure_ascii=False, default=_plain)
        deliveries += [{'subscription': sub, 'event': event, 'event_id': event_id, 'entity_code': code or '',
                        'payload': payload, 'status': 'pending', 'attempts': 0, 'next_attempt_at': now,
                        'created_at': now} for sub in targets]
    for start in range(0, len(deliveries), 500):
        WebhookDelivery.insert_many(deliveries[start:start + 500]).execute()
    return len(deliveries)


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)
