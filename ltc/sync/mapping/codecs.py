"""Cells through codecs only: each type is a clean(cell) -> value / render(value) -> cell pair.

`clean` turns whatever a backend read (str, int, float, bool, date, datetime, ErrorValue, None)
into the value stored on the model, or raises CellError naming the value and the fix.
`render` turns a stored value into the cell written back; `canon` into the string the
three-way merge compares (the same value always gives the same string, whatever the cell
looked like).
"""
import datetime
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..errors import CellError, ErrorValue, UnknownReference, UnknownValue

FORMULA_START = ('=', '+', '-', '@', '\t', '\r')
CONTROL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')   # refused in cells and forms; tab and line breaks are text
UNWRITABLE = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]')   # ... and what XML cannot hold
EXCEL_EPOCH = {False: datetime.date(1899, 12, 30), True: datetime.date(1904, 1, 1)}
MAX_SERIAL = {False: 2958465, True: 2957003}   # 9999-12-31 in the 1900 and the 1904 system
MAX_DIGITS = 18        # MoneyField's precision: no stored number has more digits
MONTHS = {m: i for i, names in enumerate(
    [('jan', 'january'), ('feb', 'february'), ('mar', 'march'), ('apr', 'april'), ('may',),
     ('jun', 'june'), ('jul', 'july'), ('aug', 'august'), ('sep', 'sept', 'september'),
     ('oct', 'october'), ('nov', 'november'), ('dec', 'december')], 1) for m in names}


class Context:
    """What codecs need besides the cell: language, date order, date system, reference lookups."""

    def __init__(self, lang='en', date_order='dmy', date1904=False, actor=None, source=''):
        self.lang, self.date_order, self.date1904 = lang, date_order, date1904
        self.actor = actor   # a gate.Actor: references resolve only among the records it may see
        self.source = source   # the file or sheet read, as its user knows it (a closed row's default reason names it)
        # {model: {name (lower case): {codes}}}: records an earlier tab of a workbook created in this run, named
        # as that tab's row named them (a new lead by its company), so a row naming them resolves to the code.
        self.named = {}
        self._refs = {}

    def references(self, codec):
        """Return (key -> ids, id -> shown text, id -> shown text in English) for a reference codec,
        loaded once per run."""
        key = (codec.model, codec.names)
        if key not in self._refs:
            by_key, shown, shown_en = {}, {}, {}
            fields = [codec.model.id, codec.model.code] + [getattr(codec.model, n) for n in codec.names]
            query = codec.model.select(*fields)
            if self.actor is not None and not self.actor.is_system:
                from ...services import gate, scope
                if codec.model in gate.SCOPED_REFS:   # another owner's record is unknown, not revealed
                    query = query.where(scope.condition(codec.model, self.actor.user))
            english = codec.names.index(codec.name_en) + 2 if codec.name_en else None
            for row in query.tuples().iterator():
                rid, code, names = row[0], row[1], row[2:]
                shown[rid] = names[0] if codec.show_name else code
                if english is not None:
                    shown_en[rid] = row[english] or shown[rid]
                for text in (code,) + names:
                    if text:
                        by_key.setdefault(str(text).strip().lower(), set()).add(rid)
            for text, codes in self.named.get(codec.model, {}).items():
                ids = set().union(*(by_key.get(c.lower(), set()) for c in codes))
                if ids:
                    by_key.setdefault(text, set()).update(ids)
            self._refs[key] = (by_key, shown, shown_en)
        return self._refs[key]

    def forget(self, model):
        """Drop cached lookups of MODEL after records of it were created."""
        self._refs = {k: v for k, v in self._refs.items() if k[0] is not model}


def _blank(cell):
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _error_cell(cell):
    if isinstance(cell, ErrorValue):
        raise CellError(f'the cell holds the spreadsheet error {cell.code}; fix the formula or type the value',
                        f'单元格是公式错误 {cell.code}；请修正公式或直接填写数值', cell.code)


def plain_text(cell):
    """Return a cell as the text a user sees: 13800138000.0 -> '13800138000', dates as ISO."""
    if cell is None:
        return ''
    if isinstance(cell, bool):
        return 'TRUE' if cell else 'FALSE'
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, (datetime.datetime, datetime.date, datetime.time)):
        return cell.isoformat()
    return str(cell)


