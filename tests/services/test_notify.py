"""Notifications against a real SMTP server and a real HTTP receiver: the bytes that arrive, each user's
language and choices, digests, retries with backoff, and nothing sent twice."""
import base64
import datetime
import hashlib
import hmac
import json

from ltc.models import ChatWebhook, Notification, Reminder
from ltc.services import audit, notify, reminders, webhooks
from tests.factories import make_department, make_user
from tests.receivers import http_receiver, smtp_server  # noqa: F401  fixtures

D = datetime.date
NOW = datetime.datetime(2026, 5, 10, 2, 0)   # 10:00 in Asia/Shanghai, after the 08:00 digest


def _cfg(smtp=None, **kw):
    return notify.Settings(smtp_host='127.0.0.1' if smtp else '', smtp_port=smtp.port if smtp else 25,
                           smtp_from='LTC <ltc@example.com>', timeout=5, **kw)


def _remind(user, kind='lead_assigned', code='L000001', due=D(2026, 5, 10), **fields):
    fields = fields or {'name': f'{code} 新测智能'}
    return reminders.add(user, kind, 'Lead', code, due, fields)


def _choose(user, *pairs):
    notify.set_preferences(user, {(k, c): m for k, c, m in pairs}, by=user)


def _parts(message):
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


def test_email_in_each_users_language_as_chosen_and_once(db, smtp_server):
    zh = make_user(language='zh_Hans_CN', email='zhang@example.com', display_name='张三')
    en = make_user(language='en', email='li@example.com', display_name='李四', display_name_en='Li Si')
    quiet = make_user(language='en', email='quiet@example.com')   # chose nothing: in-app only
    _choose(zh, ('lead_assigned', 'email', 'each'))
    _choose(en, ('lead_assigned', 'email', 'each'))   # not contract_expiring
    for user in (zh, en, quiet):
        _remind(user)
    _remind(en, 'contract_expiring', 'C000001', name='C000001')
    counts = notify.run(NOW, _cfg(smtp_server))
    assert (counts['queued'], counts['sent'], counts['retry']) == (2, 2, 0)
    got = {to[0]: message for to, message in smtp_server.messages}
    assert set(got) == {'zhang@example.com', 'li@example.com'}
    chinese, english = got['zhang@example.com'], got['li@example.com']
    assert chinese['Subject'] == '[LTC] 线索已分配：线索 L000001 新测智能 已分配给您'
    assert english['Subject'] == '[LTC] Lead assigned: Lead L000001 新测智能 was assigned to you'
    assert chinese['Content-Language'] == 'zh-CN' and english['To'] == 'Li Si <li@example.com>'
    text, html = _parts(chinese)['text/plain'], _parts(chinese)['text/html']
    assert text.startswith('张三，您好：') and '- 线索 L000001 新测智能 已分配给您（' not in text
    assert '线索 L000001 新测智能 已分配给您 (到期 2026-05-10)' in text and 'was assigned' not in text
    assert '<li>线索 L000001 新测智能 已分配给您 (到期 2026-05-10)</li>' in html and 'lang="zh-CN"' in html
    assert 'Hello Li Si,' in _parts(english)['text/plain']
    # A second run (and a reminder made again) sends nothing more.
    assert _remind(zh) is None
    assert notify.run(NOW + datetime.timedelta(minutes=1), _cfg(smtp_server))['sent'] == 0
    assert len(smtp_server.messages) == 2
    assert Notification.select().where(Notification.status == 'sent').count() == 2


