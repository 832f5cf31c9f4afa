"""Team fan-out: one template target gives each active member of a department (and the departments below
it) a target of their own — a tab of the same spreadsheet or a spreadsheet (file) each — with the template's
entity, columns and settings, the member's slice (owner=me) and the member as run-as user.

`fan_out()` sets a template's team and keeps it in step; the periodic sync job calls `keep_teams_in_step()`
before it runs the targets, so a joiner's sheet is made and a leaver's target paused without anyone asking.
A leaver's target is deactivated, never deleted, and nothing of their records is deleted; when they come back
their target is made active again. Only a change of the team costs requests (a new tab: two to Google).

A Google spreadsheet made for one member (`--spreadsheets`) belongs to LTC's service account: it is shared
with the member's e-mail address as an editor (Google sends them the link); a leaver's access is taken back
and given again when they return. A member without an e-mail address, or one Google refuses, is named in the
result so an admin can share the sheet by hand.
"""
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ...models import Department, Role, User
from ...models.sync import SyncTarget
from ...services import audit, gate
from ..errors import SyncError
from ..mapping.entities import STATUS_TITLE, get
from . import slices

log = logging.getLogger('ltc.sync')
MODES = ('tabs', 'spreadsheets')


@dataclass
class TeamResult:
    """What one fan-out did: target names per outcome."""
    template: str
    department: str
    created: list = field(default_factory=list)
    reactivated: list = field(default_factory=list)
    deactivated: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    unshared: list = field(default_factory=list)   # members' spreadsheets nobody could be given access to

    @property
    def changed(self):
        return bool(self.created or self.reactivated or self.deactivated)

    def summary(self, lang='en'):
        if lang.startswith('zh'):
            text = (f'{self.template}（部门 {self.department}）：新建 {len(self.created)}，恢复 {len(self.reactivated)}，'
                    f'停用 {len(self.deactivated)}，保持 {len(self.kept)}')
            if self.unshared:
                text += f'；以下表格未能共享给其成员，请手动共享：{"、".join(self.unshared)}'
            return text
        text = (f'{self.template} (department {self.department}): {len(self.created)} made, '
                f'{len(self.reactivated)} made active again, {len(self.deactivated)} deactivated, '
                f'{len(self.kept)} kept')
        if self.unshared:
            text += f'; not shared with their member, share by hand: {", ".join(self.unshared)}'
        return text


def _refuse(en, zh):
    return SyncError(en, zh=zh)


def find_department(text):
    """Return the department whose code or name (Chinese or English) is TEXT, or refuse in one sentence."""
    text = (str(text or '')).strip()
    found = Department.get_or_none(Department.code == text) or Department.get_or_none(Department.name == text) \
        or Department.get_or_none(Department.name_en == text)
    if found is None:
        raise _refuse(f'There is no department {text!r}; give its code (e.g. D0001) or its name.',
                      f'没有部门 {text!r}；请填写部门编码（如 D0001）或名称。')
    return found


def members(department):
    """Return the active users of DEPARTMENT and the departments below it who may own records, by username."""
    return list(User.select().join(Role, on=(User.role == Role.id))
                .where(User.active, User.department.in_(department.subtree_ids()), Role.name.in_(gate.OWNER_ROLES))
                .order_by(User.username))


def member_terms(template):
    """Return the template's slice for one member: its terms with the owner (or contract owner) as `me`."""
    return slices.member_terms(template.terms)


def _header(template, mapping):
    """Return the template's columns (the fields of its header when it has been synced, else the mapping's)."""
    attrs = [a for a in (template.header_signature or '').split(',') if a in mapping.by_attr]
    columns = [mapping.by_attr[a] for a in attrs] if attrs else list(mapping.columns)
    if mapping.key not in columns:
        columns.insert(0, mapping.key)
    return columns


def _name(template, user):
    name = f'{template.name}-{user.username}'[:80]
    taken = SyncTarget.get_or_none(SyncTarget.name == name)
    if taken is not None:
        name = f'{template.name[:60]}-{user.username[:12]}-{user.id}'[:80]
    return name


def _template_sheet(template):
    """Return the worksheet a file template reads, naming it on the template when it named none."""
    from ..formats.xlsxcopy import first_data_sheet
    options = template.options
    if options.get('sheet'):
        return options['sheet']
    options['sheet'] = first_data_sheet(options['path'])   # its own tab, not a member's, from now on
    template.settings = json.dumps(options, ensure_ascii=False)
    audit.save(template)
    return options['sheet']


def _header_rows(template, sheet_name):
    from ..formats.reader import read_sheet
    from ..formats.xlsx import XlsxTable
    found = read_sheet(XlsxTable(template.options['path'], sheet=sheet_name), get(template.entity))
    return found.header_row or 1


def _member_file(path, user):
    path = Path(path)
    return str(path.with_name(f'{path.stem}-{user.username}{path.suffix}'))


