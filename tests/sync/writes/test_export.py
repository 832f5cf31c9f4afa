import datetime
from decimal import Decimal

import openpyxl

from ltc.models import Lead
from ltc.sync.formats.tables import open_path
from ltc.sync.writes.export import export_entity
from ltc.sync.writes.importer import run_import
from tests.factories import make_contract, make_lead, make_user


def test_export_xlsx_is_frozen_protected_validated_and_formatted(db, tmp_path):
    user = make_user(username='wang')
    make_lead(company="=cmd|'/c calc'!A1", budget=Decimal('1234.5'), owner=user, source='exhibition')
    path = tmp_path / 'leads.xlsx'
    seen = []
    assert export_entity('leads', path, progress=lambda d, t: seen.append((d, t))) == 1
    assert seen == [(1, 1)]
    book = openpyxl.load_workbook(path)
    sheet = book['线索']
    assert sheet.freeze_panes == 'A2'
    assert sheet.protection.sheet
    assert sheet['A2'].protection.locked and not sheet['B2'].protection.locked
    assert sheet['B2'].value == "'=cmd|'/c calc'!A1" and sheet['B2'].data_type == 's'
    at = {c.value: c.column_letter for c in sheet[1]}
    budget, source, owner = (sheet[at[h] + '2'] for h in ('预算', '来源', '负责人'))
    assert budget.value == Decimal('1234.50') or budget.value == 1234.5
    assert budget.number_format == '#,##0.00'
    assert source.value == '展会' and owner.value == 'wang'
    assert book['_lists'].sheet_state == 'hidden'
    ranges = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert ranges[f'{at["来源"]}2:{at["来源"]}1048576'].startswith('_lists!$A$1')


def test_template_has_headers_and_dropdowns_only(db, tmp_path):
    make_lead()
    path = tmp_path / 't.xlsx'
    export_entity('contracts', path, template=True, lang='en')
    sheet = openpyxl.load_workbook(path)['Contracts']
    assert [c.value for c in sheet[1]][:3] == ['Contract number', 'Contract title', 'Customer']
    assert sheet.max_row == 1 and not sheet.protection.sheet


def test_export_edit_import_round_trip(db, tmp_path):
    make_contract(title='框架合同', signed_on=datetime.date(2026, 1, 5))
    for i in range(3):
        make_lead(company=f'公司{i}', phone='013800000000')
    path = tmp_path / 'leads.xlsx'
    export_entity('leads', path)
    assert run_import('leads', open_path(path)).totals()['unchanged'] == 3
    book = openpyxl.load_workbook(path)
    sheet = book['线索']
    sheet['B2'] = '公司0（已改名）'
    sheet.append([None, '新公司', '赵六'])
    book.save(path)
    result = run_import('leads', open_path(path))
    assert (result.totals()['updated'], result.totals()['created'], result.totals()['unchanged']) == (1, 1, 2)
    assert Lead.select().where(Lead.company == '公司0（已改名）', Lead.phone == '013800000000').exists()
    contracts = tmp_path / 'contracts.csv'
    export_entity('contracts', contracts)
    assert run_import('contracts', open_path(contracts)).totals()['unchanged'] == 1


def test_csv_export_escapes_formula_text(db, tmp_path):
    make_lead(company='@SUM(A1)')
    path = tmp_path / 'leads.csv'
    export_entity('leads', path, lang='en')
    text = path.read_text(encoding='utf-8-sig')
    assert text.splitlines()[0].startswith('Lead code,Company,')
    assert "'@SUM(A1)" in text
    assert run_import('leads', open_path(path)).totals()['unchanged'] == 1


def test_a_control_character_never_hides_a_formula_in_an_export_or_a_write_back(db, tmp_path):
    from ltc.sync.engine import twoway as engine
    from ltc.sync.engine.targets import add_target
    evil = '\x01=HYPERLINK("http://evil.example","x")'
    lead = make_lead(company=evil)   # stored before forms refused control characters
    escaped = "'" + evil[1:]
    export_entity('leads', tmp_path / 'leads.xlsx')
    cell = openpyxl.load_workbook(tmp_path / 'leads.xlsx')['线索']['B2']
    assert cell.value == escaped and cell.data_type == 's'
    export_entity('leads', tmp_path / 'leads.csv')
    text = (tmp_path / 'leads.csv').read_text(encoding='utf-8-sig')
    assert escaped.replace('"', '""') in text and '\x01' not in text
    # Sync write-back: a record changed in the database reaches the sheet escaped, xlsx and csv alike.
    Lead.update(company='Acme').execute()
    targets = []
    for name in ('sync.xlsx', 'sync.csv'):
        export_entity('leads', tmp_path / name)
        targets.append(add_target(name, 'leads', tmp_path / name))
        assert engine.run_sync(targets[-1]).totals()['unchanged'] == 1
    Lead.update(company='\x02+cmd|calc', version=Lead.version + 1).where(Lead.id == lead.id).execute()
    for target in targets:
        assert engine.run_sync(target).totals()['updated'] == 1
    assert openpyxl.load_workbook(tmp_path / 'sync.xlsx')['线索']['B2'].value == "'+cmd|calc"
    assert "'+cmd|calc" in (tmp_path / 'sync.csv').read_text(encoding='utf-8-sig')


def test_streamed_rows_keep_special_text_dates_and_new_rows_editable(db, tmp_path):
    make_lead(company='<A & B> "co"', requirement='第一行\n第二行')
    make_contract(title='合同 & 附件', signed_on=datetime.date(2026, 1, 5))
    leads, contracts = tmp_path / 'l.xlsx', tmp_path / 'c.xlsx'
    export_entity('leads', leads)
    export_entity('contracts', contracts)
    sheet = openpyxl.load_workbook(leads)['线索']
    at = {c.value: c.column_letter for c in sheet[1]}
    assert sheet['B2'].value == '<A & B> "co"' and sheet[at['需求'] + '2'].value == '第一行\n第二行'
    assert sheet.column_dimensions['B'].protection.locked is False
    assert sheet.max_row == 2
    signed = openpyxl.load_workbook(contracts)['合同']['G2']
    assert signed.value == datetime.datetime(2026, 1, 5) and signed.number_format == 'yyyy-mm-dd'
    assert run_import('leads', open_path(leads)).totals()['unchanged'] == 1
    assert run_import('contracts', open_path(contracts)).totals()['unchanged'] == 1
