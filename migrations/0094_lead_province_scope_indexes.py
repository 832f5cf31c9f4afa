"""Leads indexed by (province, owner) and (province, department) instead of province alone: a
manager's province filter is `province = X AND (owner IN their people OR department IN their
branch)`, which PostgreSQL answered by intersecting the province with the manager's whole scope
(0.24 s at 1,000,000 leads for a province none of their leads has); with both pairs indexed each
side of the OR is one index range (bench/search.py)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_index('lead', ('region_province', 'owner_id'), False),
                     migrator.add_index('lead', ('region_province', 'department_id'), False),
                     migrator.drop_index('lead', 'lead_region_province'))


def down(migrator, db):
    migrator.migrate(migrator.add_index('lead', ('region_province',), False),
                     migrator.drop_index('lead', 'lead_region_province_owner_id'),
                     migrator.drop_index('lead', 'lead_region_province_department_id'))
