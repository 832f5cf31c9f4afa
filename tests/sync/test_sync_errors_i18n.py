"""Whole-file and whole-run refusals carry Chinese beside the English, with the same facts and fix."""
import ast
import re
import zipfile
from pathlib import Path

import pytest

import ltc
from ltc.errors import ConfigError, LTCError
from ltc.models import Lead
from ltc.models.sync import DELETION, SyncConflict, SyncRun, SyncTarget
from ltc.services import audit
from ltc.services.messages import text
from ltc.sync.engine import twoway as engine
from ltc.sync.engine.conflicts import resolve_conflict
from ltc.sync.engine.revert import revert_run
from ltc.sync.engine.targets import add_target, get_target, open_table
from ltc.sync.errors import SyncError
from ltc.sync.formats.reader import locate
from ltc.sync.formats.tables import WriteBatch, kind_for_path, open_path
from ltc.sync.formats.xlsx import XlsxTable
from ltc.sync.gsheets import ops
from ltc.sync.gsheets.http import RetryPolicy, SheetsUnavailable, open_client
from ltc.sync.mapping.entities import LEADS, get
from ltc.sync.runs import state
from ltc.sync.writes.export import export_entity
from ltc.sync.writes.importer import plan_import
from tests.conftest_sheets import gsheets_client, make_client, sheets_emulator  # noqa: F401

from .helpers import DATA, edit_sheet as edit, lead_target, write_xlsx

CJK = re.compile(r'[\u4e00-\u9fff]')
# What must survive translation: commands, file names, numbers (rows, sizes, percentages, times).
FACTS = re.compile(r'`[^`]+`|[\w-]+\.(?:xlsx|xls|csv)\b|\d[\d,.:%-]*\d%?|\d')


def bilingual(exc, en):
    """Check EXC's English (unchanged, matching EN) and its Chinese (same facts); return the Chinese."""
    english, chinese = str(exc), text(exc, 'zh')
    assert re.search(en, english), english
    assert text(exc, 'en') == english and exc.message == english
    assert CJK.search(chinese) and chinese != english, f'no Chinese for: {english}'
    missing = [fact for fact in FACTS.findall(english) if fact not in chinese]
    assert not missing, (missing, english, chinese)
    return chinese


def refused(call, en, error=SyncError):
    with pytest.raises(error) as info:
        call()
    return bilingual(info.value, en)


def _file(path, data):
    path.write_bytes(data)
    return path


def _with_entities(tmp_path):
    good = write_xlsx(tmp_path / 'good.xlsx', [['公司名称'], ['A']])
    path = tmp_path / 'entities.xlsx'
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, 'w') as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == 'xl/workbook.xml':
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a">]>' + data.split(b'?>', 1)[-1]
            dst.writestr(item, data)
    return path


def _xls_named_xlsx(tmp_path):
    import xlwt
    book = xlwt.Workbook()
    book.add_sheet('线索').write(0, 0, '公司名称')
    path = tmp_path / 'old.xlsx'
    book.save(str(path))
    return path


def _zip(path):
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('readme.txt', 'hello')
    return path


