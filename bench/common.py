"""Shared bench helpers: a fresh SQLite app, generated lead workbooks, timing in a child process."""
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROVINCES = ['广东省', '浙江省', '江苏省', '北京市', '上海市', '四川省', '湖北省', '山东省']
SOURCES = ['展会', '官网', 'Referral', 'seminar', '转介绍', '在线客服']
INDUSTRIES = ['制造业', '金融', 'Energy', '互联网', '教育', '医疗']
HEADER = ['线索编号', '*公司名称', '联系人', '职务', '手机号', '邮箱', '线索来源', '客户行业', '省份', '城市',
          '企业规模', '预算', '币种', '需求', '负责人']


def open_app(directory, database_url=None):
    """Return (app, database) for a migrated database with reference data and users.

    The database is a SQLite file in DIRECTORY unless DATABASE_URL names another one.
    """
    from ltc import create_app, db as db_module, migrate
    from ltc.services.reference import ensure_reference_data
    url = database_url or f'sqlite:///{directory}/bench.db'
    app = create_app({'DATABASE_URL': url, 'INSTANCE_PATH': str(directory),
                      'LTC_ENV': 'testing', 'SECRET_KEY': 'bench-' + 'x' * 40, 'IMPORT_MAX_ROWS': 2_000_000})
    database = db_module.database
    database.connect(reuse_if_open=True)
    migrate.upgrade()
    ensure_reference_data()
    return app, database


def lead_row(i, rng):
    return [None, f'测试科技有限公司{i:06d}', f'联系人{i % 997}', '采购经理', f'138{i:08d}',
            f'buyer{i}@example.cn', rng.choice(SOURCES), rng.choice(INDUSTRIES), rng.choice(PROVINCES),
            '某市', '100-499人', f'{rng.randint(1, 500) * 1000:,}', 'CNY', '需要一套 CRM 系统' * 2, None]


def write_leads_xlsx(path, rows, seed=1):
    """Write a lead workbook of ROWS data rows with openpyxl write-only."""
    from openpyxl import Workbook
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet('线索')
    sheet.append(HEADER)
    for i in range(rows):
        sheet.append(lead_row(i, rng))
    book.save(path)
    return path


def _child(fn, args, queue):
    start = time.perf_counter()
    value = fn(*args)
    elapsed = time.perf_counter() - start
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, value))


def measure(fn, *args):
    """Run fn(*args) in a fresh process; return (seconds, peak RSS in MB, return value)."""
    ctx = multiprocessing.get_context('fork')
    queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(fn, args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def workdir(keep=None):
    return Path(keep) if keep else Path(tempfile.mkdtemp(prefix='ltc-bench-'))


def machine():
    return f'{os.cpu_count()} cores, Python {sys.version.split()[0]}'
