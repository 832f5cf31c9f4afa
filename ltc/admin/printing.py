"""Printed documents in the admin: a quote's or contract's PDF and print view, a customer's statement (对账单)
as PDF or xlsx, and "Generate for sending", which stores the PDF on the record as one of its documents.

Every path reads through the view's scope (`get_one`) and the printing service with the logged-in
user; storing goes through `printing.store` (documents.attach: an audit row, the documents panel).
"""
import datetime
import io

from flask import Response, abort, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectField
from wtforms import validators as V

from ..errors import LTCError
from ..services import printing
from ..services.collection import statement
from ..sync.writes.statement import write_statement_xlsx
from .actions import InputForm, RecordAction
from .base import role
from .dates import DateField
from .i18n import lang

LANGS = (('zh', '中文'), ('en', 'English'))
XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


def _lang(value):
    return value if value in dict(LANGS) else ('zh' if lang().startswith('zh') else 'en')


def _on(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def document_response(kind, row, fmt, doc_lang, on=None):
    """Return the PDF (a download), the print-styled HTML or, for a statement, the xlsx of ROW."""
    by = current_user.record
    try:
        if fmt == 'html':
            return Response(printing.render_html(kind, row.code, doc_lang, by, on), mimetype='text/html')
        if fmt == 'xlsx' and kind == 'statement':
            out = io.BytesIO()
            write_statement_xlsx(statement(row, on=on, user=by), out, doc_lang)
            out.seek(0)
            return send_file(out, mimetype=XLSX, as_attachment=True,
                             download_name=f'statement-{row.code}-{doc_lang}.xlsx', max_age=0)
        if fmt != 'pdf':
            abort(404)
        pdf = printing.render_pdf(kind, row.code, doc_lang, by, on)
    except LTCError:
        abort(404)   # out of the printer's scope or rules: nothing to show, as for a missing record
    return send_file(io.BytesIO(pdf), mimetype='application/pdf', as_attachment=True,
                     download_name=f'{kind}-{row.code}-{doc_lang}.pdf', max_age=0)


class SendForm(InputForm):
    doc_lang = SelectField(_l('Language'), choices=list(LANGS), validators=[V.InputRequired()])
    on = DateField(_l('As of'), validators=[V.Optional()], description=_l('Statements only; empty: today.'))

    def prepare(self, rows):
        if not self.doc_lang.data:
            self.doc_lang.data = _lang(None)


def generate_action(kind, roles):
    """Return the "Generate for sending" record action storing KIND's PDF on the record."""
    def run(view, rows, form, by):
        links = []
        for row in rows:
            document = printing.store(kind, row.code, form.doc_lang.data, by,
                                      on=form.on.data if kind == 'statement' and hasattr(form, 'on') else None)
            links.append(Markup('<a href="{}" data-document="{}">{}</a>').format(
                url_for('document.download_view', id=document.id), document.code, document.filename))
        return Markup('{} {}').format(_('Stored with the record’s documents:'), Markup(', ').join(links))

    def form(formdata=None, data=None):
        made = SendForm(formdata, data=data)
        if kind != 'statement':
            del made['on']
        return made
    return RecordAction(f'generate_{kind}', _l('Generate for sending'), run, form=form, roles=roles,
                        defaults=lambda rows: {'doc_lang': _lang(None)})


class PrintMixin:
    """Adds /print/?id=&fmt=pdf|html&lang= (and the print links of the record page) to a quote or contract screen."""

    print_kind = None

    def print_links(self, row):
        """Return [(label, url)] of the PDF and print views of ROW in both languages."""
        out = []
        for code, name in LANGS:
            out.append((f'PDF · {name}', url_for('.print_view', id=row.id, fmt='pdf', lang=code)))
        out.append((_('Print view'), url_for('.print_view', id=row.id, fmt='html', lang=_lang(None))))
        return out

    @expose('/print/')
    def print_view(self):
        """Send the PDF or the print-styled HTML of a record the user may read."""
        row = self.get_one(request.args.get('id'))
        if row is None:
            abort(404)
        return document_response(self.print_kind, row, request.args.get('fmt', 'pdf'),
                                 _lang(request.args.get('lang')))


class StatementMixin:
    """Adds /statement/?id=&fmt=xlsx|pdf|html&lang=&on= to the customer screen (the 360° page's links)."""

    def statement_links(self, row):
        out = []
        for fmt in ('xlsx', 'pdf'):
            for code, name in LANGS:
                out.append((fmt, code, f'{fmt.upper()} · {name}',
                            url_for('.statement_view', id=row.id, fmt=fmt, lang=code)))
        return out

    @expose('/statement/')
    def statement_view(self):
        """Send the statement (对账单) of a customer the user may read, as xlsx, PDF or print view."""
        row = self.get_one(request.args.get('id'))
        if row is None:
            abort(404)
        return document_response('statement', row, request.args.get('fmt', 'pdf'), _lang(request.args.get('lang')),
                                 on=_on(request.args.get('on')))

    def may_run(self, act):
        # Finance chases payment with statements on customers it reads but does not edit.
        if act.name == 'generate_statement':
            return role() in act.roles
        return super().may_run(act)