FILE_CASES = {
    'encrypted workbook': (lambda tmp: XlsxTable(DATA / 'dimastbk_python-calamine__password.xlsx').read(),
                           'password-protected; open it in Excel'),
    'not a spreadsheet': (lambda tmp: XlsxTable(_file(tmp / 'notes.xlsx', b'just some text')).read(),
                          'notes.xlsx is not an Excel workbook'),
    'not a spreadsheet extension': (lambda tmp: kind_for_path(tmp / 'notes.pdf'),
                                    'notes.pdf is not a spreadsheet file'),
    'zip but no workbook': (lambda tmp: XlsxTable(_zip(tmp / 'archive.xlsx')).read(),
                            'archive.xlsx is a zip file but not an Excel workbook'),
    'truncated workbook': (lambda tmp: XlsxTable(_file(tmp / 'cut.xlsx', write_xlsx(
        tmp / 'whole.xlsx', [['公司名称'], ['A']]).read_bytes()[:1500])).read(), 'cut.xlsx is damaged or truncated'),
    'XML entities': (lambda tmp: XlsxTable(_with_entities(tmp)).read(), 'XML entity declarations'),
    'old .xls with the wrong extension': (lambda tmp: XlsxTable(_xls_named_xlsx(tmp)).read(),
                                          'old-format Excel .* rename it to .xls'),
    'missing workbook': (lambda tmp: XlsxTable(tmp / 'gone.xlsx').read(), 'gone.xlsx does not exist'),
    'too many rows (xlsx)': (lambda tmp: XlsxTable(write_xlsx(tmp / 'big.xlsx', [['公司名称']] + [[i] for i in range(300)]),
                                                   max_rows=100).read(), 'about 301 rows; at most 100 rows'),
    'too many rows (csv)': (lambda tmp: open_path(_file(tmp / 'big.csv', b'company\n' + b'x\n' * 300),
                                                  max_rows=100).read(), 'big.csv has about 301 rows'),
    'no such sheet': (lambda tmp: XlsxTable(DATA / 'dimastbk_python-calamine__any_sheets.xlsx', sheet='Nope').read(),
                      'no sheet named "Nope"'),
    '.xls cannot be written': (lambda tmp: XlsxTable(tmp / 'old.xls').write(WriteBatch(cells={(1, 1): 'x'})),
                               'old.xls is an old .xls file, which cannot be written'),
    'CSV that is a workbook': (lambda tmp: open_path(_file(tmp / 'book.csv', b'PK\x03\x04rest')).read(),
                               'book.csv is an Excel workbook, not CSV'),
    'CSV in an unknown encoding': (lambda tmp: open_path(_file(tmp / 'odd.csv', b'name\n\x81\x20\xff\n')).read(),
                                   'neither UTF-8, GBK/GB18030, Windows-1252 nor UTF-16'),
    'missing CSV': (lambda tmp: open_path(tmp / 'gone.csv').read(), 'gone.csv does not exist'),
    'broken CSV': (lambda tmp: open_path(_file(tmp / 'long.csv', b'a\n"' + b'x' * 200_000 + b'"\n')).read(),
                   'long.csv is not valid CSV near line 2'),
    'no header row': (lambda tmp: plan_import('leads', open_path(_file(tmp / 'x.csv', b'Foo,Bar\n1,2\n'))),
                      'x.csv has no header row for leads'),
    'missing required column': (lambda tmp: locate([['联系人', '电话'], ['张三', '1']], LEADS, 'x.xlsx'),
                                r'lacks the required column 公司名称 \(Company\); add it to the header row \(row 1\)'),
    'unknown column in the mapping': (lambda tmp: plan_import('leads', open_path(write_xlsx(
        tmp / 'l.xlsx', [['单位'], ['华为']])), columns={0: 'nope'}), "'nope' is not a column of leads"),
    'unknown entity': (lambda tmp: get('nope'), "Unknown entity 'nope'"),
    'bad --on-existing': (lambda tmp: plan_import('leads', open_path(tmp / 'x.csv'), on_existing='merge'),
                          "--on-existing must be update or skip, not 'merge'"),
    'unknown backend': (lambda tmp: open_table('pdf', {}), "Unknown sheet backend 'pdf'"),
    'export to a text file': (lambda tmp: export_entity('leads', tmp / 'out.txt', template=True),
                              'out.txt: write to a .xlsx or .csv file'),
}



@pytest.mark.parametrize('case', sorted(FILE_CASES))
def test_file_refusals_are_bilingual(case, tmp_path):
    call, en = FILE_CASES[case]
    refused(lambda: call(tmp_path), en)


def test_chinese_refusal_reads_naturally(tmp_path):
    chinese = refused(lambda: plan_import('leads', open_path(_file(tmp_path / 'x.csv', b'Foo,Bar\n1,2\n'))),
                      'no header row')
    assert chinese.startswith('x.csv 中找不到线索的表头行：前 30 行中没有一行含有 线索编号 (Lead code)')
    assert chinese.endswith('或用 `flask ltc export leads --template` 导出模板。')
    chinese = refused(lambda: XlsxTable(DATA / 'dimastbk_python-calamine__password.xlsx').read(), 'password')
    assert chinese == ('dimastbk_python-calamine__password.xlsx 设有密码保护；请在 Excel 中打开，'
                       '取消密码（文件 › 信息 › 保护工作簿）后重新保存。')


@pytest.fixture
def target(db, tmp_path):
    target = lead_target(tmp_path, 10)
    assert engine.run_sync(target).totals()['unchanged'] == 10
    return target


