"""Personal access tokens for the REST API: created, listed and revoked by their user.

A token acts as its user (role and data scope as in the admin), and only within its scopes:
`ENTITY:read` or `ENTITY:write` per entity (write includes read), or `*:read` / `*:write`.
"""
import datetime
import hashlib
import secrets

from ..db import database, utcnow
from ..models import ApiToken, User
from . import audit
from .messages import invalid, refusal

PREFIX = 'ltc_'
# The entities a token may be scoped to (the API's collections).
ENTITIES = ('leads', 'customers', 'contacts', 'opportunities', 'followups', 'quotes', 'contracts',
            'payment_plans', 'payments')
LEVELS = ('read', 'write')


def hash_secret(secret):
    return hashlib.sha256(secret.encode('utf-8')).hexdigest()


def parse_scopes(text):
    """Return the normalised scope words of TEXT ('leads:write, customers:read'), refusing unknown ones."""
    words = [w.strip().lower() for w in str(text or '').replace(',', ' ').split() if w.strip()]
    if not words:
        raise invalid('A token needs at least one scope, e.g. leads:read or *:write.',
                      '令牌至少需要一个权限范围，例如 leads:read 或 *:write。')
    for word in words:
        entity, _, level = word.partition(':')
        if (entity != '*' and entity not in ENTITIES) or level not in LEVELS:
            raise invalid('Unknown token scope {scope!r}; use ENTITY:read or ENTITY:write with ENTITY one of '
                          '{entities} or *.', '未知的令牌权限范围 {scope!r}；请使用 对象:read 或 对象:write，'
                          '对象为 {entities} 或 *。', scope=word, entities=', '.join(ENTITIES))
    return ' '.join(dict.fromkeys(words))


def allows(token, entity, level):
    """Return whether TOKEN's scopes allow LEVEL ('read' or 'write') on ENTITY."""
    words = set(token.scopes.split())
    wanted = {f'{entity}:write', '*:write'}
    if level == 'read':
        wanted |= {f'{entity}:read', '*:read'}
    return bool(words & wanted)


def create_token(user, name, scopes, by=None, expires_in_days=None):
    """Create a token for USER; return (token row, secret). The secret is shown once and never stored."""
    by = by or user
    if by.id != user.id:
        raise refusal('Refused: a token is created by its own user; sign in as {user}.',
                      '已拒绝：令牌只能由其本人创建；请以 {user} 身份登录。', user=user.username)
    name = (name or '').strip()
    if not name:
        raise invalid('A token needs a name that says what it is for, e.g. "CRM sync".',
                      '令牌需要一个说明用途的名称，例如“CRM 同步”。')
    if not user.active:
        raise refusal('Refused: user {user} is inactive.', '已拒绝：用户 {user} 已停用。', user=user.username)
    scopes = parse_scopes(scopes)
    expires = None
    if expires_in_days:
        if int(expires_in_days) < 1:
            raise invalid('A token lasts at least one day.', '令牌有效期至少为一天。')
        expires = utcnow() + datetime.timedelta(days=int(expires_in_days))
    secret = PREFIX + secrets.token_urlsafe(32)
    with database.atomic():
        token = audit.save(ApiToken(user=user, name=name[:120], prefix=secret[:12], secret_hash=hash_secret(secret),
                                    scopes=scopes, expires_on=expires))
    return token, secret


def tokens_of(user):
    """Return USER's tokens, newest first (revoked ones included, marked)."""
    return list(ApiToken.select().where(ApiToken.user == user.id).order_by(ApiToken.id.desc()))


def find_token(user, code):
    """Return USER's token CODE (or prefix), refusing alike a missing token and another user's."""
    token = ApiToken.get_or_none((ApiToken.user == user.id) & ((ApiToken.code == code) | (ApiToken.prefix == code)))
    if token is None:
        raise refusal('Token {code} was not found among your tokens.', '在您的令牌中找不到 {code}。',
                      code=code)
    return token


def revoke_token(user, code):
    """Revoke USER's token CODE at once; a revoked token is refused from its next request on."""
    token = find_token(user, code)
    if token.revoked_at is None:
        with database.atomic():
            token.revoked_at = utcnow()
            audit.save(token, action='revoke')
    return token


def authenticate(secret):
    """Return the active token whose secret is SECRET and whose user is active, else None."""
    if not secret or not secret.startswith(PREFIX):
        return None
    token = ApiToken.get_or_none(ApiToken.secret_hash == hash_secret(secret))
    if token is None or not token.active:
        return None
    user = User.get_by_id(token.user_id)
    if not user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=5):
        # Written at most every five minutes: a busy token must not turn every read into a write.
        ApiToken.update(last_used_at=now).where(ApiToken.id == token.id).execute()
    token.user = user
    return token
