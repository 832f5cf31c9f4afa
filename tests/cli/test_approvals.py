"""Approvals through the command line and the import door: one step per approver, in order; no door skips one."""
import csv
from decimal import Decimal

from ltc.models import Contract, ContractApproval
from ltc.services import approvals
from tests.services.test_approvals import org, submitted  # noqa: F401  (the fixture)


def run(runner, *args):
    return runner.invoke(args=['ltc', *args])


def test_cli_approves_step_by_step_and_refuses_out_of_tree(org, runner):
    contract = submitted(org, '8000000')
    result = run(runner, 'contract', 'approve', contract.code, '--user', 'mgr_north')
    assert result.exit_code == 1 and 'Traceback' not in result.output
    result = run(runner, 'approvals', 'inbox', '--user', 'mgr_sh')
    assert result.exit_code == 0 and contract.code in result.output and '1 waiting' in result.output
    result = run(runner, 'contract', 'approve', contract.code, '--user', 'mgr_sh')
    assert result.exit_code == 0, result.output
    assert 'waiting for step 2 (Region head), step 3 (Designated approver: cfo)' in result.output
    assert 'is now pending_approval' in result.output
    result = run(runner, 'contract', 'approve', contract.code, '--user', 'cfo')   # step 3 before step 2
    assert result.exit_code == 1 and 'only a manager or an admin' in result.output
    result = run(runner, 'contract', 'reject', contract.code, '--user', 'mgr_east')
    assert result.exit_code == 2 and '--reason' in result.output   # a rejection needs its reason
    assert run(runner, 'contract', 'approve', contract.code, '--user', 'mgr_east').exit_code == 0
    result = run(runner, 'contract', 'approve', contract.code, '--user', 'cfo')
    assert result.exit_code == 0 and 'is now effective' in result.output
    assert run(runner, 'approvals', 'rules').output.count('AR') == 3


def test_cli_quote_approval(org, runner):
    from tests.services.test_approvals import discounted_quote
    quote = discounted_quote(org, '25')
    result = run(runner, 'quote', 'send', quote.code)
    assert result.exit_code == 1 and 'quote-approval' in result.output
    assert 'pending_approval' in run(runner, 'quote', 'submit', quote.code, '--user', 'sales_sh').output
    result = run(runner, 'quote', 'reject', quote.code, '--user', 'mgr_sh', '--reason', '折扣过大')
    assert result.exit_code == 0 and 'is now draft' in result.output
    run(runner, 'quote', 'submit', quote.code, '--user', 'sales_sh')
    assert 'is now approved' in run(runner, 'quote', 'approve', quote.code, '--user', 'mgr_sh').output
    assert 'is now sent' in run(runner, 'quote', 'send', quote.code).output


def write_csv(path, rows):
    with open(path, 'w', newline='', encoding='utf-8') as handle:
        csv.writer(handle).writerows(rows)
    return str(path)


def test_import_approves_only_the_importers_step(org, runner, tmp_path):
    contract = submitted(org, '8000000')
    path = write_csv(tmp_path / 'c.csv', [['Contract number', 'Status'], [contract.code, 'effective']])
    result = run(runner, 'import', 'contracts', path, '--lang', 'en', '--as', 'mgr_north')
    assert result.exit_code == 1
    assert ContractApproval.select().where(ContractApproval.approver.is_null(False)).count() == 0
    result = run(runner, 'import', 'contracts', path, '--lang', 'en', '--as', 'mgr_sh')
    assert result.exit_code == 0, result.output
    contract = Contract.get_by_id(contract.id)
    assert contract.status == 'pending_approval'
    assert [s.decision for s in approvals.round_steps(contract)] == ['approved', 'pending', 'pending']
    # The same manager again: step 2 is not theirs (below the region, and they took step 1).
    result = run(runner, 'import', 'contracts', path, '--lang', 'en', '--as', 'mgr_sh')
    assert [s.decision for s in approvals.round_steps(contract)] == ['approved', 'pending', 'pending']
    assert 'approval-route' in result.output
    run(runner, 'import', 'contracts', path, '--lang', 'en', '--as', 'mgr_east')
    assert Contract.get_by_id(contract.id).status == 'pending_approval'
    # The designated approver (finance here) decides in the inbox or the CLI; a sheet row approves for
    # managers and admins only.
    assert run(runner, 'import', 'contracts', path, '--lang', 'en', '--as', 'cfo').exit_code == 1
    assert run(runner, 'contract', 'approve', contract.code, '--user', 'cfo').exit_code == 0
    assert Contract.get_by_id(contract.id).status == 'effective'


def test_a_small_contract_is_approved_in_one_import_row(org, runner, tmp_path):
    draft = Contract.get_by_id(submitted(org, '1000').id)
    path = write_csv(tmp_path / 'c.csv', [['Contract number', 'Status'], [draft.code, 'effective']])
    assert run(runner, 'import', 'contracts', path, '--lang', 'en', '--as', 'mgr_sh').exit_code == 0
    assert Contract.get_by_id(draft.id).status == 'effective'
    assert Decimal(Contract.get_by_id(draft.id).amount) == Decimal('1000')
