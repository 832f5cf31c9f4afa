"""Columns read together (ltc/sync/mapping/combined.py): First Name + Last Name (姓 + 名) make one name, 区域
`江苏省,南京市,玄武区` fills province and city, a deal's Status decides its Stage when it says Won or Lost;
shown in the plan, kept or undone by --map, never in a two-way sync."""
import pytest

from ltc.sync.errors import SyncError
from ltc.sync.formats.reader import locate
from ltc.sync.mapping.combined import join_name, split_region
from ltc.sync.mapping.entities import CONTACTS, CUSTOMERS, LEADS, OPPORTUNITIES
from ltc.sync.writes.importer import parse_row


def hows(mapping, headers):
    return {m.header: (m.how, m.column.attr if m.column else None, m.part) for m in mapping.resolve(headers)}


def values(mapping, rows, overrides=None, lang='en'):
    """Return the sheet and each data row's parsed values (no database: text fields only)."""
    from ltc.sync.mapping.codecs import Context
    sheet = locate(rows, mapping, 'in.csv', overrides, combine=True)
    ctx = Context(lang=lang)
    return sheet, [parse_row(mapping, sheet, n, cells, ctx).values for n, cells in sheet.rows]


@pytest.mark.parametrize('given, family, name', [
    ('Wei', 'Zhang', 'Wei Zhang'),   # a Western export: given name first
    ('磊', '王', '王磊'),               # Chinese characters: family name first, no space
    ('', 'Zhang', 'Zhang'), ('Wei', '', 'Wei'), ('', '', ''),
    ('Wei', '张', 'Wei 张'),          # mixed scripts read as written in Latin order
    ('민수', '김', '김민수'),
])
def test_a_name_joins_in_the_order_of_its_language(given, family, name):
    assert join_name({'given': given, 'family': family}) == name
    assert join_name({'given': 'Anna', 'middle': 'Maria', 'family': 'Rossi'}) == 'Anna Maria Rossi'


@pytest.mark.parametrize('cell, parts', [
    ('江苏省,南京市,玄武区', ['江苏省', '南京市', '玄武区']),
    ('江苏省/南京市/玄武区', ['江苏省', '南京市', '玄武区']),
    ('江苏省 南京市', ['江苏省', '南京市']),
    ('江苏省，南京市', ['江苏省', '南京市']),
    ('中国/广东省/深圳市', ['广东省', '深圳市']),
    ('Jiangsu, Nanjing', ['Jiangsu', 'Nanjing']),
    ('New South Wales', ['New South Wales']),   # spaces split only Chinese place names
    ('上海市', ['上海市']),
])
def test_a_region_cell_splits_at_its_separators(cell, parts):
    assert split_region(cell) == parts


def test_first_and_last_name_columns_make_the_contact_name():
    assert hows(LEADS, ['Company', 'First Name', 'Last Name']) == {
        'Company': ('exact', 'company', ''), 'First Name': ('joined', 'contact_name', 'given'),
        'Last Name': ('joined', 'contact_name', 'family')}
    assert hows(CONTACTS, ['Customer', '姓', '名'])['名'] == ('joined', 'name', 'given')
    sheet, rows = values(LEADS, [['Company', 'Last Name', 'First Name'], ['Acme', 'Zhang', 'Wei'],
                                 ['华东', '王', '磊'], ['Solo', 'Li', None]])
    assert [r['contact_name'] for r in rows] == ['Wei Zhang', '王磊', 'Li']
    assert not sheet.unknown and sheet.combined[0].header == 'First Name + Last Name'


def test_one_part_alone_is_the_field_and_a_whole_name_column_wins():
    assert hows(LEADS, ['Company', 'Last Name'])['Last Name'] == ('exact', 'contact_name', '')
    both = hows(LEADS, ['Company', 'Contact', 'First Name', 'Last Name'])
    assert both['Contact'] == ('exact', 'contact_name', '')
    assert both['First Name'][0] == both['Last Name'][0] == 'repeat'   # named: a second column for the field
    assert hows(LEADS, ['Company', 'Middle Name'])['Middle Name'][0] == 'unknown'   # a middle name is no name


def test_a_contacts_file_with_name_parts_has_its_required_name(db):
    from ltc.sync.mapping.codecs import Context
    from tests.factories import make_customer
    customer = make_customer(name='Tailspin Toys')
    sheet = locate([['Customer', 'First Name', 'Last Name'], ['Tailspin Toys', 'Min', 'Chen'],
                    ['Tailspin Toys', '', '']], CONTACTS, 'in.csv', combine=True)
    assert not sheet.missing and [g.attrs for g in sheet.combined] == [('name',)]
    good, blank = (parse_row(CONTACTS, sheet, n, cells, Context(lang='en')) for n, cells in sheet.rows)
    assert good.values == {'customer': customer.id, 'name': 'Min Chen'} and not good.errors
    assert [e.text('en') for e in blank.errors] == ['Row 3, column "First Name + Last Name": is required; fill it in']


