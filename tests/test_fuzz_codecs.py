"""Hypothesis: every codec and mapping column round-trips valid values; any cell gives a value or a CellError.

Example counts stay small in the suite (LTC_FUZZ_EXAMPLES, default 40); `python -m bench.fuzz`
runs the same properties with thousands of examples.
"""
import datetime
import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ltc.sync.errors import CellError, ErrorValue
from ltc.sync.mapping import codecs
from ltc.sync.mapping.codecs import Bool, Choice, Context, Date, Number, Reference, Text
from ltc.sync.mapping.entities import MAPPINGS

EXAMPLES = int(os.environ.get('LTC_FUZZ_EXAMPLES', '40'))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONTEXTS = [Context('en'), Context('zh'), Context('en', date_order='mdy', date1904=True)]
COLUMNS = [(m.entity, c) for m in MAPPINGS.values() for c in m.columns]
PLAIN_COLUMNS = [(e, c) for e, c in COLUMNS if not isinstance(c.codec, Reference)]


def valid_values(codec):
    """Return a strategy of values CODEC stores (what a model field may hold)."""
    if isinstance(codec, Text):
        alphabet = st.characters(blacklist_categories=('Cc', 'Cs', 'Co', 'Cn', 'Zl', 'Zp'))
        text = st.text(alphabet, min_size=1, max_size=min(codec.max_length, 60))
        return text.filter(lambda t: t == t.strip() and t.isprintable() and len(t) <= codec.max_length
                           and (codec.multiline or '  ' not in t))
    if isinstance(codec, Number):
        if codec.integer:
            return st.integers(-10**12, 10**12)
        return st.decimals(-10**12, 10**12, places=codec.places, allow_nan=False, allow_infinity=False)
    if isinstance(codec, codecs.DateTime):   # to the second, as a spreadsheet keeps it
        return st.datetimes(datetime.datetime(1900, 3, 1), datetime.datetime(9999, 12, 31, 23, 59, 59)).map(
            lambda moment: moment.replace(microsecond=0))
    if isinstance(codec, Date):
        return st.dates(datetime.date(1900, 3, 1), datetime.date(9999, 12, 31))
    if isinstance(codec, Bool):
        return st.booleans()
    if isinstance(codec, Choice):
        return st.sampled_from(list(codec.choices))
    raise AssertionError(f'no strategy for {type(codec).__name__}')


def written_cells(codec, value, ctx):
    """Return the cells a backend writes for VALUE and reads back: typed xlsx cells and CSV text."""
    written = codecs.escape(codec.render(value, ctx))   # what export and sync write
    cells = [written]
    if isinstance(written, Decimal):
        cells.append(float(written))   # openpyxl stores numbers as doubles
    if isinstance(written, datetime.datetime):
        epoch = datetime.datetime.combine(codecs.EXCEL_EPOCH[bool(ctx.date1904)], datetime.time())
        serial = (written - epoch) / datetime.timedelta(days=1)   # days and the time as a fraction
        cells.append(written)
        if serial >= 0:
            cells.append(serial)
    elif isinstance(written, datetime.date):
        serial = (written - codecs.EXCEL_EPOCH[bool(ctx.date1904)]).days
        cells.append(datetime.datetime.combine(written, datetime.time()))
        if serial >= 0:   # the 1904 system has no serials before 1904-01-01
            cells.append(serial)
    if written is None:
        cells.append('')
    elif isinstance(written, Decimal):
        cells.append(str(written))     # the CSV backend's text of each type
    elif isinstance(written, datetime.datetime):
        cells.append(written.isoformat(sep=' '))
    elif isinstance(written, datetime.date):
        cells.append(written.isoformat())
    else:
        cells.append(codecs.plain_text(written))
    return cells


@pytest.mark.parametrize('entity,column', PLAIN_COLUMNS, ids=[f'{e}.{c.attr}' for e, c in PLAIN_COLUMNS])
@FUZZ
@given(data=st.data())
def test_every_mapping_column_round_trips(entity, column, data):
    codec = column.codec
    value = data.draw(valid_values(codec))
    ctx = data.draw(st.sampled_from(CONTEXTS))
    for cell in written_cells(codec, value, ctx):
        assert codec.clean(cell, ctx) == value, (cell, codec.render(value, ctx))
    assert codec.canon(codec.clean(codecs.escape(codec.render(value, ctx)), ctx), ctx) == codec.canon(value, ctx)


ANY_CELL = st.one_of(
    st.none(), st.text(), st.text(alphabet='0123456789.,-+()%¥$eE /年月日:T '), st.integers(),
    st.integers(-10**400, 10**400), st.floats(), st.booleans(), st.dates(), st.datetimes(), st.times(),
    st.timedeltas(), st.decimals(), st.builds(ErrorValue, st.sampled_from(['#N/A', '#REF!', '#DIV/0!', '#VALUE!'])))
CODECS = sorted({type(c.codec).__name__: c.codec for _, c in PLAIN_COLUMNS}.items()) + [
    ('Number(percent)', Number(percent=True)), ('Number(4)', Number(4)), ('Text(5)', Text(5))]


@pytest.mark.parametrize('name,codec', CODECS, ids=[n for n, _ in CODECS])
@FUZZ
@given(cell=ANY_CELL, ctx=st.sampled_from(CONTEXTS))
def test_any_cell_gives_a_value_or_a_cell_error(name, codec, cell, ctx):
    try:
        value = codec.clean(cell, ctx)
    except CellError as exc:
        assert exc.text('en') and exc.text('zh')   # both languages, never empty
        return
    codec.canon(value, ctx)   # whatever was accepted can be compared and written back
    codec.render(value, ctx)


@settings(max_examples=min(EXAMPLES, 25), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_references_round_trip_by_code_and_name(db, data):
    from ltc.models import Customer, User
    from tests.factories import make_customer, make_user
    if not Customer.select().exists():
        for _ in range(3):
            make_customer()
            make_user()
    ctx = Context(data.draw(st.sampled_from(['en', 'zh'])))
    reference_columns = [c for _, c in COLUMNS if isinstance(c.codec, Reference)]
    column = data.draw(st.sampled_from(reference_columns))
    codec = column.codec
    model_ids = [r.id for r in codec.model.select(codec.model.id)]
    if not model_ids:
        return
    value = data.draw(st.sampled_from(model_ids))
    rendered = codec.render(value, ctx)
    try:
        assert codec.clean(rendered, ctx) == value
    except CellError as exc:   # a shown name shared by two records must say "use the code"
        assert 'use the code' in exc.text('en')
    assert User.select().count() >= 3