def _formula_like(text):
    # Apostrophes, then a formula character: "=1", "'=1", "''=1" all need one more apostrophe.
    rest = text.lstrip("'")
    return rest[:1] != '' and rest[0] in FORMULA_START


def unescape(text):
    """Drop the apostrophe an export puts before formula-like text."""
    if text[:1] == "'" and _formula_like(text[1:]):
        return text[1:]
    return text


def escape(text):
    """Return TEXT as a spreadsheet cell: control characters dropped, then formula-like text
    prefixed with an apostrophe so no spreadsheet evaluates it.

    The one function every export, report and sheet write-back passes text through. The
    order matters: "\x01=HYPERLINK(...)" only starts with "=" once the control character is gone.
    """
    if isinstance(text, str):
        if not text.isprintable():
            text = UNWRITABLE.sub('', text)
        if _formula_like(text):
            return "'" + text
    return text


class Codec:
    kind = 'text'
    number_format = None

    def clean(self, cell, ctx):
        raise NotImplementedError

    def render(self, value, ctx):
        return value

    def canon(self, value, ctx):
        """Return the comparison string of a stored value."""
        rendered = self.render(value, ctx)
        return '' if rendered is None else plain_text(rendered)


class Text(Codec):
    """Text, phones and codes: numbers keep their digits, control characters are refused."""

    def __init__(self, max_length=255, multiline=False):
        self.max_length, self.multiline = max_length, multiline

    def clean(self, cell, ctx):
        if cell.__class__ is str:   # the common case, kept short: imports clean millions of cells
            text = cell.strip()
            if not text:
                return None
            if text[0] == "'":
                text = unescape(text)
            if text.isprintable() and len(text) <= self.max_length:
                return text if self.multiline or '  ' not in text else ' '.join(text.split())
        else:
            _error_cell(cell)
            if _blank(cell):
                return None
            text = plain_text(cell).strip()
        text = unescape(text)
        bad = CONTROL.search(text)
        if bad:
            raise CellError(f'contains the control character U+{ord(bad.group()):04X}; delete it',
                            f'含有控制字符 U+{ord(bad.group()):04X}；请删除', text[:40])
        if not self.multiline:
            text = ' '.join(text.split())
        if len(text) > self.max_length:
            raise CellError(f'is {len(text)} characters long; shorten it to at most {self.max_length}',
                            f'长度为 {len(text)} 个字符；请缩短到 {self.max_length} 个以内', text[:40] + '…')
        return text

    def render(self, value, ctx):
        return None if value is None else str(value)


class Number(Codec):
    """Decimal amounts: accepts 1,234.50, ¥1,234, (1,234), 13% and full-width digits."""
    kind = 'decimal'

    def __init__(self, places=2, percent=False, integer=False):
        self.places, self.percent, self.integer = places, percent, integer
        self.quantum = Decimal(1).scaleb(-places)
        self.number_format = '0' if integer else ('#,##0.' + '0' * places if places else '#,##0')

    def clean(self, cell, ctx):
        _error_cell(cell)
        if _blank(cell):
            return None
        if isinstance(cell, bool) or isinstance(cell, (datetime.date, datetime.time)):
            raise self._bad(cell)
        if isinstance(cell, (int, float)):
            value = Decimal(repr(cell)) if isinstance(cell, float) else Decimal(cell)
        else:
            value = self._parse(unicodedata.normalize('NFKC', str(cell)).strip(), cell)
        if not value.is_finite():
            raise self._bad(cell)
        if value and value.adjusted() >= MAX_DIGITS - self.places:   # would not fit the column
            raise CellError(f'{plain_text(cell)} is too large; amounts must stay below 1{"0" * (MAX_DIGITS - self.places)}',
                            f'{plain_text(cell)} 太大；金额必须小于 1{"0" * (MAX_DIGITS - self.places)}', cell)
        if self.integer:
            if value != value.to_integral_value():
                raise CellError(f'must be a whole number, not {cell}', f'必须是整数，不能是 {cell}', cell)
            return int(value)
        return value.quantize(self.quantum, rounding=ROUND_HALF_UP)

    def _parse(self, text, cell):
        negative = text.startswith('(') and text.endswith(')')
        text = text.strip('()').replace(',', '').replace(' ', '')
        for mark in ('¥', '￥', '$', '€', 'CNY', 'RMB', 'USD', 'EUR', 'HKD', 'HK', 'US', '人民币', '元'):
            text = text.replace(mark, '')
        percent = text.endswith('%')
        text = text.rstrip('%')
        scale = UNITS.get(text[-1:]) if len(text) > 1 else None   # 12.5万, 1.2亿: Chinese amounts in words
        if scale:
            text = text[:-1]
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise self._bad(cell) from None
        if scale:
            value *= scale
        if percent and not self.percent:
            value = value / 100
        return -value if negative else value

    def _bad(self, cell):
        return CellError(f'"{plain_text(cell)}" is not a number; type digits such as 1234.50',
                         f'"{plain_text(cell)}" 不是数字；请填写如 1234.50 的数字', cell)

    def render(self, value, ctx):
        if value is None:
            return None
        return int(value) if self.integer else Decimal(value).quantize(self.quantum)

    def canon(self, value, ctx):
        return '' if value is None else str(self.render(value, ctx))


