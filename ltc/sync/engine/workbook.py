"""Workbooks: one target holding several tabs of related entities (leads, follow-ups, opportunities, contracts,
payment plans ...), synced together in one run.

A workbook is a target of the entity `workbook` naming the spreadsheet (a Google Sheet's key, an .xlsx path);
each tab is a target of its own (`<workbook>/<entity>`, `workbook_id` naming the workbook) with its worksheet,
slice, base, conflicts and header, so everything a single sheet has holds per tab: the run-as user (the
workbook's, on every tab), the gate (every cell a request through the same commands), conflicts, columns set by
the rules, slices (`--where owner=me` for every tab, `--where plans:contract_owner=me` for one).

One run reads every tab at once, then applies the tabs in the order of their references (customers before
their contacts and deals, leads before follow-ups, contracts before their payment plans ...): each tab is
planned against the database as the tabs before it left it, so a follow-up row can name a lead row added in the
same run, by the company typed on the lead's row (the name is replaced by the new lead's code in the sheet) or,
once it has one, by its code. Then every tab's sheet writes go out together: on Google Sheets at most two reads
and two writes per run for the whole workbook (`gsheets/book.py`), in Excel one read and one atomic save
(`formats/xlsxbook.py`). A tab refused as a whole (its header changed, too many rows vanished) is reported and
the other tabs go on; a refused row stays in its tab with the reason, as on a single sheet.
"""
import json
from pathlib import Path

from ...errors import LTCError
from ...models.sync import WORKBOOK, SyncTarget
from ...services import audit, gate
from ..errors import SyncError
from ..mapping.entities import get
from . import slices

# The order tabs are applied in: a tab comes after every tab whose records its rows may name.
ORDER = ('products', 'customers', 'leads', 'contacts', 'opportunities', 'followups', 'quotes', 'contracts',
         'payment_plans', 'payments', 'invoices')
# The column a new row of a tab is named by in the rows of later tabs (before it has a code).
NAME_ATTR = {'products': 'name', 'customers': 'name', 'leads': 'company', 'contacts': 'name',
             'opportunities': 'name', 'quotes': 'title', 'contracts': 'title'}
TAB_SEP = '/'


def _refuse(en, zh):
    return SyncError(en, zh=zh)


def tab_entities(tabs):
    """Return the entities of TABS (names or aliases, a list or `leads,followups`) in the order they are applied."""
    items = tabs.split(',') if isinstance(tabs, str) else list(tabs or ())
    entities = []
    for item in items:
        if not str(item).strip():
            continue
        entity = get(str(item).strip()).entity
        if entity not in entities:
            entities.append(entity)
    if not entities:
        raise _refuse('A workbook needs at least one tab; name them, e.g. --tabs leads,followups,contracts,plans.',
                      '工作簿至少需要一个工作表；请列出，例如 --tabs leads,followups,contracts,plans。')
    return sorted(entities, key=ORDER.index)


def split_terms(where, entities):
    """Return {entity: slice terms} from WHERE: `field=value` holds on every tab, `tab:field=value` on that one."""
    common, own = [], {e: [] for e in entities}
    for item in where or ():
        text = str(item)
        head, sep, rest = text.partition(':')
        if sep and '=' not in head:
            entity = get(head.strip()).entity
            if entity not in own:
                raise _refuse(f'The slice term {text!r} names the tab {head.strip()}, which the workbook does not '
                              f'have; its tabs are {", ".join(entities)}.',
                              f'筛选条件 {text!r} 指定的工作表 {head.strip()} 不在工作簿中；现有工作表：'
                              f'{"、".join(entities)}。')
            own[entity].append(rest)
        else:
            common.append(text)
    return {e: common + own[e] for e in entities}


def tabs_of(workbook):
    """Return the workbook's tab targets in the order they are applied."""
    tabs = list(SyncTarget.select().where(SyncTarget.workbook == workbook.id))
    return sorted(tabs, key=lambda t: (ORDER.index(t.entity) if t.entity in ORDER else len(ORDER), t.id))


def tab_title(tab):
    options = tab.options
    return options.get('worksheet') or options.get('sheet')


def _check_new(name, entities):
    names = [name] + [f'{name}{TAB_SEP}{e}' for e in entities]
    taken = [n for (n,) in SyncTarget.select(SyncTarget.name).where(SyncTarget.name.in_(names)).tuples()]
    if taken:
        raise _refuse(f'A sync target named {taken[0]} exists already; choose another name.',
                      f'已有名为 {taken[0]} 的同步目标；请换一个名称。')
    if TAB_SEP in name:
        raise _refuse(f'A workbook\'s name cannot hold "{TAB_SEP}" (its tabs are named <workbook>{TAB_SEP}<entity>).',
                      f'工作簿名称不能包含“{TAB_SEP}”（其工作表命名为 <工作簿>{TAB_SEP}<实体>）。')


