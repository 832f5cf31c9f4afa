"""bench/run_all.py: which scripts run, with which sizes."""
import pytest

from bench import run_all


def test_every_bench_script_is_found_with_reduced_and_full_sizes():
    names = run_all.scripts()
    assert {'admin_list', 'crash', 'load'} <= set(names) and 'run_all' not in names
    assert run_all.arguments('load', full=False) == ['--quick', '--backends', 'sqlite']
    assert run_all.arguments('crash', full=True) == ['--runs', '20']
    assert run_all.arguments('crash', full=False, pg_url='postgresql://h/y')[-2:] == ['--database-url', 'postgresql://h/y_crash']


def test_unknown_script_is_refused_by_name(capsys):
    with pytest.raises(SystemExit):
        run_all.main(['--only', 'nope'])
    assert 'no bench script named nope' in capsys.readouterr().err


def test_bench_scripts_expose_main_argv():
    import importlib
    import inspect
    for name in run_all.scripts():
        module = importlib.import_module(f'bench.{name}')
        assert list(inspect.signature(module.main).parameters)[:1] == ['argv'], name
