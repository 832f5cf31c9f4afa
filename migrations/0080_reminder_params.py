"""Reminders keep their kind's fields (JSON) so each reader sees them in their own language; the dunning
escalation's reminder takes the one key (kind:plan:due date:user), dropping the doubles it reveals."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('reminder', 'params', TextField(null=True)))
    dunning = ('dunning:%',)
    rows = db.execute_sql(
        'SELECT r.id, r.user_id, r.entity_code, p.due_on FROM reminder r JOIN payment_plan p ON p.code = r.entity_code '
        f'WHERE r.dedupe_key LIKE {db.param} ORDER BY r.id', dunning).fetchall()
    taken = {k for (k,) in db.execute_sql(f'SELECT dedupe_key FROM reminder WHERE dedupe_key NOT LIKE {db.param}',
                                          dunning)}
    drop, keys = [], []
    for pk, user_id, code, due_on in rows:
        due = due_on.isoformat() if hasattr(due_on, 'isoformat') else due_on
        key = f'payment_overdue:{code}:{due}:{user_id}'   # the text of ltc.services.reminders.dedupe_key
        if key in taken:
            drop.append(pk)
        else:
            taken.add(key)
            keys.append((key, due_on, pk))
    for pk in drop:
        db.execute_sql(f'DELETE FROM reminder WHERE id = {db.param}', (pk,))
    for key, due_on, pk in keys:
        db.execute_sql(f'UPDATE reminder SET dedupe_key = {db.param}, due_on = {db.param} WHERE id = {db.param}',
                       (key, due_on, pk))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('reminder', 'params'))
