"""Custom fields: extra fields an administrator defines per entity, stored in each record's `custom` column.

A definition says the field's key, its labels in Chinese and English, its type (text, number, date or
a choice among options labelled in both languages), whether it is required and whether it is in use.
The values live in one JSON column `custom` on the entity's table ({key: value}, values as JSON
text: numbers as decimal strings, dates as ISO strings, choices by their code).
"""
import re

from peewee import BooleanField, CharField, IntegerField, TextField

from ..db import BaseModel
from .choices import Choices
from .fields import ChoiceField, CustomValues  # noqa: F401  (the column type)

CUSTOM_KINDS = Choices(
    ('text', 'Text', '文本'),
    ('number', 'Number', '数字'),
    ('date', 'Date', '日期'),
    ('choice', 'Choice', '选项'),
)
# The entities whose records may carry custom fields (the sync mapping names).
CUSTOM_ENTITIES = Choices(
    ('leads', 'Leads', '线索'),
    ('customers', 'Customers', '客户'),
    ('contacts', 'Contacts', '联系人'),
    ('opportunities', 'Opportunities', '商机'),
    ('contracts', 'Contracts', '合同'),
)
KEY = re.compile(r'^[a-z][a-z0-9_]{0,39}$')


class CustomField(BaseModel):
    """One extra field of an entity: key, labels, type, options, required, in use."""
    code_prefix = 'CF'
    label = 'custom field'
    entity = ChoiceField(CUSTOM_ENTITIES)
    key = CharField(max_length=40)
    label_zh = CharField(max_length=80)
    label_en = CharField(max_length=80)
    kind = ChoiceField(CUSTOM_KINDS, default='text', index=False)
    # A choice's options, one a line: `code | English label | 中文标签`.
    options = TextField(null=True)
    required = BooleanField(default=False)
    active = BooleanField(default=True)
    sequence = IntegerField(default=0)

    class Meta:
        indexes = ((('entity', 'key'), True),)

    def __str__(self):
        return f'{self.entity}:{self.key}'

    @classmethod
    def of(cls, entity, active=True):
        """Return ENTITY's definitions in their order (only those in use when ACTIVE)."""
        query = cls.select().where(cls.entity == entity)
        if active:
            query = query.where(cls.active == True)  # noqa: E712
        return list(query.order_by(cls.sequence, cls.id))

    def choices(self):
        """Return the options as Choices (code, English, Chinese); a line with one part is all three."""
        items = []
        for line in (self.options or '').splitlines():
            parts = [p.strip() for p in re.split(r'[|｜]', line)]
            if not parts or not parts[0]:
                continue
            code = parts[0]
            en = parts[1] if len(parts) > 1 and parts[1] else code
            zh = parts[2] if len(parts) > 2 and parts[2] else en
            items.append((code, en, zh))
        return Choices(*items)

    def title(self, lang='zh'):
        return self.label_zh if str(lang).startswith('zh') else self.label_en
