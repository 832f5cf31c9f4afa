"""Spreadsheet screens: exports and templates, sync targets (add, run now), runs, conflicts, revert."""
import io
import json

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ..errors import ConflictError, LTCError
from ..models.sync import DELETION, SyncConflict, SyncRun
from ..services import audit
from ..services.messages import text
from ..sync.engine.conflicts import resolve_conflict
from ..sync.engine.revert import revert_run
from ..sync.engine.targets import DEFAULT_EVERY, add_gsheet_target, add_target, set_schedule, set_slice
from ..sync.engine.runner import run_sync
from ..sync.errors import SyncError
from ..sync.mapping.entities import MAPPINGS
from ..sync.writes.export import export_entity, exportable, may_export, scoped_query
from ..sync.writes.results import outcome_label
from . import uploads
from .base import RoleGate, SecureModelView
from .i18n import lang
from .sync_import import entities

SYNC_ROLES = ('admin', 'ops')
EXPORT_ROLES = ('admin', 'ops', 'manager', 'sales', 'finance')


class ExportView(RoleGate, BaseView):
    """Download each entity as XLSX/CSV (within the user's scope) or a blank import template."""

    roles = EXPORT_ROLES

    @expose('/')
    def index(self):
        allowed = set(exportable(current_user))
        return self.render('ltc_admin/exports.html',
                           entities=[(name, title) for name, title in entities() if name in allowed])

    @expose('/<entity>.<fmt>')
    def export(self, entity, fmt):
        return self._send(entity, fmt, template=request.args.get('template') == '1')

    def _send(self, entity, fmt, template):
        if entity not in MAPPINGS or fmt not in ('xlsx', 'csv') or not may_export(entity, current_user):
            abort(404)   # an entity the role may not read is not offered (and reads as unknown)
        model = MAPPINGS[entity].model
        query = scoped_query(entity, current_user)
        # Like the list exports: at most EXPORT_MAX_ROWS records, the oldest first.
        last = (query.select(model.id).order_by(model.id)
                .offset(current_app.config['EXPORT_MAX_ROWS'] - 1).limit(1).scalar())
        if last is not None:
            query = query.where(model.id <= last)
        path = uploads.folder() / f'export-{uploads.new_name()}.{fmt}'
        try:
            export_entity(entity, path, template=template, lang=lang(), query=query)
        except LTCError as exc:
            flash(_('The export failed: %(error)s', error=text(exc, lang())), 'error')
            return redirect(url_for('.index'))

        data = io.BytesIO(path.read_bytes())   # read back so the file can go at once
        path.unlink(missing_ok=True)
        suffix = '-template' if template else ''
        return send_file(data, as_attachment=True, download_name=f'{entity}{suffix}.{fmt}')


def _results(view, context, model, name):
    """Render a run's per-row results as a table (rows that were not unchanged)."""
    rows = json.loads(model.results or '[]')
    if not rows:
        return ''
    body = Markup('').join(
        Markup('<tr data-outcome="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>').format(
            r.get('outcome'), r.get('row') or '', r.get('code') or '', outcome_label(r.get('outcome'), lang()),
            '; '.join(f'{_header(model.entity, k)}: {v[0]} → {v[1]}' for k, v in (r.get('changes') or {}).items()),
            (r.get('message_zh') if lang() == 'zh' else None) or r.get('message') or '')
        for r in rows[:500])
    head = Markup('<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>').format(
        _('Row'), _('Code'), _('Result'), _('Changes'), _('Message'))
    return Markup('<table class="table table-sm" id="run-results">{}{}</table>').format(head, body)


def _totals(view, context, model, name):
    totals = json.loads(model.totals or '{}')
    return ', '.join(f'{outcome_label(k, lang())} {v}' for k, v in totals.items() if v)


def _header(entity, attr):
    """Return the column header of ATTR in the user's language (ATTR itself when unknown)."""
    column = MAPPINGS[entity].by_attr.get(attr) if entity in MAPPINGS else None
    return column.header(lang()) if column is not None else attr


def _entity(view, context, model, name):
    """The entity as its spreadsheets are titled (线索 / Leads), not its key."""
    if model.entity == 'workbook':
        return _('Workbook')
    return MAPPINGS[model.entity].title(lang()) if model.entity in MAPPINGS else model.entity


def _sheet_lang(view, context, model, name):
    return {'zh': '中文', 'en': 'English'}.get(model.lang, model.lang)


