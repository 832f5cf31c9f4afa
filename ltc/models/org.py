"""Organisation: departments (a tree), roles, users, sales and collection targets, settings."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..db import BaseModel, display_language
from . import choices as C
from .fields import ChoiceField, MoneyField


class Department(BaseModel):
    code_prefix = 'D'
    label = 'department'
    name = CharField(max_length=120)
    name_en = CharField(max_length=120, null=True)
    parent = ForeignKeyField('self', null=True, backref='children')
    # A region (大区): its managers approve the "region head" steps of the records below it.
    is_region = BooleanField(default=False)

    def ancestors(self):
        """Return the chain of parents, nearest first."""
        out, node, seen = [], self.parent, {self.id}
        while node is not None and node.id not in seen:
            out.append(node)
            seen.add(node.id)
            node = node.parent
        return out

    def subtree_ids(self):
        """Return the ids of this department and every department below it."""
        rows = list(Department.select(Department.id, Department.parent))
        children = {}
        for row in rows:
            children.setdefault(row.parent_id, []).append(row.id)
        out, stack = [], [self.id]
        while stack:
            node = stack.pop()
            if node in out:
                continue
            out.append(node)
            stack.extend(children.get(node, ()))
        return out


class Role(BaseModel):
    code_prefix = 'R'
    label = 'role'
    name = ChoiceField(C.ROLES, index=False, unique=True)
    name_zh = CharField(max_length=60)
    name_en = CharField(max_length=60)
    data_scope = ChoiceField(C.DATA_SCOPES, default='own', index=False)


class User(BaseModel):
    code_prefix = 'U'
    label = 'user'
    search_scan = True   # few rows: look-ups match anywhere in the name without a search index
    username = CharField(max_length=80, unique=True)
    display_name = CharField(max_length=120)
    display_name_en = CharField(max_length=120, null=True)
    email = CharField(max_length=200, null=True, index=True)
    phone = CharField(max_length=40, null=True)
    password_hash = CharField(max_length=256, default='')
    role = ForeignKeyField(Role, backref='users')
    department = ForeignKeyField(Department, null=True, backref='users')
    manager = ForeignKeyField('self', null=True, backref='reports')
    active = BooleanField(default=True, index=True)
    language = ChoiceField(C.LANGUAGES, default='zh_Hans_CN', index=False)
    timezone = CharField(max_length=64, null=True)   # IANA name; empty: the company's LTC_TIMEZONE
    open_lead_cap = IntegerField(null=True)
    last_login_at = DateTimeField(null=True)
    # Part of every session cookie; raising it (ltc.services.users.end_sessions) ends them all.
    session_version = IntegerField(default=1)

    def __str__(self):
        shown = self.display_name_en if display_language() == 'en' and self.display_name_en else self.display_name
        return f'{shown} ({self.username})'

    @classmethod
    def active_sales(cls, department=None):
        query = cls.select().join(Role).where(cls.active, Role.name.in_(('sales', 'manager')))
        if department is not None:
            query = query.where(cls.department == department)
        return query.order_by(cls.id)


class Target(BaseModel):
    """A sales or collection target for a user or a department in a month (YYYY-MM)."""
    code_prefix = 'TG'
    label = 'target'
    kind = ChoiceField(C.TARGET_KINDS, default='sales')
    period = CharField(max_length=7, index=True)
    user = ForeignKeyField(User, null=True, backref='targets')
    department = ForeignKeyField(Department, null=True, backref='targets')
    amount = MoneyField()
    currency = CharField(max_length=3, default='CNY')

    class Meta:
        indexes = ((('kind', 'period', 'user', 'department'), True),)


class Setting(BaseModel):
    """An admin-editable setting; the code is the key, e.g. grading.threshold.high."""
    code_prefix = 'S'
    label = 'setting'
    value = TextField(default='')
    description = CharField(max_length=255, null=True)
