"""Two logins of the same user at once (two tabs, two devices) both succeed."""
from ltc.admin import auth
from ltc.models import AuditLog, User
from ltc.services import audit

from .conftest import login


def test_simultaneous_login_of_the_same_user(app, users, monkeypatch):
    user = users['sales']
    stale = User.get_by_id(user.id)   # what the first login read ...
    fresh = User.get_by_id(user.id)
    fresh.display_name = 'renamed meanwhile'
    audit.save(fresh)   # ... before a second login (or an edit) saved the row
    monkeypatch.setattr(auth, 'authenticate', lambda username, password: stale)
    response = login(app.test_client(), user.username)
    assert response.status_code == 302 and '/login' not in response.headers['Location']
    saved = User.get_by_id(user.id)
    assert saved.last_login_at is not None and saved.display_name == 'renamed meanwhile'
    assert AuditLog.select().where((AuditLog.entity_code == user.code) & (AuditLog.action == 'login')).count() == 1
