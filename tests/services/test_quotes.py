"""Quotes: totals from the lines, validity, acceptance into a contract draft."""
import datetime
from decimal import Decimal

import pytest

from ltc.errors import RuleViolation, ValidationError
from ltc.models import AuditLog, Contract, ContractLine, Quote, QuoteLine
from ltc.services import quotes
from tests.factories import make_customer, make_opportunity, make_product, make_user
from tests.services.cashkit import unchanged

D = datetime.date


def _quote(**kw):
    product_a, product_b = make_product(list_price=Decimal('1000')), make_product(list_price=Decimal('250.50'))
    lines = [{'product': product_a, 'quantity': 3, 'discount_pct': 10},
             {'product': product_b, 'quantity': 2, 'unit_price': '300'}]
    return quotes.create_quote(make_customer(), 'ERP 报价', quoted_on=D(2026, 3, 1), lines=lines, **kw)


def test_totals_are_computed_from_lines(db):
    quote = _quote(valid_until=D(2026, 3, 31))
    assert (quote.subtotal, quote.discount_amount, quote.total) == (Decimal('3600.00'), Decimal('300.00'),
                                                                   Decimal('3300.00'))
    line = quotes.add_line(quote, make_product(list_price=Decimal('99.99')), quantity=1, discount_pct=50)
    assert line.amount == Decimal('49.99')   # 99.99 - 50.00 (49.995 rounded half-up)
    quote = Quote.get_by_id(quote.id)
    assert quote.total == Decimal('3349.99') and quote.subtotal == Decimal('3699.99')
    quotes.remove_line(line)
    assert Quote.get_by_id(quote.id).total == Decimal('3300.00')


def test_typed_total_is_overwritten_by_recalculation(db):
    quote = _quote()
    quote.total = Decimal('1')
    quotes.recalculate(quote)
    assert Quote.get_by_id(quote.id).total == Decimal('3300.00')


def test_bad_lines_and_validity_are_refused(db):
    quote, product = _quote(), make_product()
    with unchanged(Quote, QuoteLine), pytest.raises(ValidationError, match='between 0 and 100'):
        quotes.add_line(quote, product, discount_pct=120)
    with unchanged(Quote, QuoteLine), pytest.raises(ValidationError, match='above zero'):
        quotes.add_line(quote, product, quantity=0)
    with pytest.raises(ValidationError, match='before its quote date'):
        quotes.create_quote(make_customer(), 'x', quoted_on=D(2026, 3, 1), valid_until=D(2026, 2, 1))


def test_accept_creates_contract_draft_with_lines(db):
    seller = make_user()
    opportunity = make_opportunity(owner=seller)
    quote = _quote(opportunity=opportunity, valid_until=D(2026, 3, 31))
    contract = quotes.accept_quote(quote.code, by=make_user(role='manager'), today=D(2026, 3, 10))
    assert contract.status == 'draft' and contract.amount == Decimal('3300.00')
    assert contract.quote_id == quote.id and contract.opportunity_id == opportunity.id
    assert contract.owner_id == seller.id
    lines = list(ContractLine.select().where(ContractLine.contract == contract.id).order_by(ContractLine.id))
    assert [l.amount for l in lines] == [Decimal('2700.00'), Decimal('600.00')]
    assert lines[0].unit_price == Decimal('900.00')
    assert Quote.get_by_id(quote.id).status == 'accepted'
    assert AuditLog.select().where(AuditLog.entity == 'Quote', AuditLog.entity_code == quote.code,
                                   AuditLog.action == 'accept').count() == 1


def test_accept_refusals_change_nothing(db):
    quote = _quote(valid_until=D(2026, 3, 31))
    with unchanged(Quote, QuoteLine, Contract, ContractLine), pytest.raises(RuleViolation, match='quote-validity'):
        quotes.accept_quote(quote, today=D(2026, 4, 1))
    quotes.accept_quote(quote, by=make_user(), today=D(2026, 3, 2))
    with unchanged(Quote, QuoteLine, Contract, ContractLine), pytest.raises(RuleViolation, match='status-flow'):
        quotes.accept_quote(quote, today=D(2026, 3, 2))
    empty = quotes.create_quote(make_customer(), 'empty', quoted_on=D(2026, 3, 1))
    with unchanged(Quote, Contract), pytest.raises(RuleViolation, match='quote-lines'):
        quotes.accept_quote(empty, today=D(2026, 3, 2))


def test_send_and_reject(db):
    quote = quotes.send_quote(_quote())
    assert quote.status == 'sent'
    assert quotes.reject_quote(quote, 'too expensive').status == 'rejected'
    with pytest.raises(RuleViolation, match='status-flow'):
        quotes.add_line(quote, make_product())


def test_extend_validity_and_expire(db):
    quote = _quote(valid_until=D(2026, 3, 10))
    with unchanged(Quote), pytest.raises(ValidationError, match='on or after'):
        quotes.extend_validity(quote, D(2026, 2, 1))
    quotes.extend_validity(quote, D(2026, 3, 20))
    assert quotes.expire_quotes(D(2026, 3, 20)) == 0
    assert quotes.expire_quotes(D(2026, 3, 21)) == 1
    assert Quote.get_by_id(quote.id).status == 'expired'
    assert quotes.expire_quotes(D(2026, 3, 21)) == 0


