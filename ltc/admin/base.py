"""The secure base view: login, roles, row-level scope on every path, audited versioned saves."""
import dataclasses

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee.ajax import QueryAjaxModelLoader
from flask_admin.model.ajax import AjaxModelLoader
from flask_admin.form import BaseForm
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from peewee import SQL
from wtforms import FieldList, FormField, IntegerField, StringField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import HiddenInput

from .. import search as search_index
from ..db import database
from ..errors import ConflictError, LTCError
from ..services import audit, gate, scope
from ..services.messages import text
from ..sync.mapping.codecs import CONTROL
from . import exports
from .dates import ModelConverter
from .formatters import choices_for, formatters_for
from .i18n import lang
from .labels import LABELS
from .listing import COUNT_CAP, capped_ids, in_scope, preload, search_conditions

def no_control_characters(form, field):
    """Refuse text holding control characters, as the import refuses such a cell (tab and line breaks are text)."""
    bad = CONTROL.search(field.data) if isinstance(field.data, str) else None
    if bad:
        raise ValidationError(_('Contains the control character U+%(code)s; delete it.',
                                code=f'{ord(bad.group()):04X}'))


def text_fields(form):
    """Yield every text field of FORM, those of its inline and nested forms included."""
    for field in form:
        if isinstance(field, StringField):
            yield field
        elif isinstance(field, FormField):
            yield from text_fields(field.form)
        elif isinstance(field, FieldList):
            yield from text_fields(field.entries)


class AdminForm(BaseForm):
    """Every admin form carries Flask-WTF's CSRF token (the one CSRFProtect checks) and refuses
    control characters in every text field, inline rows included."""

    class Meta(FlaskForm.Meta):
        _translations = BaseForm.Meta._translations

        def get_translations(self, form):
            return self._translations

    def validate(self, extra_validators=None):
        for field in text_fields(self):
            if no_control_characters not in field.validators:
                field.validators = [*field.validators, no_control_characters]
        return super().validate(extra_validators)