def _sheet_for(template, user, mode, client, note=None, memo=None):
    """Make the member's tab or spreadsheet (file) as a blank copy of the template's; return its settings."""
    mapping = get(template.entity)
    options = template.options
    memo = {} if memo is None else memo
    if template.backend == 'gsheet':
        from ..gsheets import ops
        from ..gsheets.table import app_client
        from ..mapping.codecs import Choice
        client = client or app_client()
        lang = template.lang
        columns = _header(template, mapping)
        header = [c.header(lang) for c in columns] + [STATUS_TITLE['zh' if lang.startswith('zh') else 'en']]
        choices = {i: c.codec.labels(lang) for i, c in enumerate(columns) if isinstance(c.codec, Choice)
                   and not c.readonly}
        protected = [i for i, c in enumerate(columns) if c.readonly]
        if mode == 'tabs':
            key, title = options['key'], f'{options["worksheet"]}·{user.username}'
        else:
            key = ops.create_spreadsheet(client, f'{mapping.title(lang)}·{user.display_name or user.username}')
            title = options['worksheet']
        ops.ensure_worksheet(client, key, title, header, columns.index(mapping.key), choices,
                             protected=protected, only=mode == 'spreadsheets', note=note)
        settings = {'key': key, 'worksheet': title}
        if mode == 'spreadsheets':
            _share(settings, user, client, title)
        return settings
    if template.backend == 'xlsx':
        from ..formats.xlsxcopy import add_blank_sheet, blank_copy, sheet_title
        if 'source' not in memo:   # the template's sheet and header rows, once per fan-out
            memo['source'] = _template_sheet(template)
            memo['rows'] = _header_rows(template, memo['source'])
        source, rows = memo['source'], memo['rows']
        if mode == 'tabs':
            settings = {'path': options['path'], 'sheet': sheet_title(source, user.username)}
            locked = add_blank_sheet(options['path'], source, settings['sheet'], rows)
        else:
            settings = {'path': _member_file(options['path'], user), 'sheet': source}
            locked = blank_copy(options['path'], source, settings['path'], rows)
        if not locked and settings['path'].lower().endswith('.xlsx'):   # a template from before locked columns
            from ..formats.xlsxlock import lock_derived
            lock_derived(settings['path'], settings['sheet'], mapping)
        return settings
    path = _member_file(options['path'], user)   # csv: one file each, the template's header line
    if not Path(path).exists():
        with open(options['path'], 'rb') as handle:
            first = handle.readline()
        Path(path).write_bytes(first if first.endswith(b'\n') else first + b'\r\n')
    return {'path': path}


def _share(settings, user, client, title):
    """Share the member's own Google spreadsheet (TITLE: its sheet's or workbook's name, for the invitation) with
    them as an editor; remember the permission in SETTINGS, or that it could not be given (no e-mail address, or
    Google refused it)."""
    from ..gsheets import ops
    from ..gsheets.http import SheetsError
    settings.pop('permission', None)
    if not user.email:
        settings['unshared'] = 'no e-mail address'
        return
    message = (f'LTC: your sheet {title} (kept in two-way sync with LTC) / '
               f'LTC：你的表格 {title}（与 LTC 双向同步）')
    try:
        settings['permission'] = ops.share_spreadsheet(client, settings['key'], user.email, message)
        settings['shared_with'] = user.email
        settings.pop('unshared', None)
    except SheetsError as err:
        log.warning('team sheet %s could not be shared with %s: %s', settings['key'], user.email, err)
        settings['unshared'] = str(err)


def _unshare(settings, client):
    from ..gsheets import ops
    permission = settings.pop('permission', None)
    if permission:
        ops.unshare_spreadsheet(client, settings['key'], permission)


def _own_spreadsheet(template, target):
    """Whether TARGET is a member's own Google spreadsheet (shared with them alone), not a tab or a file."""
    return target.backend == 'gsheet' and (template.team_settings or {}).get('mode') == 'spreadsheets'


def _client(client):
    if client is None:
        from ..gsheets.table import app_client
        client = app_client()
    return client


def _make_member(template, user, mode, client, memo=None):
    from .targets import check_slice
    from .header import header_note
    if template.is_workbook:   # a workbook each: every tab of the template, the member's rows on each
        from .workbook import make_member
        member = make_member(template, user, mode, client, name=_name(template, user))
        if template.backend == 'gsheet' and mode == 'spreadsheets':   # their own spreadsheet: shared with them
            options = member.options
            _share(options, user, _client(client), member.name)
            member.settings = json.dumps(options, ensure_ascii=False)
            member = audit.save(member)
        return member
    terms = check_slice(template.entity, member_terms(template), user, template.new_owner)
    target = SyncTarget(name=_name(template, user), entity=template.entity, backend=template.backend,
                        lang=template.lang, conflict_policy=template.conflict_policy,
                        delete_policy=template.delete_policy, max_vanish_percent=template.max_vanish_percent,
                        every_minutes=template.every_minutes, run_as=user, slice_terms=slices.dumps(terms),
                        new_owner=template.new_owner, schedule=template.schedule, team_of=template)
    settings = _sheet_for(template, user, mode, client, note=header_note(target, gate.Actor(user)), memo=memo)
    target.settings = json.dumps(settings, ensure_ascii=False)
    return audit.save(target)


