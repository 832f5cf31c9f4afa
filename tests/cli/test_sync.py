import openpyxl

from ltc.models import Lead
from tests.factories import make_lead

from ..sync.helpers import write_xlsx


def test_import_dry_run_then_apply_and_exit_codes(runner, db, tmp_path):
    path = write_xlsx(tmp_path / 'l.xlsx', [['公司名称', '来源'], ['华为', '展会']])
    result = runner.invoke(args=['ltc', 'import', 'leads', str(path), '--dry-run', '--lang', 'en'])
    assert result.exit_code == 0, result.output
    assert 'row 2: created' in result.output and '[dry run, nothing written] 1 created' in result.output
    assert Lead.select().count() == 0
    result = runner.invoke(args=['ltc', 'import', 'leads', str(path)])
    assert result.exit_code == 0, result.output
    assert '新增 1' in result.output and Lead.select().count() == 1


def test_import_dry_run_says_the_grade_duplicate_and_owner_of_each_new_lead(runner, db, tmp_path):
    from ltc.models import AssignmentRule, GradingRule
    from ltc.services import audit
    from tests.factories import make_user
    rep = make_user(username='rep1')
    audit.save(AssignmentRule(name='fairs', source='exhibition', method='user', assignee=rep))
    audit.save(GradingRule(name='fairs', field='source', value='exhibition', points=100, sequence=1))
    from ltc.services.leads import save_lead
    stored = save_lead(Lead(company='华为', phone='13800000000', source='website'))
    rows = [['公司名称', '电话', '来源'], ['华为技术', '13800000000', '展会'], ['中兴', '13900000000', '官网'],
            ['中兴通讯', '13900000000', '官网']]
    path = write_xlsx(tmp_path / 'l.xlsx', rows)
    result = runner.invoke(args=['ltc', 'import', 'leads', str(path), '--dry-run', '--lang', 'en'])
    assert result.exit_code == 0, result.output
    assert (f'row 2: created (will be graded High-value (score 100); duplicate of {stored.code}; owner rep1)'
            in result.output), result.output
    assert 'row 3: created (will be graded Worthless (score 0); no owner)' in result.output
    assert 'row 4: created (will be graded Worthless (score 0); duplicate of row 3 of this file; no owner)' \
        in result.output
    assert Lead.select().count() == 1


def test_import_with_errors_exits_one_and_writes_report(runner, db, tmp_path):
    path = write_xlsx(tmp_path / 'l.xlsx', [['公司名称', '预算'], ['华为', '很多']])
    report = tmp_path / 'report.csv'
    result = runner.invoke(args=['ltc', 'import', 'leads', str(path), '--report', str(report)])
    assert result.exit_code == 1, result.output
    assert '第2行「预算」列' in result.output
    assert '错误原因' in report.read_text(encoding='utf-8-sig')


def test_refused_file_exits_two_with_one_sentence(runner, db, tmp_path):
    path = tmp_path / 'x.xlsx'
    path.write_text('not a workbook')
    result = runner.invoke(args=['ltc', 'import', 'leads', str(path), '--lang', 'en'])
    assert result.exit_code == 2
    assert 'is not an Excel workbook' in result.output and 'Traceback' not in result.output
    result = runner.invoke(args=['ltc', 'import', 'leads', str(path)])   # --lang zh, the default
    assert result.exit_code == 2 and '错误：x.xlsx 不是 Excel 工作簿' in result.output


def test_row_cap_from_config(app, runner, db, tmp_path):
    app.config['IMPORT_MAX_ROWS'] = 5
    path = write_xlsx(tmp_path / 'l.xlsx', [['公司名称']] + [[f'c{i}'] for i in range(200)])
    result = runner.invoke(args=['ltc', 'import', 'leads', str(path)])
    assert result.exit_code == 2 and 'IMPORT_MAX_ROWS' in result.output
    assert Lead.select().count() == 0


