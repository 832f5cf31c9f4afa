"""Find the table inside a sheet: the header row (not always row 1), its columns, the description
rows under it (types, help text, a second key row) and the data rows."""
import re
from dataclasses import dataclass, field

from ...models.choices import choice_key
from ..errors import CellError, SyncError
from ..mapping.codecs import Choice, Date, infer_date_order, plain_text
from ..mapping.entities import MAPPINGS, HeaderMatch, is_status_header, norm

SCAN_ROWS = 30   # header search depth: title blocks and instructions sit above the table
DESCRIPTION_DEPTH = 8   # description rows sit directly under the header: look no further
# Words of help rows in templates and of ERP type/mandatory rows, in Chinese and English.
HELP_WORDS = re.compile(r'必填|选填|非必填|可选|可不填|请填写|请输入|请选择|下拉|格式[:：]|例如|如[:：]|示例[:：]|填写说明|说明[:：]|不能为空|留空|'
                        r'不填|\brequired\b|\boptional\b|\bmandatory\b|e\.g\.|for example|\bformat\b|\bplease\b|'
                        r'leave (it )?blank|yyyy|\bone of\b|\bvalid\b', re.I)
TYPE_WORDS = {'data', 'select', 'link', 'date', 'datetime', 'int', 'integer', 'float', 'currency', 'check', 'text',
              'string', 'number', 'boolean', 'small text', 'long text', 'text editor', 'percent', 'decimal', 'char',
              'varchar', 'phone', 'email', 'dynamic link', 'table', 'attach', 'read only',
              '文本', '字符', '字符串', '数字', '数值', '整数', '小数', '日期', '时间', '日期时间', '金额', '货币',
              '布尔', '单选', '多选', '枚举', '下拉框', '下拉列表'}


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
    matches: list = field(default_factory=list)      # HeaderMatch per non-blank header (the plan's mapping)
    description_rows: list = field(default_factory=list)   # 1-based rows under the header that are not data
    missing: list = field(default_factory=list)      # required Columns the file lacks (it has a code column)
    last_row: int = 0
    parse_steps: tuple = field(default=None, repr=False)   # (mapping, steps) cached by importer.parse_row
    date_orders: dict = field(default_factory=dict)      # {position: 'dmy'|'mdy'} inferred from the values
    ambiguous_dates: list = field(default_factory=list)  # positions of date columns no value settles
    value_map: dict = field(default_factory=dict)        # {position: {choice_key(text): code}} (--map-value)
    unknown_values: dict = field(default_factory=dict)   # {(position, text): rows} left empty by a lenient parse

    @property
    def width(self):
        return len(self.headers)

    def cleaner(self, position, column):
        """Return clean(cell, ctx) for the column at POSITION: its codec with the column's inferred
        date order and the user's value mapping (--map-value) applied first."""
        clean = column.codec.clean
        order = self.date_orders.get(position)
        if order is not None:
            def clean(cell, ctx, _clean=clean, _order=order):
                return _clean(cell, ctx, _order)
        mapped = self.value_map.get(position)
        if mapped:
            def clean(cell, ctx, _clean=clean, _mapped=mapped):
                if cell.__class__ is str:
                    code = _mapped.get(choice_key(cell))
                    if code is not None:
                        return code
                return _clean(cell, ctx)
        return clean

    def notes(self):
        """Return [(English, Chinese)] sentences about the whole file: skipped description rows,
        date columns read by a guessed order, unknown values left empty, columns a new record lacks."""
        out = []
        if self.description_rows:
            rows = ', '.join(map(str, self.description_rows))
            count = len(self.description_rows)
            out.append((f'Skipped {count} description row{"s" if count > 1 else ""} under the header '
                        f'(row{"s" if count > 1 else ""} {rows}): column types, help text or a second header '
                        f'row, not data.',
                        f'已跳过表头下的 {count} 行说明行（第 {rows} 行）：列类型、填写说明或第二行表头，不是数据。'))
        for position in self.ambiguous_dates:
            header = self.headers[position]
            out.append((f'Column "{header}": dates such as 2/1/2013 read either way and no value proves the '
                        f'order; they were read day first (day-month-year). If they are month first, import '
                        f'with --date-order mdy.',
                        f'「{header}」列：如 2/1/2013 的日期两种读法都成立，且没有值能确定顺序；已按日-月-年读取。'
                        f'若为月在前，请用 --date-order mdy 导入。'))
        for (position, text), count in sorted(self.unknown_values.items(), key=lambda i: (i[0][0], str(i[0][1]))):
            header, column = self.headers[position], self.columns[position]
            codes = ', '.join(column.codec.choices.values)
            out.append((f'Column "{header}": "{text}" ({count} row{"s" if count > 1 else ""}) is not an allowed '
                        f'value; the field was left empty. Map it with --map-value "{header}:{text}=CODE" '
                        f'(codes: {codes}).',
                        f'「{header}」列：“{text}”（{count} 行）不在可选值中，已留空。可用 '
                        f'--map-value "{header}:{text}=编码" 指定对应值（编码：{codes}）。'))
        if self.missing:
            names = ', '.join(f'{c.zh} ({c.en})' for c in self.missing)
            out.append((f'The file has no column {names}: rows naming an existing record by its code update it; '
                        f'rows that would create a record are errors.',
                        f'文件中没有 {names} 列：以编码指向已有记录的行会更新该记录；需要新建记录的行会报错。'))
        return out

    def signature(self):
        """Return what identifies the header for change detection: the mapped fields in order."""
        return ','.join(c.attr for _, c in sorted(self.columns.items()))


