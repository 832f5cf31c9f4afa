"""Follow-ups: record one and keep the counters of its lead, customer and opportunity current."""
from ..db import database, utcnow
from ..models import FollowUp
from ..models.choices import FOLLOWUP_KINDS
from . import audit
from .messages import invalid


def record_followup(*, by=None, customer=None, lead=None, opportunity=None, contact=None,
                    kind='call', summary='', happened_at=None, next_contact_on=None,
                    is_major=False, owner=None, code=None):
    """Record a follow-up; update follow-up counts, last follow-up times and the next contact date.

    The follow-up is BY's unless OWNER names another user (a sheet row's 跟进人); CODE keeps a
    code the row brought."""
    if kind not in FOLLOWUP_KINDS:
        raise invalid('Unknown follow-up kind {kind!r}; use one of {choices}.',
                      '未知的跟进方式 {kind!r}；请使用 {choices} 之一。',
                      kind=kind, choices=', '.join(FOLLOWUP_KINDS))
    if customer is None and opportunity is not None:
        customer = opportunity.customer
    if customer is None and contact is not None:
        customer = contact.customer
    if customer is None and lead is not None and lead.converted_customer_id:
        customer = lead.converted_customer
    if customer is None and lead is None:
        raise invalid('A follow-up needs a lead, customer, contact or opportunity; name one.',
                      '跟进记录必须关联线索、客户、联系人或商机之一。')
    happened_at = happened_at or utcnow()
    if happened_at > utcnow():
        raise invalid('A follow-up cannot happen in the future ({at:%Y-%m-%d %H:%M}); '
                      'record it after it happened or set a next contact date instead.',
                      '跟进时间不能晚于现在（{at:%Y-%m-%d %H:%M}）；请在跟进发生后记录，或填写下次联系日期。',
                      at=happened_at)
    with database.atomic():
        followup = audit.save(FollowUp(code=code, customer=customer, lead=lead, opportunity=opportunity,
                                       contact=contact, kind=kind, summary=summary or '',
                                       happened_at=happened_at, next_contact_on=next_contact_on,
                                       owner=owner or by, is_major=bool(is_major)))
        for record in (lead, customer, opportunity, contact):
            if record is None:
                continue
            fresh = type(record).get_by_id(record.id)
            if next_contact_on and hasattr(fresh, 'next_contact_on'):   # the date the lists sort and filter by
                fresh.next_contact_on = next_contact_on
            if record is contact:
                if fresh.is_dirty():
                    audit.save(fresh)
                    record.__data__.update(fresh.__data__)
                    record._dirty.clear()
                continue
            if hasattr(fresh, 'followup_count'):
                fresh.followup_count += 1
            if fresh.last_followup_at is None or fresh.last_followup_at < happened_at:
                fresh.last_followup_at = happened_at
            if record is lead and fresh.status in ('new', 'assigned'):
                fresh.status = 'contacted'   # talking to the lead is what "contacted" means
            audit.save(fresh)
            record.__data__.update(fresh.__data__)
            record._dirty.clear()
    return followup
