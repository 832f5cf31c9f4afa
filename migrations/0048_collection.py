"""Collection: follow-ups that name a contract and a payment plan; dunning steps on overdue plans."""
from peewee import *


def up(migrator, db):
    def table(name):
        class T(Model):
            class Meta:
                database = db
                table_name = name
        return T

    User, Contract, PaymentPlan = table('user'), table('contract'), table('payment_plan')
    migrator.migrate(
        migrator.add_column('follow_up', 'contract_id', ForeignKeyField(Contract, null=True, field=Contract.id)),
        migrator.add_column('follow_up', 'plan_id', ForeignKeyField(PaymentPlan, null=True, field=PaymentPlan.id)),
    )

    class DunningStep(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        plan = ForeignKeyField(PaymentPlan)
        level = CharField(max_length=24, default='reminder', index=True)
        done_on = DateField(index=True)
        done_by = ForeignKeyField(User, null=True)
        escalated_to = ForeignKeyField(User, null=True)
        note = CharField(max_length=255, null=True)

        class Meta:
            database = db
            table_name = 'dunning_step'

    db.create_tables([DunningStep])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('dunning_step'))
    migrator.migrate(migrator.drop_column('follow_up', 'plan_id'), migrator.drop_column('follow_up', 'contract_id'))