UNITS = {'万': Decimal(10000), '亿': Decimal(100000000)}
DAY_MONTH = re.compile(r'(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})')
ORDER_NAMES = {'dmy': ('day first (day-month-year)', '日-月-年'),
               'mdy': ('month first (month-day-year)', '月-日-年')}


def infer_date_order(cells):
    """Return (order, ambiguous) for a column's cells: 'dmy' when a value like 13/2/2024 proves it,
    'mdy' when one like 2/13/2024 does, None when no value or both; AMBIGUOUS: some value such as
    2/1/2013 reads both ways and nothing proved the order."""
    first = second = ambiguous = False
    for cell in cells:
        if cell.__class__ is not str:
            continue
        match = DAY_MONTH.match(cell.strip())
        if match is None:
            continue
        a, b = int(match.group(1)), int(match.group(2))
        if a > 12 >= b:
            first = True
        elif b > 12 >= a:
            second = True
        elif a != b:
            ambiguous = True
    if first != second:
        return ('dmy' if first else 'mdy'), False
    return None, ambiguous and not (first or second)


# A time after a date: `14:22`, `2:22 PM`, `下午 2:22`, `14:22:31.000Z`, `T14:22+08:00`.
TIME_OF_DAY = re.compile(r'(?:[T\s]|(?<=日))\s*(?:上午|下午|晚上|中午|凌晨)?\s*\d{1,2}\s*[:：时]\s*\d{1,2}'
                         r'(?:\s*[:：分]\s*\d{1,2}(?:\.\d+)?)?\s*秒?\s*(?:[AaPp]\.?\s*[Mm]\.?)?\s*'
                         r'(?:[zZ]|[+-]\d{2}:?\d{2}|UTC|GMT|CST)?$')


class Date(Codec):
    """Dates: real date cells, Excel serials (1900 and 1904 systems), ISO, 2026/1/5, 5-1-2026, text."""
    kind = 'date'
    number_format = 'yyyy-mm-dd'

    def clean(self, cell, ctx, order=None):
        """ORDER ('dmy' or 'mdy') is the column's day/month order when inferred; else ctx.date_order."""
        _error_cell(cell)
        if _blank(cell):
            return None
        if isinstance(cell, datetime.datetime):
            return cell.date()
        if isinstance(cell, datetime.date):
            return cell
        if isinstance(cell, bool) or isinstance(cell, (datetime.time, datetime.timedelta)):
            raise self._bad(cell)
        if isinstance(cell, (int, float)):
            return self._serial(cell, ctx)
        text = unicodedata.normalize('NFKC', str(cell)).strip()
        if re.fullmatch(r'\d{1,5}(\.\d+)?', text):
            return self._serial(float(text), ctx)
        return self._text(text, cell, order or ctx.date_order)

    def _serial(self, number, ctx):
        if not (0 if ctx.date1904 else 1) <= number <= MAX_SERIAL[bool(ctx.date1904)]:   # 1904: 0 is 1904-01-01
            raise CellError(f'{plain_text(number)} is outside the dates a spreadsheet can hold; '
                            f'type the date as YYYY-MM-DD',
                            f'{plain_text(number)} 超出了表格能表示的日期范围；请按 YYYY-MM-DD 填写日期', number)
        return EXCEL_EPOCH[bool(ctx.date1904)] + datetime.timedelta(days=int(number))

    def _text(self, text, cell, order):
        text = TIME_OF_DAY.sub('', text).strip()
        match = re.fullmatch(r'(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?', text)
        if match:
            return self._make(*map(int, match.groups()), cell=cell)
        match = re.fullmatch(r'(\d{4})(\d{2})(\d{2})', text)
        if match:
            return self._make(*map(int, match.groups()), cell=cell)
        match = DAY_MONTH.fullmatch(text)
        if match:
            a, b, year = map(int, match.groups())
            day, month = (a, b) if order == 'dmy' else (b, a)
            try:
                return datetime.date(year, month, day)
            except ValueError:
                other = 'mdy' if order == 'dmy' else 'dmy'
                raise CellError(f'"{text}" is not a date when read {ORDER_NAMES[order][0]} (--date-order {order}); '
                                f'if the column is {ORDER_NAMES[other][0]}, import with --date-order {other}, '
                                f'or type it as YYYY-MM-DD',
                                f'“{text}”按{ORDER_NAMES[order][1]}（--date-order {order}）读不是日期；若该列是'
                                f'{ORDER_NAMES[other][1]}，请用 --date-order {other} 导入，或按 YYYY-MM-DD 填写',
                                cell) from None
        words = re.findall(r'[a-z]+|\d+', text.lower())
        months = [MONTHS[w] for w in words if w in MONTHS]
        numbers = [int(w) for w in words if w.isdigit()]
        if len(months) == 1 and len(numbers) == 2:
            day, year = sorted(numbers)
            return self._make(year, months[0], day, cell=cell)
        raise self._bad(cell)

    def _make(self, year, month, day, cell):
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise self._bad(cell) from None

    def _bad(self, cell):
        return CellError(f'"{plain_text(cell)}" is not a date; type it as YYYY-MM-DD, e.g. 2026-01-05',
                         f'"{plain_text(cell)}" 不是日期；请按 YYYY-MM-DD 填写，例如 2026-01-05', cell)

    def canon(self, value, ctx):
        return '' if value is None else value.isoformat()