def _signature(view, context, model, name):
    """The header the target last saw, as column names in the user's language."""
    return ', '.join(_header(model.entity, attr) for attr in (model.header_signature or '').split(',') if attr)


def _location(view, context, model, name):
    options = model.options
    if model.backend == 'gsheet':
        return f"{options.get('key', '')} › {options.get('worksheet') or ''}".strip(' ›')
    return ' › '.join(p for p in (options.get('path'), options.get('sheet')) if p)


def _slice(view, context, model, name):
    from ..sync.engine.slices import describe
    return describe(model.terms, lang())


def _when(view, context, model, name):
    from ..sync.engine.schedule import describe
    return describe(model, lang())


def _new_owner(view, context, model, name):
    return _('the run-as user') if model.new_owner == 'me' else _('the assignment rules')


def _team(view, context, model, name):
    """Show a template's team (department and tabs or spreadsheets) or a member target's template."""
    if name == 'team_of':
        return model.team_of.name if model.team_of_id else ''
    team = model.team_settings
    if not team:
        return ''
    mode = _('one tab each') if team.get('mode') == 'tabs' else _('one spreadsheet each')
    return _('members of %(department)s, %(mode)s', department=team.get('department'), mode=mode)


def _where_lines(form):
    """Return the slice terms typed in FORM's box, one a line (or separated by semicolons)."""
    import re
    return [t.strip() for t in re.split(r'[\n;；]', form.get('where') or '') if t.strip()]


SYNC_LABELS = {
    'backend': _l('Backend'), 'settings': _l('File or sheet'), 'conflict_policy': _l('On conflict'),
    'delete_policy': _l('When a row disappears'), 'last_run_at': _l('Last run'), 'lang': _l('Language of the sheet'),
    'max_vanish_percent': _l('Stop when more than this percentage of rows vanish'),
    'header_signature': _l('Header'), 'lock_owner': _l('Locked by'), 'locked_at': _l('Locked at'),
    'sheet_stamp': _l('Sheet version last read'),
    'run': _l('Run'), 'started_at': _l('Started at'), 'finished_at': _l('Finished at'), 'dry_run': _l('Dry run'),
    'totals': _l('Totals'), 'results': _l('Rows'), 'base_value': _l('Last synced value'),
    'sheet_value': _l('Sheet value'), 'db_value': _l('Database value'), 'resolved_at': _l('Resolved at'),
    'resolved_by': _l('Resolved by'), 'values': _l('Values'), 'pending_key': _l('Pending row'),
    'vanished': _l('Gone from the sheet'), 'headers': _l('Headers'), 'columns': _l('Mapping'),
    'updated_by': _l('Updated by'), 'every_minutes': _l('Runs every (minutes)'), 'active': _l('Active'),
    'run_as': _l('Runs as'), 'slice_terms': _l('Holds (slice)'), 'new_owner': _l('New rows owned by'),
    'schedule': _l('When it runs'), 'team': _l('Team sheets'), 'team_of': _l('Made from template'),
    'workbook': _l('Workbook'),
}


class SyncView(SecureModelView):
    roles = SYNC_ROLES
    column_labels = SYNC_LABELS
    column_sortable_list = ('code', 'created_at')
    search_fields = (('code', 'code'),)


