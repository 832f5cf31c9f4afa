"""Output and redirect safety: local-only redirect targets, CSP header, friendly CSRF errors."""
import secrets
from urllib.parse import urlparse

from flask import flash, g, redirect, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect

csrf = CSRFProtect()


def local_target(url):
    """Return URL when it stays on this site (a path), else None; blocks //host and \\host."""
    if not url:
        return None
    url = url.strip()
    parsed = urlparse(url)
    if parsed.scheme or parsed.netloc:
        host = urlparse(request.host_url).netloc
        if parsed.netloc != host or parsed.scheme not in ('http', 'https'):
            return None
        url = parsed.path + ('?' + parsed.query if parsed.query else '')
    if not url.startswith('/') or url.startswith('//') or url.startswith('/\\') or '\\' in url[:3]:
        return None
    return url


def csp_nonce():
    """Return this request's script nonce (one per request)."""
    if 'csp_nonce' not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _security_headers(response):
    nonce = g.get('csp_nonce')
    script = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    response.headers.setdefault(
        'Content-Security-Policy',
        f"default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'")
    response.headers.setdefault('X-Content-Type-Options', 'nosniff')
    response.headers.setdefault('X-Frame-Options', 'DENY')
    response.headers.setdefault('Referrer-Policy', 'same-origin')
    return response


def _csrf_failed(error):
    # An expired or missing token: nothing was changed; send the user back to a fresh form.
    flash(_('Your form has expired or was not sent from this site. Reload the page and try again; '
            'nothing was saved.'), 'error')
    back = local_target(request.referrer) or local_target(request.full_path) or '/admin/'
    if request.method == 'POST' and back == request.full_path and request.path.endswith(('/delete/', '/action/')):
        back = '/admin/'
    return redirect(back)


def init_app(app):
    app.config.setdefault('WTF_CSRF_TIME_LIMIT', 3600)
    csrf.init_app(app)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_failed)
