"""Users: the password policy, session ends through one function, login throttling counts."""
import datetime

import pytest

from ltc.errors import ValidationError
from ltc.models import LoginThrottle, User
from ltc.services import logins, users
from ltc.services.messages import text


def test_weak_and_username_like_passwords_are_refused():
    hints = ('zhangwei2026', 'Zhang Wei', 'wei.zhang@lanterncorp.cn')
    for password in ('aaaaaaaaaa', 'zhangwei2026', 'password123', 'Zhangwei2026!', 'qwertyuiop', '1234567890',
                     'lanterncorp2026', 'ZhangWei-1990'):
        with pytest.raises(ValidationError) as refused:
            users.check_password(password, *hints)
        assert 'too easy to guess' in str(refused.value) and '--generate' in str(refused.value), password
        assert '密码太容易被猜到' in text(refused.value, 'zh_Hans_CN')
    with pytest.raises(ValidationError, match='too short'):
        users.check_password('Xq7#', *hints)


def test_strong_and_generated_passwords_pass():
    for password in ('violet-tundra-kettle', 'correct horse battery', 'quartz-meadow-lantern'):
        users.check_password(password, 'zhangwei2026', 'Zhang Wei')
    for _ in range(20):
        users.check_password(users.generate_password(), 'li.lei')


def test_a_refused_password_writes_nothing(db):
    with pytest.raises(ValidationError):
        users.create_user('zhangwei2026', 'sales', 'zhangwei2026')
    assert not User.select().where(User.username == 'zhangwei2026').exists()
    user = users.create_user('zhao', 'manager', 'violet-tundra-kettle')
    with pytest.raises(ValidationError):
        users.set_password('zhao', 'zhao-zhao-zhao')
    after = User.get_by_id(user.id)
    assert after.password_hash == user.password_hash and after.session_version == user.session_version


def test_end_sessions_leaves_the_record_version_alone(db):
    user = users.create_user('qian', 'sales', 'violet-tundra-kettle')
    stale = User.get_by_id(user.id)   # an edit opened before the logout ...
    users.end_sessions(user)
    assert user.session_version == stale.session_version + 1
    stale.phone = '13800000000'
    users.save_user(stale)   # ... still saves, and does not bring the old session version back
    assert User.get_by_id(user.id).session_version == user.session_version


def test_failures_count_within_a_window_from_the_first(db):
    limits = logins.Limits(per_user=3, per_address=10, lock_seconds=30, max_lock_seconds=120, window_minutes=10)
    now = datetime.datetime(2026, 3, 1, 9, 0)
    minutes = lambda n: now + datetime.timedelta(minutes=n)  # noqa: E731
    assert logins.record_failure('sun', '10.0.0.5', limits, now=now) == 0
    assert logins.record_failure('sun', '10.0.0.5', limits, now=minutes(8)) == 0
    # 11 minutes after the first failure a new window starts, even though the last one was recent:
    # a busy office behind one address does not add up typos all day.
    later = minutes(11)
    assert logins.record_failure('sun', '10.0.0.5', limits, now=later) == 0
    assert logins.record_failure('sun', '10.0.0.5', limits, now=later) == 0
    assert logins.record_failure('sun', '10.0.0.5', limits, now=later) == 30
    assert LoginThrottle.get(LoginThrottle.kind == 'ip').failures == 3
    assert logins.wait_seconds('SUN ', None, now=later) == 30   # usernames are compared as typed, any case
    assert logins.wait_seconds('sun', None, now=later + datetime.timedelta(seconds=31)) == 0
    assert [limits.lock_for(n, 2) for n in (1, 2, 3, 4, 5)] == [0, 30, 60, 120, 120]
    logins.forget('sun')
    assert not LoginThrottle.select().where(LoginThrottle.kind == 'user').exists()
