"""Every sync target acts as a user (its run-as user): that user's role and scope bound what the sheet
reads and changes. Existing targets act as the first active admin, the one who owns the instance."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    migrator.migrate(migrator.add_column('sync_target', 'run_as_id',
                                         ForeignKeyField(User, null=True, field=User.id, on_delete='SET NULL')))
    admin = db.execute_sql(
        'SELECT u.id FROM "user" u JOIN "role" r ON u.role_id = r.id '
        "WHERE r.name = 'admin' AND u.active ORDER BY u.id LIMIT 1").fetchone()
    if admin:
        db.execute_sql('UPDATE "sync_target" SET "run_as_id" = %s WHERE "run_as_id" IS NULL'
                       .replace('%s', db.param), (admin[0],))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('sync_target', 'run_as_id'))
