"""Opportunity teams: the users who sell a deal beside its owner (pre-sales, solution, delivery,
finance, partner), each with a role; team membership widens what a user may read, never what they
may change."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Opportunity(Model):
        class Meta:
            database = db
            table_name = 'opportunity'

    class TeamMember(Model):
        code = CharField(max_length=64, unique=True)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(max_length=80, null=True)
        version = IntegerField(default=1)
        opportunity = ForeignKeyField(Opportunity, backref='team', on_delete='CASCADE')
        user = ForeignKeyField(User, backref='opportunity_teams')
        role = CharField(max_length=24)
        added_by = ForeignKeyField(User, null=True, backref='+')

        class Meta:
            database = db
            table_name = 'team_member'
            indexes = ((('opportunity', 'user'), True),)

    db.create_tables([TeamMember])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('team_member'))
