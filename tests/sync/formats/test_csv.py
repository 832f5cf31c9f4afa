import pytest

from ltc.sync.errors import SyncError
from ltc.sync.formats.csv import CsvTable, detect_encoding
from ltc.sync.formats.tables import WriteBatch

ROWS = '公司名称,电话,备注\n"华为, 深圳",013800138000,a\n'


@pytest.mark.parametrize('encoding', ['utf-8', 'utf-8-sig', 'gb18030', 'gbk', 'utf-16', 'utf-16-le'])
def test_encodings(tmp_path, encoding):
    path = tmp_path / 'x.csv'
    path.write_bytes(ROWS.encode(encoding))
    grid = CsvTable(path).read()
    assert grid[1] == ['华为, 深圳', '013800138000', 'a']


@pytest.mark.parametrize('delimiter', [';', '\t', '|'])
def test_delimiters_are_sniffed(tmp_path, delimiter):
    path = tmp_path / 'x.csv'
    path.write_text(f'公司名称{delimiter}电话\n华为{delimiter}138\n中兴{delimiter}139\n', encoding='utf-8')
    assert CsvTable(path).read()[2] == ['中兴', '139']


def test_workbook_renamed_csv_and_bad_bytes_are_refused(tmp_path):
    path = tmp_path / 'x.csv'
    path.write_bytes(b'PK\x03\x04rest')
    with pytest.raises(SyncError, match='is an Excel workbook, not CSV'):
        CsvTable(path).read()
    with pytest.raises(SyncError, match='does not exist'):
        CsvTable(tmp_path / 'missing.csv').read()


def test_row_cap(tmp_path):
    path = tmp_path / 'x.csv'
    path.write_text('公司名称\n' + 'A\n' * 500, encoding='utf-8')
    with pytest.raises(SyncError, match='IMPORT_MAX_ROWS'):
        CsvTable(path, max_rows=10).read()


def test_write_keeps_encoding_and_delimiter(tmp_path):
    path = tmp_path / 'x.csv'
    path.write_bytes('线索编号;公司名称\nL1;华为\n'.encode('gb18030'))
    table = CsvTable(path)
    table.read()
    table.write(WriteBatch(cells={(2, 2): '华为技术'}, appends=[['L2', '中兴']]))
    assert detect_encoding(path.read_bytes()) == 'gb18030'
    assert path.read_bytes().decode('gb18030') == '线索编号;公司名称\r\nL1;华为技术\r\nL2;中兴\r\n'
