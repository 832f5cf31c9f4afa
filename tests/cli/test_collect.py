"""`flask ltc collect`: dunning from the command line and the statement as xlsx in zh and en."""
import datetime

from openpyxl import load_workbook

from ltc.services import collection, receivables
from tests.services.test_collection import deal  # noqa: F401  (the fixture)

D = datetime.date


def test_dun_overdue_and_statement(deal, runner, tmp_path):
    plan = deal['plans'][0]
    result = runner.invoke(args=['ltc', 'collect', 'dun', plan.code, '--user', 'rep', '--date', '2026-05-01'])
    assert result.exit_code == 0 and 'reminder on 2026-05-01' in result.output, result.output
    result = runner.invoke(args=['ltc', 'collect', 'dun', plan.code, '--level', 'escalation', '--date', '2026-05-02'])
    assert result.exit_code == 1 and 'dunning-order' in result.output
    result = runner.invoke(args=['ltc', 'collect', 'overdue', '--today', '2026-05-01'])
    assert result.exit_code == 1 and plan.code in result.output and 'reminder' in result.output
    receivables.record_payment(deal['contract'], '25000', received_on=D(2026, 3, 5), today=D(2026, 3, 5))
    for lang, title, balance in (('zh', '对账单', '应收余额'), ('en', 'Statement of account', 'Balance due')):
        path = tmp_path / f'statement-{lang}.xlsx'
        result = runner.invoke(args=['ltc', 'collect', 'statement', deal['customer'].code, str(path),
                                     '--lang', lang, '--date', '2026-05-01'])
        assert result.exit_code == 0 and 'balance CNY 275,000.00' in result.output, result.output
        rows = list(load_workbook(path).active.values)
        assert rows[0][0] == title
        [line] = [r for r in rows if r[0] == balance]
        assert line[1] == float(collection.ledger_balance(deal['customer'])['CNY']) == 275000.0
