"""Web-to-lead: the intake forms a website embeds, one public key each, feeding a campaign's leads."""
from peewee import BooleanField, CharField, ForeignKeyField, TextField

from ..db import BaseModel
from .customers import Campaign


class IntakeForm(BaseModel):
    """A form on a website whose answers become leads of CAMPAIGN (its channel as the lead's source)."""
    code_prefix = 'WF'
    label = 'web form'
    name = CharField(max_length=200)
    campaign = ForeignKeyField(Campaign, backref='intake_forms')
    key = CharField(max_length=64, unique=True)   # public: it is in the page's HTML
    allowed_fields = TextField(default='company contact_name phone email requirement')   # space-separated
    thank_you_url = CharField(max_length=500, null=True)
    allowed_origins = TextField(null=True)   # one origin a line, e.g. https://www.example.com
    active = BooleanField(default=True)

    @classmethod
    def by_key(cls, key):
        """Return the active form whose public key is KEY, or None."""
        return cls.get_or_none((cls.key == (key or '')[:64]) & cls.active)

    @property
    def fields(self):
        return (self.allowed_fields or '').split()

    @property
    def origins(self):
        return [o.strip().rstrip('/') for o in (self.allowed_origins or '').split() if o.strip()]
