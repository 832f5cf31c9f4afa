"""Fuzz the import reader: random and mutated files give a plan or a refusal, never a traceback or a hang."""
import io
import shutil
import zipfile

import pytest

from bench.fuzz import fuzz_reader
from ltc.sync.errors import SyncError
from ltc.sync.writes.importer import plan_import
from ltc.sync.formats.tables import open_path

DATA = __import__('pathlib').Path(__file__).parent / 'data'


@pytest.mark.timeout(120)
def test_random_and_mutated_files_never_give_a_traceback(tmp_path):
    results = fuzz_reader(cases=40, seed=11, workdir=tmp_path, timeout=20)
    assert results['traceback'] == [] and results['hang'] == []
    assert results['refused'] > 0 and results['slowest'] < 20


def _rezip(source, target, member, mutate):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, 'w', zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            body = old.read(info.filename)
            new.writestr(info.filename, mutate(body) if info.filename == member else body)


@pytest.mark.parametrize('mutate', [lambda b: b[:len(b) // 2], lambda b: b.replace(b'count=', b'c\xffount=')],
                         ids=['truncated part', 'broken attribute'])
def test_damaged_workbook_parts_are_refused_with_a_message(db, tmp_path, mutate):
    source = DATA / 'tafia_calamine__errors.xlsx'   # has error cells: read through openpyxl too
    broken = tmp_path / 'broken.xlsx'
    with zipfile.ZipFile(source) as book:
        member = next(n for n in book.namelist() if n.startswith('xl/styles') or n == 'xl/workbook.xml')
    _rezip(source, broken, member, mutate)
    try:
        plan_import('leads', open_path(broken))
    except SyncError as exc:
        assert 'broken.xlsx' in str(exc)


def test_corrupt_zip_stream_is_refused(db, tmp_path):
    source = (DATA / 'dimastbk_python-calamine__base.xlsx').read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(source))
    info = archive.getinfo('xl/worksheets/sheet1.xml')
    data = bytearray(source)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 5, start + min(info.compress_size, 60)):
        data[i] ^= 0x5A   # garble the deflate stream, keep the zip directory intact
    path = tmp_path / 'garbled.xlsx'
    path.write_bytes(bytes(data))
    with pytest.raises(SyncError, match='garbled.xlsx'):
        plan_import('leads', open_path(path))
    shutil.rmtree(tmp_path, ignore_errors=True)
