"""The import screen: upload -> column mapping -> preview -> confirm -> progress -> result.

Preview and apply are the same code: the preview shows `plan_import`'s rows and the confirm
step plans the same file with the same mapping again and applies that plan with
`apply_import` only when it is identical to what was previewed (a fingerprint of every
row's outcome and changes); otherwise the new preview is shown and nothing is written.
"""
import hashlib
import json
import traceback
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import LTCError
from ..models import CustomField
from ..models.custom import CUSTOM_ENTITIES, CUSTOM_KINDS
from ..services import audit, custom_fields, gate
from ..services.messages import text
from ..sync.formats.reader import read_sheet
from ..sync.formats.tables import open_path
from ..sync.mapping.codecs import Choice
from ..sync.mapping.entities import MAPPINGS, get
from ..sync.writes.importer import apply_import, canon, plan_import
from ..sync.writes.results import OUTCOMES, outcome_label
from . import uploads
from .base import RoleGate
from .i18n import lang

EXTENSIONS = ('.xlsx', '.xls', '.csv')
PAGE = 100
IMPORT_ROLES = ('admin', 'ops', 'manager', 'sales')
_CACHE = {}   # token -> (options, plan) of the last preview


def entities():
    """Return [(entity, title in the user's language)] for the entity selects, in Lead-to-Cash order."""
    return [(name, MAPPINGS[name].title(lang())) for name in MAPPINGS]


def _table(token, info):
    return open_path(uploads.path_of(token, info['ext']), sheet=info.get('sheet'),
                     max_rows=current_app.config.get('IMPORT_MAX_ROWS'))


def refusal(exc, token, info):
    """Return the reader's message in the user's language, naming the file as uploaded, not as stored."""
    return text(exc, lang()).replace(uploads.path_of(token, info['ext']).name, info['filename'])


def sheet_names(token, info):
    """Return the data sheets of an uploaded workbook (empty for CSV)."""
    if info['ext'] == '.csv':
        return []
    table = open_path(uploads.path_of(token, info['ext']))
    _fmt, book = table._open()   # the same checks and sheet filter the reader applies
    try:
        return table.candidates(book)
    finally:
        book.close()


def make_plan(token, info):
    """Plan the upload with the chosen sheet, mapping and option; writes nothing."""
    columns = {int(k): v for k, v in info['columns'].items()} if info.get('columns') else None
    # The import acts as the logged-in user: their role, scope and the business rules decide each row,
    # and a refused row shows nothing of the record it named.
    # The run's source (and the reason a closed row gets) names the file as the user uploaded it, not as it is stored.
    stored = uploads.path_of(token, info['ext']).name
    return plan_import(info['entity'], _table(token, info), on_existing=info['on_existing'],
                       lang=lang(), columns=columns, actor=current_user.record,
                       relabel=lambda label: label.replace(stored, info['filename']))


def cached_plan(token, info, fresh):
    """Return the preview's plan, reused while paging through it unless FRESH (one plan kept:
    a big file's plan is large; other processes simply plan again)."""
    key = json.dumps([info.get('sheet'), info.get('columns'), info['on_existing'], lang()], sort_keys=True)
    hit = _CACHE.get(token)
    if not fresh and hit and hit[0] == key:
        return hit[1]
    plan = make_plan(token, info)
    _CACHE.clear()
    _CACHE[token] = (key, plan)
    return plan


