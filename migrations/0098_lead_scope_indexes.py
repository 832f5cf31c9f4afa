"""Leads indexed for the scoped list (bench/search.py, 1,000,000 leads):

- (owner, created_at) instead of owner alone: a sales user's list, newest first, reads their
  leads in order and stops at the page, where it sorted all of them (tens of thousands) before;
- (province, owner, department) and (province, department, owner) instead of province alone: a
  manager's province filter is `province = X AND (owner IN their people OR department IN their
  branch)`, which PostgreSQL answered by intersecting the province with the manager's whole scope
  (0.24 s for a province none of their leads has); now each side of the OR is one index range,
  and SQLite checks both sides on the province's index entries instead of reading its rows."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_index('lead', ('owner_id', 'created_at'), False),
                     migrator.add_index('lead', ('region_province', 'owner_id', 'department_id'), False),
                     migrator.add_index('lead', ('region_province', 'department_id', 'owner_id'), False),
                     migrator.drop_index('lead', 'lead_owner_id'),
                     migrator.drop_index('lead', 'lead_region_province'))


def down(migrator, db):
    migrator.migrate(migrator.add_index('lead', ('owner_id',), False),
                     migrator.add_index('lead', ('region_province',), False),
                     migrator.drop_index('lead', 'lead_owner_id_created_at'),
                     migrator.drop_index('lead', 'lead_region_province_owner_id_department_id'),
                     migrator.drop_index('lead', 'lead_region_province_department_id_owner_id'))
