"""Sync errors in English and Chinese: a refused file or run, and a bad cell with its row, column, value and fix."""
from ..errors import LTCError


class SyncError(LTCError):
    """A whole file or run was refused; nothing was changed.

    The message is English (CLI, logs); ZH is the same sentence in Chinese, kept in
    `details['zh']` like the services' refusals, so `services.messages.text(exc, lang)`
    gives the user's language.
    """

    def __init__(self, en, zh=None, **details):
        if zh is not None:
            details['zh'] = zh
        super().__init__(en, **details)


class CellError(LTCError):
    """One cell could not be read; carries the message in both languages and the fix."""

    def __init__(self, en, zh, value=None, row=None, column=None):
        super().__init__(en)
        self.en, self.zh, self.value, self.row, self.column = en, zh, value, row, column

    def text(self, lang='en'):
        """Return the message in LANG, prefixed with row and column when known."""
        zh = lang.startswith('zh')
        where = ''
        if self.row is not None:
            where = f'第{self.row}行' if zh else f'Row {self.row}'
            if self.column:
                where += f'「{self.column}」列' if zh else f', column "{self.column}"'
            where += '：' if zh else ': '
        return where + (self.zh if zh else self.en)

    def __str__(self):
        return self.text('en')


class UnknownReference(CellError):
    """A reference cell naming no record in the database (an import may still find it among its own new rows)."""

    def __init__(self, en, zh, value=None, row=None, column=None, codec=None):
        super().__init__(en, zh, value, row, column)
        self.codec = codec


class UnknownValue(CellError):
    """A choice cell naming none of the allowed values: an error in a required column, a warning
    (the field left empty, the text kept in the row's notes) in an optional one."""


class ErrorValue:
    """A spreadsheet error cell (#N/A, #REF! ...) as read from the file."""
    __slots__ = ('code',)

    def __init__(self, code):
        self.code = code

    def __repr__(self):
        return f'ErrorValue({self.code!r})'

    def __eq__(self, other):
        return isinstance(other, ErrorValue) and other.code == self.code

    def __hash__(self):
        return hash(self.code)
