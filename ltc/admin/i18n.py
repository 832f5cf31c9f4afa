"""Language: Flask-Babel with Simplified Chinese and English, chosen by menu or browser."""
from pathlib import Path

from flask import Blueprint, current_app, has_request_context, redirect, request, session
from flask_babel import Babel, LazyString, get_locale
from flask_login import current_user

from ..db import set_display_language
from .safety import local_target

LANGUAGES = ('zh_Hans_CN', 'en')
COOKIE = 'ltc_lang'
bp = Blueprint('ltc_lang', __name__)


def select_locale():
    """Return the explicit choice (session or cookie), else the browser's, else English."""
    chosen = session.get('lang') or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(['zh', 'zh-CN', 'zh-Hans', 'en'])
    return 'zh_Hans_CN' if best and best.lower().startswith('zh') else 'en'


def lang():
    """Return 'zh' or 'en' for the running request."""
    return 'zh' if str(get_locale() or 'en').startswith('zh') else 'en'


def choice_label(choices, value):
    """Return a string that renders VALUE's label in the request's language."""
    return LazyString(lambda: choices.label(value, lang()))


def lazy_pairs(choices):
    """Return [(value, lazy label)] for filter and form options."""
    return [(v, choice_label(choices, v)) for v in choices.values]


def name_of(obj):
    """Return a record's name in the request's language (name_en when English and set)."""
    if obj is None:
        return ''
    if lang() == 'en':
        english = getattr(obj, 'name_en', None) or getattr(obj, 'display_name_en', None)
        if english:
            return english
    elif getattr(obj, 'name_zh', None):   # roles: `name` is the key (sales), name_zh the label (销售)
        return obj.name_zh
    return getattr(obj, 'name', None) or getattr(obj, 'display_name', None) or str(obj)


@bp.get('/lang/<code>')
def switch(code):
    """Switch the interface language, remember it, and go back where the user was.

    CODE is zh_Hans_CN or en; any zh... code (zh, zh-CN, zh_Hans) means Simplified Chinese.
    """
    code = LANGUAGES[0] if code.lower().replace('-', '_').startswith('zh') else code
    if code not in LANGUAGES:
        code = 'en'
    session['lang'] = code
    # A link on another site can switch this browser's language (a GET), but only a click
    # inside LTC (a same-site Referer) stores it on the user record.
    if current_user.is_authenticated and current_user.language != code and local_target(request.referrer):
        from ..services import audit
        with audit.acting_as(current_user, 'admin'):
            record = current_user.record
            record.language = code
            audit.save(record, note='language')
    response = redirect(local_target(request.referrer) or '/admin/')
    response.set_cookie(COOKIE, code, max_age=365 * 86400, httponly=True, samesite='Lax',
                        secure=current_app.config.get('SESSION_COOKIE_SECURE', False))
    return response


def _reader_language():
    return lang() if has_request_context() else None


def init_app(app):
    set_display_language(_reader_language)
    app.config.setdefault('BABEL_DEFAULT_LOCALE', 'en')
    app.config.setdefault('BABEL_TRANSLATION_DIRECTORIES', str(current_translations()))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals['get_locale'] = get_locale
    app.jinja_env.globals['ltc_lang'] = lang
    app.jinja_env.globals['ltc_name'] = name_of
    app.register_blueprint(bp)


def current_translations():
    """Return the folder holding LTC's catalogues (zh_Hans_CN/LC_MESSAGES/messages.mo)."""
    return Path(__file__).resolve().parent.parent / 'translations'

