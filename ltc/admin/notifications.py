"""Notifications in the admin: each user's "My notifications" page, the chat webhooks and the delivery log."""
from flask import current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..errors import LTCError
from ..models import ChatWebhook, Notification
from ..models.choices import NOTIFY_CHANNELS, REMINDER_KINDS
from ..services import audit, notify
from ..services.messages import text
from . import filters as F
from .base import AdminForm, RoleGate, SecureModelView
from .i18n import lang
from .views_org import timezone_choices

ADMIN = ('admin',)
EVERYONE = ('admin', 'manager', 'sales', 'ops', 'finance')


class PreferencesForm(AdminForm):
    """Only the CSRF token: the choices are the page's select boxes, checked by the service."""


class MyNotificationsView(RoleGate, BaseView):
    """Which reminders reach the logged-in user by e-mail and group chat, each one or as a daily digest."""
    roles = EVERYONE

    @expose('/', methods=['GET', 'POST'])
    def index(self):
        user = current_user.record
        form = PreferencesForm(request.form if request.method == 'POST' else None)
        if request.method == 'POST' and form.validate():
            choices = {(kind, channel): request.form.get(f'{kind}-{channel}', 'off')
                       for kind in notify.KINDS for channel in notify.CHANNELS}
            try:
                with audit.acting_as(user, 'admin'):
                    changed = notify.set_preferences(user, choices, by=user)
                    changed += notify.set_timezone(user, request.form.get('timezone', ''), by=user)
            except LTCError as exc:
                flash(_('Nothing was saved: %(error)s', error=text(exc, lang())), 'error')
            else:
                flash(_('Your notification choices are saved (%(n)s changed).', n=changed), 'success')
                return redirect(url_for('.index'))
        reader = lang()
        hooks = notify.webhooks_for(user)
        return self.render('ltc_admin/my_notifications.html', form=form, prefs=notify.preferences(user),
                           kinds=[(k, REMINDER_KINDS.label(k, reader)) for k in notify.KINDS],
                           channels=[(c, NOTIFY_CHANNELS.label(c, reader)) for c in notify.CHANNELS],
                           modes=[('off', _('Off')), ('each', _('Each one')), ('digest', _('Daily digest'))],
                           email=user.email, email_on=bool(current_app.config.get('SMTP_HOST')), hooks=hooks,
                           digest_hour=current_app.config.get('NOTIFY_DIGEST_HOUR', 8),
                           timezone=user.timezone or '', zones=timezone_choices())


class ChatWebhookView(SecureModelView):
    """Group-chat robots that receive reminders: one department's (and those below it without their own) or
    the company's. Admins only: a webhook address is a secret of its group."""
    roles = ADMIN
    delete_roles = ADMIN
    column_list = ('code', 'name', 'kind', 'department', 'active', 'created_at')
    column_sortable_list = ('code', 'created_at')
    column_filters = F.auto(ChatWebhook.kind, ChatWebhook.active)
    column_details_exclude_list = ('secret',)
    column_export_exclude_list = ('secret', 'url')
    search_fields = (('code', 'code'),)
    form_columns = ('name', 'kind', 'url', 'secret', 'department', 'active')
    form_args = {
        'url': {'description': _l('The robot\'s webhook address, e.g. https://qyapi.weixin.qq.com/cgi-bin/webhook/'
                                  'send?key=…, https://oapi.dingtalk.com/robot/send?access_token=…, '
                                  'https://open.feishu.cn/open-apis/bot/v2/hook/…')},
        'secret': {'description': _l('DingTalk and Feishu robots with signing ("加签" / "签名校验"): the secret; a JSON '
                                     'webhook: signs each body (header X-LTC-Signature).')},
        'department': {'description': _l('Reminders of this department\'s people (and of departments below it '
                                         'without a webhook of their own); empty: the whole company.')},
    }


class NotificationLogView(SecureModelView):
    """Every delivery: when, to whom and where, its status, attempts and last error; failed ones may be sent again."""
    roles = ADMIN
    allow_create = allow_edit = allow_delete = False
    can_view_details = True
    column_list = ('created_at', 'user', 'reminder', 'channel', 'mode', 'address', 'status', 'attempts',
                   'send_after', 'sent_at', 'last_error')
    column_labels = {'address': _l('Sent to')}
    column_sortable_list = ('created_at', 'send_after', 'status')
    column_default_sort = ('id', True)
    column_filters = F.auto(Notification.status, Notification.channel, Notification.created_at)
    search_fields = (('address', 'plain'),)

    @action('retry', _l('Send again'))
    def action_retry(self, ids):
        try:
            with audit.acting_as(current_user, 'admin'):
                count = notify.retry([int(i) for i in ids], by=current_user.record)
        except LTCError as exc:
            flash(_('Nothing was saved: %(error)s', error=text(exc, lang())), 'error')
        else:
            flash(_('%(n)s delivery(ies) will be sent again at the next run.', n=count), 'success')