def test_smtp_failure_retries_with_backoff_then_gives_up_and_the_reminder_stays(db, smtp_server):
    user = make_user(language='en', email='wang@example.com')
    _choose(user, ('payment_overdue', 'email', 'each'))
    reminder = reminders.add(user, 'payment_overdue', 'PaymentPlan', 'PP000001', D(2026, 5, 1),
                             {'name': 'HT-2026-001', 'amount': '400.00'})
    cfg = _cfg(smtp_server, backoff_seconds=60, max_attempts=3)
    smtp_server.refuse = 1
    assert notify.run(NOW, cfg)['retry'] == 1
    row = Notification.get()
    assert (row.status, row.attempts, row.send_after) == ('pending', 1, NOW + datetime.timedelta(seconds=60))
    assert '451' in row.last_error and smtp_server.messages == []
    assert notify.run(NOW + datetime.timedelta(seconds=59), cfg)['sent'] == 0   # not before its time
    assert notify.run(NOW + datetime.timedelta(seconds=60), cfg)['sent'] == 1
    [(to, message)] = smtp_server.messages
    assert message['Subject'] == '[LTC] Payment overdue: Payment 400.00 of contract HT-2026-001 overdue since 2026-05-01'
    # A server that keeps refusing: 60 s, then 120 s, then given up; the reminder is still in the inbox.
    other = make_user(email='zhao@example.com')
    _choose(other, ('payment_overdue', 'email', 'each'))
    reminders.add(other, 'payment_overdue', 'PaymentPlan', 'PP000001', D(2026, 5, 1), {'name': 'X', 'amount': '1'})
    smtp_server.refuse = 3
    notify.run(NOW, cfg)
    failing = Notification.get(Notification.user == other.id)
    assert failing.send_after == NOW + datetime.timedelta(seconds=60)
    notify.run(failing.send_after, cfg)
    failing = Notification.get_by_id(failing.id)
    assert (failing.attempts, failing.send_after) == (2, NOW + datetime.timedelta(seconds=180))
    assert notify.run(failing.send_after, cfg)['failed'] == 1
    assert Notification.get_by_id(failing.id).status == 'failed'
    assert reminders.unread_count(other) == 1 and Reminder.get_by_id(reminder.id).read_at is None


def test_digest_groups_the_days_reminders_in_one_message(db, smtp_server):
    user = make_user(language='zh_Hans_CN', email='chen@example.com', display_name='陈六')
    _choose(user, ('lead_assigned', 'email', 'digest'), ('contract_expiring', 'email', 'digest'))
    _remind(user, code='L000001')
    _remind(user, code='L000002')
    read = _remind(user, code='L000003')
    _remind(user, 'contract_expiring', 'C000009', name='C000009 云帆MES')
    cfg = _cfg(smtp_server)
    assert notify.run(NOW, cfg) == {'queued': 4, 'skipped': 0, 'reminders': 4, 'sent': 0, 'retry': 0, 'failed': 0}
    reminders.mark_read(user, [read.code])   # read in the app before the digest: left out
    digest_at = datetime.datetime(2026, 5, 11, 0, 0)   # 08:00 the next morning in Asia/Shanghai
    assert Notification.select().where(Notification.send_after == digest_at).count() == 4
    assert notify.run(digest_at - datetime.timedelta(minutes=1), cfg)['sent'] == 0
    assert notify.run(digest_at, cfg)['sent'] == 3
    [(to, message)] = smtp_server.messages
    assert message['Subject'] == '[LTC] 您的提醒：3 条'
    text = _parts(message)['text/plain']
    assert text.index('线索已分配：') < text.index('线索 L000001') < text.index('合同即将到期：') < text.index('C000009 云帆MES')
    assert 'L000003' not in text and Notification.get(Notification.reminder == read.id).status == 'skipped'


def test_a_users_digest_goes_out_at_the_digest_hour_of_their_own_time_zone(db, smtp_server):
    """Berlin and New York colleagues get their digest at 08:00 on their own clocks; the others at the company's."""
    berlin = make_user(language='en', email='anna@example.com')
    york = make_user(language='en', email='joe@example.com')
    shanghai = make_user(language='zh_Hans_CN', email='chen@example.com')
    for user in (berlin, york, shanghai):
        _choose(user, ('lead_assigned', 'email', 'digest'))
    assert notify.set_timezone(berlin, 'Europe/Berlin', by=berlin) is True
    assert notify.set_timezone(york, 'America/New_York', by=york) is True
    assert notify.set_timezone(york, 'America/New_York', by=york) is False   # unchanged: no audit row
    for user in (berlin, york, shanghai):
        _remind(user, code=f'L{user.id:06d}')
    notify.run(NOW, _cfg(smtp_server))   # 2026-05-10 02:00 UTC
    send_after = {n.user_id: n.send_after for n in Notification.select()}
    assert send_after[berlin.id] == datetime.datetime(2026, 5, 10, 6, 0)    # 08:00 CEST, later the same day
    assert send_after[york.id] == datetime.datetime(2026, 5, 10, 12, 0)     # 08:00 EDT
    assert send_after[shanghai.id] == datetime.datetime(2026, 5, 11, 0, 0)  # 08:00 CST, the next morning
    assert notify.run(datetime.datetime(2026, 5, 10, 6, 0), _cfg(smtp_server))['sent'] == 1
    assert [to for to, _m in smtp_server.messages] == [['anna@example.com']]


