"""Create and find sync targets; a target names its backend and the backend's settings."""
import json
from pathlib import Path

from ...models.sync import SyncTarget
from ...services import audit
from ..errors import SyncError
from ..formats.tables import kind_for_path
from ..mapping.entities import get

# The periodic sync job runs every 5 minutes: a target runs on the first job run at least
# EVERY minutes after its last run (so 5 is as often as it gets), at most once a week.
DEFAULT_EVERY, MIN_EVERY, MAX_EVERY = 5, 5, 7 * 24 * 60


def check_every(minutes):
    """Return MINUTES as an int between MIN_EVERY and MAX_EVERY, or refuse it in one sentence."""
    try:
        value = int(str(minutes).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or not MIN_EVERY <= value <= MAX_EVERY:
        raise SyncError(f'The schedule must be a whole number of minutes from {MIN_EVERY} to {MAX_EVERY} '
                        f'(a week), not {minutes!r}.',
                        zh=f'同步间隔必须是 {MIN_EVERY} 到 {MAX_EVERY}（一周）之间的整数分钟，而不是 {minutes!r}。')
    return value


def set_schedule(target, every_minutes=None, active=None, schedule=None):
    """Change how often TARGET runs (every N minutes; SCHEDULE '' always, 'working hours' or a cron line)
    and/or pause (ACTIVE False) or resume it; audited, versioned."""
    from .schedule import check_schedule
    if every_minutes is not None:
        target.every_minutes = check_every(every_minutes)
    if schedule is not None:
        target.schedule = check_schedule(schedule)
    if active is not None:
        target.active = bool(active)
    return audit.save(target)


def is_due(target, now):
    """Return True when the periodic job should run TARGET at NOW (a minute of slack for the job's own timing)."""
    from .schedule import is_due as due
    return due(target, now)


def run_as_user(run_as=None):
    """Return the user a new target acts as: RUN_AS (a User or username), else the user adding it, else the
    first active admin (the one who owns the instance), else None (the system actor)."""
    from ...models import Role, User
    from ...services import gate
    act = gate.actor()
    if isinstance(run_as, str):
        found = User.get_or_none(User.username == run_as.strip())
        if found is None or not found.active:
            raise SyncError(f'There is no active user {run_as!r} to run the target as; give an existing username.',
                            zh=f'没有名为 {run_as!r} 的在职用户可作为执行用户；请填写已有的用户名。')
        run_as = found
    if run_as is not None:
        run_as = getattr(run_as, 'record', run_as)
        # Acting as another user lends their rights: only an admin (or the CLI operator) may choose one.
        if not act.is_system and act.role != 'admin' and run_as.id != act.user.id:
            raise SyncError('Only an admin may add a target that runs as another user; it runs as you.',
                            zh='只有管理员可以让同步目标以其他用户身份运行；请以您自己的身份运行。')
        return run_as
    if not act.is_system:
        return act.user
    # No admin yet (a fresh instance set up from the CLI): the target runs as the system actor.
    return (User.select().join(Role, on=(User.role == Role.id)).where(Role.name == 'admin', User.active)
            .order_by(User.id).first())


NEW_OWNERS = ('me', 'rules')


def check_slice(entity, where, user, new_owner='me'):
    """Return WHERE (`field=value` strings or pairs) as slice terms valid for ENTITY and USER, or refuse."""
    from .slices import Slice, parse_terms
    if new_owner not in NEW_OWNERS:
        raise SyncError(f'New rows are owned by "me" (the run-as user) or by "rules" (the assignment rules), '
                        f'not {new_owner!r}.',
                        zh=f'新增行的负责人只能是 "me"（执行用户）或 "rules"（分配规则），而不是 {new_owner!r}。')
    terms = parse_terms(where)
    Slice(get(entity).model, terms, user).check()
    return terms


def set_slice(target, where=None, new_owner=None):
    """Replace TARGET's slice with WHERE (None: keep it, []: every row) and/or who owns its new rows."""
    from ...models import User
    from .slices import dumps
    user = User.get_or_none(User.id == target.run_as_id) if target.run_as_id else None
    terms = check_slice(target.entity, target.terms if where is None else where, user,
                        new_owner or target.new_owner)
    target.slice_terms = dumps(terms)
    if new_owner:
        target.new_owner = new_owner
    return audit.save(target)


def add_target(name, entity, path, sheet=None, lang='zh', conflict_policy='db', delete_policy='keep',
               max_vanish_percent=20, every_minutes=DEFAULT_EVERY, run_as=None, where=(), new_owner='me',
               schedule=''):
    """Register the file PATH as a two-way sync target of ENTITY, run as RUN_AS (see run_as_user), holding
    the rows WHERE selects (slice terms, `owner=me`), new rows owned as NEW_OWNER says."""
    from .schedule import check_schedule
    from .slices import dumps
    mapping = get(entity)
    user = run_as_user(run_as)
    terms = check_slice(mapping.entity, where, user, new_owner)
    schedule = check_schedule(schedule)
    if SyncTarget.select().where(SyncTarget.name == name).exists():
        raise SyncError(f'A sync target named {name} exists already; choose another name.',
                        zh=f'已有名为 {name} 的同步目标；请换一个名称。')
    kind = kind_for_path(path)
    if Path(path).suffix.lower() == '.xls':
        raise SyncError('An .xls file cannot be written back; save it as .xlsx and add that file.',
                        zh='.xls 文件无法写回；请另存为 .xlsx，再添加那个文件。')
    if not Path(path).is_file():
        raise SyncError(f'{path} does not exist; create it with `flask ltc export {mapping.entity} {path}`.',
                        zh=f'{path} 不存在；请用 `flask ltc export {mapping.entity} {path}` 创建。')
    settings = {'path': str(Path(path).resolve())}
    if sheet:
        settings['sheet'] = sheet
    if Path(path).suffix.lower() == '.xlsx':   # the columns set by the rules locked, as on Google (warning)
        from ..formats.xlsxlock import LOCK_AT_ADD, lock_derived
        lock_derived(path, sheet, mapping, max_rows=LOCK_AT_ADD)
    target = SyncTarget(name=name, entity=mapping.entity, backend=kind, lang=lang,
                        settings=json.dumps(settings, ensure_ascii=False), conflict_policy=conflict_policy,
                        delete_policy=delete_policy, max_vanish_percent=max_vanish_percent,
                        every_minutes=check_every(every_minutes), run_as=user, slice_terms=dumps(terms),
                        new_owner=new_owner, schedule=schedule)
    return audit.save(target)


def add_gsheet_target(name, entity, sheet, worksheet=None, lang='zh', conflict_policy='db',
                      delete_policy='keep', max_vanish_percent=20, client=None, every_minutes=DEFAULT_EVERY,
                      run_as=None, where=(), new_owner='me', schedule=''):
    """Register a Google Sheet (URL or key) as a sync target, creating the worksheet if missing.

    A new worksheet gets the header (plus the status column), a frozen header row, a
    warning-protected code column and dropdowns for choice columns. Returns (target, created).
    """
    from ..gsheets import ops
    from ..gsheets.table import app_client
    from ..mapping.codecs import Choice
    from ..mapping.entities import STATUS_TITLE
    from ...services import gate
    from .header import header_note
    from .schedule import check_schedule
    from .slices import dumps
    mapping = get(entity)
    user = run_as_user(run_as)
    terms = check_slice(mapping.entity, where, user, new_owner)
    schedule = check_schedule(schedule)
    if SyncTarget.select().where(SyncTarget.name == name).exists():
        raise SyncError(f'A sync target named {name} exists already; choose another name.',
                        zh=f'已有名为 {name} 的同步目标；请换一个名称。')
    key = ops.extract_key(sheet)
    every_minutes = check_every(every_minutes)
    title = worksheet or mapping.title(lang)
    columns = mapping.columns
    header = [c.header(lang) for c in columns] + [STATUS_TITLE['zh' if lang.startswith('zh') else 'en']]
    choices = {i: column.codec.labels(lang) for i, column in enumerate(columns)
               if isinstance(column.codec, Choice) and not column.readonly}
    protected = [i for i, column in enumerate(columns) if column.readonly]   # set by the rules: warn on edit
    target = SyncTarget(name=name, entity=mapping.entity, backend='gsheet', lang=lang,
                        settings=json.dumps({'key': key, 'worksheet': title}, ensure_ascii=False),
                        conflict_policy=conflict_policy, delete_policy=delete_policy,
                        max_vanish_percent=max_vanish_percent, every_minutes=every_minutes, run_as=user,
                        slice_terms=dumps(terms), new_owner=new_owner, schedule=schedule)
    note = header_note(target, gate.Actor(user) if user is not None else None)
    _, created = ops.ensure_worksheet(client or app_client(), key, title, header, 0, choices, protected=protected,
                                      note=note)
    return audit.save(target), created


def lock_columns(target):
    """Lock the code column and the columns set by the rules of TARGET's Excel sheet (sheet protection without a
    password); return the locked headers. Targets added from an .xlsx file are locked when added."""
    from ..formats.xlsxlock import lock_derived
    if target.backend != 'xlsx' or Path(target.options['path']).suffix.lower() != '.xlsx':
        raise SyncError(f'Sync target {target.name} is not an .xlsx file; only Excel workbooks have locked cells '
                        f'(Google Sheets get warning ranges when LTC creates the worksheet).',
                        zh=f'同步目标 {target.name} 不是 .xlsx 文件；只有 Excel 工作簿可以锁定单元格'
                           f'（Google 表格在 LTC 创建工作表时设置警告保护范围）。')
    return lock_derived(target.options['path'], target.options.get('sheet'), get(target.entity))


def get_target(name):
    target = SyncTarget.get_or_none(SyncTarget.name == name)
    if target is None:
        raise SyncError(f'There is no sync target {name}; list them with `flask ltc sync list`.',
                        zh=f'没有名为 {name} 的同步目标；用 `flask ltc sync list` 查看所有目标。')
    return target


def open_table(kind, settings, max_rows=None):
    """Return the Table for a backend KIND ('xlsx', 'csv', 'gsheet') and its settings dict."""
    if kind == 'xlsx':
        from ..formats.xlsx import XlsxTable
        return XlsxTable(settings['path'], sheet=settings.get('sheet'), max_rows=max_rows)
    if kind == 'csv':
        from ..formats.csv import CsvTable
        return CsvTable(settings['path'], max_rows=max_rows)
    if kind == 'gsheet':
        from ..gsheets.table import GSheetTable
        return GSheetTable(settings['key'], settings['worksheet'], max_rows=max_rows)
    raise SyncError(f'Unknown sheet backend {kind!r}; use xlsx, csv or gsheet.',
                    zh=f'未知的表格类型 {kind!r}；请使用 xlsx、csv 或 gsheet。')