def add_workbook(name, tabs, gsheet=None, path=None, lang='zh', conflict_policy='db', delete_policy='keep',
                 max_vanish_percent=20, every_minutes=5, run_as=None, where=(), new_owner='me', schedule='',
                 client=None, titles=None):
    """Register a Google Sheet (GSHEET: URL or key) or an .xlsx file (PATH) as a workbook target with a tab per
    entity of TABS, run as RUN_AS, each tab holding its slice of WHERE; missing tabs are created with their header.

    :param titles: {entity: worksheet title} instead of the entity titles in LANG
    :returns: (workbook target, [tab targets], [titles of the tabs created])
    """
    from .schedule import check_schedule
    from .targets import check_every, check_slice, run_as_user
    if bool(gsheet) == bool(path):
        raise _refuse('Give a workbook either a Google Sheet or an .xlsx file.',
                      '请为工作簿指定 Google 表格或 .xlsx 文件之一。')
    entities = tab_entities(tabs)
    user = run_as_user(run_as)
    per_tab = split_terms(where, entities)
    terms = {e: check_slice(e, per_tab[e], user, new_owner) for e in entities}
    schedule = check_schedule(schedule)
    every_minutes = check_every(every_minutes)
    _check_new(name, entities)
    titles = {get(k).entity: v for k, v in (titles or {}).items()}
    titles = {e: titles.get(e) or get(e).title(lang) for e in entities}
    if len(set(titles.values())) < len(titles):
        raise _refuse('Two tabs of the workbook would have the same title; give each its own.',
                      '工作簿中有两个工作表标题相同；请分别命名。')
    common = dict(lang=lang, conflict_policy=conflict_policy, delete_policy=delete_policy,
                  max_vanish_percent=max_vanish_percent, every_minutes=every_minutes, run_as=user,
                  new_owner=new_owner, schedule=schedule)
    if gsheet:
        from ..gsheets import ops
        backend, settings = 'gsheet', {'key': ops.extract_key(gsheet)}
    else:
        if Path(path).suffix.lower() != '.xlsx':
            raise _refuse(f'{Path(path).name}: a workbook is an .xlsx file (CSV files have one sheet).',
                          f'{Path(path).name}：工作簿必须是 .xlsx 文件（CSV 文件只有一个工作表）。')
        backend, settings = 'xlsx', {'path': str(Path(path).resolve())}
    workbook = SyncTarget(name=name, entity=WORKBOOK, backend=backend, settings=json.dumps(settings, ensure_ascii=False),
                          slice_terms=slices.dumps(check_common(where)), **common)
    members = [_tab(workbook, entity, titles[entity], terms[entity], common) for entity in entities]
    workbook, created = _create(workbook, members, user, client)
    return workbook, members, created


def _tab(workbook, entity, title, terms, common):
    """Return the (unsaved) tab target of ENTITY in WORKBOOK, on the worksheet TITLE, holding the slice TERMS."""
    key = 'worksheet' if workbook.backend == 'gsheet' else 'sheet'
    return SyncTarget(name=f'{workbook.name}{TAB_SEP}{entity}', entity=entity, backend=workbook.backend,
                      settings=json.dumps(dict(workbook.options, **{key: title}), ensure_ascii=False),
                      slice_terms=slices.dumps(terms), **common)


def _create(workbook, members, user, client=None, only=False):
    """Create the tabs MEMBERS lack in the spreadsheet or file (header, dropdowns, protection, note), then save the
    workbook and its tabs; return (workbook, [titles of the tabs created]). ONLY: a new Google spreadsheet."""
    from .header import header_note
    notes = {t.entity: header_note(t, gate.Actor(user) if user is not None else None) for t in members}
    if workbook.backend == 'gsheet':
        created = _make_google_tabs(workbook.options['key'], members, notes, client, only=only)
    else:
        created = _make_excel_tabs(workbook.options['path'], members, notes)
    workbook = audit.save(workbook)
    for tab in members:
        tab.workbook = workbook
        audit.save(tab)
    return workbook, created


def set_slices(workbook, where=None, new_owner=None):
    """Replace the slice of every tab of WORKBOOK with WHERE (as for add_workbook; None: keep them) and/or who owns
    their new rows; checked for every tab before any is changed."""
    from ...db import database
    from .targets import check_slice
    tabs = tabs_of(workbook)
    owner = new_owner or workbook.new_owner
    user = workbook.run_as
    if where is None:
        terms = {t.entity: check_slice(t.entity, t.terms, user, owner) for t in tabs}
    else:
        per_tab = split_terms(where, [t.entity for t in tabs])
        terms = {t.entity: check_slice(t.entity, per_tab[t.entity], user, owner) for t in tabs}
    with database.atomic():
        for tab in tabs:
            tab.slice_terms, tab.new_owner = slices.dumps(terms[tab.entity]), owner
            audit.save(tab)
        if where is not None:
            workbook.slice_terms = slices.dumps(check_common(where))
        workbook.new_owner = owner
        return audit.save(workbook)