def test_a_time_zone_is_an_iana_name_set_by_the_user_or_an_admin(db):
    import pytest
    from ltc.errors import LTCError
    user, other = make_user(), make_user()
    with pytest.raises(LTCError, match='Unknown time zone Mars/Olympus'):
        notify.set_timezone(user, 'Mars/Olympus', by=user)
    with pytest.raises(LTCError, match='only'):
        notify.set_timezone(user, 'Europe/Paris', by=other)
    assert notify.set_timezone(user, 'Europe/Paris', by=make_user('admin')) is True
    assert notify.set_timezone(user, '', by=user) is True and user.timezone is None


def _sign(key, message):
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()


def test_each_robot_gets_its_own_payload_format(db, http_receiver):
    east = make_department(name='华东大区')
    sh = make_department(name='上海分公司', parent=east)
    user = make_user(language='zh_Hans_CN', department=sh, phone='13800001111', display_name='张三')
    for kind, path, secret in (('wecom', '/cgi-bin/webhook/send?key=abc', None),
                               ('dingtalk', '/robot/send?access_token=tok', 'SECding'),
                               ('feishu', '/open-apis/bot/v2/hook/xyz', 'feishu-secret'),
                               ('generic', '/hooks/ltc', 'gen-secret')):
        audit.save(ChatWebhook(name=kind, kind=kind, url=http_receiver.url(path), secret=secret, department=east))
    audit.save(ChatWebhook(name='company', kind='wecom', url=http_receiver.url('/company'), department=None))
    _choose(user, ('approval_waiting', 'chat', 'each'))
    reminders.add(user, 'approval_waiting', 'Contract', 'HT-2026-007', D(2026, 5, 10),
                  {'name': 'Contract HT-2026-007', 'name_zh': '合同 HT-2026-007', 'step': 1})
    assert notify.run(NOW, _cfg())['sent'] == 4   # the nearest department's robots, not the company's
    text = '合同 HT-2026-007 等待您审批（第 1 级）'
    [wecom] = http_receiver.bodies('/cgi-bin/webhook/send')
    assert wecom['msgtype'] == 'markdown' and text in wecom['markdown']['content']
    assert wecom['markdown']['content'].startswith('**[LTC] 待审批：') and '提醒 张三' in wecom['markdown']['content']
    [ding] = [r for r in http_receiver.requests if r['path'] == '/robot/send']
    assert ding['query']['access_token'] == 'tok'
    assert ding['query']['sign'] == _sign('SECding', f"{ding['query']['timestamp']}\nSECding")
    assert ding['json']['msgtype'] == 'markdown' and ding['json']['markdown']['title'].startswith('[LTC] 待审批')
    assert ding['json']['at'] == {'atMobiles': ['13800001111'], 'isAtAll': False}
    [feishu] = http_receiver.bodies('/open-apis/bot/v2/hook/xyz')
    assert feishu['sign'] == _sign(f"{feishu['timestamp']}\nfeishu-secret", '')
    post = feishu['content']['post']['zh_cn']
    assert feishu['msg_type'] == 'post' and [[{'tag': 'text', 'text': f'- {text} (到期 2026-05-10)'}]] == \
        [line for line in post['content'] if text in line[0]['text']]
    [generic] = http_receiver.bodies('/hooks/ltc')
    assert generic['event'] == 'ltc.reminders' and generic['language'] == 'zh'
    assert generic['reminders'] == [{'code': generic['reminders'][0]['code'], 'kind': 'approval_waiting',
                                     'kind_label': '待审批', 'entity': 'Contract', 'entity_code': 'HT-2026-007',
                                     'due_on': '2026-05-10', 'text': text}]
    [request] = [r for r in http_receiver.requests if r['path'] == '/hooks/ltc']
    assert text.encode('utf-8') in request['raw']   # UTF-8 on the wire, not \u escapes
    signature = {k.lower(): v for k, v in request['headers'].items()}['x-ltc-signature']
    assert webhooks.verify('gen-secret', request['raw'], signature)   # one scheme with outgoing webhooks
    assert not webhooks.verify('other-secret', request['raw'], signature)
    assert http_receiver.bodies('/company') == []