def test_validity_before_the_quote_date_is_refused_naming_both_dates(db):
    customer = make_customer()
    with unchanged(Quote), pytest.raises(ValidationError) as refused:
        quotes.create_quote(customer, 'x', quoted_on=D(2026, 3, 1), valid_until=D(2026, 2, 1))
    assert str(refused.value) == ('The quote would be valid until 2026-02-01, before its quote date 2026-03-01; '
                                  'choose a validity date on or after 2026-03-01.')
    assert refused.value.details['zh'] == ('报价单的有效期 2026-02-01 早于报价日期 2026-03-01；'
                                           '请选择不早于 2026-03-01 的有效期。')
    quote = _quote(valid_until=D(2026, 3, 10))
    with unchanged(Quote), pytest.raises(ValidationError) as refused:
        quotes.extend_validity(quote, '2026-02-28')
    assert str(refused.value).startswith(f'Quote {quote.code} would be valid until 2026-02-28, before its '
                                         'quote date 2026-03-01;')
    assert f'报价单 {quote.code} 的有效期 2026-02-28 早于报价日期 2026-03-01' in refused.value.details['zh']
    with unchanged(Quote), pytest.raises(ValidationError, match='needs the new validity date'):
        quotes.extend_validity(quote, None)


def test_a_form_save_keeps_the_validity_on_or_after_the_quote_date(db):
    quote = _quote(valid_until=D(2026, 3, 10))
    quote.quoted_on = D(2026, 3, 20)   # the quote date moved past the validity
    with unchanged(Quote), pytest.raises(ValidationError) as refused:
        quotes.save_quote(quote)
    assert f'Quote {quote.code} would be valid until 2026-03-10, before its quote date 2026-03-20' in str(refused.value)
    quote = Quote.get_by_id(quote.id)
    quote.valid_until = D(2026, 2, 1)
    with unchanged(Quote), pytest.raises(ValidationError, match='2026-02-01, before its quote date 2026-03-01'):
        quotes.save_quote(quote)
    customer = make_customer()
    new = Quote(customer=customer, title='new', quoted_on=D(2026, 3, 1), valid_until=D(2026, 2, 1))
    with unchanged(Quote), pytest.raises(ValidationError, match='The quote would be valid until 2026-02-01'):
        quotes.save_quote(new)
    quote.valid_until = D(2026, 3, 1)   # the same day is fine, and so is no validity date
    assert Quote.get_by_id(quotes.save_quote(quote).id).valid_until == D(2026, 3, 1)
    quote.valid_until = None
    assert Quote.get_by_id(quotes.save_quote(quote).id).valid_until is None


def test_send_and_reject_refusals_change_nothing(db):
    empty = quotes.create_quote(make_customer(), 'empty', quoted_on=D(2026, 3, 1))
    with unchanged(Quote), pytest.raises(RuleViolation, match='quote-lines'):
        quotes.send_quote(empty)
    quote = quotes.reject_quote(_quote())
    with unchanged(Quote), pytest.raises(RuleViolation, match='status-flow'):
        quotes.send_quote(quote)
    with unchanged(Quote), pytest.raises(RuleViolation, match='status-flow'):
        quotes.reject_quote(quote)


def test_form_lines_fill_blanks_and_the_deal_owns_quote_and_contract(db):
    from ltc.models import OpportunityProduct
    from tests.factories import make_department
    product = make_product(list_price=Decimal('120.00'))
    line = quotes.fill_line(QuoteLine(product=product, quantity=Decimal('2'), unit_price=None,
                                      discount_pct=Decimal('25'), amount=None))
    assert (line.unit_price, line.amount) == (Decimal('120.00'), Decimal('180.00'))
    typed = quotes.fill_line(OpportunityProduct(product=product, quantity=Decimal('2'), unit_price=Decimal('99'),
                                                amount=None))
    assert (typed.unit_price, typed.amount) == (Decimal('99.00'), Decimal('198.00'))   # a typed price is kept
    east = make_department()
    seller, clerk = make_user('sales', department=east), make_user('ops')
    opportunity = make_opportunity(owner=seller, department=east)
    quote = quotes.save_quote(Quote(customer=opportunity.customer, title='Deal', opportunity=opportunity,
                                    quoted_on=D(2026, 3, 1)))
    assert quote.owner_id == seller.id
    assert quotes.zero_total_warning(quote) is None                 # no lines: nothing to warn about
    quotes.add_line(quote, make_product(list_price=Decimal('0')))
    warning = quotes.zero_total_warning(Quote.get_by_id(quote.id))
    assert '0.00' in str(warning) and '总额为 0.00' in warning.details['zh']
    contract = quotes.accept_quote(Quote.get_by_id(quote.id), by=clerk, today=D(2026, 3, 2))
    assert (contract.owner_id, contract.department_id) == (seller.id, east.id)
