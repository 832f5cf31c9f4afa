"""Settings screens (admins only) and the activity screens (follow-ups, care, documents, reminders)."""
import datetime
import json

from flask import g, request
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from markupsafe import Markup
from peewee import DateField, DateTimeField, ForeignKeyField
from wtforms import PasswordField, SelectField
from wtforms.validators import Length, Optional

from ..db import utcnow
from ..errors import ValidationError
from ..models import (AssignmentRule, AuditLog, JobRun, CareTask, CustomField, FollowUp, GradingRule, LoginThrottle,
                      Reminder, Target, User)
from ..services import audit, custom_fields, followups, notify, planning, reminders, scope
from ..services.users import MIN_PASSWORD, save_user
from . import filters as F
from .actions import RecordActionsMixin
from .base import ScopedAjaxLoader, SecureModelView, role
from .custom import check_labels
from .deal_actions import CARE_ACTIONS, REMINDER_ACTIONS
from .formatters import choices_for, date
from .i18n import lang, name_of
from .labels import LABELS
from .views_sales import CONTACT_REF, CUSTOMER_REF, USER_REF, OwnedView

ADMIN = ('admin',)


class SettingsView(SecureModelView):
    roles = ADMIN
    column_sortable_list = ('code', 'created_at')
    search_fields = (('code', 'code'),)


class DepartmentView(SettingsView):
    column_list = ('code', 'name', 'name_en', 'parent', 'is_region')
    form_columns = ('code', 'name', 'name_en', 'parent', 'is_region')
    form_args = {'is_region': {'description': _l('Managers of a region (or above it) approve the "region head" '
                                                 'steps of the records below it.')}}


class RoleView(SettingsView):
    allow_create = allow_delete = False
    column_list = ('code', 'name', 'name_zh', 'name_en', 'data_scope')
    form_columns = ('name_zh', 'name_en')


def timezone_choices():
    """The time zones a user may pick: the company's first (empty), then every IANA zone by name."""
    from flask import current_app
    import zoneinfo
    company = current_app.config.get('TIMEZONE') or 'Asia/Shanghai'
    return [('', _('The company\'s (%(zone)s)', zone=company))] + [
        (z, z) for z in sorted(zoneinfo.available_timezones()) if '/' in z and not z.startswith(('Etc/', 'SystemV/'))]


class UserView(SettingsView):
    column_list = ('code', 'username', 'display_name', 'role', 'department', 'manager', 'active',
                   'language', 'last_login_at')
    column_sortable_list = ('code', 'username', 'email', 'active')
    column_filters = F.auto(User.role, User.department, User.active)
    search_fields = (('username', 'plain'), ('email', 'plain'), ('code', 'code'))
    column_details_exclude_list = ('password_hash', 'session_version')
    column_export_exclude_list = ('password_hash', 'session_version')
    form_columns = ('username', 'display_name', 'display_name_en', 'email', 'phone', 'role',
                    'department', 'manager', 'active', 'language', 'timezone', 'open_lead_cap')
    form_overrides = {'timezone': SelectField}
    form_args = {'timezone': {'choices': lambda: timezone_choices(), 'coerce': lambda value: value or '',
                              'description': _l('Their daily digest goes out at the digest hour of this clock.')}}
    form_extra_fields = {'new_password': PasswordField(LABELS['new_password'],
                                                       validators=[Optional(), Length(min=MIN_PASSWORD)])}
    form_ajax_refs = {'manager': USER_REF}

    def on_model_change(self, form, model, is_created):
        model.timezone = notify.check_timezone(model.timezone) or None
        if is_created and not form.new_password.data:
            raise ValidationError(_('Give the new user a password of at least %(n)s characters.',
                                    n=MIN_PASSWORD))
        if model.id == current_user.id and (not model.active or model.role.name != 'admin'):
            raise ValidationError(_('You cannot disable yourself or remove your own admin role.'))

    def persist(self, form, model, is_created):
        # A new password, role or enabled state ends every session of the user (users.save_user).
        save_user(model, password=form.new_password.data or None)

    def after_model_change(self, form, model, is_created):
        if model.id == current_user.id and model.session_version != current_user.session_version:
            from .auth import SessionUser
            login_user(SessionUser(model))   # the admin's own password change keeps this session only


