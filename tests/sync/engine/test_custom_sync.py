"""A sync target carries custom fields as columns: a cell edited in the sheet reaches the record, a value set in
the database reaches the sheet, and a new row brings its custom values."""
from ltc.models import Lead
from ltc.services import custom_fields
from ltc.sync.engine import twoway as engine

from ..helpers import edit_sheet, lead_target, read_xlsx


def test_custom_columns_sync_both_ways(db, tmp_path):
    custom_fields.define('leads', 'expo', '展会', 'Expo', kind='choice', options='cie | CIE | 进博会\nces | CES | 消费电子展')
    custom_fields.define('leads', 'met_on', '见面日期', 'Met on', kind='date')
    target = lead_target(tmp_path, 3)
    header = read_xlsx(target.options['path'])[0]
    expo, met = header.index('展会') + 1, header.index('见面日期') + 1
    assert engine.run_sync(target).totals()['unchanged'] == 3
    edit_sheet(target, lambda s: (s.cell(2, expo, '进博会'), s.cell(2, met, '2026/3/9')))
    custom_fields.set_values(Lead.get(Lead.code == 'L000002'), {'expo': 'ces'})
    result = engine.run_sync(target)
    assert result.exit_code == 0 and result.totals()['updated'] == 2, [r.message('en') for r in result.problems()]
    assert Lead.get(Lead.code == 'L000001').custom == {'expo': 'cie', 'met_on': '2026-03-09'}
    rows = {r[0]: r for r in read_xlsx(target.options['path'])[1:]}
    assert rows['L000002'][expo - 1] == '消费电子展'
    edit_sheet(target, lambda s: (s.cell(5, 2, '新公司'), s.cell(5, expo, 'CES')))
    result = engine.run_sync(target)
    assert result.totals()['created'] == 1, [r.message('en') for r in result.problems()]
    assert Lead.get(Lead.company == '新公司').custom == {'expo': 'ces'}
    assert engine.run_sync(target).totals()['unchanged'] == 4
