"""Date and datetime form fields that keep what people type or paste.

`2027-01-31`, `2027/1/31`, `2027.1.31`, `2027年1月31日`, and with a time `2027-01-31 09:30`,
`2027/1/31 9:30`, `2027-01-31T09:30:00` are all read on the server. The input is a plain text
box (nothing rewrites it while typing or on blur); `ltc_admin.js` adds a calendar button that
opens the browser's own picker and writes the chosen day into the box.
"""
import datetime
import re

from flask_admin.contrib.peewee.form import CustomModelConverter
from flask_babel import lazy_gettext as _l
from wtforms import fields
from wtforms.validators import Optional, StopValidation
from wtforms.widgets import TextInput

_DATE = r'(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?'
_TIME = r'(?:(?:\s+|\s*[Tt]\s*)(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?)?'
_PATTERN = re.compile(r'^\s*' + _DATE + _TIME + r'\s*$')


def parse(text, with_time):
    """Return the date (or datetime when WITH_TIME) written in TEXT, or raise ValueError."""
    match = _PATTERN.match(text or '')
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second = match.groups()
    if hour is not None and not with_time:
        raise ValueError(text)
    day = datetime.date(int(year), int(month), int(day))
    if not with_time:
        return day
    return datetime.datetime(day.year, day.month, day.day, int(hour or 0), int(minute or 0),
                             int(second or 0))


class DateInput(TextInput):
    """A text box for a date: typing and pasting stay as typed; a calendar button is added by JS."""
    role = 'ltc-date'
    hint = 'YYYY-MM-DD'

    def __call__(self, field, **kwargs):
        kwargs.setdefault('data-role', self.role)
        kwargs.setdefault('placeholder', self.hint)
        kwargs.setdefault('autocomplete', 'off')
        kwargs.setdefault('data-calendar-label', str(_l('Open calendar')))
        if any(isinstance(v, Optional) for v in field.validators):
            kwargs.setdefault('required', False)   # an empty box is allowed (e.g. "empty means now")
        return super().__call__(field, **kwargs)


class DateTimeInput(DateInput):
    role = 'ltc-datetime'
    hint = 'YYYY-MM-DD HH:MM'


class DateField(fields.Field):
    """A date typed as 2027-01-31, 2027/1/31 or 2027年1月31日."""
    widget = DateInput()
    with_time = False
    message = _l('"%(value)s" is not a date; type it as 2027-01-31 or 2027/1/31.')

    def __init__(self, label=None, validators=None, format=None, **kwargs):
        # FORMAT (what Flask-Admin's converters pass) is ignored: every written form above is read.
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return ' '.join(self.raw_data)
        return self.render(self.data)

    @classmethod
    def render(cls, value):
        if value is None or value == '':
            return ''
        if isinstance(value, datetime.datetime):
            if cls.with_time:
                return value.strftime('%Y-%m-%d %H:%M' if not value.second else '%Y-%m-%d %H:%M:%S')
            value = value.date()
        return value.isoformat()

    def pre_validate(self, form):
        # What was typed is not a date: say so, and stop before "required" replaces the message.
        if self.process_errors:
            raise StopValidation()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = ' '.join(valuelist).strip()
        if not raw:
            self.data = None
            return
        try:
            self.data = parse(raw, self.with_time)
        except ValueError:
            self.data = None
            raise ValueError(self.message % {'value': raw})


class DateTimeField(DateField):
    """A date and time typed as 2027-01-31 09:30 or 2027/1/31 9:30 (seconds optional)."""
    widget = DateTimeInput()
    with_time = True
    message = _l('"%(value)s" is not a date and time; type it as 2027-01-31 09:30 or 2027/1/31 9:30.')


class ModelConverter(CustomModelConverter):
    """Flask-Admin's peewee converter with LTC's typed date and datetime fields."""

    def handle_date(self, model, field, **kwargs):
        kwargs.pop('widget', None)
        return field.name, DateField(**kwargs)

    def handle_datetime(self, model, field, **kwargs):
        kwargs.pop('widget', None)
        return field.name, DateTimeField(**kwargs)
