"""Plain pages outside the admin, the request class every page reads its body through, and the
403/404 pages drawn inside the admin layout."""
from flask import Request, current_app, redirect, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest


class MalformedForm(BadRequest):
    description = ('The form was sent with a part that has no name; nothing was changed. Reload the page '
                   'and send it again.\n'
                   '提交的表单中有一部分没有名称，未做任何更改。请刷新页面后重新提交。\n')


class FormRequest(Request):
    """A request whose form body is refused (400) when a part has no name.

    Werkzeug keeps such a part under the key None, which every reader of `request.form`
    (CSRF check, WTForms) then trips over.
    """

    def _load_form_data(self):
        super()._load_form_data()
        if None in self.form or None in self.files:
            # Later readers (error pages, logs) see an empty form rather than the broken one.
            self.__dict__['form'], self.__dict__['files'] = ImmutableMultiDict(), ImmutableMultiDict()
            raise MalformedForm()


def init_app(app):
    app.request_class = FormRequest

    @app.get('/')
    def home():
        return redirect('/admin/')

    @app.errorhandler(413)
    def too_large(_error):
        cap = current_app.config['MAX_CONTENT_LENGTH']
        size = f'{cap / 1048576:g} MB' if cap >= 1048576 else f'{cap // 1024} KB'
        text = (f'The request is larger than {size} and was refused; nothing was changed. '
                f'Split the file into smaller files.\n'
                f'请求超过 {size}，已被拒绝，未做任何更改。请把文件拆分成较小的文件。\n')
        return text, 413, {'Content-Type': 'text/plain; charset=utf-8'}

    @app.errorhandler(MalformedForm)
    def malformed(error):
        return error.description, 400, {'Content-Type': 'text/plain; charset=utf-8'}

    @app.errorhandler(403)
    def forbidden(_error):
        return error_page(403, _('Not allowed'),
                          _('Your role may not open this page or do this. Nothing was changed; ask an '
                            'administrator if your work needs it.'))

    @app.errorhandler(404)
    def not_found(_error):
        # The same words for a missing record and one outside the user's scope (nothing leaks).
        return error_page(404, _('Not found'),
                          _('This page or record does not exist, or it is not yours to see. Check the '
                            'address, or go back and open it from its list.'))


def error_page(status, title, text):
    """Render STATUS in the admin layout (menu, language, user) in the user's language."""
    from .admin.safety import local_target
    admin = current_app.extensions.get('ltc_admin')
    if admin is None:
        return f'{title}\n{text}\n', status, {'Content-Type': 'text/plain; charset=utf-8'}
    back = local_target(request.referrer)
    return admin.index_view.render('ltc_admin/error.html', status=status, title=title, text=text,
                                   back=back), status
