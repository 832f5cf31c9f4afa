"""The invoice commands: request, issue, send, reverse, the gap lists, and the ledger out and back in."""
import csv
import datetime

from openpyxl import Workbook, load_workbook

from ltc.models import Invoice, PaymentPlan
from ltc.services import receivables
from tests.factories import make_customer, make_user
from tests.services.cashkit import live_contract

D = datetime.date


def run(runner, *args):
    return runner.invoke(args=['ltc', *args])


def setup_plans():
    contract = live_contract('300000', customer=make_customer(credit_code='91310000MA1FL0XX1X'))
    plans = receivables.set_plans(contract, [{'amount': '100000', 'due_on': D(2026, 3, 1)},
                                             {'amount': '200000', 'due_on': D(2026, 6, 1)}])
    make_user('finance', username='fin')
    return contract, plans


def test_invoice_flow_and_refusals(db, runner):
    contract, (first, second) = setup_plans()
    result = run(runner, 'invoice', 'request', first.code, '--amount', '60000', '--user', 'fin')
    assert result.exit_code == 0, result.output
    code = Invoice.get().code
    result = run(runner, 'invoice', 'request', first.code, '--amount', '50000', '--user', 'fin')
    assert result.exit_code == 1 and 'invoice-over-plan' in result.output and 'Traceback' not in result.output
    assert run(runner, 'invoice', 'issue', code, '--number', '04450001', '--date', '2026-03-02').exit_code == 0
    assert 'sent' in run(runner, 'invoice', 'send', code).output
    assert run(runner, 'invoice', 'gaps', '--uncollected').exit_code == 1
    result = run(runner, 'invoice', 'reverse', code)
    assert result.exit_code == 2 and '--reason' in result.output
    assert 'reversed' in run(runner, 'invoice', 'reverse', code, '--reason', '抬头错误').output
    assert run(runner, 'invoice', 'gaps', '--uncollected').exit_code == 0
    assert run(runner, 'invoice', 'request', first.code, '--amount', '100000', '--user', 'fin').exit_code == 0


def test_ledger_export_and_import(db, runner, tmp_path):
    contract, (first, second) = setup_plans()
    book = Workbook()
    sheet = book.active
    sheet.append(['回款计划', '发票号码', '价税合计', '税率', '发票类型', '开票日期', '状态', '红冲原因'])
    sheet.append([first.code, '0001', 100000, '13%', '专票', '2026-03-02', '已寄送', None])
    sheet.append([second.code, '0002', 50000, 0.06, '电子发票', datetime.datetime(2026, 3, 3), None, None])
    sheet.append([second.code, '0003', 999999, '13', None, None, None, None])          # over the plan
    path = tmp_path / 'ledger.xlsx'
    book.save(path)
    result = run(runner, 'invoice', 'import', str(path), '--user', 'fin', '--lang', 'en')
    assert result.exit_code == 1
    assert 'created 2' in result.output and 'error 1' in result.output and 'row 4' in result.output
    assert 'invoice-over-plan' in result.output
    rows = {i.number: i for i in Invoice.select()}
    assert (rows['0001'].status, rows['0001'].kind, str(rows['0001'].tax_amount)) == ('sent', 'vat_special',
                                                                                      '11504.42')
    assert (rows['0002'].status, rows['0002'].kind, rows['0002'].issued_on) == ('issued', 'electronic', D(2026, 3, 3))
    # The same ledger again writes nothing twice; a reversal in it is applied.
    sheet.delete_rows(4)
    sheet['G3'], sheet['H3'] = '已红冲', '金额有误'
    book.save(path)
    result = run(runner, 'invoice', 'import', str(path), '--user', 'fin', '--lang', 'en')
    assert result.exit_code == 0, result.output
    assert 'created 0, updated 1, unchanged 1' in result.output and Invoice.select().count() == 2
    assert Invoice.get(Invoice.number == '0002').reverse_reason == '金额有误'
    out = tmp_path / 'out.xlsx'
    assert run(runner, 'invoice', 'export', str(out)).exit_code == 0
    read = list(load_workbook(out).active.values)
    head = read[0]
    assert head[:3] == ('发票编号', '回款计划', '合同')
    assert {r[head.index('发票号码')] for r in read[1:]} == {'0001', '0002'}
    assert '已红冲' in {r[head.index('发票状态')] for r in read[1:]}
    assert run(runner, 'invoice', 'import', str(out), '--user', 'fin').output.startswith('created 0, updated 0, '
                                                                                         'unchanged 2')
    out = tmp_path / 'out.csv'
    assert run(runner, 'invoice', 'export', str(out), '--lang', 'en').exit_code == 0
    with open(out, encoding='utf-8-sig') as handle:
        assert 'Invoice number' in next(csv.reader(handle))
    assert PaymentPlan.get_by_id(first.id).amount == 100000