class DateTime(Date):
    """A moment to the second: date-time cells, Excel serials with a fraction, `2026-01-05 09:30`,
    `2026/1/5 9:30`, ISO with `T`; a date alone is that day at 00:00."""
    kind = 'datetime'
    number_format = 'yyyy-mm-dd hh:mm'
    TIME = re.compile(r'(.*?)(?:\s+|\s*[Tt]\s*|(?<=日))\s*(上午|下午|晚上|中午|凌晨)?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})'
                      r'(?:\s*[:：分]\s*(\d{1,2})(?:\.\d+)?)?\s*[分秒]?\s*([AaPp])?\.?\s*(?:[Mm]\.?)?'
                      r'\s*(?:[zZ]|[+-]\d{2}:?\d{2}|UTC|GMT|CST)?')

    def clean(self, cell, ctx, order=None):
        _error_cell(cell)
        if _blank(cell):
            return None
        if isinstance(cell, datetime.datetime):
            return _second(cell.replace(tzinfo=None))
        if isinstance(cell, datetime.date):
            return datetime.datetime(cell.year, cell.month, cell.day)
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            day = self._serial(cell, ctx)
            return _second(datetime.datetime(day.year, day.month, day.day)
                           + datetime.timedelta(days=float(cell) - int(cell)))
        text = unicodedata.normalize('NFKC', str(cell)).strip()
        match = self.TIME.fullmatch(text)
        if match is None:
            day = super().clean(cell, ctx, order)
            return datetime.datetime(day.year, day.month, day.day)
        day = super().clean(match.group(1), ctx, order)
        hour, minute, second = int(match.group(3)), int(match.group(4)), int(match.group(5) or 0)
        half = (match.group(6) or '').lower() or {'上午': 'a', '凌晨': 'a', '下午': 'p', '晚上': 'p'}.get(
            match.group(2) or '', '')
        if half and not 1 <= hour <= 12:
            raise self._bad(cell)
        if half == 'p' and hour < 12 or (match.group(2) == '中午' and hour < 11):
            hour += 12
        elif half == 'a' and hour == 12:
            hour = 0
        if hour > 23 or minute > 59 or second > 59:
            raise self._bad(cell)
        return datetime.datetime(day.year, day.month, day.day, hour, minute, second)

    def render(self, value, ctx):
        return None if value is None else _second(value)

    def canon(self, value, ctx):
        return '' if value is None else _second(value).isoformat(sep=' ')

    def _bad(self, cell):
        return CellError(f'"{plain_text(cell)}" is not a date and time; type it as YYYY-MM-DD HH:MM, '
                         f'e.g. 2026-01-05 09:30',
                         f'"{plain_text(cell)}" 不是日期时间；请按 YYYY-MM-DD HH:MM 填写，例如 2026-01-05 09:30', cell)


