"""Quotes: lines with discounts, totals computed from the lines, acceptance into a contract draft."""
from decimal import Decimal

from ..db import database, utcnow
from ..models import Contract, ContractLine, Opportunity, Product, Quote, QuoteLine
from . import approvals, audit
from .cash_common import as_date, get_by_code, get_user, money, require_status, today_or
from .messages import invalid, refusal

EDITABLE = ('draft', 'approved', 'sent')


def _no_lines(quote):
    """Return the refusal for a QUOTE without lines."""
    return refusal('Rule {rule}: quote {code} has no lines; add a line first.',
                   '规则 {rule}：报价单 {code} 没有明细；请先添加明细。', rule='quote-lines', code=quote.code)


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
    if quote.status in ('approved', 'sent') and not approval_covers(quote):
        quote.status = 'draft'   # a deeper discount than the one approved needs approving again
        return audit.save(quote, action='reopen', note='discount above the approved one; approve it again')
    return audit.save(quote)


def approval_covers(quote):
    """Return whether QUOTE may be sent as it stands: it needs no approval, or its latest approved round
    approved at least its current discount."""
    if not approvals.steps_for(quote):
        return True
    steps = approvals.round_steps(quote)
    return bool(steps) and all(s.decision == 'approved' for s in steps) and \
        approvals.discount_of(quote) <= min(s.discount for s in steps)


def _approval_needed(quote):
    return refusal('Rule {rule}: quote {code} has a {discount}% discount off the list prices, which needs '
                   'approval before it is sent or accepted; submit it for approval first.',
                   '规则 {rule}：报价单 {code} 的折扣为 {discount}%，发送或接受前需要审批；请先提交审批。',
                   rule='quote-approval', code=quote.code, discount=approvals.discount_of(quote))


def submit_quote(quote, by=None):
    """Send a draft quote whose discount needs approval to its approvers (the approval rules)."""
    quote = get_by_code(Quote, quote)
    by = get_user(by)
    from . import gate
    gate.require(by, quote)
    with database.atomic():
        require_status(quote, ('draft',), 'submit')
        if not QuoteLine.select().where(QuoteLine.quote == quote.id).exists():
            raise _no_lines(quote)
        quote = recalculate(quote)
        if not approvals.steps_for(quote):
            raise refusal('Rule {rule}: quote {code} needs no approval (discount {discount}%); send it.',
                          '规则 {rule}：报价单 {code} 无需审批（折扣 {discount}%）；可直接发送。',
                          rule='quote-approval', code=quote.code, discount=approvals.discount_of(quote))
        approvals.open_round(quote, by=by)
        quote.status = 'pending_approval'
        return audit.save(quote, action='submit')


def approve_quote(quote, by, comment=None):
    """Approve the current step of a quote pending approval; after the last step it may be sent."""
    quote = get_by_code(Quote, quote)
    with database.atomic():
        by = approvals.check_decider(quote, get_user(by))
        require_status(quote, ('pending_approval',), 'approve')
        approvals.decide(quote, by, 'approved', comment)
        quote = Quote.get_by_id(quote.id)
        quote.remaining = approvals.remaining(quote)
        if not quote.remaining:
            quote.status = 'approved'
            audit.save(quote, action='approve')
        return quote


def reject_approval(quote, by, comment=None):
    """Reject the current step of a quote pending approval: it goes back to draft with the reason."""
    quote = get_by_code(Quote, quote)
    with database.atomic():
        by = approvals.check_decider(quote, get_user(by))
        require_status(quote, ('pending_approval',), 'reject')
        approvals.decide(quote, by, 'rejected', comment)
        quote = Quote.get_by_id(quote.id)
        quote.status = 'draft'
        return audit.save(quote, action='reject', note=comment)


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
    valid_until = as_date(valid_until, 'valid until', '有效期')
    check_validity(quoted_on, valid_until)
    with database.atomic():
        quote = audit.save(Quote(customer=customer, title=title, quoted_on=quoted_on,
                                 valid_until=valid_until, opportunity=opportunity,
                                 owner=owner or (opportunity.owner if opportunity else None),
                                 currency=currency, notes=notes))
        for line in lines:
            _add_line(quote, **line)
        return recalculate(quote)


def line_price(product, unit_price=None):
    """Return UNIT_PRICE as money, or the list price of PRODUCT (a product or its id) when it is blank."""
    if unit_price is not None and unit_price != '':
        return money(unit_price)
    if product is None:
        return None
    if not isinstance(product, Product):
        product = Product.get_by_id(product)
    return product.list_price


def fill_line(line):
    """Fill the blanks of a product line as typed in a form (quote, contract or opportunity line):
    an empty unit price is the product's list price, an empty amount is quantity × price (less
    the line's discount)."""
    fields = type(line)._meta.fields
    if line.product_id is None:
        return line
    if line.quantity is None or line.quantity == '':
        line.quantity = Decimal('1')
    line.unit_price = line_price(line.product_id, line.unit_price)
    if 'amount' in fields and (line.amount is None or line.amount == ''):
        discount_pct = getattr(line, 'discount_pct', None) or 0
        gross, off = _line_amounts(line.quantity, line.unit_price, discount_pct)
        line.amount = gross - off
    if 'discount_pct' in fields and line.discount_pct is None:
        line.discount_pct = Decimal('0')
    return line


