"""The reminders inbox in the UI language, and the "My notifications" page."""
import datetime

from ltc.services import audit, reminders

D = datetime.date


def test_inbox_in_the_ui_language_and_my_notifications_page(db, users, as_role):
    """The inbox reads in the UI language; My notifications saves the user's own choices only."""
    sales = users['sales']
    with audit.acting_as('job:test', 'job'):
        reminders.add(sales, 'lead_assigned', 'Lead', 'L000042', D(2026, 5, 1), {'name': 'L000042 新测智能'})
        reminders.add(sales, 'lead_assigned', 'Lead', 'L000042', D(2026, 5, 1), {'name': 'L000042 新测智能'})
    for lang, text, other in (('en', 'Lead L000042 新测智能 was assigned to you', '已分配给您'),
                              ('zh_Hans_CN', '线索 L000042 新测智能 已分配给您', 'was assigned')):
        html = as_role('sales', lang).get('/admin/reminder/').get_data(as_text=True)
        assert html.count(text) == 1 and other not in html, lang
    _my_notifications_page_saves_the_users_own_choices(users, as_role)


def _my_notifications_page_saves_the_users_own_choices(users, as_role):
    from ltc.services import notify
    from .conftest import csrf_from
    client = as_role('sales', 'zh_Hans_CN')
    html = client.get('/admin/my-notifications/').get_data(as_text=True)
    assert '我的通知' in html and '线索已分配' in html and '每日汇总' in html and '冲突待处理' in html
    assert '本服务器尚未配置邮件发送' in html   # no LTC_SMTP_HOST in the tests' app
    form = {f'{k}-{c}': 'off' for k in notify.KINDS for c in notify.CHANNELS}
    assert 'id="notify-timezone"' in html and '<option value="" selected>公司时区（Asia/Shanghai）</option>' in html
    form.update({'lead_assigned-email': 'each', 'payment_overdue-chat': 'digest', 'csrf_token': csrf_from(html),
                 'timezone': 'Europe/Berlin'})
    answer = client.post('/admin/my-notifications/', data=form, follow_redirects=True).get_data(as_text=True)
    assert '通知设置已保存（修改 3 项）' in answer
    assert '<option value="Europe/Berlin" selected>' in answer
    users['sales'].timezone = None
    from ltc.models import User
    assert User.get_by_id(users['sales'].id).timezone == 'Europe/Berlin'
    assert notify.preferences(users['sales']) == {('lead_assigned', 'email'): 'each',
                                                  ('payment_overdue', 'chat'): 'digest'}
    assert notify.preferences(users['manager']) == {}
    assert 'name="lead_assigned-email"' in answer and '<option value="each" selected>' in answer
    form['timezone'] = 'Mars/Olympus'
    refused = client.post('/admin/my-notifications/', data=form, follow_redirects=True).get_data(as_text=True)
    assert '未知的时区 Mars/Olympus' in refused and User.get_by_id(users['sales'].id).timezone == 'Europe/Berlin'
    form['timezone'] = 'Europe/Berlin'
    form['lead_assigned-email'] = 'sometimes'
    refused = client.post('/admin/my-notifications/', data=form, follow_redirects=True).get_data(as_text=True)
    assert '未知的通知设置' in refused and notify.preferences(users['sales'])[('lead_assigned', 'email')] == 'each'


def test_webhooks_and_the_delivery_log_are_for_admins(db, users, as_role):
    from ltc.models import ChatWebhook, Notification
    from ltc.services import notify
    from .conftest import csrf_from
    sales, admin = as_role('sales'), as_role('admin')
    for path in ('/admin/chatwebhook/', '/admin/notification/', '/admin/chatwebhook/new/'):
        assert sales.get(path).status_code == 403, path
    page = admin.get('/admin/chatwebhook/new/').get_data(as_text=True)
    answer = admin.post('/admin/chatwebhook/new/', data={
        'name': '华东销售群', 'kind': 'dingtalk', 'url': 'https://oapi.dingtalk.com/robot/send?access_token=t',
        'secret': 'SECx', 'active': 'y', 'csrf_token': csrf_from(page)}, follow_redirects=True)
    assert answer.status_code == 200
    hook = ChatWebhook.get(ChatWebhook.name == '华东销售群')
    assert (hook.kind, hook.department_id, hook.secret) == ('dingtalk', None, 'SECx')
    notify.set_preferences(users['sales'], {('lead_assigned', 'chat'): 'each'}, by=users['sales'])
    reminders.add(users['sales'], 'lead_assigned', 'Lead', 'L000009', D(2026, 5, 1), {'name': 'L000009 X'})
    notify.queue(cfg=notify.Settings())
    row = Notification.get()
    Notification.update(status='failed', attempts=6, last_error='dingtalk webhook answered HTTP 500').execute()
    log = admin.get('/admin/notification/').get_data(as_text=True)
    assert 'oapi.dingtalk.com' in log and 'dingtalk webhook answered HTTP 500' in log
    admin.post('/admin/notification/action/', data={'action': 'retry', 'rowid': [str(row.id)],
                                                    'csrf_token': csrf_from(log)})
    assert (Notification.get_by_id(row.id).status, Notification.get_by_id(row.id).attempts) == ('pending', 0)