def _second(moment):
    """Return MOMENT rounded to the second (a spreadsheet stores times as fractions of a day)."""
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    rounded = moment.replace(microsecond=0)
    return rounded + datetime.timedelta(seconds=1) if moment.microsecond >= 500000 else rounded


class Bool(Codec):
    kind = 'bool'
    TRUE = {'1', 'true', 'yes', 'y', 't', '是', '对', '√', '✓', 'x'}
    FALSE = {'0', 'false', 'no', 'n', 'f', '否', '不', '×', '✗'}

    def clean(self, cell, ctx):
        _error_cell(cell)
        if _blank(cell):
            return False
        text = plain_text(cell).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise CellError(f'"{plain_text(cell)}" is not yes or no; type 是/否 or TRUE/FALSE',
                        f'"{plain_text(cell)}" 不是“是/否”；请填写 是/否 或 TRUE/FALSE', cell)

    def render(self, value, ctx):
        return bool(value)

    def canon(self, value, ctx):
        return '1' if value else '0'


class Choice(Codec):
    """A fixed list: the code or the label in either language; 'A（重点客户）' also matches its label."""
    kind = 'choice'

    def __init__(self, choices, default=None):
        self.choices, self.default = choices, default
        self._seen = {}   # cell text -> value: a column repeats a handful of labels

    def clean(self, cell, ctx):
        if cell.__class__ is str and cell in self._seen:
            return self._seen[cell]
        _error_cell(cell)
        if _blank(cell):
            return self.default
        text = unescape(unicodedata.normalize('NFKC', plain_text(cell)).strip())   # "'-" is the label "-"
        value = self.choices.lookup(text)
        if value is None:
            inner = re.fullmatch(r'(.*?)\s*\((.*)\)\s*', text)
            if inner:
                value = self.choices.lookup(inner.group(2)) or self.choices.lookup(inner.group(1))
        if value is None:
            en = ', '.join(self.choices.label(v, 'en') for v in self.choices)
            zh = '、'.join(self.choices.label(v, 'zh') for v in self.choices)
            raise UnknownValue(f'"{text}" is not one of the allowed values; pick one of: {en}',
                               f'"{text}" 不在可选值中；请从以下选择：{zh}', text)
        if cell.__class__ is str and len(self._seen) < 1000:
            self._seen[cell] = value
        return value

    def render(self, value, ctx):
        return None if value is None else self.choices.label(value, ctx.lang)

    def canon(self, value, ctx):
        return value or ''

    def labels(self, lang):
        return [self.choices.label(v, lang) for v in self.choices]


class Headcount(Choice):
    """A company size: a label of the size list, or a number of staff as other systems write it
    (`250`, `1,200`, `51-200`, `10000+`, `500人以上`): the bucket holding it (a range by its middle)."""
    BOUNDS = ((20, 'micro'), (100, 'small'), (500, 'medium'), (2000, 'large'))

    def clean(self, cell, ctx):
        try:
            return super().clean(cell, ctx)
        except UnknownValue:
            numbers = [int(n.replace(',', '')) for n in re.findall(r'\d[\d,]*', unicodedata.normalize(
                'NFKC', plain_text(cell)))][:2]
            if not numbers:
                raise
            count = sum(numbers) // len(numbers)
            value = next((v for bound, v in self.BOUNDS if count < bound), 'xlarge')
            return value if value in self.choices else self.default