def zero_total_warning(quote):
    """Return the warning for QUOTE when it has lines but totals zero, else None."""
    if quote.total or not QuoteLine.select().where(QuoteLine.quote == quote.id).exists():
        return None
    return invalid('Quote {code} totals 0.00: check the unit prices and discounts of its lines '
                   '(an empty price takes the product\'s list price).',
                   '报价单 {code} 的总额为 0.00：请检查各明细的单价和折扣（单价留空即取产品目录价）。',
                   code=quote.code)


def default_owner(quote):
    """Give QUOTE its opportunity's owner when it has none; return the owner id."""
    if quote.owner_id is None and quote.opportunity_id:
        quote.owner = Opportunity.get_by_id(quote.opportunity_id).owner_id
    return quote.owner_id


def check_validity(quoted_on, valid_until, code=None):
    """Refuse a validity date VALID_UNTIL before the quote date QUOTED_ON (no validity date is allowed)."""
    if valid_until is None or quoted_on is None or valid_until >= quoted_on:
        return
    raise invalid('{quote} would be valid until {valid_until}, before its quote date {quoted_on}; '
                  'choose a validity date on or after {quoted_on}.',
                  '{quote_zh}的有效期 {valid_until} 早于报价日期 {quoted_on}；请选择不早于 {quoted_on} 的有效期。',
                  quote=f'Quote {code}' if code else 'The quote', quote_zh=f'报价单 {code} ' if code else '报价单',
                  valid_until=valid_until, quoted_on=quoted_on)


def save_quote(quote):
    """Save QUOTE as typed in a form: its validity may not end before its quote date; without an
    owner it is its opportunity's."""
    default_owner(quote)
    check_validity(as_date(quote.quoted_on, 'quote date', '报价日期'),
                   as_date(quote.valid_until, 'valid until', '有效期'), quote.code)
    return audit.save(quote)


def _add_line(quote, product, quantity=1, unit_price=None, discount_pct=0, description=None):
    quantity = Decimal(str(quantity))
    if quantity <= 0:
        raise invalid('The quantity of {product} must be above zero, got {quantity}.',
                      '{product} 的数量必须大于零，当前为 {quantity}。', product=product.code, quantity=quantity)
    discount_pct = Decimal(str(discount_pct))
    if not 0 <= discount_pct <= 100:
        raise invalid('The discount on {product} must be between 0 and 100 percent, got {discount}.',
                      '{product} 的折扣必须在 0 到 100% 之间，当前为 {discount}。',
                      product=product.code, discount=discount_pct)
    unit_price = line_price(product, unit_price)
    if unit_price < 0:
        raise invalid('The unit price of {product} cannot be negative.', '{product} 的单价不能为负数。',
                      product=product.code)
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
        require_status(quote, ('draft', 'approved'), 'sending it')
        if not QuoteLine.select().where(QuoteLine.quote == quote.id).exists():
            raise _no_lines(quote)
        if not approval_covers(quote):
            raise _approval_needed(quote)
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
    valid_until = as_date(valid_until, 'valid until', '有效期')
    with database.atomic():
        require_status(quote, EDITABLE, 'changing its validity')
        if valid_until is None:
            raise invalid('Extending quote {code} needs the new validity date, on or after {quoted_on}.',
                          '延长报价单 {code} 的有效期需要填写新的有效期，且不早于 {quoted_on}。',
                          code=quote.code, quoted_on=quote.quoted_on)
        check_validity(quote.quoted_on, valid_until, quote.code)
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
            raise refusal('Rule {rule}: quote {code} was valid until {valid_until}; '
                          'issue a new quote or extend its validity first.',
                          '规则 {rule}：报价单 {code} 的有效期已于 {valid_until} 截止；请重新报价或先延长有效期。',
                          rule='quote-validity', code=quote.code, valid_until=quote.valid_until)
        lines = list(QuoteLine.select().where(QuoteLine.quote == quote.id).order_by(QuoteLine.id))
        if not lines:
            raise _no_lines(quote)
        quote = recalculate(quote)
        if not approval_covers(quote):
            raise _approval_needed(quote)
        # The deal's owner and department, not whoever clicked "Accept".
        opportunity = Opportunity.get_by_id(quote.opportunity_id) if quote.opportunity_id else None
        owner = quote.owner or (opportunity.owner if opportunity and opportunity.owner_id else None) or by
        departments = [owner.department_id if owner else None,
                       opportunity.department_id if opportunity else None]
        if opportunity and owner and owner.id == opportunity.owner_id:
            departments.reverse()   # the deal's own department first
        department = next((d for d in departments if d), None)
        contract = audit.save(Contract(
            title=quote.title, customer=quote.customer_id, opportunity=quote.opportunity_id,
            quote=quote, owner=owner, department=department,
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
