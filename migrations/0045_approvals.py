"""Approvals routed up the org tree: approval rules, rounds of ordered steps on contracts and quotes,
the kind of a contract and the regions of the department tree."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Quote(Model):
        class Meta:
            database = db
            table_name = 'quote'

    migrator.migrate(
        migrator.add_column('department', 'is_region', BooleanField(default=False)),
        migrator.add_column('contract', 'kind', CharField(max_length=24, default='sale')),
        migrator.add_column('contract_approval', 'round', IntegerField(default=1)),
        migrator.add_column('contract_approval', 'level', CharField(max_length=24, default='department')),
        migrator.add_column('contract_approval', 'designated_id',
                            ForeignKeyField(User, null=True, field=User.id)),
    )
    # Before rounds, every submission added one step: each old step is a round of its own.
    db.execute_sql('UPDATE contract_approval SET round = step, step = 1')

    class ApprovalRule(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        name = CharField(max_length=120)
        applies_to = CharField(max_length=24, default='contract', index=True)
        contract_kind = CharField(max_length=24, null=True)
        amount_above = DecimalField(max_digits=18, decimal_places=2, auto_round=True, default=0)
        discount_from = DecimalField(max_digits=5, decimal_places=2, null=True)
        sequence = IntegerField(default=1)
        level = CharField(max_length=24, default='department')
        approver = ForeignKeyField(User, null=True)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = 'approval_rule'

    class QuoteApproval(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        quote = ForeignKeyField(Quote)
        round = IntegerField(default=1)
        step = IntegerField(default=1)
        level = CharField(max_length=24, default='department')
        designated = ForeignKeyField(User, null=True)
        approver = ForeignKeyField(User, null=True)
        decision = CharField(max_length=24, default='pending', index=True)
        decided_at = DateTimeField(null=True)
        comment = CharField(max_length=255, null=True)
        discount = DecimalField(max_digits=5, decimal_places=2, default=0)

        class Meta:
            database = db
            table_name = 'quote_approval'

    db.create_tables([ApprovalRule, QuoteApproval])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('quote_approval'))
    migrator.migrate(migrator.drop_table('approval_rule'))
    db.execute_sql('UPDATE contract_approval SET step = round')
    migrator.migrate(
        migrator.drop_column('contract_approval', 'designated_id'),
        migrator.drop_column('contract_approval', 'level'),
        migrator.drop_column('contract_approval', 'round'),
        migrator.drop_column('contract', 'kind'),
        migrator.drop_column('department', 'is_region'),
    )
