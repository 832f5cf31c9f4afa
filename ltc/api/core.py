"""What every API request shares: the token and its user, token scopes, If-Match versions,
idempotency keys and cursors."""
import base64
import hashlib
import json
import re

from flask import Response, g, request
from peewee import IntegrityError

from ..db import database
from ..models import IdempotentAnswer
from ..services import tokens
from .problems import ApiError

CONTROL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')   # as forms and imports refuse; tab and line breaks are text


def authenticate():
    """Set g.api_token and g.api_user from the Authorization header, or refuse with 401."""
    header = request.headers.get('Authorization', '')
    scheme, _, secret = header.partition(' ')
    token = tokens.authenticate(secret.strip()) if scheme.lower() == 'bearer' else None
    if token is None:
        raise ApiError(401, 'Send a valid personal access token as "Authorization: Bearer ltc_…"; create one on the '
                            'API tokens page of the admin or with `flask ltc token create`. A revoked or expired token, '
                            'or one of an inactive user, is refused.',
                       '请以 "Authorization: Bearer ltc_…" 发送有效的个人访问令牌；可在管理后台的“API 令牌”页面或用 '
                       '`flask ltc token create` 创建。已撤销、已过期或停用用户的令牌会被拒绝。')
    g.api_token, g.api_user = token, token.user


def _control(value, where):
    """Return (where, character) of the first control character in VALUE (JSON or text), or None."""
    if isinstance(value, str):
        bad = CONTROL.search(value)
        return (where, bad.group()) if bad else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _control(str(key), where) or _control(item, f'{where}.{key}' if where else str(key))
        if found:
            return found
    return None


def refuse_control_characters():
    """Refuse (422) a path, query or JSON body holding a control character, as the admin's forms and imports
    refuse such text (a NUL would otherwise reach the database, which cannot store one)."""
    body = request.get_json(silent=True) if request.is_json else None
    args = {k: v for k, v in request.args.items(multi=True) if CONTROL.search(k + v)}   # the bad ones, if any
    found = _control(dict(request.view_args or {}), '') or _control(args, '') or _control(body, '')
    if found:
        where, char = found
        raise ApiError(422, '{where} contains the control character U+{code}; delete it.',
                       '{where} 含有控制字符 U+{code}；请删除。', where=where or 'The request', code=f'{ord(char):04X}')


def need(entity, level):
    """Return the token's user when the token's scopes allow LEVEL on ENTITY, else refuse (403)."""
    if not tokens.allows(g.api_token, entity, level):
        raise ApiError(403, 'This token may not {level} {entity}: its scopes are "{scopes}". Create a token with '
                            '{entity}:{level}.',
                       '此令牌不能{level_zh} {entity}：其权限范围为“{scopes}”。请创建带有 {entity}:{level} 的令牌。',
                       level=level, entity=entity, scopes=g.api_token.scopes,
                       level_zh={'read': '读取', 'write': '写入'}[level])
    return g.api_user


def etag(version):
    return f'"{version}"'


def expected_version(record, required=True):
    """Return the version If-Match names; refuse (428) without it and (412) when RECORD moved on."""
    header = (request.headers.get('If-Match') or '').strip()
    if not header:
        if not required:
            return None
        raise ApiError(428, 'Send the version you changed as If-Match (the ETag of GET {path}, e.g. If-Match: '
                            '"{version}"), so that nobody\'s change is overwritten unseen.',
                       '请以 If-Match 发送您所修改的版本（GET {path} 返回的 ETag，例如 If-Match: "{version}"），'
                       '以免覆盖他人的修改。', path=request.path, version=record.version)
    text = header.removeprefix('W/').strip('"')
    if header == '*':
        return record.version
    try:
        version = int(text)
    except ValueError:
        raise ApiError(400, 'If-Match must be a record version such as "3", not {value}.',
                       'If-Match 必须是记录版本号，例如 "3"，而不是 {value}。', value=header) from None
    if version != record.version:
        raise ApiError(412, '{code} has changed since version {sent} (it is now version {now}); nothing was '
                            'changed. GET it again, apply your change and send it with If-Match: "{now}".',
                       '{code} 在版本 {sent} 之后已被修改（当前为版本 {now}）；未做任何更改。请重新 GET，'
                       '再修改并以 If-Match: "{now}" 发送。', code=record.code, sent=version, now=record.version)
    return version


def json_response(data, status=200, headers=None):
    body = json.dumps(data, ensure_ascii=False, default=str)
    return Response(body, status, headers or {}, mimetype='application/json')


def idempotent(make):
    """Run MAKE() -> Response once per Idempotency-Key of this token; a repeat gets the first answer.

    The answer is kept in the same transaction as the records the request made, so a key is either
    answered and done, or not done at all. The same key with another request is refused (422).
    """
    key = (request.headers.get('Idempotency-Key') or '').strip()
    if not key:
        return make()
    if len(key) > 200:
        raise ApiError(400, 'An Idempotency-Key has at most 200 characters.', 'Idempotency-Key 最多 200 个字符。')
    fingerprint = hashlib.sha256(b'\n'.join([request.method.encode(), request.path.encode(),
                                             request.get_data()])).hexdigest()
    token = g.api_token
    for _attempt in range(2):
        found = IdempotentAnswer.get_or_none(IdempotentAnswer.token == token.id, IdempotentAnswer.key == key)
        if found is not None:
            if found.fingerprint != fingerprint:
                raise ApiError(422, 'Idempotency-Key {key} was used for another request; use a new key for a new '
                                    'request.', 'Idempotency-Key {key} 已用于另一个请求；新请求请使用新的键。', key=key)
            headers = {'Idempotent-Replayed': 'true'}
            if found.location:
                headers['Location'] = found.location
            return Response(found.body, found.status, headers, mimetype='application/json')
        try:
            with database.atomic():
                response = make()
                if response.status_code < 300:
                    IdempotentAnswer.create(token=token.id, key=key, fingerprint=fingerprint,
                                            status=response.status_code, body=response.get_data(as_text=True),
                                            location=response.headers.get('Location'))
            return response
        except IntegrityError:
            continue   # the same key answered meanwhile by a concurrent request: replay that answer
    raise ApiError(409, 'Idempotency-Key {key} is being used by another request right now; send again in a moment.',
                   'Idempotency-Key {key} 正被另一个请求使用；请稍后再发送。', key=key)


def encode_cursor(sort, value, pk):
    raw = json.dumps([sort, None if value is None else str(value), pk], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip('=')


def decode_cursor(text, sort):
    try:
        padded = text + '=' * (-len(text) % 4)
        got_sort, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        pk = int(pk)
    except (ValueError, TypeError):
        raise ApiError(400, 'The cursor is not one this API gave; send the next_cursor of the previous page as it is.',
                       '游标无效；请原样发送上一页返回的 next_cursor。') from None
    if got_sort != sort:
        raise ApiError(400, 'The cursor belongs to sort={got}; keep the same sort while paging.',
                       '此游标属于 sort={got}；翻页时请保持相同的排序。', got=got_sort)
    return value, pk
