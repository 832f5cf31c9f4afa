"""Exchange rates by date, and the original currency and amount of a payment received in another currency."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('payment', 'original_amount',
                            DecimalField(max_digits=18, decimal_places=2, auto_round=True, null=True)),
        migrator.add_column('payment', 'original_currency', CharField(max_length=3, null=True)),
    )

    class ExchangeRate(Model):
        code = CharField(unique=True, max_length=64)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField(index=True)
        created_by = CharField(null=True, max_length=80)
        version = IntegerField(default=1)
        currency = CharField(max_length=3, default='CNY')
        on = DateField(index=True)
        rate = DecimalField(max_digits=18, decimal_places=6)

        class Meta:
            database = db
            table_name = 'exchange_rate'
            indexes = ((('currency', 'on'), True),)

    db.create_tables([ExchangeRate])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('exchange_rate'))
    migrator.migrate(migrator.drop_column('payment', 'original_currency'),
                     migrator.drop_column('payment', 'original_amount'))
