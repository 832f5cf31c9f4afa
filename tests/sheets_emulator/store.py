"""In-memory spreadsheets: grids of cells, sheet properties, protected ranges, validations."""
import datetime as dt
import itertools
import random

from . import a1


def _now(after=None):
    now = dt.datetime.now(dt.timezone.utc)
    if after is not None and now <= after + dt.timedelta(milliseconds=1):
        now = after + dt.timedelta(milliseconds=1)    # Drive's modifiedTime always moves forward
    return now


def _stamp(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'


class ApiError(Exception):
    """An error answered with Google's error body."""

    STATUS = {400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
              429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 501: 'UNIMPLEMENTED',
              503: 'UNAVAILABLE'}

    def __init__(self, code, message, status=None):
        super().__init__(message)
        self.code, self.message = code, message
        self.status = status or self.STATUS.get(code, 'UNKNOWN')

    def body(self):
        """Return Google's JSON error body."""
        return {'error': {'code': self.code, 'message': self.message, 'status': self.status}}


def unimplemented(what):
    """Return the loud 501 for a feature the emulator does not model."""
    return ApiError(501, f'Sheets emulator: {what} is not implemented.', 'UNIMPLEMENTED')


class Sheet:
    """One worksheet: grid size, frozen rows/columns, cells, protections, validations."""

    def __init__(self, sheet_id, title, index, rows=1000, cols=26):
        self.sheet_id, self.title, self.index = sheet_id, title, index
        self.row_count, self.col_count = rows, cols
        self.frozen_rows = self.frozen_cols = 0
        self.data = []              # list of rows; each row a list of cells, trailing trimmed
        self.protected = []         # ProtectedRange JSON
        self.validations = []       # (GridRange JSON, rule JSON), later ones win
        self.notes = {}             # {(0-based row, col): note text}; they stay put when rows move

    def properties(self):
        """Return SheetProperties JSON."""
        grid = {'rowCount': self.row_count, 'columnCount': self.col_count}
        if self.frozen_rows:
            grid['frozenRowCount'] = self.frozen_rows
        if self.frozen_cols:
            grid['frozenColumnCount'] = self.frozen_cols
        return {'sheetId': self.sheet_id, 'title': self.title, 'index': self.index,
                'sheetType': 'GRID', 'gridProperties': grid}

    def get(self, r, c):
        """Return the cell at 0-based (r, c)."""
        if r < len(self.data):
            row = self.data[r]
            if c < len(row):
                return row[c]
        return None

    def put(self, r, c, cell):
        """Store a cell at 0-based (r, c)."""
        while len(self.data) <= r:
            self.data.append([])
        row = self.data[r]
        if cell is None and c >= len(row):
            return
        while len(row) <= c:
            row.append(None)
        row[c] = cell

    def bounds(self, rng, *, strict=True):
        """Resolve an A1 range to 1-based inclusive bounds, checking the grid like Google."""
        r1, c1 = rng.r1 or 1, rng.c1 or 1
        r2 = rng.r2 if rng.r2 is not None else self.row_count
        c2 = rng.c2 if rng.c2 is not None else self.col_count
        if strict and (r2 > self.row_count or c2 > self.col_count or r1 > self.row_count
                       or c1 > self.col_count):
            self.grid_error(rng, r1, c1, r2, c2)
        return r1, c1, r2, c2

    def grid_error(self, rng, r1, c1, r2, c2):
        """Raise Google's 'exceeds grid limits' error."""
        text = a1.format_range(self.title, r1, c1, r2, c2).replace(
            a1.quote_title(self.title), "'" + self.title.replace("'", "''") + "'", 1)
        raise ApiError(400, f'Range ({text}) exceeds grid limits. Max rows: {self.row_count}, '
                            f'max columns: {self.col_count}')

    def used_extent(self):
        """Return (last row, last column) holding data, 1-based; (0, 0) when empty."""
        last_row = last_col = 0
        for i, row in enumerate(self.data):
            width = len(row)
            while width and row[width - 1] is None:
                width -= 1
            if width:
                last_row = i + 1
                last_col = max(last_col, width)
        return last_row, last_col

    def clear(self, r1, c1, r2, c2):
        """Empty the cells of a 1-based range."""
        for r in range(r1 - 1, min(r2, len(self.data))):
            row = self.data[r]
            for c in range(c1 - 1, min(c2, len(row))):
                row[c] = None

    def insert(self, dimension, start, end):
        """Insert empty rows or columns before 0-based index start."""
        n = end - start
        if dimension == 'ROWS':
            if start < len(self.data):
                self.data[start:start] = [[] for _ in range(n)]
            self.row_count += n
        else:
            for row in self.data:
                if start < len(row):
                    row[start:start] = [None] * n
            self.col_count += n

    def delete(self, dimension, start, end):
        """Delete rows or columns [start, end)."""
        if dimension == 'ROWS':
            del self.data[start:end]
            self.row_count -= end - start
            self.frozen_rows = min(self.frozen_rows, self.row_count)
        else:
            for row in self.data:
                del row[start:end]
            self.col_count -= end - start

    def resize(self, rows=None, cols=None):
        """Change the grid size, dropping data outside it."""
        if rows is not None:
            self.row_count = rows
            del self.data[rows:]
        if cols is not None:
            self.col_count = cols
            for row in self.data:
                del row[cols:]

    def validation_at(self, r, c):
        """Return the data validation rule covering 0-based (r, c), or None."""
        for grid, rule in reversed(self.validations):
            if (grid.get('startRowIndex', 0) <= r < grid.get('endRowIndex', self.row_count)
                    and grid.get('startColumnIndex', 0) <= c
                    < grid.get('endColumnIndex', self.col_count)):
                return rule
        return None


class Spreadsheet:
    """A spreadsheet: title, locale and ordered sheets."""

    _ids = itertools.count(1)

    def __init__(self, key, title):
        self.key, self.title = key, title
        self.sheets = []
        self.permissions = []       # Drive permissions given by the caller (the owner, the caller, is implied)
        self.locale, self.time_zone = 'en_US', 'Etc/GMT'
        self.revision = 0
        self.created = self.modified = _now()
        self._protected_ids = itertools.count(random.randrange(10 ** 8, 10 ** 9))

    def touch(self):
        """Record a change (Drive's modifiedTime moves)."""
        self.revision += 1
        self.modified = _now(self.modified)

    @property
    def created_time(self):
        """Return Drive's createdTime."""
        return _stamp(self.created)

    @property
    def modified_time(self):
        """Return Drive's modifiedTime."""
        return _stamp(self.modified)

    def add_sheet(self, title, rows=1000, cols=26, sheet_id=None, index=None):
        """Add a worksheet and return it."""
        if any(s.title == title for s in self.sheets):
            raise ApiError(400, f'Invalid requests[0].addSheet: A sheet with the name "{title}" '
                                'already exists. Please enter another name.')
        if sheet_id is None:
            sheet_id = 0 if not self.sheets else random.randrange(1, 2 ** 31 - 1)
        elif any(s.sheet_id == sheet_id for s in self.sheets):
            raise ApiError(400, f'Invalid requests[0].addSheet: Sheet with id {sheet_id} already exists.')
        index = len(self.sheets) if index is None else min(index, len(self.sheets))
        sheet = Sheet(sheet_id, title, index, rows, cols)
        self.sheets.insert(index, sheet)
        self._reindex()
        return sheet

    def _reindex(self):
        for i, sheet in enumerate(self.sheets):
            sheet.index = i

    def delete_sheet(self, sheet_id):
        """Delete a worksheet by id."""
        sheet = self.sheet_by_id(sheet_id)
        if len(self.sheets) == 1:
            raise ApiError(400, "Invalid requests[0].deleteSheet: You can't remove all the sheets "
                                'in a document.')
        self.sheets.remove(sheet)
        self._reindex()

    def sheet_by_id(self, sheet_id):
        """Return the sheet with this id or raise Google's 400."""
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise ApiError(400, f'Invalid requests[0]: No grid with id: {sheet_id}')

    def sheet(self, title):
        """Return the sheet with this title."""
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise KeyError(title)

    def titles(self):
        """Return the sheet titles in order."""
        return [s.title for s in self.sheets]

    def resolve(self, text):
        """Parse a range and return (sheet, A1)."""
        try:
            rng = a1.parse(text, self.titles())
        except a1.RangeError:
            raise ApiError(400, f'Unable to parse range: {text}') from None
        return self.sheet(rng.sheet), rng

    def next_protected_id(self):
        """Return a new protectedRangeId."""
        return next(self._protected_ids)
