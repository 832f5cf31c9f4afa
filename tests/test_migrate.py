"""Migrations create exactly the schema the models describe."""
from playhouse.schema_diff import diff_models

from ltc import migrate
from ltc.models import ALL_MODELS


def test_migrated_schema_matches_models(db):
    diff = diff_models(db.obj, ALL_MODELS)
    assert not diff, f'migrations and models disagree:\n{diff}'


def test_db_status_lists_applied_and_exits_zero(runner, db):
    result = runner.invoke(args=['ltc', 'db', 'status'])
    assert result.exit_code == 0, result.output
    assert 'applied  0001_initial' in result.output


def test_db_status_exits_one_when_pending(app, tmp_path, monkeypatch):
    from ltc import create_app
    fresh = create_app({'DATABASE_URL': f'sqlite:///{tmp_path}/empty.db',
                        'INSTANCE_PATH': str(tmp_path / 'i'), 'LTC_ENV': 'testing'})
    result = fresh.test_cli_runner().invoke(args=['ltc', 'db', 'status'])
    assert result.exit_code == 1
    assert 'pending  0001_initial' in result.output
    result = fresh.test_cli_runner().invoke(args=['ltc', 'db', 'upgrade'])
    assert result.exit_code == 0, result.output
    result = fresh.test_cli_runner().invoke(args=['ltc', 'db', 'status'])
    assert result.exit_code == 0, result.output


def test_upgrade_is_idempotent(db):
    assert migrate.upgrade() == []
    assert migrate.pending_migrations() == []
