"""Plain pages outside the admin."""
from flask import current_app, redirect


def init_app(app):
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
