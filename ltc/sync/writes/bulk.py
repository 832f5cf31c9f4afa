"""Insert many rows with one prepared statement: peewee builds no SQL per row."""
import peewee
from peewee import CharField, TextField
from psycopg2.extras import execute_values

from ... import searchkeys
from ...models.fields import CustomValues
from ...db import copy_rows, database, is_sqlite


def insert_rows(model, names, rows):
    """Insert ROWS (tuples ordered like NAMES) into MODEL's table: executemany on SQLite, COPY on PostgreSQL."""
    if not rows:
        return
    db = database.obj
    rows, names = searchkeys.with_keys(model, rows, names)
    fields = [model._meta.fields[n] for n in names]
    columns = ', '.join(f'"{f.column_name}"' for f in fields)
    marks = ', '.join([db.param] * len(fields))
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES '
    converters = [f.db_value for f in fields]
    # Text columns take the (already cleaned) str as is; other types go through db_value.
    typed = [i for i, f in enumerate(fields) if not isinstance(f, (CharField, TextField)) or isinstance(f, CustomValues)]
    params = []
    for row in rows:
        row = list(row)
        for i in typed:
            row[i] = converters[i](row[i])
        params.append(row)
    with database.atomic(), peewee.__exception_wrapper__:   # driver errors as peewee's (IntegrityError ...)
        if is_sqlite():
            db.cursor().executemany(sql + f'({marks})', params)
        elif not copy_rows(model._meta.table_name, [f.column_name for f in fields], params):
            # psycopg2's executemany is one round trip per row; this sends the batch as one INSERT
            execute_values(db.cursor(), sql + '%s', params, page_size=len(params))