def fan_out(template, department=None, mode=None, client=None):
    """Give each active member of DEPARTMENT's subtree a target made from TEMPLATE (MODE 'tabs': a tab of the
    template's spreadsheet or workbook; 'spreadsheets': a spreadsheet or file each) and keep the set in step.

    DEPARTMENT and MODE default to the template's team, so running it again only keeps the set in step.
    Only an admin (or the CLI operator) may: each target runs as its member. Returns a TeamResult.
    """
    act = gate.actor()
    if not act.is_system and act.role != 'admin':
        raise _refuse('Only an admin may make team sheets: each one runs as its member.',
                      '只有管理员可以生成团队表格：每个表格都以对应成员的身份运行。')
    if template.workbook_id:
        raise _refuse(f'Sync target {template.name} is a tab of a workbook; fan out from the workbook '
                      f'{template.workbook.name}.',
                      f'同步目标 {template.name} 是某个工作簿中的工作表；请从工作簿 {template.workbook.name} 生成。')
    if template.team_of_id:
        raise _refuse(f'Sync target {template.name} is a member\'s sheet of a team; fan out from its template.',
                      f'同步目标 {template.name} 是某个团队成员的表格；请从其模板目标生成。')
    current = template.team_settings or {}
    department = department or current.get('department')
    if not department:
        raise _refuse(f'Name the department whose members get a sheet from {template.name} (--department D0001).',
                      f'请指定哪个部门的成员按 {template.name} 生成表格（--department D0001）。')
    mode = mode or current.get('mode') or 'tabs'
    if mode not in MODES:
        raise _refuse(f'A team gets one tab each (tabs) or one spreadsheet each (spreadsheets), not {mode!r}.',
                      f'团队表格可以每人一个工作表（tabs）或每人一个表格文件（spreadsheets），而不是 {mode!r}。')
    if template.backend == 'csv' and mode == 'tabs':
        raise _refuse('A CSV file has no tabs; give each member a file of their own (--spreadsheets).',
                      'CSV 文件没有工作表；请为每位成员生成单独的文件（--spreadsheets）。')
    found = find_department(department)
    team = json.dumps({'department': found.code, 'mode': mode}, sort_keys=True)
    if template.team != team:
        template.team = team
        audit.save(template)
    return keep_in_step(template, client)


def keep_in_step(template, client=None):
    """Make a target for each joiner, deactivate each leaver's, make a returning member's active again."""
    settings = template.team_settings
    department = Department.get_or_none(Department.code == settings['department'])
    wanted = {u.id: u for u in members(department)} if department is not None else {}
    result = TeamResult(template.name, settings['department'])
    existing = {t.run_as_id: t for t in SyncTarget.select().where(SyncTarget.team_of == template.id)}
    for user_id, target in sorted(existing.items(), key=lambda kv: kv[1].name):
        options = target.options
        if user_id not in wanted:
            if target.active:   # left the team (or LTC): paused, kept with its rows and runs, access taken back
                options['left_team'] = True
                if _own_spreadsheet(template, target):
                    client = _client(client)
                    _unshare(options, client)
                target.settings, target.active = json.dumps(options, ensure_ascii=False), False
                audit.save(target)
                result.deactivated.append(target.name)
        elif not target.active and options.pop('left_team', False):
            if _own_spreadsheet(template, target):   # their access back, at their e-mail address of today
                client = _client(client)
                _share(options, wanted[user_id], client, options.get('worksheet') or target.name)
            target.settings, target.active = json.dumps(options, ensure_ascii=False), True
            audit.save(target)
            result.reactivated.append(target.name)
            if options.get('unshared'):
                result.unshared.append(target.name)
        else:
            result.kept.append(target.name)
    memo = {}
    for user_id, user in wanted.items():
        if user_id not in existing:
            member = _make_member(template, user, settings['mode'], client, memo)
            result.created.append(member.name)
            if member.options.get('unshared'):
                result.unshared.append(member.name)
    return result


def keep_teams_in_step(client=None):
    """Keep every template's team in step (the periodic job's first step); return the TeamResults that
    changed something. A failing team is logged and the others go on."""
    changed = []
    for template in SyncTarget.select().where(SyncTarget.team != '').order_by(SyncTarget.name):
        try:
            result = keep_in_step(template, client)
        except Exception:   # noqa: BLE001 - one broken team must not stop the sync job
            log.exception('team of sync target %s could not be kept in step', template.name)
            continue
        if result.changed:
            log.info('%s', result.summary())
            changed.append(result)
    return changed