def test_a_region_column_fills_province_and_city_where_no_column_does():
    assert hows(CUSTOMERS, ['客户名称', '区域'])['区域'] == ('split', 'region_province', '')
    sheet, rows = values(CUSTOMERS, [['客户名称', '区域'], ['紫金', '江苏省,南京市,玄武区'], ['光谷', '湖北省'],
                                     ['空', None]])
    assert [(r['region_province'], r['region_city']) for r in rows] == \
        [('江苏省', '南京市'), ('湖北省', None), (None, None)]
    assert sheet.dropped == {1: [1, '玄武区']}
    assert 'Column "区域": 1 row names more than the province and city (such as "玄武区")' in sheet.notes()[0][0]
    # A city column keeps the city; the region gives the province only.
    sheet, rows = values(CUSTOMERS, [['客户名称', '区域', '城市'], ['紫金', '江苏省 南京市', '苏州市']])
    assert (rows[0]['region_province'], rows[0]['region_city']) == ('江苏省', '苏州市')
    # Province and city both named: the region column is a second column for them.
    assert hows(LEADS, ['公司名称', '省', '市', '区域'])['区域'][0] == 'repeat'


def test_a_deal_status_decides_the_stage_only_when_won_or_lost():
    found = hows(OPPORTUNITIES, ['Deal - Title', 'Deal - Stage', 'Deal - Status'])
    assert found['Deal - Stage'] == ('joined', 'stage', 'stage') and found['Deal - Status'] == ('joined', 'stage', 'status')
    assert hows(OPPORTUNITIES, ['Opportunity', 'Status'])['Status'][0] == 'unknown'   # no stage column: not read
    from ltc.sync.mapping.entities import CLOSED_STAGES
    from ltc.sync.mapping.combined import stage_or_outcome
    combine = stage_or_outcome(CLOSED_STAGES)
    assert [combine({'stage': 'Proposal Made', 'status': s}) for s in ('Won', 'lost', 'Open', '', '赢单')] == \
        ['Won', 'lost', 'Proposal Made', 'Proposal Made', '赢单']


def test_map_undoes_keeps_or_makes_a_group():
    rows = [['Company', 'First Name', 'Last Name', 'Location'], ['Acme', 'Wei', 'Zhang', '江苏省,南京市']]
    sheet, parsed = values(LEADS, rows, {'Last Name': None})   # --map "Last Name=-": the first name alone
    assert parsed[0]['contact_name'] == 'Wei' and not sheet.combined
    sheet, parsed = values(LEADS, rows, {'First Name': 'contact_name', 'Last Name': 'contact_name'})   # the screen
    assert parsed[0]['contact_name'] == 'Wei Zhang'
    sheet, parsed = values(LEADS, rows, {'Location': 'region'})   # --map "Location=region": split it
    assert (parsed[0]['region_province'], parsed[0]['region_city']) == ('江苏省', '南京市')
    assert [m.how for m in sheet.matches if m.header == 'Location'] == ['split']
    # A whole-name column left out, the parts mapped back to the field join again.
    rows = [['Company', 'Contact', 'First Name', 'Last Name'], ['Acme', 'W. Zhang', 'Wei', 'Zhang']]
    sheet, parsed = values(LEADS, rows, {'Contact': None, 'First Name': 'contact_name', 'Last Name': 'contact_name'})
    assert parsed[0]['contact_name'] == 'Wei Zhang'
    # Another column sent to the field a group fills takes it: the group's columns are left out, and named.
    sheet, parsed = values(LEADS, rows, {'Contact': 'contact_name', 'First Name': None})
    assert parsed[0]['contact_name'] == 'W. Zhang' and not sheet.combined
    sheet, parsed = values(LEADS, [['Company', 'First Name', 'Last Name', 'Note'], ['Acme', 'Wei', 'Zhang', 'x']],
                           {'Note': 'contact_name'})
    assert parsed[0]['contact_name'] == 'x' and {m.header: m.how for m in sheet.matches}['Last Name'] == 'unknown'
    with pytest.raises(SyncError, match="'nowhere' is not a column of leads; use one of: .*region"):
        locate(rows, LEADS, 'in.csv', {'Contact': 'nowhere'}, combine=True)


def test_a_two_way_sync_reads_each_column_alone():
    sheet = locate([['Lead code', 'Company', 'First Name', 'Last Name', '区域']], LEADS, 'team.xlsx')
    assert not sheet.combined and {m.header: m.how for m in sheet.matches}['First Name'] == 'unknown'
    assert set(sheet.unknown) == {'First Name', 'Last Name', '区域'}