def test_sync_run_refusals_are_bilingual(target):
    edit(target, lambda s: s.cell(1, 3, '随便'))
    chinese = refused(lambda: engine.run_sync(target), 'header of .* changed since the last sync')
    assert '未写入任何数据' in chinese and '--accept-header' in chinese
    assert engine.run_sync(target, accept_header=True).exit_code == 0

    edit(target, lambda s: s.delete_rows(2, 5))
    chinese = refused(lambda: engine.run_sync(target), '5 of 10 rows disappeared')
    assert '10 行中有 5 行不见了（超过 20%）' in chinese

    SyncTarget.update(lock_owner='otherhost:1', locked_at=state.utcnow()).execute()
    chinese = refused(lambda: engine.run_sync(target), 'is being synced by otherhost:1')
    assert '正由 otherhost:1 同步' in chinese
    SyncTarget.update(lock_owner=None, locked_at=None).execute()

    edit(target, lambda s: s.delete_cols(1))
    refused(lambda: engine.run_sync(target), r'has no 线索编号 \(Lead code\) column')


def test_target_refusals_are_bilingual(target, tmp_path):
    refused(lambda: add_target('team', 'leads', target.options['path']), 'named team exists already')
    refused(lambda: add_target('old', 'leads', tmp_path / 'old.xls'), 'An .xls file cannot be written back')
    refused(lambda: add_target('new', 'leads', tmp_path / 'new.xlsx'), 'new.xlsx does not exist; create it with')
    refused(lambda: get_target('nope'), 'There is no sync target nope')


def test_conflict_refusals_are_bilingual(target):
    edit(target, lambda s: s.cell(2, 2, 'sheet says'))
    lead = Lead.get(Lead.code == 'L000001')
    lead.company = 'db says'
    audit.save(lead)
    engine.run_sync(target)
    conflict = SyncConflict.get(SyncConflict.status == 'open')
    refused(lambda: resolve_conflict(conflict.id, 'maybe'),
            r"Choose db, sheet or edit \(keep or delete for a deleted row\), not 'maybe'")
    refused(lambda: resolve_conflict(conflict.id, 'delete'), 'is about the field company: choose db, sheet or edit')
    deletion = SyncConflict.create(run=conflict.run, target=target, code='L000003', field=DELETION)
    refused(lambda: resolve_conflict(deletion.id, 'edit', 'x'), "L000003 was removed from the sheet: choose delete "
                                                                 "or keep, not 'edit'")
    ghost = SyncConflict.create(run=conflict.run, target=target, code='L999998', field=DELETION)
    refused(lambda: resolve_conflict(ghost.id, 'keep'), 'L999998 no longer exists; nothing to keep')
    refused(lambda: resolve_conflict(99999, 'db'), 'There is no conflict 99999')
    bad = SyncConflict.create(run=conflict.run, target=target, code='L000004', field='budget', sheet_value='x')
    chinese = refused(lambda: resolve_conflict(bad.id, 'edit', 'lots'), 'budget cannot be "lots"')
    assert chinese.startswith('「预算') and '「lots」' in chinese
    gone = SyncConflict.create(run=conflict.run, target=target, code='L999999', field='company', sheet_value='x')
    refused(lambda: resolve_conflict(gone.id, 'sheet'), 'L999999 no longer exists')
    resolve_conflict(conflict.id, 'db')
    chinese = refused(lambda: resolve_conflict(conflict.id, 'db'), r'already settled \(kept_db\)')
    assert '已保留数据库值' in chinese


def test_revert_refusals_and_row_notes_are_bilingual(target):
    refused(lambda: revert_run('RUN999999'), 'There is no run RUN999999')
    dry = engine.run_sync(target, dry_run=True)
    refused(lambda: revert_run(dry.run_code), 'was a dry run')
    edit(target, lambda s: s.cell(2, 2, 'from the sheet'))
    run = engine.run_sync(target).run_code
    lead = Lead.get(Lead.code == 'L000001')
    lead.company = 'edited since'
    audit.save(lead)
    result = revert_run(run)
    [row] = [r for r in result.rows if r.outcome == 'error']
    assert 'was edited after the run (company)' in row.message('en')
    assert '在该次运行后被修改过（company）' in row.message('zh')
    lead.company = 'from the sheet'
    audit.save(lead)
    assert not revert_run(run).needs_attention
    assert SyncRun.get(SyncRun.code == run).status == 'reverted'
    refused(lambda: revert_run(run), f'Run {run} was already reverted')


