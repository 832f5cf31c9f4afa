"""Users: create them and set their passwords (stored only as hashes)."""
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from ..db import database
from ..errors import NotFound, ValidationError
from ..models import Department, Role, User
from ..models.choices import ROLES
from . import audit

MIN_PASSWORD = 10


def generate_password():
    return secrets.token_urlsafe(12)


def _check_password(password):
    if len(password or '') < MIN_PASSWORD:
        raise ValidationError(f'The password is too short; use at least {MIN_PASSWORD} characters.')


def create_user(username, role, password, department=None, display_name=None, email=None):
    """Create a user with ROLE (admin, manager, sales, ops, finance) and a hashed password."""
    username = (username or '').strip()
    if not username:
        raise ValidationError('A username is required.')
    if role not in ROLES:
        raise ValidationError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    _check_password(password)
    with database.atomic():
        if User.select().where(User.username == username).exists():
            raise ValidationError(f'User {username} already exists; pick another username '
                                  f'or reset the password with `flask ltc user passwd {username}`.')
        role_row = Role.get_or_none(Role.name == role)
        if role_row is None:
            raise ValidationError('Roles are missing; run `flask ltc db upgrade` first.')
        dept = None
        if department:
            dept = Department.get_or_none((Department.code == department) | (Department.name == department)
                                          | (Department.name_en == department))
            if dept is None:
                raise NotFound(f'Department {department!r} does not exist; give its code or name.')
        user = User(username=username, display_name=display_name or username, role=role_row,
                    department=dept, email=email, password_hash=generate_password_hash(password))
        return audit.save(user)


def set_password(username, password):
    _check_password(password)
    user = User.get_or_none(User.username == username)
    if user is None:
        raise NotFound(f'There is no user {username!r}; create it with `flask ltc user create`.')
    user.password_hash = generate_password_hash(password)
    return audit.save(user, action='password')


def authenticate(username, password):
    """Return the active user with these credentials, or None."""
    user = User.get_or_none(User.username == (username or '').strip())
    if user and user.active and user.password_hash and check_password_hash(user.password_hash, password or ''):
        return user
    return None
