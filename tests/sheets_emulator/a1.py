"""Parse and format A1 ranges the way the Sheets API v4 does."""
import re
from dataclasses import dataclass
from typing import Optional

MAX_COLUMN_LETTERS = 3
_PART = re.compile(r'^\$?([A-Za-z]*)\$?(\d*)$')
_PLAIN_TITLE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
_CELL_LIKE = re.compile(r'^[A-Za-z]{1,3}\d+$|^[Rr]\d*[Cc]\d*$')


class RangeError(ValueError):
    """A range the API cannot parse."""


def col_to_index(letters):
    """Return the 1-based column number of column letters."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def index_to_col(n):
    """Return the column letters of a 1-based column number."""
    letters = ''
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def quote_title(title):
    """Quote a sheet title when Google would."""
    if _PLAIN_TITLE.match(title) and not _CELL_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


@dataclass
class A1:
    """A parsed range; None bounds are open (to the edge of the grid)."""
    sheet: Optional[str]
    r1: Optional[int] = None
    c1: Optional[int] = None
    r2: Optional[int] = None
    c2: Optional[int] = None
    whole_sheet: bool = False
    single: bool = False        # one cell given: a write starts there and may extend past it


def split_sheet(text):
    """Split 'Title'!A1:B2 into (title or None, cells or None)."""
    if text.startswith("'"):
        i, title = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if text[i + 1:i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                rest = text[i + 1:]
                if rest == '':
                    return ''.join(title), None
                if rest.startswith('!'):
                    return ''.join(title), rest[1:]
                raise RangeError(text)
            title.append(ch)
            i += 1
        raise RangeError(text)
    if '!' in text:
        title, cells = text.rsplit('!', 1)
        return title, cells
    return None, text


def _part(text):
    m = _PART.match(text)
    if not m or not (m.group(1) or m.group(2)) or len(m.group(1)) > MAX_COLUMN_LETTERS:
        raise RangeError(text)
    col = col_to_index(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) if m.group(2) else None
    if row == 0:
        raise RangeError(text)
    return row, col


def parse_cells(cells):
    """Return (r1, c1, r2, c2) of an A1 cell reference; None means open."""
    pieces = cells.split(':')
    if len(pieces) == 1:
        row, col = _part(pieces[0])
        if row is None or col is None:
            raise RangeError(cells)
        return row, col, row, col
    if len(pieces) != 2:
        raise RangeError(cells)
    (ra, ca), (rb, cb) = _part(pieces[0]), _part(pieces[1])
    if (ca is None) != (cb is None) and ra is None:
        raise RangeError(cells)
    r1, r2 = ra or 1, rb
    c1, c2 = ca or 1, cb
    if ra is None and rb is not None and ca is not None:
        raise RangeError(cells)
    if r2 is not None and r2 < r1:
        r1, r2 = r2, r1
    if c2 is not None and c2 < c1:
        c1, c2 = c2, c1
    return r1, c1, r2, c2


def parse(text, titles):
    """Parse a range against the sheet titles of a spreadsheet."""
    title, cells = split_sheet(text.strip())
    if title is None:
        if cells in titles:
            return A1(cells, whole_sheet=True)
        title = titles[0] if titles else None
    if title not in titles:
        raise RangeError(text)
    if cells is None or cells == '':
        return A1(title, whole_sheet=True)
    return A1(title, *parse_cells(cells), single=':' not in cells)


def format_range(title, r1, c1, r2, c2):
    """Format a bounded range as Google echoes it."""
    start = f'{index_to_col(c1)}{r1}'
    end = f'{index_to_col(c2)}{r2}'
    cells = start if start == end else f'{start}:{end}'
    return f'{quote_title(title)}!{cells}'
