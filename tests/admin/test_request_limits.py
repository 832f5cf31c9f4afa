"""Request-level guards: an app-wide body cap and a language switch other sites cannot store."""
from ltc.models import AuditLog, Lead, User


def test_a_body_over_the_cap_is_refused_with_a_clear_message_and_changes_nothing(as_role, app, db):
    client = as_role('admin')
    app.config['MAX_CONTENT_LENGTH'] = 64 * 1024
    before = (Lead.select().count(), AuditLog.select().count())
    response = client.post('/admin/lead/new/', data={'company': 'x' * (100 * 1024)})
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert 'larger than 64 KB' in text and 'nothing was changed' in text and '未做任何更改' in text
    assert (Lead.select().count(), AuditLog.select().count()) == before


def test_the_default_cap_leaves_room_for_the_largest_allowed_upload(app):
    assert app.config['MAX_CONTENT_LENGTH'] > app.config['IMPORT_MAX_UPLOAD_MB'] * 1024 * 1024


def test_a_language_link_from_another_site_is_not_stored_on_the_user(as_role, users, db):
    client = as_role('sales')
    stored = User.get_by_id(users['sales'].id).language
    other = 'en' if stored == 'zh_Hans_CN' else 'zh_Hans_CN'
    before = AuditLog.select().count()
    client.get(f'/lang/{other}', headers={'Referer': 'https://evil.example/page'})
    assert User.get_by_id(users['sales'].id).language == stored
    assert AuditLog.select().count() == before
    page = client.get('/admin/lead/').get_data(as_text=True)
    assert ('线索' in page) == (other == 'zh_Hans_CN')   # this browser session switched
    client.get(f'/lang/{other}', headers={'Referer': '/admin/lead/'})
    assert User.get_by_id(users['sales'].id).language == other
    assert AuditLog.select().count() == before + 1
