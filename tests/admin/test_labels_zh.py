"""Every column header, filter and form label of the admin reads in Chinese when the user chose Chinese."""
import re

from flask_admin.contrib.peewee import ModelView

CJK = re.compile(r'[\u4e00-\u9fff]')


def test_every_admin_label_has_chinese(app, db):
    admin = app.extensions['admin'][0]
    missing = []
    with app.test_request_context('/admin/', headers={'Cookie': 'ltc_lang=zh_Hans_CN'}):
        for view in admin._views:
            if not isinstance(view, ModelView):
                continue
            names = [c for c, _label in view.get_list_columns()]
            names += [c for c, _label in view.get_details_columns()]
            names += list(view.form_columns or ())
            for name in dict.fromkeys(names):
                label = str(view.get_column_name(name))
                if not CJK.search(label):
                    missing.append(f'{view.endpoint}.{name}: {label!r}')
            for flt in view._filters or ():
                if not CJK.search(str(flt.name)):
                    missing.append(f'{view.endpoint} filter: {flt.name!r}')
    assert not missing, '\n'.join(sorted(set(missing)))