class PlanningLoader(ScopedAjaxLoader):
    """The people (or departments) the user may set targets for: a manager's department tree."""

    def _scoped(self):
        if self.model is User:
            return User.select().where(scope.users_in_scope(current_user))
        return self.model.select().where(scope.departments_in_scope(current_user))


class TargetView(SettingsView):
    roles = ('admin', 'manager')
    column_list = ('code', 'kind', 'period', 'user', 'department', 'amount')
    column_filters = F.auto(Target.kind, Target.period)
    form_columns = ('kind', 'period', 'user', 'department', 'amount', 'currency')
    form_ajax_refs = {'user': USER_REF, 'department': {'fields': ['code', 'name'], 'page_size': 10}}

    def _create_ajax_loader(self, name, options):
        return PlanningLoader(name, getattr(self.model, name).rel_model, **options)

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        planning.check_target_scope(current_user, model.user_id, model.department_id)


class SettingView(SettingsView):
    column_list = ('code', 'value', 'description', 'updated_at')
    form_columns = ('code', 'value', 'description')


class CustomFieldView(SettingsView):
    """Settings → Custom fields: extra typed fields of leads, customers, contacts, opportunities and contracts."""
    column_list = ('entity', 'key', 'label_zh', 'label_en', 'kind', 'required', 'active', 'sequence')
    column_default_sort = [('entity', False), ('sequence', False)]
    column_filters = F.auto(CustomField.entity, CustomField.kind)
    form_columns = ('entity', 'key', 'label_zh', 'label_en', 'kind', 'options', 'required', 'active', 'sequence')
    column_labels = {'key': _l('Key')}
    form_args = {
        'key': {'label': _l('Key'),
                'description': _l('Lower-case letters, digits and _ ; the spreadsheet column custom:<key>. '
                                  'It cannot change once values are stored.')},
        'options': {'description': _l('For a choice: one option a line, code | English | 中文 '
                                      '(e.g. gold | Gold | 金牌).')},
        'required': {'description': _l('A form refuses to save the record without it; so does an import row '
                                        'that has the column.')},
    }

    def persist(self, form, model, is_created):
        check_labels(model)
        custom_fields.save_definition(model, by=current_user.record)


class StageView(SettingsView):
    column_list = ('code', 'name', 'name_en', 'sequence', 'probability', 'is_won', 'is_lost',
                   'typical_days')
    column_default_sort = ('sequence', False)
    form_columns = ('code', 'name', 'name_en', 'sequence', 'probability', 'is_won', 'is_lost',
                    'typical_days', 'exit_criteria')


class DecisionRoleView(SettingsView):
    column_list = ('code', 'name', 'name_en', 'is_decision_maker', 'sequence')
    form_columns = ('code', 'name', 'name_en', 'is_decision_maker', 'sequence')


class PoolView(SettingsView):
    column_list = ('code', 'name', 'department', 'reclaim_no_followup_days', 'reclaim_no_deal_days',
                   'daily_claim_limit', 'cooldown_days', 'active')
    form_columns = ('code', 'name', 'name_en', 'department', 'reclaim_no_followup_days',
                    'reclaim_no_deal_days', 'warn_days_before', 'daily_claim_limit',
                    'ownership_cap', 'cooldown_days', 'active')


class GradingRuleView(SettingsView):
    column_list = ('code', 'name', 'field', 'value', 'points', 'sequence', 'active')
    column_filters = F.auto(GradingRule.field, GradingRule.active)
    form_columns = ('name', 'field', 'value', 'points', 'sequence', 'active')


