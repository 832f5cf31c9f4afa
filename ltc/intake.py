"""Web-to-lead: the public endpoint a website's form posts to (POST /intake/<key>).

A door like the admin or the API: it reads the answers (form-encoded or JSON), drops robots caught by
the honeypot, limits the rate per form and per client address, and hands the answers to the lead
command (ltc.services.intake_forms.submit), acting as the form. Browsers get CORS headers only for
the form's own origins; a page elsewhere cannot post to it.
"""
import json

from flask import Blueprint, current_app, redirect, render_template_string, request

from werkzeug.exceptions import RequestEntityTooLarge

from .errors import ConflictError, LTCError
from .services import intake_forms
from .services.messages import text

PROBLEM = 'application/problem+json'
THANKS = ('Thank you: we received your request and will contact you soon.', '谢谢！我们已收到您的信息，会尽快与您联系。')
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em">
<h1>{{ title }}</h1>{% for line in lines %}<p>{{ line }}</p>{% endfor %}
{% if errors %}<ul>{% for name, en, zh in errors %}<li><b>{{ name }}</b>: {{ zh }} {{ en }}</li>{% endfor %}</ul>
<p><a href="javascript:history.back()">返回修改 Go back and fix it</a></p>{% endif %}
</body></html>"""
# Status -> (English title, Chinese title, English detail, Chinese detail).
ERRORS = {
    403: ('Not allowed', '不允许', 'This form does not accept answers from this web site.',
          '此表单不接受来自该网站的提交。'),
    404: ('Not found', '未找到', 'There is no active form with this key; copy the form again from LTC.',
          '没有使用此密钥的有效表单；请从 LTC 重新复制表单。'),
    422: ('Invalid input', '输入有误', 'Fix the fields below and send again; nothing was saved.',
          '请修正以下字段后重新提交；未保存任何内容。'),
    503: ('Busy', '繁忙', 'Many answers arrived at once and yours was not saved; send it again.',
          '同一时间提交过多，您的信息未能保存；请再提交一次。'),
    413: ('Too large', '内容过大', 'The answers are too long to be a form; shorten them and send again.',
          '提交的内容过长，不像是表单；请缩短后重新提交。'),
    429: ('Too many requests', '请求过多', 'Too many answers were sent in a short time; wait a minute and send again.',
          '短时间内提交过多；请稍候一分钟再提交。'),
}


def _zh():
    best = request.accept_languages.best_match(['en', 'zh', 'zh-CN', 'zh-Hans', 'zh-TW'])
    return bool(best and best.lower().startswith('zh'))


def _wants_json():
    if request.is_json:
        return True
    best = request.accept_mimetypes.best_match(['text/html', 'application/json'])
    return best == 'application/json' and request.accept_mimetypes[best] > request.accept_mimetypes['text/html']


def _cors(response, form):
    origin = request.headers.get('Origin')
    if form is not None and origin and form.origins and intake_forms.origin_allowed(form, origin):
        response.headers['Access-Control-Allow-Origin'] = origin
        response.headers['Access-Control-Allow-Methods'] = 'POST, OPTIONS'
        response.headers['Access-Control-Allow-Headers'] = 'Content-Type, Accept, Accept-Language'
        response.headers['Access-Control-Max-Age'] = '600'
    response.headers['Vary'] = 'Origin, Accept, Accept-Language'
    return response


def error(status, form=None, errors=None):
    """Answer STATUS: problem+json in the caller's language for JSON callers, a page in both languages else."""
    title_en, title_zh, detail_en, detail_zh = ERRORS[status]
    errors = errors or {}
    if _wants_json():
        zh = _zh()
        body = {'type': f'/docs/web-to-lead/#problem-{status}', 'title': title_zh if zh else title_en,
                'status': status, 'detail': detail_zh if zh else detail_en, 'instance': request.path}
        if errors:
            body['errors'] = {name: [zh_text if zh else en] for name, (en, zh_text) in errors.items()}
        response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status,
                                              content_type=PROBLEM)
        response.headers['Content-Language'] = 'zh-CN' if zh else 'en'
    else:
        rows = [(intake_forms.FIELDS.get(name, (name,))[0], en, zh_text) for name, (en, zh_text) in errors.items()]
        html = render_template_string(PAGE, title=f'{title_zh} {title_en}', lines=[detail_zh, detail_en],
                                      errors=rows)
        response = current_app.response_class(html, status=status, content_type='text/html; charset=utf-8')
    return _cors(response, form)


def _thanks(form):
    if _wants_json():
        zh = _zh()
        body = {'ok': True, 'message': THANKS[1] if zh else THANKS[0]}
        response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=201,
                                              content_type='application/json')
    elif form.thank_you_url:
        response = redirect(form.thank_you_url, code=303)
    else:
        html = render_template_string(PAGE, title='谢谢 Thank you', lines=[THANKS[1], THANKS[0]], errors=None)
        response = current_app.response_class(html, status=200, content_type='text/html; charset=utf-8')
    return _cors(response, form)


def _answers():
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else None
    return request.form


def _client():
    return 'ip:' + (request.remote_addr or '-')


def _form_key():
    return 'form:' + ((request.view_args or {}).get('key') or '')[:64]


def _breached(_limit):
    key = (request.view_args or {}).get('key')
    return error(429, intake_forms.form_by_key(key) if key else None)


def init_app(app):
    """Register POST /intake/<key> with its rate limits, and exempt it from CSRF (it carries no cookie)."""
    from flask_limiter import Limiter
    # Per client address and per form; counts in Redis when configured (LTC_API_RATE_STORAGE).
    limiter = Limiter(_client, app=app, storage_uri=app.config.get('API_RATE_STORAGE') or 'memory://',
                      default_limits=[], headers_enabled=True, key_prefix='ltc-intake', swallow_errors=True,
                      on_breach=_breached)
    app.extensions['ltc_intake_limiter'] = limiter
    bp = Blueprint('ltc_intake', __name__)

    @bp.route('/intake/<key>', methods=['POST', 'OPTIONS'])
    @limiter.limit(lambda: current_app.config['INTAKE_RATE_LIMIT'], key_func=_client, methods=['POST'])
    @limiter.limit(lambda: current_app.config['INTAKE_FORM_RATE_LIMIT'], key_func=_form_key, methods=['POST'])
    def intake(key):
        form = intake_forms.form_by_key(key)
        if form is None:
            return error(404)
        origin = request.headers.get('Origin')
        if not intake_forms.origin_allowed(form, origin):
            return error(403)
        if request.method == 'OPTIONS':   # the preflight of a script posting JSON
            return _cors(current_app.response_class(status=204), form)
        request.max_content_length = intake_forms.MAX_BODY   # read no more of a public request than a form needs
        try:
            data = _answers()
        except RequestEntityTooLarge:
            return error(413, form)
        if data is None:
            return error(422, form, {'_': ('Send the answers as a form or a JSON object.',
                                           '请以表单或 JSON 对象提交。')})
        if data.get(intake_forms.HONEYPOT):
            return _thanks(form)   # a robot: thanked like a person, and nothing is saved
        try:
            values = intake_forms.clean(form, data)
            intake_forms.submit(form, values)
        except intake_forms.Invalid as exc:
            return error(422, form, exc.errors)
        except ConflictError:   # still busy after the retries: the visitor may simply send again
            return error(503, form)
        except LTCError as exc:
            return error(422, form, {'_': (text(exc, 'en'), text(exc, 'zh'))})
        return _thanks(form)

    app.register_blueprint(bp)
    csrf = app.extensions.get('csrf')
    if csrf is not None:
        csrf.exempt(bp)
