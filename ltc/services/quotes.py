"""Quotes: lines with discounts, totals computed from the lines, acceptance into a contract draft."""
from decimal import Decimal

from ..db import database, utcnow
from ..errors import RuleViolation, ValidationError
from ..models import Contract, ContractLine, Quote, QuoteLine
from . import audit
from .cash_common import as_date, get_by_code, get_user, money, require_status, today_or

EDITABLE = ('draft', 'sent')


def _line_amounts(quantity, unit_price, discount_pct):
    gross = money(Decimal(str(quantity)) * unit_price)
    discount = money(gross * Decimal(str(discount_pct)) / 100)
    return gross, discount


def recalculate(quote):
    """Recompute subtotal, discount and total of QUOTE from its lines and save them."""
    subtotal = discount = Decimal('0')
    for line in QuoteLine.select().where(QuoteLine.quote == quote.id):
        gross, off = _line_amounts(line.quantity, line.unit_price, line.discount_pct)
        subtotal += gross
        discount += off
    quote.subtotal, quote.discount_amount, quote.total = subtotal, discount, subtotal - discount
    return audit.save(quote)


def refresh_totals(quote):
    """Recompute every line amount of QUOTE (quantity × price − discount) and its totals; save them."""
    for line in QuoteLine.select().where(QuoteLine.quote == quote.id):
        gross, off = _line_amounts(line.quantity, line.unit_price, line.discount_pct)
        if line.amount != gross - off:
            line.amount = gross - off
            audit.save(line)
    return recalculate(quote)


def create_quote(customer, title, quoted_on=None, valid_until=None, opportunity=None, owner=None,
                 lines=(), currency='CNY', notes=None):
    """Create a draft quote with LINES (dicts of product, quantity, unit_price, discount_pct)."""
    quoted_on = today_or(quoted_on)
    valid_until = as_date(valid_until, 'valid until')
    if valid_until is not None and valid_until < quoted_on:
        raise ValidationError(
            f'The quote is valid until {valid_until}, before it was quoted ({quoted_on}); '
            f'choose a later validity date.')
    with database.atomic():
        quote = audit.save(Quote(customer=customer, title=title, quoted_on=quoted_on,
                                 valid_until=valid_until, opportunity=opportunity,
                                 owner=owner or (opportunity.owner if opportunity else None),
                                 currency=currency, notes=notes))
        for line in lines:
            _add_line(quote, **line)
        return recalculate(quote)


def _add_line(quote, product, quantity=1, unit_price=None, discount_pct=0, description=None):
    quantity = Decimal(str(quantity))
    if quantity <= 0:
        raise ValidationError(f'The quantity of {product.code} must be above zero, got {quantity}.')
    discount_pct = Decimal(str(discount_pct))
    if not 0 <= discount_pct <= 100:
        raise ValidationError(
            f'The discount on {product.code} must be between 0 and 100 percent, got {discount_pct}.')
    unit_price = product.list_price if unit_price is None else money(unit_price)
    if unit_price < 0:
        raise ValidationError(f'The unit price of {product.code} cannot be negative.')
    gross, off = _line_amounts(quantity, unit_price, discount_pct)
    return audit.save(QuoteLine(quote=quote, product=product, description=description,
                                quantity=quantity, unit_price=unit_price,
                                discount_pct=discount_pct, amount=gross - off))


def add_line(quote, product, quantity=1, unit_price=None, discount_pct=0, description=None):
    """Add a line to a draft or sent quote and recompute its totals."""
    with database.atomic():
        require_status(quote, EDITABLE, 'changing its lines')
        line = _add_line(quote, product, quantity, unit_price, discount_pct, description)
        recalculate(quote)
        return line


def remove_line(line):
    """Remove a line from a draft or sent quote and recompute its totals."""
    with database.atomic():
        quote = Quote.get_by_id(line.quote_id)
        require_status(quote, EDITABLE, 'changing its lines')
        audit.delete(line)
        return recalculate(quote)


def send_quote(quote):
    """Mark a draft quote as sent to the customer."""
    with database.atomic():
        require_status(quote, ('draft',), 'sending it')
        if not QuoteLine.select().where(QuoteLine.quote == quote.id).exists():
            raise RuleViolation(f'Rule quote-lines: quote {quote.code} has no lines; add a line first.',
                                rule='quote-lines')
        quote.status = 'sent'
        return audit.save(quote, action='send')


def reject_quote(quote, reason=None):
    """Mark a quote as rejected by the customer."""
    with database.atomic():
        require_status(quote, EDITABLE, 'rejecting it')
        quote.status = 'rejected'
        return audit.save(quote, action='reject', note=reason)


def extend_validity(quote, valid_until):
    """Set a new validity date on a draft or sent quote."""
    valid_until = as_date(valid_until, 'valid until')
    with database.atomic():
        require_status(quote, EDITABLE, 'changing its validity')
        if valid_until is None or valid_until < quote.quoted_on:
            raise ValidationError(f'The validity of quote {quote.code} must be a date on or after '
                                  f'{quote.quoted_on}, the day it was quoted.')
        quote.valid_until = valid_until
        return audit.save(quote)


def expire_quotes(today=None):
    """Mark draft and sent quotes whose validity has passed as expired; return the count."""
    today = today_or(today)
    with database.atomic():
        rows = list(Quote.select().where(Quote.status.in_(EDITABLE), Quote.valid_until < today))
        for quote in rows:
            quote.status = 'expired'
            audit.save(quote, action='expire', note=f'valid until {quote.valid_until}')
        return len(rows)


def accept_quote(quote, by=None, today=None):
    """Accept QUOTE: mark it accepted and create the contract draft with the quote's lines."""
    quote = get_by_code(Quote, quote)
    by = get_user(by)
    today = today_or(today)
    with database.atomic():
        require_status(quote, EDITABLE, 'accepting it')
        if quote.valid_until is not None and quote.valid_until < today:
            raise RuleViolation(
                f'Rule quote-validity: quote {quote.code} was valid until {quote.valid_until}; '
                f'issue a new quote or extend its validity first.', rule='quote-validity')
        lines = list(QuoteLine.select().where(QuoteLine.quote == quote.id).order_by(QuoteLine.id))
        if not lines:
            raise RuleViolation(f'Rule quote-lines: quote {quote.code} has no lines; add a line first.',
                                rule='quote-lines')
        quote = recalculate(quote)
        owner = quote.owner or by
        contract = audit.save(Contract(
            title=quote.title, customer=quote.customer_id, opportunity=quote.opportunity_id,
            quote=quote, owner=owner, department=owner.department_id if owner else None,
            amount=quote.total, currency=quote.currency,
            notes=f'From quote {quote.code} accepted {utcnow():%Y-%m-%d}'), action='create')
        for line in lines:
            net_unit = money(line.amount / line.quantity) if line.quantity else line.amount
            audit.save(ContractLine(contract=contract, product=line.product_id,
                                    description=line.description, quantity=line.quantity,
                                    unit_price=net_unit, amount=line.amount))
        quote.status = 'accepted'
        audit.save(quote, action='accept')
        return contract
