"""A run's outcome: per row created/updated/unchanged/conflict/error/deleted/skipped, cell messages, totals."""
import itertools
import json
from collections import Counter
from dataclasses import dataclass, field

OUTCOMES = ('created', 'updated', 'unchanged', 'conflict', 'error', 'deleted', 'skipped')
OUTCOME_LABELS = {
    'created': ('Created', '新增'), 'updated': ('Updated', '更新'), 'unchanged': ('Unchanged', '无变化'),
    'conflict': ('Conflict', '冲突'), 'error': ('Error', '错误'), 'deleted': ('Deleted', '已删除'),
    'skipped': ('Skipped', '跳过'),
}


def outcome_label(outcome, lang):
    en, zh = OUTCOME_LABELS[outcome]
    return zh if lang.startswith('zh') else en


# The containers a row result holds, made on first use: most rows of a big import never note, refuse or
# request anything, and six empty dicts and lists per row were ~38 MB of a 100,000-row plan.
_CONTAINERS = {'changes': dict, 'errors': list, 'conflicts': list, 'notes': list, 'values': dict, 'cells': list,
               'refs': dict, 'commands': dict}


@dataclass(slots=True, init=False)
class RowResult:
    """What happens (or happened) to one sheet row or record."""
    row: int = None                 # 1-based sheet row, None for database-only records
    code: str = None
    outcome: str = 'unchanged'
    changes: dict = field(default_factory=dict)     # {attr: [old, new]} as canonical text
    errors: list = field(default_factory=list)      # CellError with row and column set
    conflicts: list = field(default_factory=list)   # [(attr, base, sheet, db)]
    notes: list = field(default_factory=list)       # [(en, zh)] informational messages
    values: dict = field(default_factory=dict, repr=False)   # cleaned values to write
    record_id: int = None
    version: int = None
    cells: list = field(default_factory=list, repr=False)
    fingerprint: str = None          # sync: identity of a codeless row until its code is written back
    refs: dict = field(default_factory=dict, repr=False)   # import: {attr: (UnknownReference, RowResult
                                                           # of this file it names, or None)}
    commands: dict = field(default_factory=dict, repr=False)   # {attr: value} cells that request a
                                                               # command (stage, status, owner), see requests.py

    def __init__(self, row=None, code=None, outcome='unchanged', changes=None, errors=None, conflicts=None,
                 notes=None, values=None, record_id=None, version=None, cells=None, fingerprint=None, refs=None,
                 commands=None):
        self.row, self.code, self.outcome = row, code, outcome
        self.record_id, self.version, self.fingerprint = record_id, version, fingerprint
        # One test per container, written out: a sync or import makes a row result per sheet row.
        if changes is not None:
            self.changes = changes
        if errors is not None:
            self.errors = errors
        if conflicts is not None:
            self.conflicts = conflicts
        if notes is not None:
            self.notes = notes
        if values is not None:
            self.values = values
        if cells is not None:
            self.cells = cells
        if refs is not None:
            self.refs = refs
        if commands is not None:
            self.commands = commands

    def __getattr__(self, name):
        """Make a container on its first use (only an unset slot gets here)."""
        factory = _CONTAINERS.get(name)
        if factory is None:
            raise AttributeError(f'{type(self).__name__!r} object has no attribute {name!r}')
        value = factory()
        setattr(self, name, value)
        return value

    def fail(self, error):
        self.outcome = 'error'
        self.errors.append(error)

    def message(self, lang='zh'):
        """Return the status text for this row: errors, conflicts and notes in LANG."""
        zh = lang.startswith('zh')
        parts = [e.text(lang) for e in self.errors]
        for attr, _base, sheet, db in self.conflicts:
            parts.append(f'「{attr}」冲突：表格为“{sheet}”，数据库为“{db}”' if zh else
                         f'conflict on {attr}: sheet "{sheet}", database "{db}"')
        parts.extend(z if zh else e for e, z in self.notes)
        return '；'.join(parts) if zh else '; '.join(parts)

    def as_dict(self, lang='en'):
        out = {'row': self.row, 'code': self.code, 'outcome': self.outcome, 'changes': self.changes,
               'message': self.message(lang), 'conflicts': [list(c) for c in self.conflicts]}
        if out['message'] and not lang.startswith('zh'):
            out['message_zh'] = self.message('zh')   # screens show the reader's language
        return out


@dataclass
class Result:
    """All row results of one import or sync run, and whether it was refused as a whole."""
    entity: str
    rows: list = field(default_factory=list)
    run_code: str = None
    dry_run: bool = False
    source: str = ''
    headers: list = field(default_factory=list)
    notes: list = field(default_factory=list)   # [(en, zh)] about the whole file, said once
    sheet: object = field(default=None, repr=False)   # import: the located Sheet (its column matching)

    def totals(self):
        counts = Counter(r.outcome for r in self.rows)
        return {k: counts.get(k, 0) for k in OUTCOMES}

    @property
    def needs_attention(self):
        return any(r.outcome in ('error', 'conflict') for r in self.rows)

    @property
    def exit_code(self):
        """Return 0 when clean, 1 when rows had errors or conflicts."""
        return 1 if self.needs_attention else 0

    def summary(self, lang='en'):
        totals = self.totals()
        if lang.startswith('zh'):
            text = '，'.join(f'{outcome_label(k, lang)} {v}' for k, v in totals.items() if v) or '无数据行'
            return ('【预演，未写入】' if self.dry_run else '') + text
        text = ', '.join(f'{v} {k}' for k, v in totals.items() if v) or 'no data rows'
        return ('[dry run, nothing written] ' if self.dry_run else '') + text

    def problems(self):
        return [r for r in self.rows if r.outcome in ('error', 'conflict')]

    def to_json(self, lang='en', limit=5000):
        rows = list(itertools.islice((r.as_dict(lang) for r in self.rows if r.outcome != 'unchanged'), limit))
        return json.dumps(rows, ensure_ascii=False, default=str)

    def write_report(self, path, lang='zh'):
        """Write the original rows plus outcome and 错误原因 / Error columns to an .xlsx or .csv file."""
        from ..mapping.codecs import escape
        from .export import open_writer
        zh = lang.startswith('zh')
        # Every text cell, the file's own headers and the messages quoting its cells included, is
        # written through `escape`: a control character in a refused cell must not break the report.
        header = [escape(h) for h in self.headers] + (['结果', '错误原因'] if zh else ['Outcome', 'Error'])
        with open_writer(path, header, title='导入报告' if zh else 'Report') as write:
            for row in self.rows:
                if row.row is None:
                    continue
                cells = [escape(c) for c in row.cells[:len(self.headers)]]
                cells += [None] * (len(self.headers) - len(cells))
                write(cells + [outcome_label(row.outcome, lang), escape(row.message(lang))])