def role():
    return scope.role_of(current_user) if current_user.is_authenticated else None


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax look-ups (customers, contacts, products, users) limited to what the user may see."""

    def __init__(self, name, model, **options):
        # Flask-Admin's own placeholder reads "Please select model" in English.
        options.setdefault('placeholder', _l('Type to search…'))
        super().__init__(name, model, **options)

    def _scoped(self):
        return in_scope(self.model.select(), self.model, current_user)

    def get_one(self, pk):
        return self._scoped().where(self.model.id == pk).first()

    def get_list(self, term, offset=0, limit=10):
        query = self._scoped()
        term = (term or '').strip()
        offset, limit = max(offset or 0, 0), min(max(limit or 10, 1), 50)   # from the query string
        if term:
            conds = search_conditions(self.model, term, [(f, 'code' if f.name == 'code' else 'plain')
                                                         for f in self._cached_fields])
            if conds is None:
                return []
            looked_up = search_index.lookups(term) if search_index.document(self.model) else []
            if looked_up and search_index.common(self.model, looked_up):
                # A common term (SQLite): the look-up lists by id and the index gives its matches
                # by id, so when the first matches fill the page they are its rows (every match
                # with a smaller id is among them) and the rest is never read.
                first = search_index.condition(self.model, looked_up, first=search_index.COMMON)
                rows = list(query.where(first, *conds[1:]).order_by(self.model.id).offset(offset).limit(limit))
                if len(rows) == limit:
                    return rows
            query = query.where(*conds)
        return list(query.order_by(self.model.id).offset(offset).limit(limit))


class RoleGate:
    """Access for admin views: logged-in users whose role is in ROLES; anonymous visitors go to the
    login page, other roles get 403."""
    roles = ()

    def is_accessible(self):
        return current_user.is_authenticated and role() in self.roles

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for('ltc_auth.login', next=request.full_path))
        abort(403)


class SecureModelView(RoleGate, ModelView):
    """Base of every LTC screen; row-level scope lives in `scoped()` and nowhere else."""

    form_base_class = AdminForm
    model_form_converter = ModelConverter   # typed and pasted dates (ltc.admin.dates)
    roles = ('admin', 'manager', 'sales', 'ops')
    write_roles = None          # defaults to roles
    delete_roles = ('admin', 'ops', 'manager')
    can_view_details = True
    can_export = True
    export_types = ['csv', 'xlsx']
    can_set_page_size = True
    page_size = 20
    page_size_options = (20, 50, 100)
    column_default_sort = ('id', True)
    column_sortable_list = ('code', 'created_at')   # views list their other indexed columns
    # (field name, how to normalise the term): named in the search box; a table with a search
    # index (ltc/search.py) matches anywhere, and these match one- or two-letter terms by prefix.
    search_fields = ()
    owner_field = None           # enables the "assign owner" bulk action
    status_field = None          # enables the "change status" bulk action

    def __init__(self, model, *args, **kwargs):
        formatters = formatters_for(model)
        formatters.update(self.column_formatters or {})
        self.column_formatters = formatters
        self.column_formatters_detail = formatters
        self.column_labels = {**LABELS, **(self.column_labels or {})}
        if self.search_fields:
            self.column_searchable_list = [name for name, _n in self.search_fields]
        if 'search_keys' in model._meta.fields:   # derived for the search index, not for reading
            self.column_details_exclude_list = tuple(self.column_details_exclude_list or ()) + ('search_keys',)
        extra = dict(self.form_extra_fields or {})
        if 'version' in model._meta.fields:
            extra['version'] = IntegerField(widget=HiddenInput(), validators=[Optional()])
        self.form_extra_fields = extra
        self.form_args = labelled(model, self.form_columns, self.form_args)
        for inline in self.inline_models or ():
            if hasattr(inline, 'model'):
                inline.form_args = labelled(inline.model, getattr(inline, 'form_columns', None),
                                            getattr(inline, 'form_args', None))
        super().__init__(model, *args, **kwargs)

    list_template = 'ltc_admin/list.html'

    def row_read_only(self, row, rows):
        """Whether the current user may only read ROW, one of the list page's ROWS (a team member's
        opportunity, its quotes and contracts): its edit and delete buttons are not offered. One query per
        page, and none for the roles whose read and write scopes are the same."""
        if role() in ('admin', 'ops') or not (self.can_edit or self.can_delete):
            return False
        memo = g.setdefault('ltc_read_only_rows', {})
        key = (self.endpoint, id(rows))
        if key not in memo:
            ids = [r.id for r in rows]
            writable = {i for (i,) in self.model.select(self.model.id).where(
                self.model.id.in_(ids), scope.condition(self.model, current_user.record, write=True)).tuples()}
            memo[key] = set(ids) - writable
        return row.id in memo[key]

    def search_placeholder(self):
        names = ', '.join(str(self.get_column_name(name)) for name, _kind in self.search_fields)
        if not names:
            return None
        if search_index.document(self.model) is not None:
            return _('%(fields)s, pinyin (contains)', fields=names)
        return _('%(fields)s (starts with)', fields=names)

    @property
    def can_create(self):
        return role() in (self.write_roles or self.roles) and self.allow_create

    @property
    def can_edit(self):
        return role() in (self.write_roles or self.roles) and self.allow_edit

    @property
    def can_delete(self):
        return role() in self.delete_roles and self.allow_delete

    allow_create = allow_edit = allow_delete = True

    # -- scope: the one place ---------------------------------------------------------
    def scoped(self, query=None):
        """Narrow QUERY (default: all rows) to the rows the current user may see."""
        query = self.model.select() if query is None else query
        return in_scope(query, self.model, current_user)

    def get_query(self):
        return self.scoped()

    def get_one(self, id):
        try:
            pk = int(id)
        except (TypeError, ValueError):
            abort(404)
        row = self.scoped().where(self.model.id == pk).first()
        if row is None:
            abort(404)
        return row

    @expose('/edit/', methods=('GET', 'POST'))
    def edit_view(self):
        """Open the edit form only on a row the user may change: one read through an opportunity team
        goes back to its record page (the gate would refuse the save anyway)."""
        pk = request.args.get('id')
        row = self.get_one(pk) if pk is not None else None
        if row is not None and not scope.can_see(row, current_user.record, write=True):
            flash(_('You read this record as a member of its opportunity team; only its owner, their managers '
                    'or an administrator change it.'), 'warning')
            return redirect(url_for('.details_view', id=row.id))
        return super().edit_view()

    def scoped_rows(self, ids):
        """Return the selected rows; 404 when any of them is outside the user's scope."""
        try:
            wanted = {int(i) for i in ids}
        except (TypeError, ValueError):
            abort(404)
        rows = list(self.scoped().where(self.model.id.in_(list(wanted))))
        if len(rows) != len(wanted):
            abort(404)
        return rows

    def _create_ajax_loader(self, name, options):
        remote = getattr(self.model, name).rel_model
        return ScopedAjaxLoader(name, remote, **options)

    @expose('/ajax/lookup/')
    def ajax_lookup(self):
        # Flask-Admin's peewee inline forms register their options dicts under "model.field"
        # names, not loaders: a look-up by such a name, or by an unknown one, is not found.
        if not isinstance(self._form_ajax_refs.get(request.args.get('name')), AjaxModelLoader):
            abort(404)
        return super().ajax_lookup()

    # -- list ---------------------------------------------------------------------------
    def _search(self, query, search):
        # Contains-search through the table's trigram index; short terms by index ranges
        # (listing.search_conditions): the planner never reads the whole table.
        conds = search_conditions(self.model, search, [(getattr(self.model, name), kind)
                                                        for name, kind in self.search_fields])
        return query.where(SQL('0 = 1')) if conds is None else query.where(*conds) if conds else query

    def _common_search(self, query, search):
        """Return (count ids, page query) for a SEARCH whose index terms are common (SQLite), else None.

        The ids come from the first search.COMMON matches (the ids of the first ones, read without
        the rest); when those hold more than COUNT_CAP rows of QUERY (scope and filters) the list
        shows no count, and its page is read in the list's order, each row checking the terms on its
        columns, which stops at the page. Otherwise all matches are read, as for any other term.
        """
        if search_index.document(self.model) is None:
            return None
        conds = search_conditions(self.model, search, [(getattr(self.model, name), kind)
                                                        for name, kind in self.search_fields])
        looked_up = search_index.lookups(search)
        if not conds or not search_index.common(self.model, looked_up):
            return None
        rest = conds[1:]   # search_conditions puts the index condition first
        ids = capped_ids(query.where(search_index.condition(self.model, looked_up, first=search_index.COMMON),
                                     *rest))
        if len(ids) <= COUNT_CAP:
            ids = capped_ids(query.where(*conds))
        return ids, query.where(search_index.row_condition(self.model, looked_up), *rest)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        query = self.get_query()
        joins = set()
        if self._filters:
            for flt, _name, value in filters:
                f = self._filters[flt]
                query = self._handle_join(query, f.column, joins)
                query = f.apply(query, f.clean(value))
        common = self._common_search(query, search) if search and self.search_fields else None
        if common is not None:
            ids, query = common
        else:
            if search and self.search_fields:
                query = self._search(query, search)
            ids = capped_ids(query)
        count = len(ids) if len(ids) <= COUNT_CAP else None
        if count is not None:
            # Few rows: read the page by primary key. With the filters and the scope still in
            # the query, the planner may walk a whole ordered index for a LIMIT 20 it expects to
            # fill early (a manager's province filter outside their region, bench/search.py).
            query, joins = self.model.select().where(self.model.id.in_(ids) if ids else SQL('0 = 1')), set()
        if sort_column is not None and sort_column in self._sortable_columns:
            # `?sort=N` names a list column by position; one that is not sortable is ignored.
            query, joins = self._order_by(query, joins, [(self._sortable_columns[sort_column], sort_desc)])
        else:
            query, joins = self._order_by(query, joins, self._get_default_order() or [])
        page_size = self.page_size if page_size is None else page_size
        if page_size:
            query = query.limit(page_size)
        if page and page_size:
            query = query.offset(page * page_size)
        if not execute:
            return count, query
        rows = list(query)
        preload(self.model, rows)
        return count, rows

    # -- forms --------------------------------------------------------------------------
    def _localise(self, form):
        """Show choices by their labels in the user's language."""
        from .i18n import lang
        for field in form:
            model_field = self.model._meta.fields.get(field.name)
            choices = choices_for(model_field) if model_field is not None else None
            if choices is not None and hasattr(field, 'choices'):
                field.choices = [relabel(c, choices, lang()) for c in field.choices]
            elif getattr(field, 'model', None) is not None and hasattr(field, 'entries'):
                localise_inline(field, lang())
        return form

    def create_form(self, obj=None):
        return self._localise(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._localise(super().edit_form(obj))

    # -- writes: one transaction, audited, versioned ------------------------------------
    def _save(self, form, model, is_created):
        with audit.acting_as(current_user, 'admin'), database.atomic():
            before = dict(type(model)().__data__ if is_created else model.__data__)   # defaults or stored
            form.populate_obj(model)
            if is_created:
                model.version = 1
            self._on_model_change(form, model, is_created)
            # The gate: this role may write these fields, and every record they name is in scope.
            changed = changed_fields(before, model)
            if is_created:   # a new record's empty fields ask for nothing
                changed = {k: v for k, v in changed.items() if v not in (None, '')}
            gate.check_write(current_user, model, 'create' if is_created else 'update', fields=list(changed),
                             values=changed)
            self.persist(form, model, is_created)
            save_inline(self, form, model)
            self.after_inline(form, model, is_created)

    def persist(self, form, model, is_created):
        """Write MODEL (views whose records have a service save override this)."""
        audit.save(model)

    def after_inline(self, form, model, is_created):
        """Run the checks and totals that need the saved inline rows (same transaction)."""

    def prepare_inline(self, row):
        """Fill what an inline ROW left blank before it is saved (e.g. a line's list price)."""

    def create_model(self, form):
        model = self.model()
        try:
            self._save(form, model, True)
        except LTCError as exc:
            flash(_('Nothing was saved: %(error)s', error=text(exc, lang())), 'error')
            return False
        self.after_model_change(form, model, True)
        return model

    def update_model(self, form, model):
        try:
            self._save(form, model, False)
        except ConflictError as exc:
            flash_conflict(self, exc)
            return False
        except LTCError as exc:
            flash(_('Nothing was saved: %(error)s', error=text(exc, lang())), 'error')
            return False
        self.after_model_change(form, model, False)
        return True

    def delete_model(self, model):
        try:
            with audit.acting_as(current_user, 'admin'):
                gate.check_write(current_user, model, 'delete')
                self.on_model_delete(model)
                audit.delete(model)
        except LTCError as exc:
            flash(_('Nothing was deleted: %(error)s', error=text(exc, lang())), 'error')
            return False
        self.after_model_delete(model)
        return True

    @action('delete', _l('Delete'), _l('Are you sure you want to delete selected records?'))
    def action_delete(self, ids):
        rows = self.scoped_rows(ids)
        try:
            with audit.acting_as(current_user, 'admin'), database.atomic():
                for row in rows:
                    gate.check_write(current_user, row, 'delete')
                    audit.delete(row)
        except LTCError as exc:
            flash(_('Nothing was deleted: %(error)s', error=text(exc, lang())), 'error')
            return
        flash(ngettext('%(num)d record was deleted.', '%(num)d records were deleted.', len(rows)), 'success')

    @action('export_selected', _l('Export selected (CSV)'))
    def action_export_selected(self, ids):
        rows = self.scoped_rows(ids)
        preload(self.model, rows)
        return exports.csv_response(self, rows)

    def is_action_allowed(self, name):
        if name in ('assign_owner', 'change_status') and not self.can_edit:
            return False
        return super().is_action_allowed(name)

    # -- exports ------------------------------------------------------------------------
    def _export_data(self):
        from flask import current_app
        self.export_max_rows = current_app.config.get('EXPORT_MAX_ROWS', 50000)
        return super()._export_data()

    def _export_csv(self, return_url):
        _count, rows = self._export_data()
        return exports.csv_response(self, rows)

    def _export_tablib(self, export_type, return_url):
        if export_type != 'xlsx':
            abort(404)
        _count, rows = self._export_data()
        return exports.xlsx_response(self, rows)



def labelled(model, columns, form_args):
    """Return FORM_ARGS with a translated label for every form column of MODEL."""
    out = {name: dict(args) for name, args in (form_args or {}).items()}
    names = columns or [n for n in model._meta.fields if n != 'id']
    for name in names:
        if name in LABELS:
            out.setdefault(name, {}).setdefault('label', LABELS[name])
    return out


def localise_inline(field, language):
    """Show the choices of an inline list (a contract's payment plans) by their labels in LANGUAGE.

    The rows already on the page are relabelled in place; the row "Add ..." copies is built from the
    list's form class when the page renders, so it gets a subclass of that form with relabelled choices.
    """
    from wtforms.fields.core import UnboundField
    model = field.model
    for entry in field.entries:
        for sub in getattr(entry, 'form', ()):
            choices = choices_for(model._meta.fields.get(sub.short_name))
            if choices is not None and hasattr(sub, 'choices'):
                sub.choices = [relabel(c, choices, language) for c in sub.choices]
    unbound = field.unbound_field
    form_class = unbound.args[0] if unbound.args else None
    if not isinstance(form_class, type):
        return
    local = {}
    for name, model_field in model._meta.fields.items():
        choices, attr = choices_for(model_field), getattr(form_class, name, None)
        if choices is not None and isinstance(attr, UnboundField) and attr.kwargs.get('choices'):
            local[name] = UnboundField(attr.field_class, *attr.args, **dict(
                attr.kwargs, choices=[relabel(c, choices, language) for c in attr.kwargs['choices']]))
    if local:
        localised = type(form_class)(form_class.__name__, (form_class,), local)
        field.unbound_field = UnboundField(unbound.field_class, localised, *unbound.args[1:], **unbound.kwargs)


def relabel(choice, choices, language):
    """Return CHOICE (a SelectChoice or a tuple) labelled in LANGUAGE."""
    value = choice.value if hasattr(choice, 'value') else choice[0]
    if value not in choices:
        return choice
    text = choices.label(value, language)
    if dataclasses.is_dataclass(choice):
        return dataclasses.replace(choice, label=text)
    return (value, text) + tuple(choice[2:])


def save_inline(view, form, model):
    """Save the inline rows of FORM for MODEL through the audited write path."""
    for field in form:
        if field.type != 'InlineModelFormList':
            continue
        fk = getattr(field.model, field.prop)
        existing = {str(r.id): r for r in field.model.select().where(fk == model.id)}
        for entry in field.entries:
            pk = entry.get_pk()
            row = existing.get(pk)
            if row is not None and field.should_delete(entry):
                gate.check_write(current_user, row, 'delete')
                audit.delete(row)
                continue
            action = 'update' if row is not None else 'create'
            row = row or field.model()
            before = dict(row.__data__)
            entry.populate_obj(row, None)
            setattr(row, field.prop, model.id)
            view.prepare_inline(row)
            changed = changed_fields(before, row)
            if changed:   # an unchanged line of the form is no request
                gate.check_write(current_user, row, action, fields=[k for k in changed if k != field.prop],
                                 values=changed)
            audit.save(row)


def changed_fields(before, record):
    """Return {field: new value} of RECORD's fields that differ from BEFORE (what audit.diff records)."""
    return {name: record.__data__.get(name) for name in audit.diff(before, record.__data__)}


def flash_conflict(view, exc):
    """Flash 'changed since you opened it' with the stored and the attempted value per field."""
    parts = []
    for name in sorted(set(exc.current) | set(exc.attempted)):
        parts.append(Markup('<li><b>{}</b>: {} <i>{}</i> · {} <i>{}</i></li>').format(
            view.get_column_name(name), _('saved now:'), _plain(exc.current.get(name)),
            _('yours:'), _plain(exc.attempted.get(name))))
    flash(Markup('{} <ul>{}</ul>').format(
        _('This record changed since you opened it. Nothing was saved; reload it, re-apply your '
          'change and save again.'), Markup('').join(parts)), 'error')


def _plain(value):
    return '—' if value is None or value == '' else str(value)
