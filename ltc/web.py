"""Plain pages outside the admin."""
from flask import redirect


def init_app(app):
    @app.get('/')
    def home():
        return redirect('/admin/')