class Reference(Codec):
    """Another record by its code or a unique name (users by username or display name)."""
    kind = 'reference'

    def __init__(self, model, names=('name',), show_name=False, synonyms=None, name_en=None):
        self.model, self.names, self.show_name = model, tuple(names), show_name
        self.synonyms = {_synonym_key(k): v.lower() for k, v in (synonyms or {}).items()}   # other systems' names
        self.name_en = name_en   # the name an English export writes (a stage's name_en); else names[0]

    def clean(self, cell, ctx):
        _error_cell(cell)
        if _blank(cell):
            return None
        text = ' '.join(plain_text(cell).split())
        lookup = ctx.references(self)[0]
        ids = lookup.get(text.lower(), set())
        if not ids and self.synonyms:
            other = self.synonyms.get(_synonym_key(text))
            if other is not None:
                ids = lookup.get(other, set())
        if not ids:
            ids = self._shown_with_key(text, lookup)
        label = getattr(self.model, 'label', None) or self.model.__name__.lower()
        if not ids:
            raise UnknownReference(f'no {label} has the code or name "{text}"; create it first or fix the spelling',
                                   f'找不到编码或名称为“{text}”的{label_zh(self.model)}；请先创建或更正拼写', text,
                                   codec=self)
        if len(ids) > 1:
            raise CellError(f'{len(ids)} {label}s are named "{text}"; use the code instead',
                            f'有 {len(ids)} 个{label_zh(self.model)}名为“{text}”；请改填编码', text)
        return next(iter(ids))

    @staticmethod
    def _shown_with_key(text, lookup):
        """Return the ids named by "宋超 (song.chao)": a name with its login or code in parentheses, as
        older exports and other systems write a person; both parts must name the same record."""
        match = PERSON.fullmatch(text)
        if match is None:
            return set()
        inner = lookup.get(match.group(2).strip().lower(), set())
        outer = lookup.get(match.group(1).strip().lower(), set())
        return inner if len(inner) == 1 and (not outer or inner <= outer) else set()

    def show(self, record, lang):
        """Return how an export names RECORD, an instance of the referenced model (None: blank)."""
        if record is None:
            return None
        if self.name_en and not lang.startswith('zh'):
            return getattr(record, self.name_en) or getattr(record, self.names[0])
        return getattr(record, self.names[0]) if self.show_name else record.code

    def render(self, value, ctx):
        if value is None:
            return None
        refs = ctx.references(self)
        if self.name_en and not ctx.lang.startswith('zh'):
            return refs[2].get(value)
        return refs[1].get(value)

    def canon(self, value, ctx):
        # The same in every language: a sync base written in one language stays valid in the other.
        return '' if value is None else plain_text(ctx.references(self)[1].get(value) or '')

    @staticmethod
    def key(text):
        """Return how a typed name or code is compared: spaces collapsed, case folded."""
        return ' '.join(str(text).split()).lower()


def _synonym_key(text):
    """Return how another system's name is compared: NFKC, case folded, `_ - /` and spaces as one space."""
    return re.sub(r'[\s_\-–—/]+', ' ', unicodedata.normalize('NFKC', str(text))).strip().lower()


PERSON = re.compile(r'(.+?)\s*[(（]\s*([^()（）]+?)\s*[)）]')
LABELS_ZH = {'Customer': '客户', 'User': '用户', 'Product': '产品', 'Contract': '合同',
             'ProductCategory': '产品类别', 'PaymentPlan': '回款计划', 'Stage': '阶段',
             'Campaign': '市场活动', 'Department': '部门', 'Contact': '联系人', 'Lead': '线索',
             'Opportunity': '商机'}


def label_zh(model):
    return LABELS_ZH.get(model.__name__, model.__name__)


class Stored:
    """A custom field's codec (mixed into Text, Number, Date or Choice): cells are read and written as
    the type's codec does; the value kept is what the record's JSON `custom` column holds (numbers
    as decimal strings, dates as ISO strings). Render and canon take that value, or the whole
    `custom` dict (the key is picked from it)."""
    key = None

    def clean(self, cell, ctx, *args):
        return self.store(super().clean(cell, ctx, *args))

    def render(self, value, ctx):
        return super().render(self.load(value), ctx)

    def canon(self, value, ctx):
        return super().canon(self.load(value), ctx)

    def store(self, value):
        if value is None:
            return None
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    def load(self, value):
        if isinstance(value, dict):
            value = value.get(self.key)
        if value is None or value == '':
            return None
        if self.kind == 'decimal':
            return Decimal(str(value))
        if self.kind == 'date' and isinstance(value, str):
            return datetime.date.fromisoformat(value)
        return value


class StoredText(Stored, Text):
    pass


class StoredNumber(Stored, Number):
    pass


class StoredDate(Stored, Date):
    pass


class StoredChoice(Stored, Choice):
    pass


def custom_codec(key, kind, choices=None):
    """Return the codec of a custom field KEY of KIND ('text', 'number', 'date', 'choice')."""
    if kind == 'number':
        codec = StoredNumber()
    elif kind == 'date':
        codec = StoredDate()
    elif kind == 'choice':
        codec = StoredChoice(choices)
    else:
        codec = StoredText(1000)
    codec.key = key
    return codec