def fingerprint(plan):
    rows = [(r.row, r.outcome, r.code, r.changes, [e.text('en') for e in r.errors]) for r in plan.rows]
    return hashlib.sha1(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def match_hint(match):
    """Return (badge style, text) telling the user how sure the automatic mapping of a header is, or None."""
    def field(column):
        return column.header(lang())

    def pct(value):
        return f'{value * 100:.0f}%'
    if match.how == 'fuzzy':
        return 'warning', _('Similar name, %(pct)s sure: check it', pct=pct(match.confidence))
    if match.how == 'weak':
        column, score = match.candidates[0]
        return 'secondary', _('Not imported; perhaps %(field)s (%(pct)s)', field=field(column), pct=pct(score))
    if match.how == 'ambiguous':
        both = ' / '.join(f'{field(c)} {pct(v)}' for c, v in match.candidates[:2])
        return 'warning', _('Matches %(fields)s alike: choose one', fields=both)
    if match.how == 'context':
        return 'info', _('Read as %(field)s: the file has no other column for it', field=field(match.column))
    if match.how == 'joined':
        return 'info', _('Joined with the other parts into %(field)s', field=field(match.column))
    if match.how == 'split':
        return 'info', _('Split into %(fields)s', fields=' + '.join(field(c) for c in match.fills))
    if match.how == 'repeat':
        return 'secondary', _('%(field)s is already read from another column', field=field(match.candidates[0][0]))
    return None


def chosen_fields(sheet):
    """Return {position: what the mapping screen preselects}: a field, or a split's key for a column split into
    several (the parts of a joined field all preselect that field)."""
    chosen = {p: c.attr for p, c in sheet.columns.items()}
    for match in sheet.matches:
        if match.how == 'joined':
            chosen[match.position] = match.rule.attr
        elif match.how == 'split':
            chosen[match.position] = match.rule.key
    return chosen


def field_choices(mapping):
    """Return [(value, label)] of the mapping screen's field select: the writable fields, then the splits."""
    fields = [(c.attr, c.header(lang()) + (' *' if c.required else '')) for c in mapping.columns if not c.readonly]
    return fields + [(s.key, s.label([mapping.by_attr[a] for a in s.attrs], lang())) for s in mapping.splits]


def describe(plan, row):
    """Return what a preview row shows: the field diff, or the values a created row brings."""
    mapping, ctx, language = plan.mapping, plan.ctx, lang()

    def shown(attr, text):   # choices by their label, everything else as its canonical text
        codec = mapping.by_attr[attr].codec
        return codec.render(text, ctx) if isinstance(codec, Choice) and text else text
    if row.changes:
        return [(mapping.by_attr[a].header(language), shown(a, old), shown(a, new))
                for a, (old, new) in row.changes.items()]
    if row.outcome == 'created':
        return [(mapping.by_attr[a].header(language), None, shown(a, canon(mapping, a, v, ctx)))
                for a, v in row.values.items() if v not in (None, '')]   # every value, e-mail to city
    return []


class ImportView(RoleGate, BaseView):
    """Upload a spreadsheet, map its columns, preview each row, confirm, follow the progress."""

    roles = IMPORT_ROLES

    def _entry(self, token):
        info = uploads.entry(token)
        if info is None:
            abort(404)
        return info

    @expose('/', methods=('GET', 'POST'))
    def index(self):
        if request.method == 'POST':
            response = self._upload()
            if response is not None:
                return response
        return self.render('ltc_admin/import_upload.html', entities=entities(),
                           max_mb=current_app.config['IMPORT_MAX_UPLOAD_MB'])

    def _upload(self):
        entity, upload = request.form.get('entity'), request.files.get('file')
        if entity not in MAPPINGS:
            flash(_('Choose what the file contains.'), 'error')
            return None
        if upload is None or not upload.filename:
            flash(_('Choose a file to upload.'), 'error')
            return None
        ext = Path(upload.filename).suffix.lower()
        if ext not in EXTENSIONS:
            flash(_('%(name)s is not a spreadsheet; upload an .xlsx, .xls or .csv file.',
                    name=upload.filename), 'error')
            return None
        uploads.sweep()
        token = uploads.new_upload(entity, upload.filename, ext)
        path = uploads.path_of(token, ext)
        cap = current_app.config['IMPORT_MAX_UPLOAD_MB'] * 1024 * 1024
        size = 0
        with open(path, 'wb') as out:
            while chunk := upload.stream.read(1 << 20):
                size += len(chunk)
                if size > cap:
                    break
                out.write(chunk)
        if size > cap:
            path.unlink(missing_ok=True)
            uploads.forget(token)
            flash(_('The file is larger than %(mb)s MB; split it into smaller files.',
                    mb=current_app.config['IMPORT_MAX_UPLOAD_MB']), 'error')
            return None
        try:
            read_sheet(_table(token, uploads.entry(token)), get(entity), combine=True)
        except LTCError as exc:
            path.unlink(missing_ok=True)
            flash(_('The file was refused: %(error)s', error=refusal(exc, token, uploads.entry(token))), 'error')
            uploads.forget(token)
            return None
        return redirect(url_for('.mapping', token=token))

    @expose('/<token>/mapping', methods=('GET', 'POST'))
    def mapping(self, token):
        info = self._entry(token)
        mapping = get(info['entity'])
        if request.method == 'POST':
            sheet = request.form.get('sheet') or None
            if sheet != info.get('sheet'):   # another sheet has other headers: map it afresh
                uploads.update(token, sheet=sheet, columns=None)
                return redirect(url_for('.mapping', token=token))
            return self._save_mapping(token, info, mapping)
        try:
            table = _table(token, info)
            sheet = read_sheet(table, mapping, combine=True)
            names = sheet_names(token, info)
            if names and not info.get('sheet'):   # the reader picked the data sheet: keep it for the next steps
                uploads.update(token, sheet=table.sheet)
                info = uploads.entry(token)
        except LTCError as exc:
            flash(_('The file was refused: %(error)s', error=refusal(exc, token, info)), 'error')
            return redirect(url_for('.index'))
        chosen = chosen_fields(sheet)
        memory = uploads.remembered(info['entity'], sheet.headers)
        if info.get('columns'):
            chosen = {int(k): v for k, v in info['columns'].items()}
        elif memory is not None:
            chosen = memory
        fields = field_choices(mapping)
        headers = [(i, h) for i, h in enumerate(sheet.headers) if h and i != sheet.status_pos]
        hints = {} if info.get('columns') or memory is not None else {
            m.position: hint for m in sheet.matches if (hint := match_hint(m)) is not None}
        notes = [zh if lang().startswith('zh') else en for en, zh in sheet.notes()]
        return self.render('ltc_admin/import_mapping.html', info=info, token=token, headers=headers,
                           chosen=chosen, fields=fields, sheets=names, remembered=memory is not None,
                           header_row=sheet.header_row, rows=len(sheet.rows), title=mapping.title(lang()),
                           hints=hints, notes=notes, kinds=CUSTOM_KINDS.pairs(lang()),
                           can_keep=info['entity'] in CUSTOM_ENTITIES and gate.may(current_user.record, CustomField,
                                                                                    'create'))

    @expose('/<token>/keep', methods=('POST',))
    def keep(self, token):
        """Define a custom field for a column no field takes (its header as label, the chosen type) and map it."""
        info = self._entry(token)
        mapping = get(info['entity'])
        sheet = read_sheet(_table(token, info), mapping, combine=True)
        position = request.form.get('keep', type=int)
        kind = request.form.get(f'kind-{position}', 'text')
        if position is None or not 0 <= position < len(sheet.headers) or not sheet.headers[position] \
                or kind not in CUSTOM_KINDS:
            abort(400)
        header = sheet.headers[position]
        try:
            with audit.acting_as(current_user, 'admin'):
                field = custom_fields.keep_as_fields(info['entity'], [header], kind=kind, by=current_user.record)[header]
        except LTCError as exc:
            flash(_('Nothing was saved: %(error)s', error=text(exc, lang())), 'error')
            return redirect(url_for('.mapping', token=token))
        columns = self._columns_from_form(sheet, get(info['entity']))   # keep what the user chose so far
        columns[position] = f'custom:{field.key}'
        uploads.update(token, columns={str(k): v for k, v in columns.items()})
        flash(_('The column %(header)s is kept as the custom field %(field)s.', header=header,
                field=field.title(lang())), 'success')
        return redirect(url_for('.mapping', token=token))

    def _columns_from_form(self, sheet, mapping):
        columns = {}
        for position, header in enumerate(sheet.headers):
            if not header or position == sheet.status_pos:
                continue
            attr = request.form.get(f'col-{position}', '')
            columns[position] = attr if attr in mapping.by_attr or attr in mapping.by_split else None
        return columns

    def _save_mapping(self, token, info, mapping):
        on_existing = request.form.get('on_existing', 'update')
        if on_existing not in ('update', 'skip'):
            abort(400)
        sheet = read_sheet(_table(token, info), mapping, combine=True)
        columns = {}
        for position, header in enumerate(sheet.headers):
            if not header or position == sheet.status_pos:
                continue
            attr = request.form.get(f'col-{position}', '')
            if attr and attr not in mapping.by_attr and attr not in mapping.by_split:
                abort(400)
            columns[position] = attr or None
        # The parts of a field read together (First Name, Last Name) may all name it; any other field is mapped once.
        chosen = [a for p, a in columns.items() if a and not mapping.part_of(a, sheet.headers[p])]
        if len(chosen) != len(set(chosen)):
            flash(_('Two columns are mapped to the same field; map each field once.'), 'error')
            return redirect(url_for('.mapping', token=token))
        uploads.remember(info['entity'], sheet.headers, columns, current_user.username)
        uploads.update(token, columns={str(k): v for k, v in columns.items()}, on_existing=on_existing)
        return redirect(url_for('.preview', token=token))

    @expose('/<token>/preview')
    def preview(self, token):
        info = self._entry(token)
        if not uploads.path_of(token, info['ext']).exists():
            return redirect(url_for('.result', token=token))
        try:
            plan = cached_plan(token, info, fresh=not (request.args.get('page') or request.args.get('only')))
        except LTCError as exc:
            flash(_('The file was refused: %(error)s', error=refusal(exc, token, info)), 'error')
            return redirect(url_for('.mapping', token=token))
        uploads.update(token, preview=fingerprint(plan))
        only = request.args.get('only') if request.args.get('only') in OUTCOMES + ('all',) else None
        totals = plan.result.totals()
        hidden = 0
        if only is None and totals['unchanged'] and totals['unchanged'] < len(plan.rows):
            # Re-imported exports are mostly unchanged rows: show what will change or fails first.
            rows = [r for r in plan.rows if r.outcome != 'unchanged']
            hidden = totals['unchanged']
        else:
            rows = [r for r in plan.rows if only in (None, 'all') or r.outcome == only]
        page = max(request.args.get('page', 1, type=int), 1)
        pages = max((len(rows) + PAGE - 1) // PAGE, 1)
        shown = rows[(page - 1) * PAGE:page * PAGE]
        return self.render('ltc_admin/import_preview.html', info=info, token=token, plan=plan, totals=totals,
                           rows=[(r, describe(plan, r)) for r in shown], page=page, pages=pages, only=only,
                           hidden=hidden,
                           label=lambda o: outcome_label(o, lang()), language=lang(),
                           writes=totals['created'] + totals['updated'])

    @expose('/<token>/confirm', methods=('POST',))
    def confirm(self, token):
        info = self._entry(token)
        if uploads.read_status(token) is not None:
            return redirect(url_for('.progress', token=token))
        try:
            plan = make_plan(token, info)
        except (LTCError, FileNotFoundError):
            flash(_('The uploaded file is gone; upload it again.'), 'error')
            return redirect(url_for('.index'))
        if fingerprint(plan) != info.get('preview'):
            flash(_('The data changed since the preview; check this new preview and confirm again. '
                    'Nothing was written.'), 'warning')
            return redirect(url_for('.preview', token=token))
        _CACHE.pop(token, None)
        total = len(plan.rows)
        uploads.write_status(token, state='running', done=total, total=total * 2)
        user, language, upload = current_user.record, lang(), uploads.path_of(token, info['ext'])

        def work():
            def progress(done, whole):
                uploads.write_status(token, state='running', done=done, total=whole)
            try:
                try:
                    with audit.acting_as(user, 'admin'):
                        result = apply_import(plan, progress=progress)
                except Exception as exc:   # noqa: BLE001 - the screen must learn that the apply failed
                    current_app.logger.error('import %s failed: %s', token, traceback.format_exc())
                    uploads.write_status(token, state='failed', done=0, total=total * 2,
                                         error=text(exc, language))
                    return
                # The run is written: from here on the screen says so, whatever happens to the reports.
                reports = []
                for ext in ('xlsx', 'csv'):
                    try:
                        result.write_report(uploads.folder() / f'{token}-report.{ext}', language)
                        reports.append(ext)
                    except Exception:   # noqa: BLE001 - a report is a convenience; the run stands
                        current_app.logger.error('import %s: the %s report failed: %s', token, ext,
                                                 traceback.format_exc())
                uploads.write_status(token, state='done', done=total * 2, total=total * 2,
                                     run=result.run_code, totals=result.totals(), reports=reports)
            finally:
                upload.unlink(missing_ok=True)

        uploads.start(token, work)
        return redirect(url_for('.progress', token=token))

    @expose('/<token>/progress')
    def progress(self, token):
        self._entry(token)
        status = uploads.read_status(token) or abort(404)
        if status['state'] != 'running':
            return redirect(url_for('.result', token=token))
        return self.render('ltc_admin/import_progress.html', token=token, status=status)

    @expose('/<token>/status')
    def status(self, token):
        self._entry(token)
        status = uploads.read_status(token) or abort(404)
        status['percent'] = int(100 * status['done'] / status['total']) if status.get('total') else 100
        status['result'] = url_for('.result', token=token)
        return jsonify(status)

    @expose('/<token>/result')
    def result(self, token):
        info = self._entry(token)
        status = uploads.read_status(token) or abort(404)
        if status['state'] == 'running':
            return redirect(url_for('.progress', token=token))
        run = None
        if status.get('run'):
            from ..models.sync import SyncRun
            run = SyncRun.get_or_none(SyncRun.code == status['run'])
        return self.render('ltc_admin/import_result.html', info=info, token=token, status=status, run=run,
                           label=lambda o: outcome_label(o, lang()))

    @expose('/<token>/report.<fmt>')
    def report(self, token, fmt):
        info = self._entry(token)
        path = uploads.folder() / f'{token}-report.{fmt}'
        if fmt not in ('xlsx', 'csv') or not path.exists():
            abort(404)
        name = f'{Path(info["filename"]).stem}-report.{fmt}'
        return send_file(path, as_attachment=True, download_name=name)
