"""Helpers shared by the quote-to-cash services: settings, money, lookups and status checks."""
import datetime
from decimal import ROUND_HALF_UP, Decimal

from ..errors import NotFound, RuleViolation, ValidationError
from ..models import Setting, User

CENT = Decimal('0.01')


def money(value):
    """Return VALUE as a Decimal rounded half-up to cents; refuse what is not a number."""
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except Exception:
        raise ValidationError(f'{value!r} is not an amount; write a number such as 1234.50.') from None


def setting_int(code, default):
    """Return the admin-editable whole-number setting CODE, or DEFAULT when unset."""
    row = Setting.get_or_none(Setting.code == code)
    if row is None or not str(row.value).strip():
        return default
    try:
        return int(str(row.value).strip())
    except ValueError:
        raise ValidationError(
            f'Setting {code} must be a whole number, got {row.value!r}; correct it in the settings.') from None


def get_by_code(model, code):
    """Return the MODEL row whose code is CODE, or raise NotFound."""
    if isinstance(code, model):
        return code
    row = model.get_or_none(model.code == str(code).strip())
    if row is None:
        raise NotFound(f'There is no {model.label or model.__name__} with code {code}; check the code.')
    return row


def get_user(user):
    """Return the User for a User, username or code."""
    if user is None or isinstance(user, User):
        return user
    row = User.get_or_none((User.username == user) | (User.code == user))
    if row is None:
        raise NotFound(f'There is no user {user!r}; check the username.')
    return row


def require_status(record, allowed, action):
    """Refuse ACTION unless RECORD is in one of the ALLOWED statuses."""
    if record.status not in allowed:
        raise RuleViolation(
            f'Rule status-flow: {record.label} {record.code} is {record.status}; '
            f'{action} needs it to be {" or ".join(allowed)}.', rule='status-flow')


def as_date(value, name='date'):
    """Return a date from a date or an ISO string."""
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f'{name} {value!r} is not a date; write it as YYYY-MM-DD.') from None


def today_or(today):
    return as_date(today) or datetime.date.today()
