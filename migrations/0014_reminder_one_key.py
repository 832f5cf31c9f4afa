"""Give every reminder the one dedupe key (kind:record:due date:user) and drop the doubles it reveals.

The demo, the reminder generator and the pool warnings each built their own key, so the same
overdue plan could be reminded twice. Keeps the oldest reminder of each key.
"""
from peewee import *


def _key(kind, code, due_on, user_id):
    # The same text as ltc.services.reminders.dedupe_key.
    due = due_on.isoformat() if hasattr(due_on, 'isoformat') else due_on
    return f'{kind}:{code}:{due}:{user_id}'


def up(migrator, db):
    rows = db.execute_sql('SELECT id, kind, entity_code, due_on, user_id FROM reminder ORDER BY id').fetchall()
    keep, drop = {}, []
    for pk, kind, code, due_on, user_id in rows:
        key = _key(kind, code, due_on, user_id)
        if key in keep:
            drop.append(pk)
        else:
            keep[key] = pk
    for start in range(0, len(drop), 500):
        chunk = drop[start:start + 500]
        db.execute_sql(f'DELETE FROM reminder WHERE id IN ({", ".join([db.param] * len(chunk))})', chunk)
    # Two steps, so no new key meets an old one it replaces under the unique index.
    db.execute_sql("UPDATE reminder SET dedupe_key = 'migrating:' || CAST(id AS VARCHAR(20))")
    cursor = db.cursor()
    cursor.executemany(f'UPDATE reminder SET dedupe_key = {db.param} WHERE id = {db.param}',
                       [(key, pk) for key, pk in keep.items()])


def down(migrator, db):
    pass   # the old keys cannot be told apart again; the new ones work for every creator