class AssignmentRuleView(SettingsView):
    column_list = ('code', 'name', 'priority', 'industry', 'region_province', 'source', 'method',
                   'assignee', 'target_department', 'active')
    column_filters = F.auto(AssignmentRule.industry, AssignmentRule.source, AssignmentRule.method,
                            AssignmentRule.active)
    form_columns = ('name', 'priority', 'industry', 'region_province', 'source', 'lead_department',
                    'method', 'assignee', 'target_department', 'active')
    form_ajax_refs = {'assignee': USER_REF}


# What each audit action means, for people reading the log; an action not listed shows as stored.
AUDIT_ACTIONS = {
    'create': _l('Created'), 'update': _l('Changed'), 'delete': _l('Deleted'), 'bulk_create': _l('Created in bulk'),
    'login': _l('Logged in'), 'password': _l('Password changed'), 'assign': _l('Assigned'),
    'grade': _l('Graded'), 'dedupe': _l('Duplicate check'), 'merge': _l('Merged'), 'convert': _l('Converted'),
    'claim': _l('Claimed'), 'release': _l('Released'), 'reclaim': _l('Reclaimed'), 'group': _l('Group set'),
    'lock': _l('Locked'), 'unlock': _l('Unlocked'), 'diagnose': _l('Diagnosed'), 'stage': _l('Stage changed'),
    'won': _l('Won'), 'lost': _l('Lost'), 'send': _l('Sent'), 'accept': _l('Accepted'), 'reject': _l('Rejected'),
    'expire': _l('Expired'), 'void': _l('Voided'), 'renew': _l('Renewed'), 'payment': _l('Payment recorded'),
    'overdue': _l('Became overdue'), 'milestone-due': _l('Milestone due'), 'complete': _l('Completed'),
    'cancel': _l('Cancelled'), 'read': _l('Read'), 'logout': _l('Logged out'),
    'login-failed': _l('Login failed'), 'login-locked': _l('Login locked'), 'note': _l('Note'),
}


AUDIT_SOURCES = {'admin': _l('Admin screens'), 'cli': _l('Command line'), 'import': _l('Import'),
                 'sync': _l('Sync'), 'job': _l('Periodic job'), 'system': _l('System'),
                 'api': _l('API'), 'web': _l('Web form')}


def _audit_source(view, context, model, name):
    return AUDIT_SOURCES.get(model.source, model.source)


def _audit_view(view, entity):
    """Return the admin view of the model named ENTITY (its menu name, its model), or None."""
    return next((other for other in view.admin._views
                 if getattr(other, 'model', None) is not None and other.model.__name__ == entity), None)


def audit_value(column, value):
    """Return a stored audit VALUE of COLUMN as a reader knows it: a referenced record by its code
    and name (a deleted one by its number), a date or time in the reader's language."""
    if isinstance(column, ForeignKeyField):
        target = column.rel_model.get_or_none(column.rel_model.id == value) if str(value).isdigit() else None
        if target is None:
            return _('#%(id)s (deleted)', id=value)
        code, shown = getattr(target, 'code', None), name_of(target)
        return f'{code} {shown}' if code and shown and shown != code else (shown or code or str(value))
    if isinstance(value, bool):
        return _('Yes') if value else _('No')
    if isinstance(column, (DateTimeField, DateField)) and isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        return date(moment.date() if isinstance(column, DateField) else moment)
    return str(value)