class SyncTargetView(SyncView):
    """Targets: add an Excel/CSV file or a Google Sheet, run now (dry run or real)."""
    allow_edit = allow_delete = False
    column_list = ('code', 'name', 'entity', 'backend', 'settings', 'conflict_policy', 'delete_policy',
                   'every_minutes', 'schedule', 'last_run_at', 'active', 'run_as', 'slice_terms', 'new_owner')
    column_formatters = {'entity': _entity, 'lang': _sheet_lang, 'header_signature': _signature,
                         'settings': _location, 'slice_terms': _slice, 'new_owner': _new_owner,
                         'schedule': _when, 'team': _team, 'team_of': _team}
    search_fields = (('code', 'code'), ('name', 'plain'))
    details_template = 'ltc_admin/sync_target_details.html'

    @expose('/details/')
    def details_view(self):
        from ..models import Department
        from ..sync.engine.workbook import tab_notes
        self._template_args['departments'] = list(Department.select().order_by(Department.code))
        self._template_args['tab_notes'] = lambda target: tab_notes(target, lang())
        return super().details_view()

    @expose('/team/<int:id>', methods=('POST',))
    def team_view(self, id):
        """Give each member of a department a sheet made from this target, or keep that set in step."""
        from ..sync.engine.team import fan_out
        target = self.get_one(id)
        if target is None:
            abort(404)
        form = request.form
        try:
            with audit.acting_as(current_user, 'admin'):
                result = fan_out(target, department=form.get('department') or None,
                                 mode=form.get('mode') if form.get('mode') in ('tabs', 'spreadsheets') else None)
        except LTCError as exc:
            flash(_('The team sheets were not made: %(error)s', error=text(exc, lang())), 'error')
        else:
            flash(_('Team sheets of %(name)s: %(made)d made, %(back)d made active again, %(gone)d deactivated, '
                    '%(kept)d kept.', name=target.name, made=len(result.created), back=len(result.reactivated),
                    gone=len(result.deactivated), kept=len(result.kept)), 'success')
            if result.unshared:
                flash(_('Not shared with their member (no e-mail address, or Google refused it); share them in '
                        'Google Drive: %(names)s', names=', '.join(result.unshared)), 'warning')
        return redirect(url_for('.details_view', id=id))

    @expose('/new/', methods=('GET', 'POST'))
    def create_view(self):
        if not self.can_create:
            abort(403)
        form = request.form
        if request.method == 'POST':
            try:
                target, created = self._add(form)
            except LTCError as exc:
                flash(_('The target was not added: %(error)s', error=text(exc, lang())), 'error')
            else:
                flash(_('Sync target %(name)s was added.', name=target.name), 'success')
                if target.is_workbook:
                    if created:
                        flash(_('Tabs created with their header, frozen header row, locked code column and '
                                'dropdowns: %(titles)s.', titles=', '.join(created)), 'info')
                elif created:
                    flash(_('The worksheet %(title)s was created in the Google Sheet: header, frozen header row, '
                            'protected code column and dropdowns.', title=target.options['worksheet']), 'info')
                return redirect(url_for('.details_view', id=target.id))
        from ..models import User
        users = User.select().where(User.active).order_by(User.username)
        if current_user.role.name != 'admin':   # acting as another user lends their rights: admins only
            users = users.where(User.id == current_user.id)
        return self.render('ltc_admin/sync_target_new.html', entities=entities(), form=form, run_as_users=users)

    def _add(self, form):
        """Add the target FORM describes; return it and whether a Google worksheet was created for it."""
        name = (form.get('name') or '').strip()
        if not name:
            raise SyncError('Give the target a name.', zh='请为同步目标填写名称。')
        options = dict(lang=form.get('lang', 'zh') if form.get('lang') in ('zh', 'en') else 'zh',
                       conflict_policy='sheet' if form.get('conflict_policy') == 'sheet' else 'db',
                       delete_policy='delete' if form.get('delete_policy') == 'delete' else 'keep',
                       max_vanish_percent=min(max(int(form.get('max_vanish') or 20), 0), 100),
                       every_minutes=form.get('every_minutes') or DEFAULT_EVERY,
                       run_as=(form.get('run_as') or '').strip() or None, where=_where_lines(form),
                       new_owner='rules' if form.get('new_owner') == 'rules' else 'me',
                       schedule=form.get('schedule') or '')
        with audit.acting_as(current_user, 'admin'):
            tabs = form.getlist('tabs')
            if tabs:   # a workbook: a tab per entity ticked, synced together
                from ..sync.engine.workbook import add_workbook
                gsheet = form.get('backend') == 'gsheet'
                path = (form.get('path') or '').strip()
                if not gsheet and not path:
                    raise SyncError('Give the path of the file on the server.', zh='请填写文件在服务器上的路径。')
                book, _members, created = add_workbook(name, tabs, gsheet=(form.get('key') or '') if gsheet else None,
                                                       path=None if gsheet else path, **options)
                return book, created
            if form.get('backend') == 'gsheet':
                # As `flask ltc sync add --gsheet`: opens the spreadsheet, creates the worksheet when missing.
                return add_gsheet_target(name, form.get('entity'), form.get('key') or '',
                                         worksheet=(form.get('worksheet') or '').strip() or None, **options)
            path = (form.get('path') or '').strip()
            if not path:
                raise SyncError('Give the path of the file on the server.', zh='请填写文件在服务器上的路径。')
            return add_target(name, form.get('entity'), path, sheet=(form.get('sheet') or '').strip() or None,
                              **options), False

    @expose('/schedule/<int:id>', methods=('POST',))
    def schedule_view(self, id):
        """Change how often the periodic job runs the target, or pause / resume it."""
        target = self.get_one(id)
        if target is None:
            abort(404)
        form = request.form
        active = {'pause': False, 'resume': True}.get(form.get('state'))
        try:
            if str(target.version) != form.get('version'):
                raise ConflictError('Someone changed this target while you were looking at it; nothing was '
                                    'saved. Check the values and try again.',
                                    zh='您查看期间有人修改了此同步目标；未保存任何内容。请核对后重试。')
            with audit.acting_as(current_user, 'admin'):
                set_schedule(target, every_minutes=form.get('every_minutes') or None, active=active,
                             schedule=form.get('schedule') if 'schedule' in form else None)
        except LTCError as exc:
            flash(_('The schedule was not changed: %(error)s', error=text(exc, lang())), 'error')
        else:
            from ..sync.engine.schedule import describe
            flash(_('Sync target %(name)s runs %(when)s.', name=target.name, when=describe(target, lang())),
                  'success')
        return redirect(url_for('.details_view', id=id))

    @expose('/slice/<int:id>', methods=('POST',))
    def slice_view(self, id):
        """Change the rows the target holds (its slice) and who owns the rows its sheet adds."""
        target = self.get_one(id)
        if target is None:
            abort(404)
        form = request.form
        try:
            if str(target.version) != form.get('version'):
                raise ConflictError('Someone changed this target while you were looking at it; nothing was '
                                    'saved. Check the values and try again.',
                                    zh='您查看期间有人修改了此同步目标；未保存任何内容。请核对后重试。')
            from ..sync.engine.workbook import set_slices   # a workbook: every tab, TAB:field=value for one
            with audit.acting_as(current_user, 'admin'):
                (set_slices if target.is_workbook else set_slice)(
                    target, where=_where_lines(form), new_owner='rules' if form.get('new_owner') == 'rules' else 'me')
        except LTCError as exc:
            flash(_('The slice was not changed: %(error)s', error=text(exc, lang())), 'error')
        else:
            from ..sync.engine.slices import describe
            flash(_('Sync target %(name)s holds %(slice)s.', name=target.name, slice=describe(target.terms, lang())),
                  'success')
        return redirect(url_for('.details_view', id=id))

    @expose('/run/<int:id>', methods=('POST',))
    def run_view(self, id):
        target = self.get_one(id)
        dry_run = request.form.get('dry_run') == '1'
        try:
            with audit.acting_as(current_user, 'admin'):
                result = run_sync(target, dry_run=dry_run)
        except LTCError as exc:
            flash(_('The sync was refused; nothing was written: %(error)s', error=text(exc, lang())), 'error')
            return redirect(url_for('.details_view', id=id))
        flash(result.summary(lang()), 'error' if result.needs_attention else 'success')
        if hasattr(result, 'tabs'):   # a workbook: its tabs and their last runs on its page
            return redirect(url_for('.details_view', id=target.workbook_id or target.id))
        run = SyncRun.get(SyncRun.code == result.run_code)
        return redirect(url_for('syncrun.details_view', id=run.id))


