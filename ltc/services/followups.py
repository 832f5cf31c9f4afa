"""Follow-ups: record one and keep the counters of its lead, customer and opportunity current."""
from ..db import database, utcnow
from ..models import FollowUp
from ..models.choices import FOLLOWUP_KINDS
from . import audit
from .messages import invalid


def _collection_links(customer, contract, plan):
    """Return (contract, plan) of a collection follow-up: the plan's contract, the customer's contract."""
    from ..models import Contract, PaymentPlan
    if plan is not None and not isinstance(plan, PaymentPlan):
        plan = PaymentPlan.get_by_id(plan)
    if contract is not None and not isinstance(contract, Contract):
        contract = Contract.get_by_id(contract)
    if plan is not None:
        if contract is not None and plan.contract_id != contract.id:
            raise invalid('Payment plan {plan} belongs to another contract than {contract}; choose one of its plans.',
                          '回款计划 {plan} 不属于合同 {contract}；请选择该合同的回款计划。',
                          plan=plan.code, contract=contract.code)
        contract = contract or Contract.get_by_id(plan.contract_id)
    if contract is not None and customer is not None and contract.customer_id != customer.id:
        raise invalid('Contract {contract} is not a contract of customer {customer}; choose one of theirs.',
                      '合同 {contract} 不属于客户 {customer}；请选择该客户的合同。',
                      contract=contract.code, customer=customer.code)
    return contract, plan


def record_followup(*, by=None, customer=None, lead=None, opportunity=None, contact=None,
                    kind='call', summary='', happened_at=None, next_contact_on=None,
                    is_major=False, owner=None, code=None, contract=None, plan=None):
    """Record a follow-up; update follow-up counts, last follow-up times and the next contact date.

    The follow-up is BY's unless OWNER names another user (a sheet row's 跟进人); CODE keeps a
    code the row brought."""
    if kind not in FOLLOWUP_KINDS:
        raise invalid('Unknown follow-up kind {kind!r}; use one of {choices}.',
                      '未知的跟进方式 {kind!r}；请使用 {choices} 之一。',
                      kind=kind, choices=', '.join(FOLLOWUP_KINDS))
    contract, plan = _collection_links(customer, contract, plan)
    if customer is None and contract is not None:
        customer = contract.customer
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
                                       contract=contract, plan=plan,
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
