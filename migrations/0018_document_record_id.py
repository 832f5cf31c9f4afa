"""Documents point at their record by id as well as by code: a contract number can be edited,
and a document must stay with its contract (and its scope) when it is. Indexed with the entity,
since every details page lists its record's documents."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('document', 'entity_id', IntegerField(null=True)))
    migrator.migrate(migrator.add_index('document', ('entity', 'entity_id')))
    # Backfill from the code for the kinds of records documents are attached to.
    for entity, table in (('Customer', 'customer'), ('Opportunity', 'opportunity'), ('Contract', 'contract'),
                          ('DeliveryMilestone', 'delivery_milestone'), ('Payment', 'payment')):
        db.execute_sql(f'UPDATE document SET entity_id = (SELECT t.id FROM "{table}" t '
                       f'WHERE t.code = document.entity_code) WHERE entity = {db.param}', (entity,))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('document', 'document_entity_entity_id'))
    migrator.migrate(migrator.drop_column('document', 'entity_id'))
