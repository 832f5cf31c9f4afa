"""Find the table inside a sheet: the header row (not always row 1), its columns and the data rows."""
from dataclasses import dataclass, field

from .codecs import plain_text
from .errors import SyncError
from .mappings import MAPPINGS, is_status_header

SCAN_ROWS = 30   # header search depth: title blocks and instructions sit above the table


@dataclass
class Sheet:
    """A table read from a backend: where the header is, what each column means, and the rows."""
    label: str
    header_row: int                 # 1-based sheet row of the header
    headers: list                   # header texts as written
    columns: dict                   # {0-based position: Column}
    key_pos: int = None
    status_pos: int = None
    rows: list = field(default_factory=list)   # [(1-based sheet row, [cells])], blank rows skipped
    unknown: list = field(default_factory=list)
    last_row: int = 0
    parse_steps: tuple = field(default=None, repr=False)   # (mapping, steps) cached by importer.parse_row

    @property
    def width(self):
        return len(self.headers)

    def signature(self):
        """Return what identifies the header for change detection: the mapped fields in order."""
        return ','.join(c.attr for _, c in sorted(self.columns.items()))


def _score(row, mapping):
    return len(mapping.match([plain_text(c).strip() for c in row]))


def best_score(grid, mapping):
    """Return how well the best header row of GRID matches MAPPING (used to pick a sheet)."""
    return max((_score(row, mapping) for row in grid[:SCAN_ROWS]), default=0)


def other_entity(grid, mapping):
    """Return the mapping whose key column GRID's header names and which it matches better than
    MAPPING, or None: a file of leads uploaded as contacts is named for what it is."""
    own = best_score(grid, mapping)
    best = None
    for other in MAPPINGS.values():
        if other is mapping:
            continue
        score = best_score(grid, other)
        has_key = any(other.key in other.match([plain_text(c).strip() for c in row]).values()
                      for row in grid[:SCAN_ROWS])
        if has_key and score > own and (best is None or score > best[0]):
            best = (score, other)
    return best and best[1]


def _hint(grid, mapping):
    """Return (English, Chinese) sentences to add to a refusal when the file is of another entity."""
    other = other_entity(grid, mapping)
    if other is None:
        return '', ''
    return (f' The header looks like {other.title_en.lower()} (it names {other.key.zh} / {other.key.en}): '
            f'import it as `{other.entity}` instead.',
            f'该表头看起来是{other.title_zh}（含有「{other.key.zh}」列）：请改为按{other.title_zh}（`{other.entity}`）导入。')


def locate(grid, mapping, label='', overrides=None):
    """Return a Sheet: the header row is the row among the first 30 naming most mapped columns.

    OVERRIDES {0-based position: attr or None} replaces the automatic column matching
    (None: ignore that column), as a user adjusted it on the import screen.
    """
    best, best_at = 0, None
    for index, row in enumerate(grid[:SCAN_ROWS]):
        score = _score(row, mapping)
        if score > best:
            best, best_at = score, index
    key_only = best == 1 and best_at is not None and mapping.match(
        [plain_text(c).strip() for c in grid[best_at]]).popitem()[1] is mapping.key
    if best_at is None and overrides:   # nothing matched by name: the user's mapping names the header
        best_at = next((i for i, row in enumerate(grid[:SCAN_ROWS]) if any(plain_text(c).strip() for c in row)), None)
        key_only = False
    if best_at is None or key_only:
        expected = ', '.join(f'{c.zh} ({c.en})' for c in mapping.columns[:4])
        hint_en, hint_zh = _hint(grid, mapping)
        raise SyncError(f'{label or "The sheet"} has no header row for {mapping.title_en.lower()}: none of the '
                        f'first {SCAN_ROWS} rows names columns such as {expected}. Add a header row or '
                        f'export a template with `flask ltc export {mapping.entity} --template`.' + hint_en,
                        zh=f'{label or "该表"} 中找不到{mapping.title_zh}的表头行：前 {SCAN_ROWS} 行中没有一行含有 '
                           f'{expected} 等列名。请添加表头行，或用 '
                           f'`flask ltc export {mapping.entity} --template` 导出模板。' + hint_zh)
    if best_at > 0 and _score(grid[best_at - 1], mapping) * 2 >= best:
        best_at -= 1   # the English keys row sits under the titles: the titles are the header
    headers = [plain_text(c).strip() for c in grid[best_at]]
    columns = mapping.match(headers)
    start = best_at + 1
    # A second header row (English keys under Chinese titles) fills gaps and is not data.
    if start < len(grid):
        below = mapping.match([plain_text(c).strip() for c in grid[start]])
        if len(below) * 2 >= len(columns) and below:
            for position, column in below.items():
                if position not in columns and column.attr not in {c.attr for c in columns.values()}:
                    columns[position] = column
            start += 1
    for position, attr in (overrides or {}).items():
        columns.pop(position, None)
        if attr:
            column = mapping.by_attr.get(attr)
            if column is None:
                raise SyncError(f'{attr!r} is not a column of {mapping.title_en.lower()}; '
                                f'use one of: {", ".join(mapping.by_attr)}.',
                                zh=f'{attr!r} 不是{mapping.title_zh}的列；请使用以下之一：'
                                   f'{", ".join(mapping.by_attr)}。')
            for other in [p for p, c in columns.items() if c is column]:
                del columns[other]
            columns[position] = column
    status_pos = next((i for i, h in enumerate(headers) if h and is_status_header(h)), None)
    key_pos = next((i for i, c in columns.items() if c is mapping.key), None)
    if key_pos is None:
        missing = [c for c in mapping.columns if c.required and c not in columns.values()]
        if missing:
            names = ', '.join(f'{c.zh} ({c.en})' for c in missing)
            hint_en, hint_zh = _hint(grid, mapping)
            raise SyncError(f'{label or "The sheet"} lacks the required column {names}; add it to the header '
                            f'row (row {best_at + 1}).' + hint_en,
                            zh=f'{label or "该表"} 缺少必填列 {names}；请把它加到表头（第 {best_at + 1} 行）。' + hint_zh)
    sheet = Sheet(label, best_at + 1, headers, columns, key_pos, status_pos,
                  unknown=[h for i, h in enumerate(headers) if h and i not in columns and i != status_pos])
    positions = list(columns)
    for index in range(start, len(grid)):
        row = grid[index]
        if any(p < len(row) and plain_text(row[p]).strip() for p in positions):
            sheet.rows.append((index + 1, row))
    sheet.last_row = len(grid)
    return sheet


def read_sheet(table, mapping, overrides=None):
    """Read TABLE once and locate MAPPING's table in it (OVERRIDES: see `locate`)."""
    if getattr(table, 'prefer', 'absent') is None:
        table.prefer = lambda grid: best_score(grid, mapping)
    grid = table.read()
    return locate(grid, mapping, table.label, overrides)
