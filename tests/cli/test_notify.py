"""`flask ltc notify send|test|prefs|log|retry` against a real local SMTP server."""
import datetime

from ltc.models import Notification
from ltc.services import reminders
from tests.factories import make_user
from tests.receivers import smtp_server  # noqa: F401  fixture


def _ok(runner, *args):
    result = runner.invoke(args=['ltc', 'notify', *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def test_notify_commands(app, runner, db, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, SMTP_FROM='LTC <ltc@example.com>')
    user = make_user(language='en', email='ops@example.com')
    admin = make_user('admin')
    assert 'sent to ops@example.com' in _ok(runner, 'test', '--user', user.username, '--channel', 'email')
    assert smtp_server.messages[-1][1]['Subject'] == '[LTC] Test notification'
    result = runner.invoke(args=['ltc', 'notify', 'test', '--user', user.username, '--channel', 'chat'])
    assert result.exit_code != 0 and 'No chat webhook' in result.output
    out = _ok(runner, 'prefs', '--user', user.username, '--set', '*:email:digest', '--set', 'lead_assigned:email:each')
    assert '12 choice(s) changed' in out or 'choice(s) changed' in out
    assert 'lead_assigned      email: each    chat: off' in out and 'pool_warning       email: digest' in out
    assert "time zone: Asia/Shanghai (the company's); digest at 8:00" in out
    assert 'time zone: Europe/Berlin;' in _ok(runner, 'prefs', '--user', user.username, '--timezone', 'Europe/Berlin')
    bad = runner.invoke(args=['ltc', 'notify', 'prefs', '--user', user.username, '--timezone', 'Berlin'])
    assert bad.exit_code != 0 and 'Unknown time zone Berlin' in bad.output
    assert "Asia/Shanghai (the company's)" in _ok(runner, 'prefs', '--user', user.username, '--timezone', '')
    reminders.add(user, 'lead_assigned', 'Lead', 'L000001', datetime.date.today(), {'name': 'L000001 Acme'})
    reminders.add(user, 'pool_warning', 'Customer', 'C000001', datetime.date.today(),
                  {'name': '新测', 'name_en': 'Xince', 'reason': 'no follow-up for 30 days', 'reason_zh': '30 天未跟进'})
    assert 'sent: 1' in _ok(runner, 'send')
    assert smtp_server.messages[-1][1]['Subject'] == '[LTC] Lead assigned: Lead L000001 Acme was assigned to you'
    out = _ok(runner, 'send', '--digests-now')
    assert '1 digest deliveries made due now' in out and 'sent: 1' in out
    assert 'Xince returns to the public pool' in smtp_server.messages[-1][1].get_body(('plain',)).get_content()
    smtp_server.refuse = 1
    reminders.add(user, 'lead_assigned', 'Lead', 'L000002', datetime.date.today(), {'name': 'L000002 Beta'})
    assert 'retry: 1' in _ok(runner, 'send')
    assert '451' in _ok(runner, 'log', '--status', 'pending')
    failed = Notification.get(Notification.status == 'pending')
    Notification.update(status='failed').where(Notification.id == failed.id).execute()
    assert '1 delivery(ies) queued again' in _ok(runner, 'retry', str(failed.id), '--as', admin.username)
    assert 'sent: 1' in _ok(runner, 'send')
    assert len(smtp_server.messages) == 4