@pytest.fixture
def book(sheets_emulator):  # noqa: F811
    return sheets_emulator.create_spreadsheet('book', 'Sales', sheets={'Leads': [['Code'], ['L1']]}, rows=20, cols=3)


def test_google_sheets_refusals_are_bilingual(book, sheets_emulator, gsheets_client, tmp_path):  # noqa: F811
    refused(lambda: ops.open_worksheet(gsheets_client, 'book', 'Nope'), "no worksheet 'Nope'", ops.SheetNotFound)
    refused(lambda: ops.open_worksheet(gsheets_client, 'missing', 'Leads'), 'check the key', ops.SheetNotFound)
    sheets_emulator.forbidden.add('book')
    refused(lambda: ops.open_worksheet(gsheets_client, 'book', 'Leads'), 'share it', ops.SheetAccessDenied)
    sheets_emulator.forbidden.discard('book')
    worksheet = ops.open_worksheet(gsheets_client, 'book', 'Leads')
    refused(lambda: ops.check_rows(worksheet, 0, {2: 'L9'}), r"1 row\(s\) of worksheet 'Leads' moved", ops.RowsMoved)
    client = make_client(sheets_emulator, policy=RetryPolicy(max_tries=2, deadline=60, base=0.001, cap=0.001))
    sheets_emulator.fail_next(10, status=503)
    chinese = refused(lambda: client.http_client.values_get('book', "'Leads'!A1"), 'did not answer', SheetsUnavailable)
    assert '尝试 2 次后仍未响应' in chinese
    refused(lambda: open_client({'GOOGLE_API_BASE': 'https://sheets.googleapis.com'}),
            'LTC_GOOGLE_CREDENTIALS is not set', ConfigError)
    refused(lambda: open_client({'GOOGLE_CREDENTIALS': str(tmp_path / 'missing.json')}), 'not a file', ConfigError)
    refused(lambda: open_client({'GOOGLE_API_BASE': 'sheets.example'}), 'must be an http', ConfigError)


# --- static check: no refusal in the sync code without its Chinese text ---

LTC = Path(ltc.__file__).resolve().parent


def _error_names():
    """Return the names of every LTCError class the sync code can raise."""
    import importlib
    import pkgutil
    import ltc.sync
    for module in pkgutil.walk_packages(ltc.sync.__path__, 'ltc.sync.'):
        importlib.import_module(module.name)
    names, todo = set(), [LTCError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def missing_zh(source, names, filename='<source>'):
    """Return 'file:line' of each call of a class in NAMES that gives no Chinese (zh= or 2nd argument)."""
    out = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name not in names:
            continue
        zh = next((k.value for k in node.keywords if k.arg == 'zh'), node.args[1] if len(node.args) > 1 else None)
        if zh is None or (isinstance(zh, ast.Constant) and not zh.value):
            out.append(f'{filename}:{node.lineno}')
    return out


def test_static_check_catches_a_refusal_without_chinese():
    assert missing_zh("raise SyncError(f'{x} is bad.')", {'SyncError'}) == ['<source>:1']
    assert missing_zh("raise errors.SyncError('bad', zh=None)", {'SyncError'}) == ['<source>:1']
    assert missing_zh("raise SyncError('bad', zh='坏')\nraise SyncError('bad', '坏')", {'SyncError'}) == []


def test_every_sync_refusal_in_the_code_has_chinese():
    """Every SyncError anywhere in ltc/, and every LTCError raised by the sync code, names its Chinese."""
    calls, missing = 0, []
    for path in sorted(LTC.rglob('*.py')):
        source = path.read_text(encoding='utf-8')
        calls += source.count('SyncError(')
        missing += missing_zh(source, {'SyncError'}, str(path.relative_to(LTC.parent)))
    assert calls > 30 and not missing, missing
    names = _error_names() - {'LTCError'}
    assert {'SyncError', 'CellError', 'ConfigError', 'SheetNotFound', 'RowsMoved', 'ConflictError'} <= names
    sync_code = [*sorted((LTC / 'sync').rglob('*.py')), LTC / 'cli' / 'sync.py', LTC / 'cli' / 'sheets.py',
                 LTC / 'admin' / 'views_sync.py', LTC / 'admin' / 'sync_import.py']
    missing = [m for path in sync_code
               for m in missing_zh(path.read_text(encoding='utf-8'), names, str(path.relative_to(LTC.parent)))]
    assert not missing, missing
