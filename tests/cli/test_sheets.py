"""`flask ltc sheets probe` through gspread against the emulator."""
from tests.conftest_sheets import sheets_emulator  # noqa: F401


def test_probe_lists_worksheets_and_reads_one(app, runner, db, sheets_emulator):
    app.config['GOOGLE_API_BASE'] = sheets_emulator.base_url
    sheets_emulator.create_spreadsheet('1AbCkey', 'Sales', sheets={
        'Leads': [['Code', '线索名称'], ['L1', 'Acme'], ['L2', 'Beta']], 'Notes': []}, rows=50, cols=5)
    url = 'https://docs.google.com/spreadsheets/d/1AbCkey/edit#gid=0'
    result = runner.invoke(args=['ltc', 'sheets', 'probe', url])
    assert result.exit_code == 0, result.output
    assert 'Leads  (50 x 5 grid)' in result.output and 'Notes' in result.output
    result = runner.invoke(args=['ltc', 'sheets', 'probe', '1AbCkey', '--worksheet', 'Leads'])
    assert result.exit_code == 0, result.output
    assert "worksheet 'Leads': 2 data row(s)" in result.output
    assert 'header: Code | 线索名称' in result.output


def test_probe_reports_missing_access_cleanly(app, runner, db, sheets_emulator):
    app.config['GOOGLE_API_BASE'] = sheets_emulator.base_url
    sheets_emulator.create_spreadsheet('k', 'Sales')
    sheets_emulator.forbidden.add('k')
    result = runner.invoke(args=['ltc', 'sheets', 'probe', 'k'])
    assert result.exit_code == 1
    assert 'share it (Editor) with the service account' in result.output
    result = runner.invoke(args=['ltc', 'sheets', 'probe', 'other', '--worksheet', 'X'])
    assert result.exit_code == 1 and 'does not exist' in result.output
