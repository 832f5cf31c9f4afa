"""A workbook's run: every tab read at once, planned and written to the database in the order of their references
(a row may name a record an earlier tab's new row created in the same run, by that row's name), then every tab's
sheet writes sent together: on Google Sheets at most two reads and two writes for the whole workbook
(`gsheets/book.py`), in Excel one read and one atomic save (`formats/xlsxbook.py`). See `workbook.py` for what a
workbook is.
"""
from dataclasses import dataclass, field

from ...db import one_pass_cache, utcnow
from ...errors import LTCError
from ...models.sync import SyncTarget
from ...services.messages import text as message_text
from ..mapping.codecs import Reference, plain_text
from ..mapping.entities import get
from ..runs import state
from ..writes.importer import finish_run, no_gc, start_run
from ..writes.results import Result
from .workbook import NAME_ATTR, TAB_SEP, _refuse, tab_title, tabs_of


def open_book(workbook, tabs, client=None):
    """Return the book object reading and writing every tab of WORKBOOK together."""
    titles = [tab_title(t) for t in tabs]
    if workbook.backend == 'gsheet':
        from ..gsheets.book import GSheetBook
        return GSheetBook(workbook.options['key'], titles, client=client)
    if workbook.backend == 'xlsx':
        from ..formats.xlsxbook import XlsxBook
        return XlsxBook(workbook.options['path'], titles)
    raise _refuse(f'A workbook is a Google Sheet or an .xlsx file, not {workbook.backend!r}.',
                  f'工作簿必须是 Google 表格或 .xlsx 文件，而不是 {workbook.backend!r}。')


@dataclass
class WorkbookResult:
    """A workbook run's outcome: each tab's Result (or the reason the tab was refused as a whole)."""
    name: str
    tabs: list = field(default_factory=list)   # [(tab target, Result or None, LTCError or None)]
    dry_run: bool = False
    requests: dict = field(default_factory=dict)   # {'reads': n, 'writes': n} when the backend counts them

    @property
    def results(self):
        return [r for _, r, _ in self.tabs if r is not None]

    @property
    def refused(self):
        return [(t, e) for t, _, e in self.tabs if e is not None]

    @property
    def rows(self):
        return [row for r in self.results for row in r.rows]

    @property
    def run_code(self):
        codes = [r.run_code for r in self.results if r.run_code]
        return codes[0] if codes else None

    @property
    def needs_attention(self):
        return bool(self.refused) or any(r.needs_attention for r in self.results)

    @property
    def exit_code(self):
        return max([r.exit_code for r in self.results] + [2 if self.refused else 0])

    def problems(self):
        return [row for r in self.results for row in r.problems()]

    def summary(self, lang='en'):
        zh = lang.startswith('zh')
        parts = []
        for tab, result, error in self.tabs:
            label = tab.name.split(TAB_SEP, 1)[-1]
            if error is not None:
                parts.append(f'{label}：已拒绝（{message_text(error, "zh")}）' if zh else f'{label}: refused ({error})')
            else:
                parts.append(f'{label}：{result.summary(lang)}' if zh else f'{label}: {result.summary(lang)}')
        return ('；'.join(parts)) if zh else '; '.join(parts)


def relink(plan, sheet, ctx):
    """Write the code in place of a name that named a record an earlier tab created in this run (the name
    resolves only during that run; the code for good)."""
    if not ctx.named:
        return
    for position, column in sheet.columns.items():
        codec = column.codec
        if not isinstance(codec, Reference) or codec.model not in ctx.named or column.readonly:
            continue
        names = ctx.named[codec.model]
        for row in plan.result.rows:
            if row.row is None or position >= len(row.cells) or row.cells[position] in (None, ''):
                continue
            text = ' '.join(plain_text(row.cells[position]).split()).lower()
            codes = names.get(text)
            if codes and len(codes) == 1 and text != next(iter(codes)).lower():
                plan.cells[(row.row, position + 1)] = next(iter(codes))


def remember(named, mapping, plan):
    """Add the records PLAN created to NAMED under the name their row gave them, for the tabs after it."""
    attr = NAME_ATTR.get(mapping.entity)
    if attr is None:
        return
    names = named.setdefault(mapping.model, {})
    for row in plan.creates:
        if row.outcome == 'created' and row.code and row.values.get(attr) not in (None, ''):
            names.setdefault(' '.join(plain_text(row.values[attr]).split()).lower(), set()).add(row.code)


def refresh(tab, sheet, plan, ctx, later):
    """Show in TAB's sheet what the LATER runs (codes) of this workbook run changed on its records: a lead's status
    and score move when a follow-up tab records its first call. A value the sheet changed since the last run and
    that was not written is left for the next run to merge."""
    from ...models import AuditLog
    from ..mapping.codecs import escape
    from .twoway import _canon_cell, _cell, load_records
    if not later:
        return
    mapping = get(tab.entity)
    codes = {code for (code,) in AuditLog.select(AuditLog.entity_code).where(
        AuditLog.batch.in_(later), AuditLog.entity == mapping.model.__name__).tuples()}
    if not codes:
        return
    rows = {r.code: r for r in plan.result.rows if r.code in codes and r.row and r.row not in plan.cleared
            and r.outcome in ('created', 'updated', 'unchanged', 'conflict')}
    appended = {code: cells for code, cells in plan.appends if code in codes}
    chunk = sorted(codes & (set(rows) | set(appended)))
    records = {}
    for start in range(0, len(chunk), 500):
        records.update(load_records(mapping, plan.actor, mapping.model.code.in_(chunk[start:start + 500])))
    for code, record in records.items():
        base = {}
        if code in plan.new_base:   # parsed to take the values shown (a row left as it was keeps its text)
            base = plan.new_base[code] = state.parsed(plan.new_base[code])
        for position, column in sheet.columns.items():
            if column is mapping.key:
                continue
            now = column.codec.canon(record.get(column.attr), ctx)
            value = escape(column.codec.render(record.get(column.attr), ctx))
            if code in appended:
                appended[code][position] = value
            else:
                row = rows[code]
                written = plan.cells.get((row.row, position + 1), _cell(row, position))
                shown = _canon_cell(column, written, ctx)
                if column.attr in base and shown != base[column.attr]:
                    continue   # the sheet's own change, not written: the next run merges it
                if shown != now:
                    plan.cells[(row.row, position + 1)] = value
            if column.attr in base:
                base[column.attr] = now