def _audit_changes(view, context, model, name):
    """Each changed field as "label: old → new" in the user's language (choices by their labels);
    the list shows the first few, the details page all of them; anything else as stored."""
    try:
        changes = json.loads(model.changes or '{}')
    except ValueError:
        return model.changes
    if not isinstance(changes, dict) or not all(isinstance(v, list) and len(v) == 2 for v in changes.values()):
        return model.changes
    record_view = _audit_view(view, model.entity)
    record_model = record_view.model if record_view is not None else None
    limit = None if (request.endpoint or '').endswith('details_view') else 6

    options = {}
    if any(field.startswith('custom:') for field in changes) and record_model is not None:
        options = {f'custom:{d.key}': d.choices() for d in CustomField.of(custom_fields.entity_of(record_model),
                                                                        active=False) if d.kind == 'choice'}

    def shown(field, value):
        if value is None or value == '':
            return '—'
        column = record_model._meta.fields.get(field) if record_model is not None else None
        choices = choices_for(column) or options.get(field)
        text = choices.label(value, lang()) if choices is not None else audit_value(column, value)
        return text if len(text) <= 120 else text[:119] + '…'

    items = list(changes.items())
    named = dict(LABELS)
    if any(field.startswith('custom:') for field in changes) and record_model is not None:
        entity = custom_fields.entity_of(record_model)   # custom fields by their label in the reader's language
        named.update({k: pair[1 if lang() == 'zh' else 0] for k, pair in custom_fields.labels(entity).items()})
    lines = [Markup('<div><b>{}</b>: {} → {}</div>').format(named.get(field, field), shown(field, old),
                                                           shown(field, new))
             for field, (old, new) in items[:limit]]
    if limit is not None and len(items) > limit:
        lines.append(Markup('<div class="text-muted">{}</div>').format(
            _('… and %(count)s more fields', count=len(items) - limit)))
    return Markup('').join(lines)


def _audit_entity(view, context, model, name):
    """The record kind as the menu names it, in the user's language (the stored model name otherwise)."""
    record_view = _audit_view(view, model.entity)
    return record_view.name if record_view is not None else model.entity


def _audit_action(view, context, model, name):
    return AUDIT_ACTIONS.get(model.action, model.action)


class AuditLogView(SettingsView):
    allow_create = allow_edit = allow_delete = False
    column_list = ('at', 'actor', 'source', 'entity', 'entity_code', 'action', 'changes')
    column_formatters = {'entity': _audit_entity, 'action': _audit_action, 'source': _audit_source,
                         'changes': _audit_changes}
    column_sortable_list = ('at', 'actor', 'source')
    column_default_sort = ('id', True)
    column_filters = F.auto(AuditLog.actor, AuditLog.source, AuditLog.entity_code, AuditLog.at)
    search_fields = (('entity_code', 'plain'), ('actor', 'plain'))


class JobRunView(SettingsView):
    allow_create = allow_edit = allow_delete = False
    column_list = ('name', 'status', 'trigger', 'started_at', 'finished_at', 'counts', 'message')
    column_sortable_list = ('name', 'started_at')
    column_default_sort = ('id', True)
    column_filters = F.auto(JobRun.name, JobRun.started_at)
    search_fields = (('name', 'plain'),)


class LoginThrottleView(SettingsView):
    """Usernames and addresses with recent failed logins, and until when their logins are refused."""
    allow_create = allow_edit = allow_delete = False
    column_list = ('kind', 'key', 'failures', 'first_failure_at', 'last_failure_at', 'locked_until')
    column_sortable_list = ('last_failure_at',)
    column_default_sort = ('last_failure_at', True)
    column_filters = F.auto(LoginThrottle.kind, LoginThrottle.last_failure_at)
    search_fields = (('key', 'plain'),)


