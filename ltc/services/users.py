"""Users: create them, set their passwords (stored only as hashes), check logins and end sessions."""
import functools
import re
import secrets

from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from ..db import database
from ..errors import NotFound
from ..models import Department, Role, User
from ..models.choices import ROLES
from . import audit, logins
from .messages import invalid, refusal

MIN_PASSWORD = 10
MIN_STRENGTH = 3   # zxcvbn score 0-4; 3 = "safely unguessable", about 10^8 guesses or more
STRENGTH_CHARS = 100   # zxcvbn's time grows with length; a longer password is judged by its start
# Changing any of these ends every session of the user.
SESSION_FIELDS = ('role', 'active', 'password_hash')


def generate_password():
    return secrets.token_urlsafe(12)


def check_password(password, *hints):
    """Refuse a password that is short, common, or made of the username, name or e-mail (HINTS)."""
    if len(password or '') < MIN_PASSWORD:
        raise invalid('The password is too short; use at least {count} characters.', '密码太短；请至少使用 {count} 个字符。',
                      count=MIN_PASSWORD)
    # Each hint whole and in its parts: 'wei.zhang@example.com' also gives 'wei', 'zhang', 'example'.
    inputs = [part for hint in hints if hint for part in {str(hint), *re.split(r'[\W_]+', str(hint))}
              if len(part) > 2]
    contains_hint = any(part.lower() in password.lower() for part in inputs if len(part) >= 4)
    if contains_hint or zxcvbn(password[:STRENGTH_CHARS], user_inputs=inputs)['score'] < MIN_STRENGTH:
        raise invalid('The password is too easy to guess: it is a common password, a pattern such as '
                      'repeated or sequential characters, or it contains the username, name or e-mail. '
                      'Use three or four unrelated words or a generated password (`--generate`).',
                      '密码太容易被猜到：它是常见密码、重复或连续字符之类的规律，或包含用户名、姓名或邮箱。'
                      '请使用三四个互不相关的词，或生成的密码（`--generate`）。')


@functools.cache
def _dummy_hash():
    """A hash in the current format, checked for unknown users so they take as long as known ones."""
    return generate_password_hash(secrets.token_urlsafe(16))


def create_user(username, role, password, department=None, display_name=None, email=None):
    """Create a user with ROLE (admin, manager, sales, ops, finance) and a hashed password."""
    username = (username or '').strip()
    if not username:
        raise invalid('A username is required.', '必须填写用户名。')
    if role not in ROLES:
        raise invalid('Unknown role {role!r}; use one of {choices}.', '未知的角色 {role!r}；请使用以下之一：{choices}。',
                      role=role, choices=', '.join(ROLES))
    check_password(password, username, display_name, email)
    with database.atomic():
        if User.select().where(User.username == username).exists():
            raise invalid('User {username} already exists; pick another username '
                          'or reset the password with `flask ltc user passwd {username}`.',
                          '用户 {username} 已存在；请换一个用户名，或用 `flask ltc user passwd {username}` 重设密码。',
                          username=username)
        role_row = Role.get_or_none(Role.name == role)
        if role_row is None:
            raise invalid('Roles are missing; run `flask ltc db upgrade` first.',
                          '缺少角色数据；请先运行 `flask ltc db upgrade`。')
        dept = None
        if department:
            dept = Department.get_or_none((Department.code == department) | (Department.name == department)
                                          | (Department.name_en == department))
            if dept is None:
                raise refusal('Department {department!r} does not exist; give its code or name.',
                              '部门 {department!r} 不存在；请填写部门编号或名称。', error_class=NotFound,
                              department=department)
        user = User(username=username, display_name=display_name or username, role=role_row,
                    department=dept, email=email, password_hash=generate_password_hash(password))
        return audit.save(user)


def save_user(user, password=None, action=None):
    """Save USER (new or changed), with PASSWORD when given; a new password, role or enabled state
    ends every session of the user. Return the saved user."""
    if password:
        check_password(password, user.username, user.display_name, user.display_name_en, user.email)
        user.password_hash = generate_password_hash(password)
    with database.atomic():
        stored = User.get_or_none(User.id == user.id) if user.id is not None else None
        changed = stored is not None and any(stored.__data__.get(name) != user.__data__.get(name)
                                             for name in SESSION_FIELDS)
        if changed:
            end_sessions(user)
        audit.save(user, action=action)
        if password:
            logins.forget(user.username)   # a new password also lifts a lock on the username
    return user


def set_password(username, password):
    """Set the password of USERNAME and end all its sessions."""
    user = User.get_or_none(User.username == username)
    if user is None:
        raise refusal('There is no user {username!r}; create it with `flask ltc user create`.',
                      '不存在用户 {username!r}；请用 `flask ltc user create` 创建。', error_class=NotFound,
                      username=username)
    return save_user(user, password=password, action='password')


def end_sessions(user):
    """End every session of USER: the next request of each goes to the login page.

    The counter is raised in place, without touching the record's version, so a concurrent edit
    of the user is never refused because of it; the caller writes the audit row."""
    with database.atomic():
        User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
        user.session_version = User.select(User.session_version).where(User.id == user.id).scalar()
        user._dirty.discard('session_version')
    return user


def log_out(user):
    """End every session of USER (the logout button) and audit it."""
    with database.atomic():
        end_sessions(user)
        audit.record('User', user.code, 'logout', {})


def authenticate(username, password):
    """Return the active user with these credentials, or None.

    Exactly one password hash is checked whether or not the user exists or is active, so the
    answer takes the same time and does not tell which usernames exist."""
    dummy = _dummy_hash()   # made on the first login of the process, whoever logs in
    user = User.get_or_none(User.username == (username or '').strip())
    stored = user.password_hash if user is not None and user.password_hash else dummy
    matches = check_password_hash(stored, password or '')
    if matches and user is not None and user.active and user.password_hash:
        return user
    return None