def run_workbook(target, dry_run=False, accept_header=False, progress=None, actor=None, stamp=None, client=None,
                 book=None):
    """Run one sync of the workbook TARGET (or of the workbook a tab TARGET belongs to); return a WorkbookResult.

    Every tab is read at once, planned and written to the database in the order of their references, then every
    tab's sheet writes go out together. A dry run plans each tab against the database as it is (a row naming a
    new row of an earlier tab shows as an unknown reference until the real run).
    """
    workbook = target if target.is_workbook else SyncTarget.get_by_id(target.workbook_id)
    tabs = tabs_of(workbook)
    if not tabs:
        raise _refuse(f'Workbook {workbook.name} has no tabs; add it again with --tabs.',
                      f'工作簿 {workbook.name} 没有工作表；请用 --tabs 重新添加。')
    state.acquire(workbook)
    try:
        with no_gc(), one_pass_cache():   # as a single sheet's run (twoway.run_sync)
            return _run_tabs(workbook, tabs, dry_run, accept_header, progress, actor, stamp, client, book)
    finally:
        state.release(workbook)


def _run_tabs(workbook, tabs, dry_run, accept_header, progress, actor, stamp, client, book):
    """Read every tab, plan and write each to the database in order, then write the sheets together."""
    from .header import header_note
    from .twoway import plan_target, record_written, write_database, write_sheet
    _check_capacity(workbook, tabs, actor)
    book = book or open_book(workbook, tabs, client)
    book.read()
    outcome = WorkbookResult(workbook.name, dry_run=dry_run)
    named, planned = {}, []
    for tab in tabs:
        table = book.tab(tab_title(tab))
        if accept_header:
            tab.header_signature = None
        try:
            table, sheet, plan, ctx, base = plan_target(tab, progress, table, actor, named=named)
        except LTCError as exc:
            _refused(tab, exc)
            outcome.tabs.append((tab, None, exc))
            continue
        book.keys[tab_title(tab)] = sheet.key_pos + 1
        relink(plan, sheet, ctx)
        plan.stamp = stamp
        run = start_run('sync', tab.entity, sheet.label, dry_run=dry_run, target=tab)
        plan.result.run_code, plan.result.dry_run = run.code, dry_run
        outcome.tabs.append((tab, plan.result, None))
        if dry_run:
            finish_run(run, plan.result)
            continue
        try:
            write_database(tab, get(tab.entity), plan, ctx, run, progress)
        except Exception as exc:
            finish_run(run, plan.result, status='failed', message=str(exc))
            for _, _, p, _, _, r in planned:
                finish_run(r, p.result, status='failed', message=str(exc))
            raise
        remember(named, get(tab.entity), plan)
        plan.note = (sheet.header_row, 1, header_note(tab, plan.actor, utcnow()))
        planned.append((tab, table, plan, ctx, (sheet, base), run))
    if dry_run:
        return outcome
    for index, (tab, table, plan, ctx, (sheet, base), run) in enumerate(planned):
        # Only the later tabs that wrote to the database can have changed this tab's records.
        refresh(tab, sheet, plan, ctx, [r.code for _, _, p, _, _, r in planned[index + 1:]
                                        if p.creates or p.updates or p.deletes])
    try:
        for tab, table, plan, ctx, (sheet, base), run in planned:
            write_sheet(table, sheet, plan, ctx)   # queued in the book
        book.flush()
    except Exception as exc:
        for tab, table, plan, ctx, _, run in planned:
            finish_run(run, plan.result, status='failed', message=str(exc))
        raise
    now = utcnow()
    for tab, table, plan, ctx, (sheet, base), run in planned:
        record_written(tab, sheet, plan, base, now, stamp)
        finish_run(run, plan.result)
    SyncTarget.update(last_run_at=now, sheet_stamp=stamp).where(SyncTarget.id == workbook.id).execute()
    outcome.requests = dict(getattr(book, 'counted', {}) or {})
    return outcome


def _check_capacity(workbook, tabs, actor):
    """Refuse a workbook whose tabs' slices together would not fit its spreadsheet, before anything is read."""
    from ...services import gate
    from . import capacity, slices
    from .twoway import scoped_query, target_actor
    if workbook.backend != 'gsheet':
        return
    act = gate.as_actor(actor) if actor is not None else target_actor(workbook)
    counts = []
    for tab in tabs:
        mapping = get(tab.entity)
        view = slices.for_target(tab, mapping.model)
        counts.append((tab, mapping, scoped_query(mapping, act, view.condition() if view.terms else None).count()))
    capacity.check_workbook(workbook, counts)


def _refused(tab, exc):
    """Record a tab refused as a whole (header changed, too many rows gone ...) as a failed run of that tab."""
    run = start_run('sync', tab.entity, tab.name, target=tab)
    finish_run(run, Result(tab.entity, source=tab.name, headers=[]), status='failed', message=str(exc)[:2000])