class SyncRunView(SyncView):
    """Runs (imports, syncs, reverts) with their per-row results; revert from the details page."""
    allow_create = allow_edit = allow_delete = False
    column_list = ('code', 'target', 'kind', 'entity', 'source', 'started_at', 'finished_at', 'status',
                   'dry_run', 'totals', 'message')
    column_details_list = column_list + ('results',)
    column_sortable_list = ('code', 'created_at')
    details_template = 'ltc_admin/sync_run_details.html'
    column_formatters = {'results': _results, 'totals': _totals, 'entity': _entity}

    @expose('/revert/<int:id>', methods=('POST',))
    def revert_view(self, id):
        run = self.get_one(id)
        try:
            with audit.acting_as(current_user, 'admin'):
                result = revert_run(run.code)
        except LTCError as exc:
            flash(_('Nothing was reverted: %(error)s', error=text(exc, lang())), 'error')
            return redirect(url_for('.details_view', id=id))
        flash(_('Run %(run)s was reverted: %(summary)s', run=run.code, summary=result.summary(lang())),
              'error' if result.needs_attention else 'success')
        undo = SyncRun.get(SyncRun.code == result.run_code)
        return redirect(url_for('.details_view', id=undo.id))


def _conflict_field(view, context, model, name):
    return _('Row removed from the sheet') if model.is_deletion else _header(model.target.entity, model.field)


