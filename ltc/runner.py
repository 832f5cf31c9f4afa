"""`flask ltc run` (what `make run` calls): the development server with the job consumer beside it.

The consumer (`python -m ltc.jobs`) runs in a child process built from the same settings as the
server, so reminders, pool reclaim, overdue marking and the sheet syncs happen on their schedule.
Stopping the server (Ctrl-C) stops the consumer too.
"""
import os
import signal
import subprocess
import sys
import threading

CONSUMER_OPTIONS = ('-w', '2', '-k', 'thread')


def consumer_env(app):
    """Return the environment for a consumer that uses APP's database, queue and instance folder."""
    env = dict(os.environ)
    env.update({'LTC_DATABASE_URL': app.config['DATABASE_URL'], 'LTC_QUEUE_URL': app.config['QUEUE_URL'],
                'LTC_INSTANCE_PATH': app.config['INSTANCE_PATH'], 'LTC_ENV': app.config['LTC_ENV'],
                'LTC_SECRET_KEY': app.config['SECRET_KEY']})
    return env


def start_consumer(app, options=CONSUMER_OPTIONS, **popen):
    """Start the job consumer for APP in a child process and return it."""
    return subprocess.Popen([sys.executable, '-m', 'ltc.jobs', *options], env=consumer_env(app), **popen)


def stop_consumer(process, timeout=15):
    """Stop the consumer as Ctrl-C does (running jobs finish); kill it after TIMEOUT seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return process.returncode


def dev_server(app, host, port):
    # werkzeug directly: Flask ignores app.run() inside a `flask` command.
    from werkzeug.serving import run_simple
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run(app, host='127.0.0.1', port=5000, serve=dev_server, say=print):
    """Serve APP on HOST:PORT with the job consumer running beside it; stopping one stops both."""
    # Ctrl-C (SIGINT) and a service manager's SIGTERM both stop the server, then the consumer;
    # set explicitly, since a shell starting us in the background leaves SIGINT ignored.
    signals = (signal.SIGINT, signal.SIGTERM) if threading.current_thread() is threading.main_thread() else ()
    previous = {sig: signal.signal(sig, _interrupt) for sig in signals}
    consumer = start_consumer(app)
    say(f'job consumer started (pid {consumer.pid}); periodic jobs run on their schedule')
    try:
        serve(app, host, port)
    except KeyboardInterrupt:
        pass
    finally:
        code = stop_consumer(consumer)
        say(f'job consumer stopped (exit {code})')
        for sig, handler in previous.items():
            signal.signal(sig, handler)
