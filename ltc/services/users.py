"""Users: create them and set their passwords (stored only as hashes)."""
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from ..db import database
from ..errors import NotFound
from ..models import Department, Role, User
from ..models.choices import ROLES
from . import audit
from .messages import invalid, refusal

MIN_PASSWORD = 10


def generate_password():
    return secrets.token_urlsafe(12)


def _check_password(password):
    if len(password or '') < MIN_PASSWORD:
        raise invalid('The password is too short; use at least {count} characters.', '密码太短；请至少使用 {count} 个字符。',
                      count=MIN_PASSWORD)


def create_user(username, role, password, department=None, display_name=None, email=None):
    """Create a user with ROLE (admin, manager, sales, ops, finance) and a hashed password."""
    username = (username or '').strip()
    if not username:
        raise invalid('A username is required.', '必须填写用户名。')
    if role not in ROLES:
        raise invalid('Unknown role {role!r}; use one of {choices}.', '未知的角色 {role!r}；请使用以下之一：{choices}。',
                      role=role, choices=', '.join(ROLES))
    _check_password(password)
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


def set_password(username, password):
    _check_password(password)
    user = User.get_or_none(User.username == username)
    if user is None:
        raise refusal('There is no user {username!r}; create it with `flask ltc user create`.',
                      '不存在用户 {username!r}；请用 `flask ltc user create` 创建。', error_class=NotFound,
                      username=username)
    user.password_hash = generate_password_hash(password)
    return audit.save(user, action='password')


def authenticate(username, password):
    """Return the active user with these credentials, or None."""
    user = User.get_or_none(User.username == (username or '').strip())
    if user and user.active and user.password_hash and check_password_hash(user.password_hash, password or ''):
        return user
    return None
