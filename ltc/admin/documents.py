"""Attachments in the admin: the documents panel of a record, upload, download and delete.

Every write goes through ltc.services.documents with the logged-in user as the actor; the
screens here only translate the form into that call and show its answer.
"""
from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ..errors import LTCError, NotFound
from ..services import audit, documents, scope
from ..services.scope import DOCUMENT_RECORDS
from .actions import refusal
from . import formatters
from .i18n import name_of
from .base import SecureModelView
from .safety import local_target

ALL_ROLES = ('admin', 'manager', 'sales', 'ops', 'finance')
# The record kinds in the order the "new document" page offers them, with their menu names.
KINDS = (('Customer', _l('Customer')), ('Opportunity', _l('Opportunity')), ('Quote', _l('Quote')),
         ('Contract', _l('Contract')), ('DeliveryMilestone', _l('Delivery milestone')),
         ('PaymentPlan', _l('Payment plan')), ('Payment', _l('Payment')))
ENDPOINTS = {entity: model.__name__.lower() for entity, model in DOCUMENT_RECORDS.items()}


def record_url(entity, record_id):
    """Return the details page of the record a document belongs to."""
    endpoint = ENDPOINTS.get(entity)
    return url_for(f'{endpoint}.details_view', id=record_id) if endpoint and record_id else None


def size_text(size):
    size = size or 0
    if size < 1024:
        return f'{size} B'
    if size < 1024 * 1024:
        return f'{size / 1024:.1f} KB'
    return f'{size / 1024 / 1024:.1f} MB'


class AttachmentsMixin:
    """Adds the documents panel (list, download links, upload form) to a view's details page."""

    def attachments(self, row):
        """Return the documents panel of ROW: its documents the user may see and whether they may attach."""
        user = current_user.record
        # Attaching and deleting need the record's write scope too (a team member only reads the deal's files).
        writes = scope.can_see(row, user, write=True)
        return {'entity': type(row).__name__, 'record': row,
                'documents': documents.documents_of(row, user),
                'may_attach': writes and documents.may_attach(type(row).__name__, user),
                'may_delete': lambda d: writes and documents.may_delete(d, user),
                'size_text': size_text, 'date': formatters.date, 'who': name_of,
                'limits': documents.Limits.from_app()}


def _formatter_filename(view, context, model, name):
    return Markup('<a href="{}" data-download="{}">{}</a>').format(
        url_for('document.download_view', id=model.id), model.id, model.filename)


def _formatter_record(view, context, model, name):
    url = record_url(model.entity, model.entity_id)
    return Markup('<a href="{}">{}</a>').format(url, model.entity_code) if url else model.entity_code


def _formatter_kind(view, context, model, name):
    return dict(KINDS).get(model.entity, model.entity)


def _formatter_size(view, context, model, name):
    return size_text(model.size)


class DocumentView(SecureModelView):
    """Documents attached to records: upload (New), download, list and delete, all through the service."""
    roles = ALL_ROLES
    write_roles = ('admin', 'manager', 'sales', 'ops')
    delete_roles = ALL_ROLES            # the service decides: the uploader, or admin/ops/manager
    column_list = ('code', 'title', 'entity', 'entity_code', 'filename', 'size', 'uploaded_by', 'created_at')
    column_sortable_list = ('code', 'entity', 'entity_code', 'created_at')
    column_formatters = {'filename': _formatter_filename, 'entity_code': _formatter_record,
                         'entity': _formatter_kind, 'size': _formatter_size}
    column_details_exclude_list = ('storage_key', 'entity_id')
    column_export_exclude_list = ('storage_key', 'entity_id')
    search_fields = (('code', 'code'), ('entity_code', 'plain'))
    form_columns = ('title',)

    @property
    def can_create(self):
        return any(documents.may_attach(entity, current_user.record) for entity, _n in KINDS)

    @expose('/new/', methods=('GET', 'POST'))
    def create_view(self):
        """Attach a file to a record named by its kind and code."""
        if not self.can_create:
            abort(403)
        user = current_user.record
        kinds = [(entity, name) for entity, name in KINDS if documents.may_attach(entity, user)]
        return self.render('ltc_admin/document_new.html', kinds=kinds, chosen=request.args.get('entity', ''),
                           code=request.args.get('code', ''), limits=documents.Limits.from_app())

    @expose('/upload/', methods=('POST',))
    def upload_view(self):
        """Attach the posted file to the record (by id from its details page, or by code)."""
        user = current_user.record
        entity = request.form.get('entity', '')
        from_new_page = not request.form.get('record_id')
        try:
            if from_new_page:
                record = documents.record_by_code(entity, request.form.get('code'), user)
            else:
                record = documents.record_of(entity, request.form.get('record_id'), user)
        except NotFound as exc:
            if not from_new_page:
                abort(404)
            flash(_('Nothing was saved: %(error)s', error=refusal(exc)), 'error')
            return redirect(url_for('.create_view', entity=entity, code=request.form.get('code', '')))
        back = local_target(request.form.get('next')) or record_url(entity, record.id)
        upload = request.files.get('file')
        if upload is None or not upload.filename:
            flash(_('Choose a file to attach.'), 'error')
            return redirect(back)
        try:
            with audit.acting_as(current_user, 'admin'):
                document = documents.attach(record, upload.stream, upload.filename, by=user,
                                            title=request.form.get('title'))
        except LTCError as exc:
            flash(_('Nothing was saved: %(error)s', error=refusal(exc)), 'error')
            return redirect(back)
        flash(_('%(file)s was attached to %(code)s as %(doc)s.', file=document.filename, code=record.code,
                doc=document.code), 'success')
        return redirect(back)

    @expose('/download/')
    def download_view(self):
        """Send the file of a document the user may see; 404 otherwise (the same whether it exists or not)."""
        try:
            document, path = documents.open_document(request.args.get('id'), current_user.record)
        except NotFound:
            abort(404)
        # The type comes from the server's table for the name's extension, never from the upload.
        response = send_file(path, mimetype=documents.content_type(document.filename),
                             as_attachment=True, download_name=document.filename, conditional=True, max_age=0)
        response.headers['X-Content-Type-Options'] = 'nosniff'
        response.headers['Content-Security-Policy'] = "default-src 'none'; sandbox"
        response.headers['Cache-Control'] = 'private, no-store'
        return response

    def persist(self, form, model, is_created):
        # The title is the only field of the form; the service checks who may change it.
        saved = documents.set_title(model.id, model.title, current_user.record, version=model.version)
        model.__data__.update(saved.__data__)
        model._dirty.clear()

    # -- deletes: through the service (the uploader, or admin/ops/manager; the file goes when unused)
    def delete_model(self, model):
        try:
            with audit.acting_as(current_user, 'admin'):
                documents.delete_document(model.id, current_user.record)
        except LTCError as exc:
            flash(_('Nothing was deleted: %(error)s', error=refusal(exc)), 'error')
            return False
        return True

    @action('delete', _l('Delete'), _l('Are you sure you want to delete selected records?'))
    def action_delete(self, ids):
        rows = self.scoped_rows(ids)
        try:
            with audit.acting_as(current_user, 'admin'):
                documents.delete_documents([row.id for row in rows], current_user.record)
        except LTCError as exc:
            flash(_('Nothing was deleted: %(error)s', error=refusal(exc)), 'error')
            return
        flash(ngettext('%(num)d record was deleted.', '%(num)d records were deleted.', len(rows)), 'success')