def make_member(template, user, mode, client=None, name=None):
    """Make USER's workbook from the workbook TEMPLATE (team fan-out): the same tabs and settings, each tab holding
    the member's rows (its template tab's slice with owner=me), run as the member; MODE 'tabs' puts the member's tabs
    in the template's spreadsheet or file (titled `<tab>·<username>`), 'spreadsheets' gives them a spreadsheet
    (Google) or file (Excel) of their own. Return the member's workbook target."""
    from .targets import check_slice
    from ..formats.xlsxcopy import sheet_title
    common = dict(lang=template.lang, conflict_policy=template.conflict_policy, delete_policy=template.delete_policy,
                  max_vanish_percent=template.max_vanish_percent, every_minutes=template.every_minutes, run_as=user,
                  new_owner=template.new_owner, schedule=template.schedule)
    options = template.options
    tabs = tabs_of(template)
    if template.backend == 'gsheet':
        if mode == 'tabs':
            settings = {'key': options['key']}
        else:
            from ..gsheets import ops
            from ..gsheets.table import app_client
            client = client or app_client()
            settings = {'key': ops.create_spreadsheet(client, f'{template.name}·{user.display_name or user.username}')}
    else:
        path = Path(options['path'])
        settings = {'path': options['path'] if mode == 'tabs' else str(path.with_name(f'{path.stem}-{user.username}'
                                                                                      f'{path.suffix}'))}
    workbook = SyncTarget(name=name, entity=WORKBOOK, backend=template.backend, team_of=template,
                          settings=json.dumps(settings, ensure_ascii=False),
                          slice_terms=slices.dumps(slices.member_terms(template.terms)), **common)
    members = []
    for tab in tabs:
        title = tab_title(tab)
        if mode == 'tabs':
            title = sheet_title(title, user.username) if template.backend == 'xlsx' else f'{title}·{user.username}'
        terms = check_slice(tab.entity, slices.member_terms(tab.terms), user, template.new_owner)
        members.append(_tab(workbook, tab.entity, title, terms, common))
    workbook, _ = _create(workbook, members, user, client, only=mode == 'spreadsheets')
    return workbook


def check_common(where):
    """Return the terms of WHERE that hold on every tab (shown on the workbook)."""
    return slices.parse_terms([w for w in where or () if not (':' in str(w) and '=' not in str(w).partition(':')[0])])


def _columns(mapping, lang):
    from ..mapping.codecs import Choice
    from ..mapping.entities import STATUS_TITLE
    columns = mapping.columns
    header = [c.header(lang) for c in columns] + [STATUS_TITLE['zh' if lang.startswith('zh') else 'en']]
    choices = {i: c.codec.labels(lang) for i, c in enumerate(columns) if isinstance(c.codec, Choice) and not c.readonly}
    protected = [i for i, c in enumerate(columns) if c.readonly]
    return header, choices, protected


def _make_google_tabs(key, members, notes, client=None, only=False):
    """Create the worksheets the spreadsheet lacks (header, frozen row, warning ranges, dropdowns, note); ONLY: a
    new spreadsheet, whose first worksheet (`Sheet1`) goes with the first tab made."""
    from ..gsheets import ops
    from ..gsheets.table import app_client
    client = client or app_client()
    have = {title for title, _, _ in ops.list_worksheets(client, key)}
    created = []
    for tab in members:
        title = tab.options['worksheet']
        if title in have:
            continue
        header, choices, protected = _columns(get(tab.entity), tab.lang)
        ops.ensure_worksheet(client, key, title, header, 0, choices, protected=protected, note=notes[tab.entity],
                             only=only and not created)
        created.append(title)
    return created


def _make_excel_tabs(path, members, notes):
    """Create the .xlsx (or add the sheets it lacks): header, dropdowns, locked code and rules-set columns."""
    from ..formats.xlsxbook import add_tabs
    specs = []
    for tab in members:
        specs.append((tab.options['sheet'], get(tab.entity), tab.lang, notes[tab.entity]))
    return add_tabs(path, specs)


def tab_notes(target, lang='en'):
    """Return [(tab, its last run or None, its header note)] of a workbook TARGET (of a tab: its workbook's)."""
    from ...models.sync import SyncRun
    from .header import header_note
    from .twoway import target_actor
    workbook = target if target.is_workbook else (target.workbook if target.workbook_id else None)
    if workbook is None:
        return []
    try:
        actor = target_actor(workbook)
    except LTCError:
        actor = None
    return [(tab, tab.runs.order_by(SyncRun.id.desc()).first(), header_note(tab, actor, tab.last_run_at, lang))
            for tab in tabs_of(workbook)]