def _conflict_values(view, context, model, name):
    """Show a deletion conflict's changed fields as "header: value" in the user's language."""
    value = getattr(model, name)
    if not model.is_deletion or not value:
        return value
    return '; '.join(f'{_header(model.target.entity, a)}: {v}' for a, v in json.loads(value).items())


class SyncConflictView(SyncView):
    """The conflict inbox: keep the database value or take the sheet value (select, then act).

    A row removed from the sheet whose record was changed in the database is one conflict too:
    the database value is the record (keep), the sheet value its removal (delete).
    """
    allow_create = allow_edit = allow_delete = False
    column_list = ('target', 'run', 'code', 'field', 'base_value', 'sheet_value', 'db_value', 'status',
                   'created_at')
    column_formatters = {'field': _conflict_field, 'base_value': _conflict_values, 'db_value': _conflict_values}
    column_sortable_list = ()
    column_default_sort = ('id', True)
    search_fields = ()
    details_template = 'ltc_admin/sync_conflict_details.html'

    def get_query(self):
        query = self.scoped()
        return query if request.args.get('all') else query.where(self.model.status == 'open')

    def _resolve(self, ids, choice):
        done = 0
        with audit.acting_as(current_user, 'admin'):
            for conflict_id in ids:
                try:
                    resolve_conflict(int(conflict_id), choice, by=current_user)
                    done += 1
                except LTCError as exc:
                    flash(_('Conflict %(id)s: %(error)s', id=conflict_id, error=text(exc, lang())), 'error')
        if done:
            flash(ngettext('%(num)d conflict was settled; the next sync run carries the value to the sheet.',
                           '%(num)d conflicts were settled; the next sync run carries the values to the sheet.',
                           done), 'success')

    @expose('/resolve/<int:id>', methods=('POST',))
    def resolve_view(self, id):
        conflict = self.get_one(id)
        choice = request.form.get('choice')
        if choice not in ('db', 'sheet', 'edit', 'keep', 'delete'):
            abort(400)
        try:
            with audit.acting_as(current_user, 'admin'):
                conflict = resolve_conflict(conflict.id, choice, request.form.get('value', ''), by=current_user)
        except LTCError as exc:
            flash(_('Conflict %(id)s: %(error)s', id=conflict.id, error=text(exc, lang())), 'error')
            return redirect(url_for('.details_view', id=id))
        if conflict.status == 'deleted_record':
            flash(_('%(code)s was deleted.', code=conflict.code), 'success')
        elif conflict.status == 'kept_record':
            flash(_('%(code)s was kept; the next sync run puts it back in the sheet.', code=conflict.code), 'success')
        else:
            flash(ngettext('%(num)d conflict was settled; the next sync run carries the value to the sheet.',
                           '%(num)d conflicts were settled; the next sync run carries the values to the sheet.',
                           1), 'success')
        return redirect(url_for('.index_view'))

    @action('keep_db', _l('Keep the database value'))
    def action_keep_db(self, ids):
        self._resolve(ids, 'db')

    @action('take_sheet', _l('Take the sheet value'),
            _l('Take the sheet value for the selected conflicts? Rows removed from the sheet are not deleted '
               'this way; delete those one by one from their page.'))
    def action_take_sheet(self, ids):
        # For a removed row the sheet's "value" is its deletion: never delete records in bulk.
        removed = {str(c.id) for c in SyncConflict.select(SyncConflict.id).where(
            SyncConflict.id.in_([int(i) for i in ids]), SyncConflict.field == DELETION)}
        if removed:
            flash(ngettext('%(num)d row removed from the sheet was left open: open it and choose '
                           '"Delete the record" or "Keep the record".',
                           '%(num)d rows removed from the sheet were left open: open each one and choose '
                           '"Delete the record" or "Keep the record".', len(removed)), 'warning')
        self._resolve([i for i in ids if str(i) not in removed], 'sheet')


class SyncStateView(SyncView):
    allow_create = allow_edit = allow_delete = False
    column_list = ('target', 'code', 'values', 'pending_key', 'vanished')
    column_sortable_list = ()
    column_default_sort = ('id', True)
    search_fields = ()


class ImportMappingView(SyncView):
    """Column mappings remembered by the import screen, per entity and header set."""
    allow_create = allow_edit = allow_delete = False
    column_list = ('entity', 'headers', 'columns', 'updated_at', 'updated_by')
    column_formatters = {'entity': _entity}
    column_sortable_list = ()
    column_default_sort = ('id', True)
    search_fields = ()
