"""Finance's invoice ledger (发票台账) through import, export and a two-way Excel sync: new rows are requested on
their plan by the invoice commands (never more than the plan), issued, sent or reversed as their status says;
on a stored invoice only the status moves; a reversal frees its amount; export then re-import changes nothing."""
import datetime
from decimal import Decimal

import openpyxl

from ltc.models import AuditLog, Invoice
from ltc.services import audit, invoices, receivables
from ltc.sync.engine import twoway as engine
from ltc.sync.engine.targets import add_target
from ltc.sync.formats.tables import open_path
from ltc.sync.writes.export import export_entity
from ltc.sync.writes.importer import run_import

from ...factories import make_customer, make_department, make_user
from ...services.cashkit import live_contract
from ..helpers import read_xlsx, write_xlsx

D = datetime.date
LEDGER = ['回款计划', '发票类型', '发票状态', '发票号码', '开票日期', '价税合计', '税率', '红冲原因']


def _deal(owner=None):
    customer = make_customer(name='华东制造有限公司', credit_code='91310000MA1FL0XX1X')
    contract = live_contract('300000', customer=customer, **({'owner': owner} if owner else {}))
    return receivables.set_plans(contract, [{'amount': '100000', 'due_on': D(2026, 3, 1)},
                                            {'amount': '200000', 'due_on': D(2026, 9, 1)}])


def _import(path, user, lang='zh', **kw):
    with audit.acting_as(user, 'import'):
        return run_import('invoices', open_path(path), lang=lang, **kw)


def test_ledger_import_goes_through_the_invoice_rules(db, tmp_path):
    fin, rep = make_user('finance'), make_user('sales', department=make_department())
    first, second = _deal(rep)
    path = write_xlsx(tmp_path / '发票台账.xlsx', [
        LEDGER,
        [first.code, '专票', '已开具', '04450001', '2026-03-02', '60000', '13%', None],
        [first.code, '普票', None, None, None, '30000', 13, None],          # requested
        [first.code, '专票', '已开具', '04450002', '2026-03-03', '20000', 13, None],   # 110,000 > 100,000
        [second.code, '电子发票', '已寄送', '04450003', '2026-09-02', '50000', 6, None],
        [second.code, '专票', '已红冲', '04450004', '2026-09-03', '10000', 13, None],  # no reason
        [second.code, '专票', '已开具', None, None, '10000', 13, None],      # no number
    ])
    dry = _import(path, fin, dry_run=True)
    assert [r.outcome for r in dry.rows] == ['created', 'created', 'created', 'created', 'error', 'error']
    assert 'reason' in dry.rows[4].message('en') and 'number' in dry.rows[5].message('en')
    assert Invoice.select().count() == 0
    result = _import(path, fin)
    assert [r.outcome for r in result.rows] == ['created', 'created', 'error', 'created', 'error', 'error']
    assert 'invoice-over-plan' in result.rows[2].message('en')
    got = {i.number or i.code: i for i in Invoice.select()}
    assert (got['04450001'].status, got['04450001'].tax_amount, got['04450001'].issued_on) == \
        ('issued', Decimal('6902.65'), D(2026, 3, 2))
    assert got['04450003'].status == 'sent' and got['04450003'].tax_rate == 6
    assert invoices.invoiced(first) == Decimal('90000.00')
    assert AuditLog.select().where(AuditLog.entity == 'Invoice', AuditLog.action == 'issue').count() == 2
    # Sales may request, never issue.
    path = write_xlsx(tmp_path / 'sales.xlsx', [LEDGER, [second.code, '专票', '已开具', '04450009', None, '1000', 13, None],
                                                 [second.code, '专票', None, None, None, '1000', 13, None]])
    result = _import(path, rep)
    assert [r.outcome for r in result.rows] == ['error', 'created'], result.rows[0].message('en')
    assert 'may request invoices' in result.rows[0].message('en')


