import datetime
from decimal import Decimal

import pytest

from ltc.models import choices as C
from ltc.sync.errors import CellError, ErrorValue
from ltc.sync.mapping.codecs import Bool, Choice, Context, Date, Number, Reference, Text, escape, unescape

ctx = Context(lang='en')


def test_text_keeps_phones_and_codes_as_text():
    assert Text().clean(13800138000.0, ctx) == '13800138000'
    assert Text().clean('013800138000', ctx) == '013800138000'
    assert Text().clean('  a \t b\n c ', ctx) == 'a b c'
    assert Text(multiline=True).clean('line1\nline2', ctx) == 'line1\nline2'
    assert Text().clean('   ', ctx) is None


def test_text_refuses_control_characters_and_overlong_cells():
    with pytest.raises(CellError, match='U\\+0007'):
        Text().clean('bell\x07', ctx)
    with pytest.raises(CellError, match='10000 characters long; shorten it to at most 200'):
        Text(200).clean('x' * 10000, ctx)


def test_formula_like_text_is_stored_as_text_and_escaped_on_export():
    text = "=cmd|'/c calc'!A1"
    assert Text().clean(text, ctx) == text
    assert escape(text) == "'" + text
    assert escape('@SUM(A1)') == "'@SUM(A1)"
    assert unescape(escape(text)) == text
    assert Text().clean(escape(text), ctx) == text
    assert escape('plain') == 'plain'


def test_control_characters_are_dropped_before_the_formula_check():
    assert escape('\x01=HYPERLINK("http://evil.example","x")') == '\'=HYPERLINK("http://evil.example","x")'
    assert escape('\x00\x1f@SUM(A1)\x7f') == "'@SUM(A1)"
    assert escape('\ufffe多行\n备注\t') == '多行\n备注\t'   # line breaks and tabs inside stay
    assert escape('\t=1') == "'\t=1" and escape(12) == 12 and escape(None) is None


@pytest.mark.parametrize('cell,expected', [
    ('1,234.50', '1234.50'), ('¥1,234', '1234.00'), ('￥ 1,234.5', '1234.50'), ('13%', '0.13'),
    ('(1,234)', '-1234.00'), (1234.5, '1234.50'), (7, '7.00'), ('１２３', '123.00'), ('1234.505', '1234.51'),
])
def test_number_accepts_common_forms(cell, expected):
    assert Number().clean(cell, ctx) == Decimal(expected)


def test_number_percent_field_keeps_percent_and_bad_numbers_say_so():
    assert Number(percent=True).clean('13%', ctx) == Decimal('13.00')
    with pytest.raises(CellError) as info:
        Number().clean('abc', ctx)
    assert 'is not a number' in info.value.en and '不是数字' in info.value.zh
    with pytest.raises(CellError, match='whole number'):
        Number(0, integer=True).clean('1.5', ctx)


@pytest.mark.parametrize('cell,expected', [
    (datetime.date(2026, 1, 5), '2026-01-05'), (datetime.datetime(2026, 1, 5, 10, 0), '2026-01-05'),
    (46027, '2026-01-05'), ('46027', '2026-01-05'), ('2026-01-05', '2026-01-05'), ('2026/1/5', '2026-01-05'),
    ('2026.1.5', '2026-01-05'), ('2026年1月5日', '2026-01-05'), ('20260105', '2026-01-05'),
    ('5-1-2026', '2026-01-05'), ('05/01/2026', '2026-01-05'), ('2026-01-05 10:30:00', '2026-01-05'),
    ('2026-01-05T10:30:00Z', '2026-01-05'), ('Jan 5, 2026', '2026-01-05'), ('5 January 2026', '2026-01-05'),
])
def test_date_reads_every_form(cell, expected):
    assert Date().clean(cell, ctx).isoformat() == expected


def test_date_order_and_1904_system():
    assert Date().clean('1/5/2026', Context(date_order='mdy')) == datetime.date(2026, 1, 5)
    assert Date().clean(42735, Context(date1904=True)) == datetime.date(2021, 1, 1)
    assert Date().clean(42735, Context()) == datetime.date(2016, 12, 31)


def test_date_errors_name_the_fix():
    with pytest.raises(CellError, match='outside the dates'):
        Date().clean(2994626, ctx)
    with pytest.raises(CellError, match='YYYY-MM-DD'):
        Date().clean('2026-02-30', ctx)
    with pytest.raises(CellError, match='not a date'):
        Date().clean('soon', ctx)
    with pytest.raises(CellError, match='#N/A'):
        Date().clean(ErrorValue('#N/A'), ctx)


def test_choice_by_code_or_label_in_either_language():
    codec = Choice(C.CUSTOMER_LEVELS)
    assert codec.clean('key', ctx) == 'key'
    assert codec.clean('Key', ctx) == 'key'
    assert codec.clean('重点客户', ctx) == 'key'
    assert codec.clean('A（重点客户）', ctx) == 'key'
    assert Choice(C.GENDERS, default='unknown').clean('-', ctx) == 'unknown'
    assert codec.render('key', Context(lang='zh')) == '重点客户'
    with pytest.raises(CellError) as info:
        codec.clean('Platinum', ctx)
    assert 'Strategic, Key, General, Potential' in info.value.en
    assert '战略客户、重点客户' in info.value.zh


def test_bool_forms():
    assert Bool().clean('是', ctx) is True and Bool().clean('FALSE', ctx) is False
    assert Bool().clean(None, ctx) is False and Bool().clean(1.0, ctx) is True
    with pytest.raises(CellError):
        Bool().clean('maybe', ctx)


def test_reference_by_code_unique_name_and_username(db):
    from ltc.models import Customer, User
    from tests.factories import make_customer, make_user
    customer = make_customer(name='华为技术有限公司')
    make_customer(name='同名公司')
    make_customer(name='同名公司')
    user = make_user(username='zhangsan', display_name='张三')
    local = Context()
    codec = Reference(Customer)
    assert codec.clean(customer.code, local) == customer.id
    assert codec.clean(' 华为技术有限公司 ', local) == customer.id
    with pytest.raises(CellError, match='2 customers are named'):
        codec.clean('同名公司', local)
    with pytest.raises(CellError, match='create it first'):
        codec.clean('Nobody Ltd', local)
    users = Reference(User, names=('username', 'display_name'), show_name=True)
    assert users.clean('张三', local) == user.id == users.clean('ZhangSan', local)
    assert users.render(user.id, local) == 'zhangsan'


def test_cell_error_text_names_row_column_and_language():
    error = CellError('is required; fill it in', '为必填项；请填写', None, 7, '公司名称')
    assert error.text('en') == 'Row 7, column "公司名称": is required; fill it in'
    assert error.text('zh') == '第7行「公司名称」列：为必填项；请填写'


@pytest.mark.parametrize('date1904, last', [(False, 2958465), (True, 2957003)])
def test_the_last_serial_of_each_date_system_is_9999_12_31_and_the_next_is_an_error(date1904, last):
    ctx = Context(date1904=date1904)
    assert Date().clean(last, ctx) == datetime.date(9999, 12, 31)
    with pytest.raises(CellError, match='outside the dates a spreadsheet can hold'):
        Date().clean(last + 1, ctx)   # was an OverflowError in the 1904 system (found by the fuzz)
