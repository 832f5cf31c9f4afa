"""`flask ltc import|export|sync ...`: thin commands over the sync package.

Exit codes: 0 clean; 1 finished with row errors or conflicts (listed); 2 refused (unreadable
file, wrong header, lock held, bad arguments) with one sentence and nothing changed.
"""
import contextlib
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import database
from ..errors import LTCError
from ..services import gate
from ..services.messages import text
from ..sync.errors import SyncError
from ..sync.mapping.entities import MAPPINGS

ENTITIES = click.Choice(sorted(MAPPINGS))
LANGS = click.Choice(['zh', 'en'])


def _refuse(exc, lang='en'):
    if isinstance(exc, LTCError) and lang.startswith('zh') and exc.details.get('zh'):
        click.echo(f'错误：{text(exc, lang)}', err=True)
    else:
        click.echo(f'Error: {exc}', err=True)
    sys.exit(2)


def _pairs(option, values, lang):
    """Parse repeated --map "HEADER=field" / --map-value "COLUMN:VALUE=CODE" options."""
    out = {}
    for raw in values:
        left, sep, right = raw.rpartition('=')
        if option == '--map-value':
            column, colon, value = left.partition(':')
            if not (sep and colon and column.strip() and value.strip() and right.strip()):
                _refuse(SyncError(f'--map-value takes COLUMN:VALUE=CODE, e.g. --map-value "状态:有效=executing"; '
                                  f'not {raw!r}.',
                                  zh=f'--map-value 的格式为 列:值=编码，例如 --map-value "状态:有效=executing"；'
                                     f'不能是 {raw!r}。'), lang)
            out.setdefault(column.strip(), {})[value.strip()] = right.strip()
        else:
            if not (sep and left.strip()):
                _refuse(SyncError(f'--map takes "HEADER=field" (field "-" to leave the column out), '
                                  f'e.g. --map "Email Id=email"; not {raw!r}.',
                                  zh=f'--map 的格式为 "表头=字段"（字段为 "-" 表示不导入该列），'
                                     f'例如 --map "Email Id=email"；不能是 {raw!r}。'), lang)
            out[left.strip()] = None if right.strip() in ('', '-') else right.strip()
    return out


def _pct(value):
    return f'{value * 100:.0f}%'


def column_lines(sheet, lang, everything=True):
    """Return the plan's column -> field lines in LANG; EVERYTHING: also the plainly matched ones."""
    zh = lang.startswith('zh')
    lines = []
    for match in sheet.matches:
        header, column = match.header, match.column
        if match.how == 'joined':   # shown in both listings: several columns make this field
            others = [m.header for m in sheet.matches if m.how == 'joined' and m.rule is match.rule and m is not match]
            lines.append(f'  {header} → {column.label(lang)}  (' + ('与' if zh else 'with ') + ', '.join(others)
                         + ('：' if zh else ': ') + match.rule.describe(lang) + ')')
            continue
        if match.how == 'split':
            fields = ' + '.join(c.label(lang) for c in match.fills)
            lines.append(f'  {header} → {fields}  ({match.rule.describe(lang)})')
            continue
        if column is not None:
            if match.how in ('exact', 'note') and not everything:
                continue
            target = column.label(lang)
            extra = {
                'fuzzy': (f'similar name, {_pct(match.confidence)} sure: check it; --map "{header}=FIELD" changes it',
                          f'名称相近，置信度 {_pct(match.confidence)}：请核对；用 --map "{header}=字段" 修改'),
                'context': ('the file has no other column for this field',
                            '文件中没有该字段的其他列'),
                'override': ('as given by --map', '按 --map 指定'),
            }.get(match.how)
            line = f'  {header} → {target}'
            if extra:
                line += f'  ({extra[1] if zh else extra[0]})'
            lines.append(line)
            continue
        reason = ''
        if match.how == 'weak':
            other, score = match.candidates[0]
            reason = (f'可能是 {other.label(lang)}（{_pct(score)}）；要导入请用 --map "{header}={other.attr}"' if zh else
                      f'perhaps {other.label(lang)} ({_pct(score)}); to import it: --map "{header}={other.attr}"')
        elif match.how == 'ambiguous':
            both = ' / '.join(f'{c.attr} {_pct(v)}' for c, v in match.candidates[:2])
            reason = (f'同时像 {both}；请用 --map "{header}=字段" 指定' if zh else
                      f'matches {both} alike; choose with --map "{header}=FIELD"')
        elif match.how == 'repeat':
            other = match.candidates[0][0]
            reason = f'{other.attr} 已由另一列导入' if zh else f'{other.attr} is already read from another column'
        elif match.how == 'override':
            reason = '按 --map 不导入' if zh else 'left out by --map'
        line = f'  {header} → ' + ('不导入' if zh else 'not imported')
        lines.append(line + (f'  ({reason})' if reason else ''))
    return lines


