"""Insert many rows with one prepared statement: peewee builds no SQL per row."""
from ..db import database


def insert_rows(model, names, rows):
    """Insert ROWS (tuples ordered like NAMES) into MODEL's table via executemany."""
    if not rows:
        return
    db = database.obj
    fields = [model._meta.fields[n] for n in names]
    columns = ', '.join(f'"{f.column_name}"' for f in fields)
    marks = ', '.join([db.param] * len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
    converters = [f.db_value for f in fields]
    params = [tuple(convert(value) for convert, value in zip(converters, row)) for row in rows]
    with database.atomic():
        db.cursor().executemany(sql, params)