def test_a_refusing_robot_is_retried_and_a_user_without_a_webhook_is_logged(db, http_receiver):
    user = make_user(language='en')
    _choose(user, ('sync_conflict', 'chat', 'each'))
    hook = audit.save(ChatWebhook(name='ops', kind='wecom', url=http_receiver.url('/wecom')))
    http_receiver.answers = [(200, {'errcode': 93000, 'errmsg': 'invalid webhook url'}), (502, {})]
    reminders.add(user, 'sync_conflict', 'SyncTarget', 'SY000001', D(2026, 5, 10), {'name': 'team', 'count': 2})
    cfg = _cfg(backoff_seconds=10)
    assert notify.run(NOW, cfg)['retry'] == 1
    assert '93000 invalid webhook url' in Notification.get().last_error
    assert notify.run(NOW + datetime.timedelta(seconds=10), cfg)['retry'] == 1
    assert 'HTTP 502' in Notification.get().last_error
    assert notify.run(NOW + datetime.timedelta(seconds=30), cfg)['sent'] == 1
    assert len(http_receiver.requests) == 3
    assert 'Sync target team: 2 conflict(s) to resolve' in http_receiver.requests[-1]['json']['markdown']['content']
    hook.active = False
    audit.save(hook)
    reminders.add(user, 'sync_conflict', 'SyncTarget', 'SY000001', D(2026, 5, 11), {'name': 'team', 'count': 1})
    assert notify.run(NOW, cfg)['skipped'] == 1
    assert Notification.get(Notification.status == 'skipped').last_error.startswith('no chat webhook')


def test_a_robot_address_that_redirects_is_not_followed(db, http_receiver):
    """A moved robot address answers a redirect: the message is retried (not counted as sent after a GET to the
    redirect's target, which would get no message), and the error says to give the final URL."""
    user = make_user(language='en')
    _choose(user, ('sync_conflict', 'chat', 'each'))
    audit.save(ChatWebhook(name='ops', kind='generic', url=http_receiver.url('/moved')))
    http_receiver.answers = [(302, {}, {'Location': http_receiver.url('/login')})]
    reminders.add(user, 'sync_conflict', 'SyncTarget', 'SY000001', D(2026, 5, 10), {'name': 'team', 'count': 2})
    assert notify.run(NOW, _cfg(backoff_seconds=10))['retry'] == 1
    assert 'redirected (HTTP 302)' in Notification.get().last_error
    assert [r['path'] for r in http_receiver.requests] == ['/moved']


def test_record_text_in_a_chat_message_makes_no_link_image_tag_or_mention():
    from types import SimpleNamespace

    from ltc.services.notify_formats import Item, Message
    # a lead's company as a visitor typed it on the public web form, in the owner's "lead assigned" reminder
    text = 'Lead L000001 [Verify](https://evil.example) ![x](https://evil.example/p.png) <@all> <font>Co</font>'
    user = SimpleNamespace(display_name='张三', display_name_en=None, username='zhang')
    message = Message('en', '[LTC] Lead assigned', [Item('R1', 'lead_assigned', 'Lead assigned', 'Lead', 'L000001',
                                                          None, text)], user, 'https://ltc.example.com/admin/reminder/')
    lines = message.markdown().split('\n')
    assert lines[0] == '**[LTC] Lead assigned**'
    assert lines[2] == '- Lead L000001 ［Verify］(https://evil.example) !［x］(https://evil.example/p.png) ＜@all＞ ＜font＞Co＜/font＞'
    assert lines[-1] == '[Open your reminders](https://ltc.example.com/admin/reminder/)'   # LTC's own link stays a link
    # a line break in the record's text (an API or web form answer) leaves the e-mail's subject one line
    from ltc.services.notify_formats import compose, email_message
    broken = Reminder(kind='lead_assigned', entity='Lead', entity_code='L000002', due_on=None,
                      params=json.dumps({'name': 'L000002 Evil Co\nBcc: all@example.com'}))
    user.language = 'en'
    mail = email_message(compose(user, [broken]), 'zhang@example.com', 'LTC <ltc@example.com>')
    assert mail['Subject'] == '[LTC] Lead assigned: Lead L000002 Evil Co Bcc: all@example.com was assigned to you'
