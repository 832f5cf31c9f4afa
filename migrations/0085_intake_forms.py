"""Web-to-lead: intake forms, one per website form, each with a public key and the campaign its leads join."""
from peewee import *


def up(migrator, db):
    class Campaign(Model):
        class Meta:
            database = db
            table_name = 'campaign'

    class IntakeForm(Model):
        code = CharField(max_length=64, unique=True)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(max_length=80, null=True)
        version = IntegerField(default=1)
        name = CharField(max_length=200)
        campaign = ForeignKeyField(Campaign, backref='intake_forms')
        key = CharField(max_length=64, unique=True)
        allowed_fields = TextField(default='company contact_name phone email requirement')
        thank_you_url = CharField(max_length=500, null=True)
        allowed_origins = TextField(null=True)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = 'intake_form'

    db.create_tables([IntakeForm])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('intake_form'))