def _columns(sheet, lang, everything):
    zh = lang.startswith('zh')
    lines = column_lines(sheet, lang, everything)
    if not lines:
        return
    if everything:
        click.echo(f'{sheet.label}：表头在第 {sheet.header_row} 行，{len(sheet.rows)} 行数据。列 → 字段：' if zh else
                   f'{sheet.label}: header on row {sheet.header_row}, {len(sheet.rows)} data rows. Column → field:')
    else:
        click.echo('未导入或需核对的列：' if zh else 'Columns not imported or to check:')
    for line in lines:
        click.echo(line)


# Columns --keep-unknown keeps: those no field takes (not one left out by --map, nor a second column of a field).
KEEPABLE = ('unknown', 'weak', 'ambiguous')


def keep_unknown_columns(entity, table, overrides):
    """Define a text custom field of ENTITY for each column of TABLE no field takes; return {header: field}."""
    from ..services import custom_fields
    from ..sync.formats.reader import read_sheet
    from ..sync.mapping.entities import get
    found = read_sheet(table, get(entity), overrides, combine=True)
    headers = [m.header for m in found.matches
               if m.column is None and m.how in KEEPABLE and str(m.header or '').strip()]
    if not headers:
        return {}
    return custom_fields.keep_as_fields(get(entity).entity, headers)


def _kept(kept, lang):
    """Say which columns became custom fields (--keep-unknown)."""
    if not kept:
        return
    zh = lang.startswith('zh')
    click.echo('以下列保存为自定义字段（文本）：' if zh else 'Kept as custom fields (text):')
    for header, field in kept.items():
        click.echo(f'  {header} → custom:{field.key} ({field.title(lang)})')


def _notes(notes, lang):
    for en, zh in notes:
        click.echo(zh if lang.startswith('zh') else en)


class _Progress:
    """Adapt progress(done, total) callbacks to a click progress bar on stderr."""

    def __init__(self, label):
        self.label, self.bar, self.done = label, None, 0

    def __call__(self, done, total):
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.length = max(total, 1)
        self.bar.update(max(done - self.done, 0))
        self.done = done

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _report(result, lang, limit=50):
    for row in result.problems()[:limit]:
        message = row.message(lang)
        if row.row and message.startswith((f'Row {row.row},', f'Row {row.row}:', f'第{row.row}行')):
            click.echo(f'  {message}')   # the message names its row already
            continue
        where = f'row {row.row}' if row.row else row.code
        click.echo(f'  {where}: {message}')
    if len(result.problems()) > limit:
        click.echo(f'  ... and {len(result.problems()) - limit} more (see --report)')
    click.echo(result.summary(lang) + (f'  [run {result.run_code}]' if result.run_code else ''))


def _as_option(func):
    return click.option('--as', 'as_user', metavar='USERNAME',
                        help="Act as this user: their role, data scope and the business rules decide each row "
                             "(default: the system actor, audited as cli).")(func)


def _acting(as_user):
    """Return a context acting as the user AS_USER (refused when there is none), or a no-op."""
    import contextlib
    from ..models import User
    from ..services import audit
    if not as_user:
        return contextlib.nullcontext()
    user = User.get_or_none(User.username == as_user.strip())
    if user is None or not user.active:
        _refuse(f'there is no active user {as_user!r}; give an existing username to --as.')
    return audit.acting_as(user, 'cli')


def _where(target):
    options = target.options
    if target.backend == 'gsheet':
        return f'{options.get("key", "")} › {options.get("worksheet", "")}'.strip(' ›')
    return options.get('path', '')


