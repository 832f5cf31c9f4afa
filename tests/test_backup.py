"""Backup and restore bring back every table exactly."""
from ltc.models import ALL_MODELS

from .factories import make_contract_line, make_lead


def _snapshot():
    return {m.__name__: sorted(tuple(sorted((k, str(v)) for k, v in row.items()))
                               for row in m.select().dicts()) for m in ALL_MODELS}


def test_backup_then_restore_compares_every_table(runner, db, tmp_path):
    make_contract_line()
    make_lead(company='备份前')
    before = _snapshot()
    out = tmp_path / 'ltc.backup'
    result = runner.invoke(args=['ltc', 'backup', str(out)])
    assert result.exit_code == 0, result.output
    db.connect(reuse_if_open=True)
    make_lead(company='备份后')
    assert _snapshot() != before
    result = runner.invoke(args=['ltc', 'restore', str(out), '--yes'])
    assert result.exit_code == 0, result.output
    db.connect(reuse_if_open=True)
    assert _snapshot() == before


def test_backup_refuses_to_overwrite_and_restore_refuses_junk(runner, db, tmp_path):
    out = tmp_path / 'exists.backup'
    out.write_text('x')
    result = runner.invoke(args=['ltc', 'backup', str(out)])
    assert result.exit_code == 1 and 'already exists' in result.output
    junk = tmp_path / 'junk.backup'
    junk.write_bytes(b'not a database at all' * 100)
    make_lead(company='keep me')
    result = runner.invoke(args=['ltc', 'restore', str(junk), '--yes'])
    assert result.exit_code == 1
    assert 'nothing was restored' in result.output or 'unchanged' in result.output
    db.connect(reuse_if_open=True)
    from ltc.models import Lead
    assert Lead.select().where(Lead.company == 'keep me').exists()
