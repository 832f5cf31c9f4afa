"""Invoices (发票) against payment plans, and the invoice title (开票抬头) of a customer."""
from peewee import *


def up(migrator, db):
    def table(name):
        class T(Model):
            class Meta:
                database = db
                table_name = name
        return T

    User, Customer, Contract, PaymentPlan = (table(n) for n in ('user', 'customer', 'contract', 'payment_plan'))
    migrator.migrate(migrator.add_column('customer', 'invoice_title', CharField(max_length=200, null=True)))

    class Invoice(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        plan = ForeignKeyField(PaymentPlan)
        contract = ForeignKeyField(Contract)
        customer = ForeignKeyField(Customer)
        kind = CharField(max_length=24, default='vat_special')
        status = CharField(max_length=24, default='requested', index=True)
        number = CharField(max_length=40, null=True, unique=True)
        tax_rate = DecimalField(max_digits=5, decimal_places=2, default=13)
        amount = DecimalField(max_digits=18, decimal_places=2, auto_round=True, default=0)
        net_amount = DecimalField(max_digits=18, decimal_places=2, auto_round=True, default=0)
        tax_amount = DecimalField(max_digits=18, decimal_places=2, auto_round=True, default=0)
        currency = CharField(max_length=3, default='CNY')
        buyer_title = CharField(max_length=200, null=True)
        buyer_tax_id = CharField(max_length=40, null=True)
        issued_on = DateField(null=True, index=True)
        reversed_on = DateField(null=True)
        reverse_reason = CharField(max_length=255, null=True)
        requested_by = ForeignKeyField(User, null=True)
        notes = TextField(null=True)

        class Meta:
            database = db
            table_name = 'invoice'

    db.create_tables([Invoice])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('invoice'))
    migrator.migrate(migrator.drop_column('customer', 'invoice_title'))