def _with_tabs(target):
    """Return the ids of TARGET and, for a workbook, of its tabs (whose runs and conflicts are the workbook's)."""
    from ..models.sync import SyncTarget
    return [target.id] + [t for (t,) in SyncTarget.select(SyncTarget.id).where(SyncTarget.workbook == target.id)
                          .tuples()]


def _when(target):
    from ..sync.engine.schedule import describe
    return describe(target, 'en')


def _slice(target):
    from ..sync.engine.slices import describe
    return describe(target.terms, 'en')


def register(group):
    """Add the import, export and sync commands to GROUP (the `ltc` group)."""

    @group.command('import')
    @click.argument('entity', type=ENTITIES)
    @click.argument('file', type=click.Path(dir_okay=False))
    @click.option('--dry-run', is_flag=True, help='Show what would change; write nothing.')
    @click.option('--report', 'report', type=click.Path(dir_okay=False),
                  help='Write the rows with an Error column to this .xlsx or .csv file.')
    @click.option('--sheet', help='Worksheet to read (default: the data sheet).')
    @click.option('--on-existing', type=click.Choice(['update', 'skip']), default='update',
                  help='What to do with rows whose code already exists.')
    @click.option('--lang', type=LANGS, default='zh', help='Language of messages, refusals and the report.')
    @click.option('--date-order', type=click.Choice(['dmy', 'mdy']), default=None,
                  help='How to read dates like 5-1-2026 (default: from each column\'s values, else dmy).')
    @click.option('--show-mapping', is_flag=True, help='Print which column goes to which field; import nothing.')
    @click.option('--map', 'maps', multiple=True, metavar='"HEADER=field"',
                  help='Read the column HEADER into field (field "-": leave it out). Repeatable.')
    @click.option('--map-value', 'map_values', multiple=True, metavar='"COLUMN:VALUE=CODE"',
                  help='Read VALUE in choice column COLUMN as CODE. Repeatable.')
    @click.option('--keep-unknown', is_flag=True,
                  help='Keep each column no field takes as a new text custom field (Settings → Custom fields) and '
                       'import its values.')
    @_as_option
    def import_command(entity, file, dry_run, report, sheet, on_existing, lang, date_order, show_mapping, maps,
                       map_values, keep_unknown, as_user):
        """Import a spreadsheet into ENTITY; codes decide create or update."""
        from ..sync.formats.reader import read_sheet, settle
        from ..sync.formats.tables import open_path
        from ..sync.writes.importer import run_import
        overrides, values = _pairs('--map', maps, lang), _pairs('--map-value', map_values, lang)
        if not Path(file).exists():   # named as typed: the user knows the path, not our base name
            _refuse(SyncError(f'{file} does not exist; check the path.', zh=f'{file} 不存在；请检查路径。'), lang)
        progress = _Progress('importing')
        kept = {}

        def open_table():
            return open_path(file, sheet=sheet, max_rows=current_app.config.get('IMPORT_MAX_ROWS'))
        try:
            # A preview (--dry-run, --show-mapping) defines the kept fields inside a transaction it rolls back:
            # it shows exactly what the run will do and leaves nothing behind.
            preview = keep_unknown and (dry_run or show_mapping)
            with _acting(as_user), (database.atomic() if preview else contextlib.nullcontext()) as transaction:
                if keep_unknown:
                    kept = keep_unknown_columns(entity, open_table(), overrides or None)
                if show_mapping:
                    from ..sync.mapping.entities import get
                    mapping = get(entity)
                    found = read_sheet(open_table(), mapping, overrides or None, combine=True)
                    settle(found, mapping, date_order, values)
                    _columns(found, lang, everything=True)
                    _kept(kept, lang)
                    _notes(found.notes(), lang)
                    if preview:
                        transaction.rollback()
                    sys.exit(0)
                result = run_import(entity, open_table(), dry_run=dry_run, on_existing=on_existing, lang=lang,
                                    date_order=date_order, progress=progress, columns=overrides or None,
                                    values=values)
                if preview:
                    transaction.rollback()
        except LTCError as exc:
            progress.close()
            _refuse(exc, lang)
        progress.close()
        if kept and result.sheet is not None:
            _columns(result.sheet, lang, everything=True)
            _kept(kept, lang)
        if dry_run:
            for row in result.rows:
                if row.outcome in ('created', 'updated'):
                    diff = ', '.join(f'{k}: {v[0]!r} → {v[1]!r}' for k, v in row.changes.items())
                    said = row.message(lang)   # a new lead: the grade, duplicate link and owner it will get
                    click.echo(f'  row {row.row}: {row.outcome} {row.code or ""} {diff}'.rstrip()
                               + (f' ({said})' if said else ''))
        if result.sheet is not None and not kept:
            _columns(result.sheet, lang, everything=False)
        _notes(result.notes, lang)
        _report(result, lang)
        if report:
            result.write_report(report, lang)
            click.echo(f'report written to {report}')
        sys.exit(result.exit_code)

    @group.command('export')
    @click.argument('entity', type=ENTITIES)
    @click.argument('out', type=click.Path(dir_okay=False))
    @click.option('--template', is_flag=True, help='Headers, dropdowns and formats only.')
    @click.option('--lang', type=LANGS, default='zh', help='Language of headers and labels.')
    @click.option('--as', 'as_user', metavar='USERNAME',
                  help="Export only what this user may read (the role's entities, the user's rows).")
    def export_command(entity, out, template, lang, as_user):
        """Export ENTITY to OUT.xlsx or OUT.csv (or an empty import template)."""
        from ..services.cash_common import get_user
        from ..sync.writes.export import export_entity, scoped_query
        progress = _Progress('exporting')
        try:
            query = scoped_query(entity, get_user(as_user)) if as_user else None
            count = export_entity(entity, out, template=template, lang=lang, progress=progress, query=query)
        except LTCError as exc:
            progress.close()
            _refuse(exc, lang)
        progress.close()
        click.echo(f'wrote {"template" if template else f"{count} rows"} to {out}')

    sync = AppGroup('sync', help='Two-way sync of spreadsheets with the database.')
    group.add_command(sync)

    @sync.command('add')
    @click.argument('name')
    @click.option('--entity', type=ENTITIES, help='What the sheet holds (one entity; or --tabs for a workbook).')
    @click.option('--tabs', metavar='ENTITIES',
                  help='A workbook: one tab per entity, synced together in one run, e.g. '
                       'leads,followups,opportunities,contracts,plans (missing tabs are created).')
    @click.option('--file', 'path', type=click.Path(dir_okay=False), help='Local .xlsx or .csv file.')
    @click.option('--xlsx', 'path', type=click.Path(dir_okay=False), help='Same as --file.')
    @click.option('--sheet', help='Worksheet of an .xlsx file (default: the data sheet).')
    @click.option('--gsheet', help='Google Sheet: its address (URL) or spreadsheet key.')
    @click.option('--worksheet', help='Worksheet of the Google Sheet (default: the entity title); '
                                      'created with header, frozen row and dropdowns when missing.')
    @click.option('--lang', type=LANGS, default='zh', help='Language of labels and status messages.')
    @click.option('--on-conflict', type=click.Choice(['db', 'sheet']), default='db',
                  help='Which side wins a conflict (default: keep the database value and mark it).')
    @click.option('--on-delete', type=click.Choice(['keep', 'delete']), default='keep',
                  help='What a code removed from the sheet does (default: keep the record).')
    @click.option('--max-vanish', type=click.IntRange(0, 100), default=20,
                  help='Stop when more than this percent of rows vanish.')
    @click.option('--every', 'every_minutes', default='5', metavar='MINUTES',
                  help='How often the periodic sync job runs it (5 to 10080 minutes; default 5).')
    @click.option('--as', 'as_user', metavar='USERNAME',
                  help='The user the target runs as: their role and scope bound what the sheet reads and '
                       'changes (default: the first active admin).')
    @click.option('--where', 'where', multiple=True, metavar='FIELD=VALUE',
                  help='Hold only these rows (the slice): owner=me, department=D0001, region=广东, status=new, '
                       'stage=open, grade=high, customer=C00001, contract_owner=me, created="last 30", '
                       'due="next 14". Repeatable; all must hold; a,b means either.')
    @click.option('--schedule', 'schedule', default='', metavar='WHEN',
                  help='"working hours" (every --every minutes, Monday to Friday within LTC_WORKING_HOURS) or a '
                       'cron line such as "0 9,13 * * 1-5" (LTC_TIMEZONE); default: every --every minutes.')
    @click.option('--new-rows', 'new_owner', type=click.Choice(['me', 'rules']), default='me',
                  help='Who owns a row added in the sheet with no owner: the run-as user (me, default) or the '
                       'assignment rules.')
    def sync_add(name, entity, tabs, path, sheet, gsheet, worksheet, lang, on_conflict, on_delete, max_vanish,
                 every_minutes, as_user, where, schedule, new_owner):
        """Register a spreadsheet file or Google Sheet as a sync target for ENTITY (or a workbook of --tabs)."""
        from ..sync.engine.targets import add_gsheet_target, add_target
        if bool(path) == bool(gsheet):
            _refuse('give either the file with --file PATH or a Google Sheet with --gsheet URL_OR_KEY.')
        if bool(entity) == bool(tabs):
            _refuse('give either --entity ENTITY (one sheet) or --tabs ENTITY,ENTITY,... (a workbook).')
        if tabs:
            if sheet or worksheet:
                _refuse('a workbook names its tabs after their entities; leave out --sheet and --worksheet.')
            from ..sync.engine.workbook import add_workbook
            try:
                book, members, created = add_workbook(
                    name, tabs, gsheet=gsheet, path=path, lang=lang, conflict_policy=on_conflict,
                    delete_policy=on_delete, max_vanish_percent=max_vanish, every_minutes=every_minutes,
                    run_as=as_user, where=where, new_owner=new_owner, schedule=schedule)
            except LTCError as exc:
                _refuse(exc)
            where_ = book.options.get('key') or book.options.get('path')
            click.echo(f'added workbook {book.name} ({book.backend}: {where_}, {len(members)} tabs, '
                       f'runs as {book.run_as.username if book.run_as_id else "system"})')
            for tab in members:
                title = tab.options.get('worksheet') or tab.options.get('sheet')
                click.echo(f'  {tab.name:28} {title}{" (created)" if title in created else ""}  holds {_slice(tab)}')
            return
        if worksheet and not gsheet:
            _refuse('--worksheet is for Google Sheets; use --sheet for a worksheet of an .xlsx file.')
        if gsheet:
            try:
                target, created = add_gsheet_target(
                    name, entity, gsheet, worksheet=worksheet, lang=lang, conflict_policy=on_conflict,
                    delete_policy=on_delete, max_vanish_percent=max_vanish, every_minutes=every_minutes,
                    run_as=as_user, where=where, new_owner=new_owner, schedule=schedule)
            except LTCError as exc:
                _refuse(exc)
            options = target.options
            click.echo(f'added sync target {target.name} ({target.entity}, gsheet: {options["key"]} › '
                       f'{options["worksheet"]}{", worksheet created" if created else ""}, '
                       f'runs as {target.run_as.username if target.run_as_id else "system"}, '
                       f'holds {_slice(target)})')
            return
        try:
            target = add_target(name, entity, path, sheet=sheet, lang=lang, conflict_policy=on_conflict,
                                delete_policy=on_delete, max_vanish_percent=max_vanish,
                                every_minutes=every_minutes, run_as=as_user, where=where, new_owner=new_owner,
                                schedule=schedule)
        except LTCError as exc:
            _refuse(exc)
        click.echo(f'added sync target {target.name} ({target.entity}, {target.backend}: {path}, '
                   f'runs as {target.run_as.username if target.run_as_id else "system"}, holds {_slice(target)})')

    @sync.command('set')
    @click.argument('name')
    @click.option('--every', 'every_minutes', metavar='MINUTES',
                  help='How often the periodic sync job runs it (5 to 10080 minutes).')
    @click.option('--pause', 'active', flag_value=False, default=None,
                  help='Stop the periodic job from running it (manual runs still work).')
    @click.option('--resume', 'active', flag_value=True, help='Let the periodic job run it again.')
    @click.option('--where', 'where', multiple=True, metavar='FIELD=VALUE',
                  help='Replace the slice with these terms (as for sync add). Repeatable.')
    @click.option('--all-rows', is_flag=True, help='Drop the slice: hold every row the run-as user may read.')
    @click.option('--schedule', 'schedule', metavar='WHEN',
                  help='"working hours", a cron line ("0 9 * * 1-5"), or "every" for every --every minutes.')
    @click.option('--new-rows', 'new_owner', type=click.Choice(['me', 'rules']),
                  help='Who owns a row added in the sheet with no owner: me (the run-as user) or rules.')
    def sync_set(name, every_minutes, active, where, all_rows, schedule, new_owner):
        """Change a target's schedule or slice, or pause / resume it."""
        from ..sync.engine.targets import get_target, set_schedule, set_slice
        if every_minutes is None and active is None and not where and not all_rows and not new_owner \
                and schedule is None:
            _refuse('give --every MINUTES, --schedule WHEN, --pause, --resume, --where FIELD=VALUE, --all-rows or '
                    '--new-rows.')
        if where and all_rows:
            _refuse('give either --where terms or --all-rows, not both.')
        try:
            target = get_target(name)
            if where or all_rows or new_owner:
                from ..sync.engine.workbook import set_slices   # a workbook: every tab, TAB:field=value for one
                target = (set_slices if target.is_workbook else set_slice)(
                    target, where=list(where) if where or all_rows else None, new_owner=new_owner)
            if every_minutes is not None or active is not None or schedule is not None:
                target = set_schedule(target, every_minutes=every_minutes, active=active, schedule=schedule)
        except LTCError as exc:
            _refuse(exc)
        click.echo(f'{target.name}: every {target.every_minutes} minutes, '
                   f'{"active" if target.active else "paused"}, runs {_when(target)}, holds {_slice(target)}, '
                   f'new rows owned by {"the run-as user" if target.new_owner == "me" else "the assignment rules"}')

    @sync.command('lock')
    @click.argument('name')
    def sync_lock(name):
        """Lock the code column and the columns set by the rules in an Excel target (no password)."""
        from ..sync.engine.targets import get_target, lock_columns
        try:
            headers = lock_columns(get_target(name))
        except LTCError as exc:
            _refuse(exc)
        click.echo(f'{name}: locked {", ".join(headers)}; the sheet is protected without a password')

    @sync.command('team')
    @click.argument('template')
    @click.option('--department', metavar='CODE_OR_NAME',
                  help="Department whose active members (its sub-departments' included) each get a sheet "
                       "(default: the template's team, to keep it in step).")
    @click.option('--tabs', 'mode', flag_value='tabs', default=None,
                  help="One tab per member in the template's spreadsheet or workbook (default).")
    @click.option('--spreadsheets', 'mode', flag_value='spreadsheets',
                  help='One spreadsheet (Google) or file (Excel, CSV) per member.')
    def sync_team(template, department, mode):
        """Give each member of a department a sheet made from TEMPLATE, or keep that set in step."""
        from ..sync.engine.targets import get_target
        from ..sync.engine.team import fan_out
        try:
            result = fan_out(get_target(template), department=department, mode=mode)
        except LTCError as exc:
            _refuse(exc)
        click.echo(result.summary())
        for label, names in (('made', result.created), ('made active again', result.reactivated),
                             ('deactivated (left the department)', result.deactivated),
                             ('NOT shared with its member (share it in Google Drive)', result.unshared)):
            for name in names:
                click.echo(f'  {label}: {name}')

    @sync.command('run')
    @click.argument('name', required=False)
    @click.option('--all', 'run_all', is_flag=True, help='Run every active target.')
    @click.option('--dry-run', is_flag=True, help='Show the plan; write nothing.')
    @click.option('--accept-header', is_flag=True, help='Accept a changed header row.')
    @click.option('--as', 'as_user', metavar='USERNAME',
                  help="Run as this user instead of the target's run-as user (their role and scope apply).")
    def sync_run(name, run_all, dry_run, accept_header, as_user):
        """Sync one target (or --all): sheet and database changes flow both ways."""
        from ..models.sync import SyncTarget
        from ..sync.engine.targets import get_target
        from ..sync.engine.runner import run_sync
        if bool(name) == bool(run_all):
            _refuse('name one target or pass --all.')
        # A workbook's tabs run in their workbook's run.
        targets = list(SyncTarget.select().where(SyncTarget.active, SyncTarget.workbook.is_null())) \
            if run_all else None
        code = 0
        try:
            targets = targets if run_all else [get_target(name)]
        except LTCError as exc:
            _refuse(exc)
        for target in targets:
            progress = _Progress(f'syncing {target.name}')
            try:
                with _acting(as_user):
                    result = run_sync(target, dry_run=dry_run, accept_header=accept_header, progress=progress,
                                      actor=gate.actor() if as_user else None)
            except LTCError as exc:
                progress.close()
                click.echo(f'{target.name}: refused: {exc}', err=True)
                code = 2
                continue
            progress.close()
            if hasattr(result, 'tabs'):   # a workbook: each tab's outcome
                for tab, tab_result, error in result.tabs:
                    click.echo(f'{tab.name}:')
                    if error is not None:
                        click.echo(f'  refused: {error}', err=True)
                        continue
                    _report(tab_result, target.lang)
                if result.requests:
                    click.echo(f'{result.name}: {result.requests.get("reads", 0)} reads, '
                               f'{result.requests.get("writes", 0)} writes')
                code = max(code, result.exit_code)
                continue
            click.echo(f'{target.name}:')
            if dry_run:
                for row in result.rows:
                    if row.outcome not in ('unchanged',):
                        click.echo(f'  {row.row or "-"} {row.code or "(new)"}: {row.outcome} '
                                   f'{json.dumps(row.changes, ensure_ascii=False) if row.changes else ""}')
            _report(result, target.lang)
            code = max(code, result.exit_code)
        sys.exit(code)

    @sync.command('list')
    def sync_list():
        """List sync targets and their last runs."""
        from ..models.sync import SyncRun, SyncTarget
        from ..sync.engine.workbook import tabs_of
        for target in SyncTarget.select().where(SyncTarget.workbook.is_null()).order_by(SyncTarget.name):
            schedule = _when(target)
            runs_as = target.run_as.username if target.run_as_id else 'system'
            tabs = tabs_of(target) if target.is_workbook else [target]
            runs = [t.runs.order_by(SyncRun.id.desc()).first() for t in tabs]
            last = max((r for r in runs if r is not None), key=lambda r: r.id, default=None)
            click.echo(f'{target.name:20} {target.entity:14} {target.backend:5} {_where(target)}  {schedule}  '
                       f'as {runs_as}  holds {_slice(target)}  '
                       f'last: {last.code + " " + last.status if last else "never"}')
            if target.is_workbook:
                for tab, run in zip(tabs, runs):
                    click.echo(f'  {tab.name:26} {tab.entity:14} {_where(tab)}  holds {_slice(tab)}  '
                               f'last: {run.code + " " + run.status if run else "never"}')

    @sync.command('show')
    @click.argument('name')
    def sync_show(name):
        """Show a target (a workbook with its tabs): where, who it runs as, what it holds, its header notes."""
        from ..models.sync import SyncRun
        from ..sync.engine.header import header_note
        from ..sync.engine.targets import get_target
        from ..sync.engine.twoway import target_actor
        from ..sync.engine.workbook import tabs_of
        try:
            target = get_target(name)
            if target.workbook_id:
                target = target.workbook
            actor = target_actor(target)
        except LTCError as exc:
            _refuse(exc)
        kind = f'workbook of {len(tabs_of(target))} tabs' if target.is_workbook else target.entity
        click.echo(f'{target.name}: {kind}, {target.backend} {_where(target)}')
        click.echo(f'  runs as {target.run_as.username if target.run_as_id else "system"}, {_when(target)}, '
                   f'{"active" if target.active else "paused"}, new rows owned by '
                   f'{"the run-as user" if target.new_owner == "me" else "the assignment rules"}')
        for tab in tabs_of(target) if target.is_workbook else [target]:
            last = tab.runs.order_by(SyncRun.id.desc()).first()
            click.echo(f'  {tab.name}: {tab.entity} › {_where(tab)}  holds {_slice(tab)}  '
                       f'last: {last.code + " " + last.status if last else "never"}')
            note = header_note(tab, actor, tab.last_run_at, lang='en')
            click.echo('    header note: ' + note.replace('\n', ' | '))

    @sync.command('status')
    @click.argument('name', required=False)
    @click.option('--limit', default=10, help='How many runs to show.')
    def sync_status(name, limit):
        """Show the latest runs (imports, syncs, reverts) with their totals."""
        from ..models.sync import SyncRun
        from ..sync.engine.targets import get_target
        query = SyncRun.select().order_by(SyncRun.id.desc()).limit(limit)
        if name:
            try:
                query = query.where(SyncRun.target.in_(_with_tabs(get_target(name))))
            except LTCError as exc:
                _refuse(exc)
        for run in query:
            totals = ', '.join(f'{v} {k}' for k, v in json.loads(run.totals).items() if v)
            click.echo(f'{run.code} {run.kind:6} {run.entity:14} {run.status:9} {run.started_at:%Y-%m-%d %H:%M} '
                       f'{totals}  {run.source}')

    @sync.command('cleanup')
    @click.option('--older-than', type=click.IntRange(1), default=60, show_default=True,
                  help='Minutes after which a run whose process cannot be checked counts as interrupted.')
    @click.option('--dry-run', is_flag=True, help='List what would be marked; change nothing.')
    def sync_cleanup(older_than, dry_run):
        """Mark runs left 'running' by a killed process as interrupted and free their dead locks."""
        from datetime import timedelta
        from ..sync.runs.interrupted import close_interrupted_runs
        runs, unlocked = close_interrupted_runs(timedelta(minutes=older_than), dry_run=dry_run)
        verb = 'would mark' if dry_run else 'marked'
        for run in runs:
            click.echo(f'{run.code} {run.kind:6} {run.entity:14} started {run.started_at:%Y-%m-%d %H:%M}: '
                       f'{verb} interrupted')
        for name in unlocked:
            click.echo(f'{name}: {"would free" if dry_run else "freed"} the lock of a stopped process')
        click.echo(f'{len(runs)} interrupted runs, {len(unlocked)} stale locks')

    @sync.command('conflicts')
    @click.argument('name', required=False)
    def sync_conflicts(name):
        """List open conflicts; exit 1 when there are any."""
        from ..models.sync import SyncConflict
        from ..sync.engine.targets import get_target
        query = SyncConflict.select().where(SyncConflict.status == 'open').order_by(SyncConflict.id)
        if name:
            try:
                query = query.where(SyncConflict.target.in_(_with_tabs(get_target(name))))
            except LTCError as exc:
                _refuse(exc)
        count = 0
        for c in query:
            count += 1
            if c.is_deletion:
                base, now = json.loads(c.base_value or '{}'), json.loads(c.db_value or '{}')
                changed = ', '.join(f'{a} {base.get(a)!r} -> {d!r}' for a, d in now.items())
                click.echo(f'#{c.id} {c.target.name} {c.code}: removed from the sheet, changed in the database'
                           f'{": " + changed if changed else ""}; --take delete|keep')
                continue
            click.echo(f'#{c.id} {c.target.name} {c.code} {c.field}: base {c.base_value!r}, sheet {c.sheet_value!r}, '
                       f'database {c.db_value!r}')
        click.echo(f'{count} open conflicts')
        sys.exit(1 if count else 0)

    @sync.command('resolve')
    @click.argument('conflict_id', type=int)
    @click.option('--take', type=click.Choice(['db', 'sheet', 'delete', 'keep']),
                  help='Keep the database value or take the sheet value; for a row removed from the sheet, '
                       'delete or keep the record.')
    @click.option('--value', help='Set this value instead (as you would type it in the sheet).')
    def sync_resolve(conflict_id, take, value):
        """Settle a conflict listed by `sync conflicts`."""
        from ..sync.engine.conflicts import resolve_conflict
        if bool(take) == (value is not None):
            _refuse('pass either --take db|sheet (delete|keep for a removed row) or --value TEXT.')
        try:
            conflict = resolve_conflict(conflict_id, take or 'edit', value)
        except LTCError as exc:
            _refuse(exc)
        if conflict.status == 'deleted_record':
            click.echo(f'conflict {conflict.id}: {conflict.code} deleted')
        elif conflict.status == 'kept_record':
            click.echo(f'conflict {conflict.id}: {conflict.code} kept; the next `sync run` puts it back in the sheet')
        else:
            click.echo(f'conflict {conflict.id} on {conflict.code} {conflict.field}: {conflict.status}; '
                       f'the next `sync run` carries it to the sheet')

    @sync.command('revert')
    @click.argument('run_code')
    def sync_revert(run_code):
        """Undo an import or sync run from its audit rows."""
        from ..sync.engine.revert import revert_run
        progress = _Progress(f'reverting {run_code}')
        try:
            result = revert_run(run_code, progress=progress)
        except LTCError as exc:
            progress.close()
            _refuse(exc)
        progress.close()
        _report(result, 'en')
        sys.exit(result.exit_code)