def _score(row, mapping):
    return len(mapping.match([plain_text(c).strip() for c in row]))


def is_description(row, columns, mapping):
    """Return whether ROW, under the header, describes the columns instead of holding data.

    It does when its first filled cell is a label ending in a colon (`Mandatory:`, `Type:`,
    `Info:`, `说明：`, in any language), when its cells name the mapping's fields (a second key
    row), or when most of its cells are help or type words (必填, 格式：…, e.g., Data, Select,
    文本 …). A row of bad values is data (its errors are reported), never a description.
    """
    texts = [plain_text(c).strip() for c in row]
    filled = [t for t in texts if t]
    if not filled:
        return False
    if len(filled[0]) <= 30 and filled[0][-1] in ':：':
        return True
    if len(mapping.match(texts)) >= max(2, (len(columns) + 1) // 2):
        return True
    words = sum(1 for t in filled if t.lower() in TYPE_WORDS or HELP_WORDS.search(t))
    if (words >= 2 and words * 5 >= len(filled) * 3) or (words == 1 and len(filled) == 1 and len(filled[0]) >= 8):
        return True
    return False


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
    matches = [m for m in mapping.resolve(headers) if m.header]
    columns = {m.position: m.column for m in matches if m.column is not None}
    start = best_at + 1
    # A second header row (English keys under Chinese titles) fills gaps and is not data.
    if start < len(grid):
        below = mapping.match([plain_text(c).strip() for c in grid[start]])
        # Two names at least: one value that happens to be a header ("Website" as a source) is data.
        if len(below) * 2 >= len(columns) and len(below) >= 2:
            for position, column in below.items():
                if position not in columns and column.attr not in {c.attr for c in columns.values()}:
                    columns[position] = column
                    _set(matches, position, headers, column, 'exact')
            key_row = start + 1
            start += 1
        else:
            key_row = None
    else:
        key_row = None
    for position, attr in _positions(overrides, headers, mapping).items():
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
                _set(matches, other, headers, None, 'unknown')
            columns[position] = column
        _set(matches, position, headers, mapping.by_attr.get(attr) if attr else None, 'override')
    status_pos = next((i for i, h in enumerate(headers) if h and is_status_header(h)), None)
    key_pos = next((i for i, c in columns.items() if c is mapping.key), None)
    missing = [c for c in mapping.columns if c.required and not c.custom_key and c not in columns.values()]
    if key_pos is None and not missing:   # 姓名 as the company, unless the file is another entity's
        guessed = [m.column for m in matches if m.how == 'context' and m.column.required]
        if guessed and other_entity(grid, mapping) is not None:
            missing = guessed
    if key_pos is None and missing:
        names = ', '.join(f'{c.zh} ({c.en})' for c in missing)
        hint_en, hint_zh = _hint(grid, mapping)
        raise SyncError(f'{label or "The sheet"} lacks the required column {names}; add it to the header '
                        f'row (row {best_at + 1}).' + hint_en,
                        zh=f'{label or "该表"} 缺少必填列 {names}；请把它加到表头（第 {best_at + 1} 行）。' + hint_zh)
    sheet = Sheet(label, best_at + 1, headers, columns, key_pos, status_pos,
                  unknown=[h for i, h in enumerate(headers) if h and i not in columns and i != status_pos],
                  matches=[m for m in matches if m.position != status_pos], missing=missing)
    positions = list(columns)
    if key_row:
        sheet.description_rows.append(key_row)
    index = start
    while index < min(start + DESCRIPTION_DEPTH, len(grid)):   # description rows directly under the header
        row = grid[index]
        if not any(plain_text(c).strip() for c in row):
            index += 1
            continue
        if not is_description(row, columns, mapping):
            break
        sheet.description_rows.append(index + 1)
        index += 1
    skipped = set(sheet.description_rows)
    for index in range(start, len(grid)):
        row = grid[index]
        if index + 1 not in skipped and any(p < len(row) and plain_text(row[p]).strip() for p in positions):
            sheet.rows.append((index + 1, row))
    sheet.last_row = len(grid)
    return sheet


def _set(matches, position, headers, column, how):
    """Record in MATCHES that the header at POSITION now goes to COLUMN (None: not imported)."""
    match = next((m for m in matches if m.position == position), None)
    if match is None:
        match = HeaderMatch(position, headers[position] if position < len(headers) else '')
        matches.append(match)
        matches.sort(key=lambda m: m.position)
    match.column, match.how, match.confidence = column, how, 1.0 if column is not None else 0.0
    if how == 'override':
        match.candidates = ()


def _positions(overrides, headers, mapping):
    """Return OVERRIDES as {position: attr or None}; a key may be a position or a header as written,
    a value a field name or a field's header (`--map "Email Id=email"`, `--map "备注=-"`)."""
    out = {}
    for key, attr in (overrides or {}).items():
        if isinstance(key, str):
            found = [i for i, h in enumerate(headers) if h and (h == key or norm(h) == norm(key))]
            if not found:
                shown = ', '.join(h for h in headers if h)
                raise SyncError(f'--map names the column "{key}", which the header does not have; '
                                f'the columns are: {shown}.',
                                zh=f'--map 指定的列“{key}”不在表头中；表头的列为：{shown}。')
            key = found[0]
        if attr and attr not in mapping.by_attr:
            column = mapping.column_for(attr)
            attr = column.attr if column is not None else attr
        out[key] = attr or None
    return out


def missing_columns_error(sheet, number):
    """Return the error of a row that would create a record while the file lacks required columns."""
    names = ', '.join(f'{c.zh} ({c.en})' for c in sheet.missing)
    zh_names = '、'.join(c.zh for c in sheet.missing)
    return CellError(f'would create a new record, which needs {names}; the file has no such column: add it, '
                     f'or give the code of an existing record',
                     f'将新建记录，但新建需要{zh_names}，文件中没有该列：请添加该列，或填写已有记录的编码', None, number)


def settle(sheet, mapping, date_order=None, values=None):
    """Settle how SHEET's columns are read: each date column's day/month order (from its values
    unless DATE_ORDER is given) and the user's VALUES mapping {column: {text: code}}."""
    if date_order is None:
        for position, column in sheet.columns.items():
            if isinstance(column.codec, Date):
                order, ambiguous = infer_date_order(row[position] for _n, row in sheet.rows if position < len(row))
                if order:
                    sheet.date_orders[position] = order
                elif ambiguous:
                    sheet.ambiguous_dates.append(position)
    for name, pairs in (values or {}).items():
        position = next((p for p, c in sheet.columns.items()
                         if name == c.attr or norm(name) in (norm(sheet.headers[p]), norm(c.header('en')),
                                                             norm(c.header('zh')))), None)
        column = sheet.columns.get(position)
        if column is None or not isinstance(column.codec, Choice):
            choices = ', '.join(sheet.headers[p] for p, c in sheet.columns.items() if isinstance(c.codec, Choice))
            raise SyncError(f'--map-value names the column "{name}", which is not an imported choice column of '
                            f'this file; choice columns: {choices or "none"}.',
                            zh=f'--map-value 指定的列“{name}”不是本文件导入的选项列；选项列：{choices or "无"}。')
        target = sheet.value_map.setdefault(position, {})
        for text, code in pairs.items():
            value = column.codec.choices.lookup(code)
            if value is None:
                allowed = ', '.join(column.codec.choices.values)
                raise SyncError(f'--map-value "{name}:{text}={code}": {code!r} is not a value of '
                                f'{column.en}; use one of: {allowed}.',
                                zh=f'--map-value "{name}:{text}={code}"：{code!r} 不是「{column.zh}」的可选值；'
                                   f'请使用以下之一：{allowed}。')
            target[choice_key(text)] = value


def read_sheet(table, mapping, overrides=None):
    """Read TABLE once and locate MAPPING's table in it (OVERRIDES: see `locate`)."""
    if getattr(table, 'prefer', 'absent') is None:
        table.prefer = lambda grid: best_score(grid, mapping)
    grid = table.read()
    return locate(grid, mapping, table.label, overrides)
