"""Migrations create exactly the schema the models describe."""
from playhouse.schema_diff import diff_models

from ltc import migrate, search
from ltc.models import ALL_MODELS


def test_migrated_schema_matches_models(db):
    diff = diff_models(db.obj, ALL_MODELS)
    # The search indexes live beside the models (ltc/search.py): PostgreSQL's stored documents and
    # their trigram indexes show here; SQLite's FTS5 tables and triggers do not.
    search_indexes = {f'{table}_search_trgm' for table in search.DOCUMENTS}
    found = {i.name for i in diff.drop_indexes if i.name in search_indexes}
    assert found in (set(), search_indexes)
    diff.drop_indexes[:] = [i for i in diff.drop_indexes if i.name not in search_indexes]
    documents = {(table, search.PG_COLUMN) for table in search.DOCUMENTS}
    stored = set(diff.drop_columns) & documents
    assert stored == (documents if found else set())
    diff.drop_columns[:] = [c for c in diff.drop_columns if c not in documents]
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


def test_commands_refuse_a_database_that_is_not_set_up(app, tmp_path):
    """Any command but db/setup/restore/backup on an empty or older database: one sentence, exit 2."""
    from ltc import create_app
    fresh = create_app({'DATABASE_URL': f'sqlite:///{tmp_path}/empty.db',
                        'INSTANCE_PATH': str(tmp_path / 'i'), 'LTC_ENV': 'testing'})
    cli = fresh.test_cli_runner()
    for args in (['export', 'leads', str(tmp_path / 'out.xlsx')], ['sync', 'status'], ['lead', '--help'], ['sync']):
        result = cli.invoke(args=['ltc', *args])
        if '--help' in args or args == ['sync']:   # help, and a group's own help, need no database
            assert 'Usage' in result.output and 'not set up' not in result.output, result.output
            continue
        assert result.exit_code == 2, result.output
        assert 'not set up yet' in result.output and 'flask ltc setup' in result.output, result.output
        assert '数据库尚未初始化' in result.output and 'Traceback' not in result.output
    assert not (tmp_path / 'out.xlsx').exists()
    # Older schema: the newest migration not applied yet.
    assert cli.invoke(args=['ltc', 'db', 'upgrade']).exit_code == 0
    with fresh.app_context():
        from ltc.db import database
        newest = migrate.status()[-1][0]
        with database.connection_context():
            database.execute_sql('DELETE FROM schema_migration WHERE name = ?', (newest,))
    result = cli.invoke(args=['ltc', 'sync', 'status'])
    assert result.exit_code == 2 and newest in result.output and 'flask ltc db upgrade' in result.output, result.output
    assert cli.invoke(args=['ltc', 'db', 'status']).exit_code == 1   # db commands still answer
