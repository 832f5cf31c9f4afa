"""Bank receipts imported from statements and their confirmed matches to payment plans."""
from peewee import *


def up(migrator, db):
    def table(name):
        class T(Model):
            class Meta:
                database = db
                table_name = name
        return T

    User, PaymentPlan, Payment = table('user'), table('payment_plan'), table('payment')

    class BankReceipt(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        statement = CharField(max_length=120, null=True)
        received_on = DateField(index=True)
        payer_name = CharField(max_length=200, null=True, index=True)
        payer_account = CharField(max_length=60, null=True, index=True)
        amount = DecimalField(max_digits=18, decimal_places=2, auto_round=True, default=0)
        matched_amount = DecimalField(max_digits=18, decimal_places=2, auto_round=True, default=0)
        currency = CharField(max_length=3, default='CNY')
        reference = CharField(max_length=255, null=True)
        status = CharField(max_length=24, default='unmatched', index=True)
        fingerprint = CharField(max_length=64, unique=True)

        class Meta:
            database = db
            table_name = 'bank_receipt'

    class ReceiptMatch(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        receipt = ForeignKeyField(BankReceipt)
        plan = ForeignKeyField(PaymentPlan)
        payment = ForeignKeyField(Payment, null=True)
        amount = DecimalField(max_digits=18, decimal_places=2, auto_round=True, default=0)
        confirmed_by = ForeignKeyField(User, null=True)
        confirmed_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = 'receipt_match'

    db.create_tables([BankReceipt, ReceiptMatch])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('receipt_match'))
    migrator.migrate(migrator.drop_table('bank_receipt'))