class FollowUpView(OwnedView):
    column_list = ('code', 'customer', 'kind', 'happened_at', 'summary', 'next_contact_on', 'owner')
    column_sortable_list = ('code', 'happened_at', 'next_contact_on', 'kind')
    column_filters = F.auto(FollowUp.kind, FollowUp.owner, FollowUp.happened_at, FollowUp.next_contact_on)
    search_fields = (('code', 'code'),)
    form_columns = ('customer', 'contact', 'lead', 'opportunity', 'contract', 'plan', 'kind', 'happened_at',
                    'summary', 'next_contact_on', 'owner', 'is_major')
    form_args = {'happened_at': {'validators': [Optional()],
                                 'description': _l('Leave empty for now.')}}
    form_ajax_refs = {'customer': CUSTOMER_REF, 'contact': CONTACT_REF, 'owner': USER_REF,
                      'lead': {'fields': ['code'], 'page_size': 10},
                      'opportunity': {'fields': ['code', 'name'], 'page_size': 10},
                      'contract': {'fields': ['code', 'title'], 'page_size': 10},
                      'plan': {'fields': ['code'], 'page_size': 10}}

    def create_form(self, obj=None):
        # A new follow-up opens with "happened at" = now; what the user types or pastes is kept.
        form = super().create_form(obj)
        if not form.happened_at.raw_data:
            form.happened_at.data = utcnow().replace(second=0, microsecond=0)
        return form

    def persist(self, form, model, is_created):
        if not is_created:
            audit.save(model)
            return
        # followups.record_followup keeps the counters of the lead, customer and opportunity current.
        get = lambda name: getattr(model, name) if getattr(model, name + '_id') else None  # noqa: E731
        saved = followups.record_followup(
            by=get('owner') or current_user.record, customer=get('customer'), lead=get('lead'),
            opportunity=get('opportunity'), contact=get('contact'), contract=get('contract'), plan=get('plan'),
            kind=model.kind,
            summary=model.summary, happened_at=model.happened_at, next_contact_on=model.next_contact_on,
            is_major=model.is_major)
        model.__data__.update(saved.__data__)
        model._dirty.clear()


class CareTaskView(RecordActionsMixin, SecureModelView):
    record_actions = CARE_ACTIONS
    column_list = ('code', 'customer', 'kind', 'due_on', 'status', 'satisfaction', 'owner')
    column_sortable_list = ('code', 'due_on', 'status', 'kind')
    column_filters = F.auto(CareTask.kind, CareTask.status, CareTask.owner, CareTask.due_on)
    search_fields = (('code', 'code'),)
    # Status and satisfaction move only through "Complete…" / "Cancel task…" (ltc.services.care).
    form_columns = ('customer', 'contact', 'kind', 'due_on', 'owner', 'notes')
    form_ajax_refs = {'customer': CUSTOMER_REF, 'contact': CONTACT_REF, 'owner': USER_REF}

    @action('complete_care', _l('Complete'))
    def action_complete_care(self, ids):
        return self.bulk_run('complete_care', ids)

    @action('cancel_care', _l('Cancel task'))
    def action_cancel_care(self, ids):
        return self.bulk_run('cancel_care', ids)


def _recipients():
    """The recipient filter's options: every active user for an admin, else only oneself."""
    if role() == 'admin':
        return User.select().where(User.active).order_by(User.username).limit(500)
    return [current_user._get_current_object()]


class ReminderView(RecordActionsMixin, SecureModelView):
    """The user's reminders inbox: one's own reminders; an admin may filter by recipient."""
    roles = ('admin', 'manager', 'sales', 'ops', 'finance')
    allow_create = allow_edit = False
    record_actions = REMINDER_ACTIONS
    column_list = ('kind', 'entity', 'entity_code', 'user', 'message', 'due_on', 'read_at')
    column_sortable_list = ('due_on', 'kind')
    column_formatters = {'message': lambda view, context, model, name: reminders.render(model, lang())}
    column_details_exclude_list = ('params', 'notified_at')
    column_filters = [F.FilterEqual(Reminder.user, _l('Recipient'), options=F.LiveOptions(_recipients))] + \
        F.auto(Reminder.kind, Reminder.due_on, Reminder.read_at)
    form_columns = ('read_at',)

    def get_list(self, page, sort_column, sort_desc, search, filters, *args, **kwargs):
        # Only an admin who picked a recipient sees other people's reminders (list, count, export).
        g.ltc_any_recipient = role() == 'admin' and any(
            self._filters[index].column is Reminder.user for index, _name, _value in filters or ())
        return super().get_list(page, sort_column, sort_desc, search, filters, *args, **kwargs)

    def get_query(self):
        query = self.scoped()
        return query if g.get('ltc_any_recipient') else query.where(Reminder.user == current_user.id)

    @property
    def can_act(self):
        return role() in self.roles   # "mark read" is the only change, through reminders.mark_read

    @action('mark_read', _l('Mark read'))
    def action_mark_read(self, ids):
        return self.bulk_run('mark_read', ids)
