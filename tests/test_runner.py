"""`flask ltc run`: the development server starts the job consumer beside it and stops it with itself."""
import subprocess
import time

import pytest

from ltc import runner


def _wait_for(process, text, seconds=30):
    """Return the consumer's log lines up to the first one containing TEXT."""
    lines, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    pytest.fail(f'the consumer never logged {text!r}: {lines}')


def test_run_starts_the_consumer_and_stops_it_with_the_server(app, db, db_url, monkeypatch):
    if not db_url.startswith('sqlite'):
        pytest.skip('a process test; the consumer itself is tested on both databases in test_jobs')
    started, said = [], []
    real_start = runner.start_consumer

    def start(app_, **kw):
        started.append(real_start(app_, stderr=subprocess.PIPE, text=True, **kw))
        return started[-1]

    def serve(app_, host, port):
        consumer = started[0]
        lines = _wait_for(consumer, 'Huey consumer started')
        assert consumer.poll() is None and any('thread' in line for line in lines)
        raise KeyboardInterrupt   # the user presses Ctrl-C

    monkeypatch.setattr(runner, 'start_consumer', start)
    runner.run(app, '127.0.0.1', 0, serve=serve, say=said.append)   # Ctrl-C ends it quietly
    consumer = started[0]
    assert consumer.returncode is not None      # stopped with the server, nothing left behind
    assert said[0].startswith(f'job consumer started (pid {consumer.pid})') and said[-1].startswith('job consumer stopped')


def test_consumer_uses_the_apps_database_and_queue(app):
    env = runner.consumer_env(app)
    assert env['LTC_DATABASE_URL'] == app.config['DATABASE_URL']
    assert env['LTC_QUEUE_URL'] == app.config['QUEUE_URL']


def test_run_is_a_command(runner):
    result = runner.invoke(args=['ltc', 'run', '--help'])
    assert result.exit_code == 0, result.output
    assert 'job consumer' in result.output
