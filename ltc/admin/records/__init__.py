"""Record pages: lead, opportunity, quote, contract, payment plan and payment on one screen each.

In the spirit of the customer 360° page: a header with the figures that matter, the related
records as compact tables, an activity timeline and the next-step buttons, each shown only when
the gate and the action's own rule allow it and each going through the existing record actions.
The pages replace Flask-Admin's details pages of the six screens (same URLs).

A door on the top floor, inside ltc.admin: it may import the admin's modules, services and
models; only `ltc.admin` (init_admin) imports it.
"""
from .views import (ContractRecordView, LeadRecordView, OpportunityRecordView, PaymentPlanRecordView,
                    PaymentRecordView, QuoteRecordView)

__all__ = ['ContractRecordView', 'LeadRecordView', 'OpportunityRecordView', 'PaymentPlanRecordView',
           'PaymentRecordView', 'QuoteRecordView']
