"""Currencies: exchange rates by date, conversion between currencies through the base currency."""
from decimal import Decimal, InvalidOperation

from ..db import database
from ..models import ExchangeRate, Setting
from ..models.choices import CURRENCIES
from . import audit, gate
from .cash_common import as_date, get_user, money
from .messages import invalid, refusal

BASE_SETTING = 'currency.base'


def base_currency():
    """Return the base currency (setting currency.base; CNY when unset)."""
    row = Setting.get_or_none(Setting.code == BASE_SETTING)
    return (row.value.strip().upper() if row and row.value and row.value.strip() else 'CNY')


def set_rate(currency, on, rate, by=None):
    """Enter (or correct) the rate of CURRENCY in the base currency from ON; administrators and finance."""
    by = get_user(by)
    if by is not None and by.role.name not in ('admin', 'finance'):
        raise refusal('Refused: a {role} user may not enter exchange rates; ask finance.',
                      '已拒绝：「{role}」角色不能录入汇率；请联系财务。', error_class=gate.PermissionDenied, role=by.role.name)
    currency = str(currency or '').strip().upper()
    if currency not in CURRENCIES:
        raise invalid('Unknown currency {currency!r}; use one of {choices}.', '未知的币种 {currency!r}；请使用：{choices}。',
                      currency=currency, choices=', '.join(CURRENCIES))
    if currency == base_currency():
        raise invalid('{currency} is the base currency; its rate is always 1.', '{currency} 是本位币，汇率恒为 1。',
                      currency=currency)
    on = as_date(on, 'date', '日期')
    try:
        rate = Decimal(str(rate).strip())
    except InvalidOperation:
        rate = Decimal('0')
    if on is None or rate <= 0:
        raise invalid('A rate needs a date and a value above zero.', '汇率需要日期和大于零的数值。')
    with database.atomic():
        row = ExchangeRate.get_or_none((ExchangeRate.currency == currency) & (ExchangeRate.on == on))
        row = row or ExchangeRate(currency=currency, on=on)
        row.rate = rate
        return audit.save(row)


def rate_on(currency, on):
    """Return the base-currency value of one unit of CURRENCY on ON (the latest rate from before), or None."""
    if currency == base_currency():
        return Decimal('1')
    row = (ExchangeRate.select(ExchangeRate.rate)
           .where(ExchangeRate.currency == currency, ExchangeRate.on <= as_date(on))
           .order_by(ExchangeRate.on.desc()).first())
    return row.rate if row else None


def convert(amount, source, target, on):
    """Return AMOUNT in SOURCE converted to TARGET at the rates of ON; refuse when a rate is missing."""
    if source == target:
        return money(amount)
    rates = {c: rate_on(c, on) for c in (source, target)}
    missing = [c for c, r in rates.items() if r is None]
    if missing:
        raise refusal('Rule {rule}: no exchange rate for {missing} on or before {on}; enter it first '
                      '(flask ltc rates set {first} {on} RATE).',
                      '规则 {rule}：{missing} 在 {on} 及之前没有汇率；请先录入汇率（flask ltc rates set {first} {on} 汇率）。',
                      rule='payment-currency', missing=', '.join(missing), on=on, first=missing[0])
    return money(Decimal(str(amount)) * rates[source] / rates[target])


def to_base(amounts, on):
    """Return the sum of {currency: amount} in the base currency on ON (a currency without a rate refuses)."""
    base = base_currency()
    return sum((convert(v, c, base, on) for c, v in amounts.items()), Decimal('0'))


def base_value(amount, currency, on):
    """Return AMOUNT in CURRENCY as the base currency on ON; without a rate it counts as written (as in_base)."""
    base = base_currency()
    if not currency or currency == base or rate_on(currency, on) is None or rate_on(base, on) is None:
        return money(amount or 0)
    return convert(amount or 0, currency, base, on)


def in_base(field, currency_field, on):
    """Return a SQL expression of FIELD in the base currency at the rates of ON (by CURRENCY_FIELD).

    An amount in a currency without a rate on or before ON counts as it is (enter the rate to
    convert it); the base currency counts 1:1.
    """
    from peewee import Case, Value
    base = base_currency()
    latest = {}
    query = (ExchangeRate.select(ExchangeRate.currency, ExchangeRate.rate)
             .where(ExchangeRate.on <= as_date(on)).order_by(ExchangeRate.on))
    for currency, rate in query.tuples():
        latest[currency] = rate   # later dates overwrite earlier ones
    pairs = [(c, r) for c, r in latest.items() if c != base]
    if not pairs:
        return field
    # Values without converters: next to FIELD peewee would pass them through the amount's converter.
    return field * Case(None, [(currency_field == c, Value(r, converter=False)) for c, r in pairs],
                        Value(1, converter=False))
