"""Calls from imports and syncs into services that may live in other branches.

`after_lead_saved(lead)` grades the lead and, when it has no owner, assigns it, through
`ltc.services.leads.grade_lead(lead)` and `assign_lead(lead, by=None)`. Those services are
built separately; while `ltc.services.leads` does not exist this hook does nothing (and
`active()` says so, letting bulk imports skip loading the created leads). Any other import
error, or an error raised by the services, propagates: a half-wired service must fail loudly.
"""
import importlib


def _leads_service():
    try:
        return importlib.import_module('ltc.services.leads')
    except ModuleNotFoundError as exc:
        if exc.name in ('ltc.services.leads',):
            return None
        raise


def active():
    """Return whether lead grading/assignment services are installed."""
    service = _leads_service()
    return service is not None and hasattr(service, 'grade_lead')


def after_lead_saved(lead):
    """Grade LEAD and assign it when it has no owner; do nothing without the leads service."""
    service = _leads_service()
    if service is None:
        return
    service.grade_lead(lead)
    if lead.owner_id is None and hasattr(service, 'assign_lead'):
        service.assign_lead(lead, by=None)