def test_export_reimport_is_a_no_op_and_a_reversal_frees_the_amount(db, tmp_path):
    first, _second = _deal()
    fin = make_user('finance')
    issued = invoices.issue(invoices.request_invoice(first, '100000', by=fin), '04450001', D(2026, 3, 2), by=fin)
    for lang in ('zh', 'en'):
        path = tmp_path / f'invoices-{lang}.xlsx'
        export_entity('invoices', path, lang=lang)
        audits = AuditLog.select().count()
        result = _import(path, fin, lang=lang)
        assert result.totals()['unchanged'] == 1 and AuditLog.select().count() == audits, result.rows[0].notes
    # Edit the English export: the amount of an issued invoice is fixed; reversing it with a reason frees it.
    path = tmp_path / 'invoices-en.xlsx'
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    sheet.cell(2, col['Amount with tax']).value = 90000
    book.save(path)
    result = _import(path, fin, lang='en')
    assert result.rows[0].outcome == 'error' and 'do not change' in result.rows[0].message('en')
    book = openpyxl.load_workbook(path)
    sheet = book.active
    sheet.cell(2, col['Amount with tax']).value = 100000
    sheet.cell(2, col['Invoice status']).value = 'Reversed (red-letter)'
    sheet.cell(2, col['Reversal reason']).value = '抬头错误'
    sheet.append([None, first.code, None, None, 'vat_special', 'issued', '04450002', '2026-03-05', 100000, 13])
    book.save(path)
    result = _import(path, fin, lang='en')
    assert [r.outcome for r in result.rows] == ['updated', 'created'], [r.message('en') for r in result.rows]
    assert Invoice.get_by_id(issued.id).status == 'reversed' and Invoice.get_by_id(issued.id).reverse_reason == '抬头错误'
    assert invoices.invoiced(first) == Decimal('100000.00')   # the reversed 100,000 was freed for the new one
    # A reversed invoice stays reversed.
    book = openpyxl.load_workbook(path)
    book.active.cell(2, col['Invoice status']).value = 'issued'
    book.save(path)
    result = _import(path, fin, lang='en')
    assert result.rows[0].outcome == 'error' and 'stays so' in result.rows[0].message('en')


def test_two_way_excel_sync_of_the_ledger(db, tmp_path):
    first, second = _deal()
    fin = make_user('finance', username='fin.wang')
    invoices.request_invoice(first, '40000', by=fin)
    path = tmp_path / 'ledger.xlsx'
    export_entity('invoices', path)
    target = add_target('ledger', 'invoices', path, run_as=fin)
    assert engine.run_sync(target).totals()['unchanged'] == 1
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    sheet.cell(2, col['发票号码']).value = '04450010'     # filling the number issues the requested invoice
    sheet.cell(2, col['开票日期']).value = '2026-03-02'
    row = [None] * len(header)
    row[col['回款计划'] - 1], row[col['价税合计'] - 1], row[col['发票类型'] - 1] = second.code, 250000, '专票'
    sheet.append(row)                                     # more than the plan: refused, marked in the sheet
    row = list(row)
    row[col['价税合计'] - 1] = 50000
    sheet.append(row)
    book.save(path)
    result = engine.run_sync(target)
    assert (result.totals()["updated"], result.totals()["created"], result.totals()["error"]) == (1, 1, 1), [(r.row, r.outcome, r.message("en")) for r in result.rows]
    stored = Invoice.get(Invoice.number == '04450010')
    assert (stored.status, stored.issued_on) == ('issued', D(2026, 3, 2))
    assert Invoice.select().where(Invoice.plan == second.id).get().amount == 50000
    rows = read_xlsx(path)
    texts = [' '.join(str(c) for c in r if c is not None) for r in rows[1:]]
    assert any('invoice-over-plan' in t for t in texts), texts
    codes = [r[0] for r in rows[1:] if r[0]]
    assert stored.code in codes and Invoice.get(Invoice.plan == second.id).code in codes
    net = [r[col['不含税金额'] - 1] for r in rows[1:] if r[0] == stored.code][0]
    assert Decimal(str(net)) == stored.net_amount
    # The next run carries the status the commands set back into the sheet, and writes nothing in the database.
    audits = AuditLog.select().where(AuditLog.entity == 'Invoice').count()
    engine.run_sync(target)
    assert AuditLog.select().where(AuditLog.entity == 'Invoice').count() == audits
    assert [r[col['发票状态'] - 1] for r in read_xlsx(path)[1:] if r[0] == stored.code] == ['已开具']
    assert engine.run_sync(target).totals()['unchanged'] == 2
