"""Outgoing webhooks in the admin: subscriptions, and the delivery log with its Replay action."""
from flask import flash, redirect, request, url_for
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ..db import database
from ..errors import LTCError
from ..models import WebhookDelivery, WebhookSubscription
from ..models.choices import WEBHOOK_EVENTS
from ..services import audit, events, webhooks
from ..services.messages import text
from . import filters as F
from .base import SecureModelView
from .i18n import lang

ADMIN = ('admin',)


def _events(view, context, model, name):
    return ', '.join(WEBHOOK_EVENTS.label(e, lang()) for e in model.event_list)


def _secret(view, context, model, name):
    return Markup('<code>{}</code>').format(model.secret)


def _payload(view, context, model, name):
    return Markup('<pre class="mb-0" style="white-space:pre-wrap">{}</pre>').format(model.payload)


class WebhookSubscriptionView(SecureModelView):
    roles = ADMIN
    column_list = ('code', 'name', 'url', 'events', 'active', 'created_at')
    column_sortable_list = ('code', 'created_at')
    search_fields = (('code', 'code'),)
    column_details_list = ('code', 'name', 'url', 'events', 'active', 'secret', 'created_at', 'created_by')
    column_formatters = {'events': _events, 'secret': _secret}
    column_labels = {'url': _l('URL'), 'events': _l('Events'), 'secret': _l('Signing secret')}
    form_columns = ('name', 'url', 'events', 'active')
    form_args = {'events': {'description': _l('Space-separated: %(events)s', events=' '.join(events.EVENTS))}}

    def persist(self, form, model, is_created):
        webhooks.save_subscription(model)


class WebhookDeliveryView(SecureModelView):
    roles = ADMIN
    allow_create = allow_edit = allow_delete = False
    can_export = False
    column_list = ('id', 'created_at', 'event', 'entity_code', 'subscription', 'status', 'attempts',
                   'response_code', 'next_attempt_at', 'delivered_at', 'last_error')
    column_sortable_list = ('created_at',)
    column_default_sort = ('id', True)
    column_filters = F.auto(WebhookDelivery.event, WebhookDelivery.created_at)
    column_details_list = column_list + ('event_id', 'payload')
    column_formatters = {'payload': _payload}
    column_labels = {'id': _l('Number'), 'event': _l('Event'), 'entity_code': _l('Record'),
                     'subscription': _l('Webhook'), 'attempts': _l('Attempts'), 'response_code': _l('Response code'),
                     'next_attempt_at': _l('Next attempt'), 'delivered_at': _l('Delivered at'),
                     'last_error': _l('Last error'), 'event_id': _l('Event id'), 'payload': _l('Payload')}

    @action('replay', _l('Replay'), _l('Send the selected deliveries again?'))
    def action_replay(self, ids):
        try:
            with audit.acting_as(current_user, 'admin'), database.atomic():
                rows = list(WebhookDelivery.select().where(WebhookDelivery.id.in_([int(i) for i in ids])))
                for row in rows:
                    webhooks.replay(row, by=current_user.record)
        except LTCError as exc:
            flash(_('Nothing was saved: %(error)s', error=text(exc, lang())), 'error')
        else:
            flash(_('%(num)d delivery(ies) will be sent again within a minute.', num=len(rows)), 'success')
        return redirect(request.referrer or url_for('.index_view'))