def test_export_and_template(runner, db, tmp_path):
    make_lead()
    out = tmp_path / 'leads.xlsx'
    result = runner.invoke(args=['ltc', 'export', 'leads', str(out)])
    assert result.exit_code == 0, result.output
    assert 'wrote 1 rows' in result.output
    result = runner.invoke(args=['ltc', 'export', 'payments', str(tmp_path / 't.xlsx'), '--template'])
    assert result.exit_code == 0 and 'wrote template' in result.output
    result = runner.invoke(args=['ltc', 'export', 'leads', str(tmp_path / 'x.pdf')])
    assert result.exit_code == 2


def test_sync_commands(runner, db, tmp_path):
    make_lead(company='A')
    path = tmp_path / 'leads.xlsx'
    assert runner.invoke(args=['ltc', 'export', 'leads', str(path)]).exit_code == 0
    result = runner.invoke(args=['ltc', 'sync', 'add', 'team', '--entity', 'leads', '--file', str(path)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=['ltc', 'sync', 'add', 'team', '--entity', 'leads', '--file', str(path)]).exit_code == 2
    result = runner.invoke(args=['ltc', 'sync', 'run', 'team'])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    book['线索']['B2'] = 'sheet'
    book.save(path)
    Lead.update(company='db', version=Lead.version + 1).execute()
    result = runner.invoke(args=['ltc', 'sync', 'run', 'team', '--dry-run'])
    assert result.exit_code == 1 and 'conflict' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'run', '--all'])
    assert result.exit_code == 1, result.output
    result = runner.invoke(args=['ltc', 'sync', 'conflicts'])
    assert result.exit_code == 1 and "sheet 'sheet', database 'db'" in result.output
    result = runner.invoke(args=['ltc', 'sync', 'list'])
    assert 'team' in result.output and 'attention' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'status'])
    assert result.exit_code == 0 and 'sync' in result.output
    assert runner.invoke(args=['ltc', 'sync', 'run', 'nope']).exit_code == 2
    assert runner.invoke(args=['ltc', 'sync', 'revert', 'RUN999']).exit_code == 2


def test_deletion_conflict_listed_and_settled_from_cli(runner, db, tmp_path):
    for name in ('A', 'B'):
        make_lead(company=name)
    path = tmp_path / 'leads.xlsx'
    assert runner.invoke(args=['ltc', 'export', 'leads', str(path)]).exit_code == 0
    args = ['ltc', 'sync', 'add', 'team', '--entity', 'leads', '--file', str(path), '--on-delete', 'delete',
            '--lang', 'en']
    assert runner.invoke(args=args).exit_code == 0
    assert runner.invoke(args=['ltc', 'sync', 'run', 'team']).exit_code == 0
    book = openpyxl.load_workbook(path)
    book['线索'].delete_rows(2)   # L000001 removed from the sheet ...
    book.save(path)
    Lead.update(company='A edited', version=Lead.version + 1).where(Lead.code == 'L000001').execute()
    result = runner.invoke(args=['ltc', 'sync', 'run', 'team'])   # ... after an edit in the database
    assert result.exit_code == 1 and 'removed from the sheet, but changed in the database' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'conflicts'])
    assert result.exit_code == 1, result.output
    assert "L000001: removed from the sheet, changed in the database: company 'A' -> 'A edited'" in result.output
    conflict_id = result.output.split('#')[1].split(' ')[0]
    result = runner.invoke(args=['ltc', 'sync', 'resolve', conflict_id, '--value', 'x'])
    assert result.exit_code == 2 and 'choose delete or keep' in result.output
    result = runner.invoke(args=['ltc', 'sync', 'resolve', conflict_id, '--take', 'delete'])
    assert result.exit_code == 0 and 'L000001 deleted' in result.output
    assert not Lead.select().where(Lead.code == 'L000001').exists()
    assert runner.invoke(args=['ltc', 'sync', 'conflicts']).exit_code == 0
    assert runner.invoke(args=['ltc', 'sync', 'run', 'team']).exit_code == 0


def test_import_then_revert_from_cli(runner, db, tmp_path):
    path = write_xlsx(tmp_path / 'l.xlsx', [['公司名称'], ['华为']])
    result = runner.invoke(args=['ltc', 'import', 'leads', str(path)])
    code = result.output.split('[run ')[1].split(']')[0]
    result = runner.invoke(args=['ltc', 'sync', 'revert', code])
    assert result.exit_code == 0, result.output
    assert Lead.select().count() == 0
