"""Errors as RFC 9457 problem details (application/problem+json) in the request's language."""
import json

from flask import request
from werkzeug.exceptions import HTTPException

from ..errors import ConflictError, DeleteRefused, LTCError, NotFound, ValidationError
from ..services.gate import PermissionDenied
from ..services.messages import text

MEDIA_TYPE = 'application/problem+json'
# Status -> (type slug, English title, Chinese title).
TITLES = {
    400: ('bad-request', 'Bad request', '请求有误'),
    401: ('unauthorized', 'Authentication required', '需要身份验证'),
    403: ('forbidden', 'Not allowed', '不允许'),
    404: ('not-found', 'Not found', '未找到'),
    405: ('method-not-allowed', 'Method not allowed', '不支持该方法'),
    409: ('conflict', 'Refused by the rules', '被业务规则拒绝'),
    412: ('stale-version', 'The record has changed', '记录已被修改'),
    413: ('too-large', 'Request too large', '请求过大'),
    415: ('unsupported-media-type', 'Send JSON', '请发送 JSON'),
    422: ('invalid', 'Invalid input', '输入无效'),
    428: ('version-required', 'If-Match required', '需要 If-Match'),
    429: ('rate-limited', 'Too many requests', '请求过多'),
    500: ('server-error', 'Server error', '服务器错误'),
}
# Details of plain HTTP errors, in both languages.
DETAILS = {
    401: ('Send a personal access token as "Authorization: Bearer ltc_…"; create one on the API tokens page '
          'of the admin or with `flask ltc token create`. A revoked or expired token is refused.',
          '请以 "Authorization: Bearer ltc_…" 发送个人访问令牌；可在管理后台的“API 令牌”页面或用 '
          '`flask ltc token create` 创建。已撤销或过期的令牌会被拒绝。'),
    404: ('This address or record does not exist, or it is not yours to see.',
          '此地址或记录不存在，或您无权查看。'),
    405: ('This address does not accept this method; see /api/v1/docs.',
          '此地址不支持该方法；请参阅 /api/v1/docs。'),
    413: ('The request body is too large; nothing was changed.', '请求内容过大；未做任何更改。'),
    429: ('This token sent too many requests; wait a moment and send again (see Retry-After).',
          '此令牌的请求过多；请稍候再发送（见 Retry-After）。'),
    500: ('Something went wrong on the server; nothing was changed. Try again, and tell your administrator '
          'if it happens again.', '服务器出错，未做任何更改。请重试；如再次发生请联系管理员。'),
}


def lang():
    """Return 'zh' or 'en' from the request's Accept-Language (English when absent)."""
    best = request.accept_languages.best_match(['en', 'zh', 'zh-CN', 'zh-Hans', 'zh-TW'])
    return 'zh' if best and best.lower().startswith('zh') else 'en'


def problem(status, detail=None, *, extra=None, headers=None):
    """Return a problem+json response for STATUS with DETAIL (already in the request's language)."""
    slug, title_en, title_zh = TITLES.get(status, ('error', 'Error', '错误'))
    zh = lang() == 'zh'
    if detail is None and status in DETAILS:
        detail = DETAILS[status][1 if zh else 0]
    body = {'type': f'/api/v1/docs#problem-{slug}', 'title': title_zh if zh else title_en, 'status': status}
    if detail:
        body['detail'] = detail
    body['instance'] = request.path
    body.update(extra or {})
    response_headers = {'Content-Type': MEDIA_TYPE, 'Content-Language': 'zh-CN' if zh else 'en'}
    response_headers.update(headers or {})
    return json.dumps(body, ensure_ascii=False, default=str), status, response_headers


def status_of(error):
    """Return the HTTP status of a domain error."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, ConflictError):
        return 412
    if isinstance(error, ValidationError):
        return 422
    if isinstance(error, DeleteRefused):
        return 409
    return 409   # a business rule refused it (RuleViolation and the rest)


def from_ltc_error(error):
    extra = {}
    if isinstance(error, ConflictError) and error.current:
        extra['current_version'] = error.current.get('version')
    if isinstance(error, DeleteRefused) and error.dependents:
        extra['dependents'] = error.dependents
    return problem(status_of(error), text(error, lang()), extra=extra)


def from_http_error(error):
    status = error.code or 500
    extra, headers, detail = {}, {}, None
    data = getattr(error, 'data', None) or {}
    messages = data.get('messages')
    if messages:   # webargs/marshmallow: {'json': {'field': ['message']}}
        errors = {}
        for location in messages.values():
            errors.update(location if isinstance(location, dict) else {'_': location})
        extra['errors'] = errors
        fields = ', '.join(sorted(errors))
        detail = (f'请修正以下字段后重新发送：{fields}；未做任何更改。' if lang() == 'zh'
                  else f'Fix these fields and send again: {fields}. Nothing was changed.')
    elif status == 429:
        retry = getattr(error, 'retry_after', None)
        if retry:
            headers['Retry-After'] = str(retry)
    elif status not in DETAILS and error.description and status != 500:
        detail = error.description
    for name in ('Retry-After', 'Allow'):
        for header, value in (error.get_headers() if hasattr(error, 'get_headers') else []):
            if header == name:
                headers[name] = value
    return problem(status, detail, extra=extra, headers=headers)


def handle(error):
    """One error handler for the API blueprint: domain errors, HTTP errors and the unexpected."""
    if isinstance(error, LTCError):
        return from_ltc_error(error)
    if isinstance(error, HTTPException):
        return from_http_error(error)
    import logging
    logging.getLogger('ltc.api').exception('API request failed: %s %s', request.method, request.path)
    return problem(500)


class ApiError(HTTPException):
    """An HTTP error whose detail is given in both languages."""

    def __init__(self, status, en, zh, **params):
        self.code = status
        super().__init__(description=en.format(**params))
        self.zh = zh.format(**params)


def api_error(error):
    return problem(error.code, error.zh if lang() == 'zh' else error.description)
