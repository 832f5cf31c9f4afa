"""Row-level data scope: which records a user may see, as one filter per model.

Reading and changing differ by one thing, the opportunity team: a member of an opportunity's team
(ltc.services.teams) reads it, its quotes, contracts (with their lines and plans) and follow-ups,
but changes only what their own scope already allows (`condition(..., write=True)` leaves the team out).
"""
from peewee import Value

from ..models import (CareTask, Contact, DunningStep, Contract, ContractApproval, ContractLine, Customer,
                      DeliveryMilestone, Document, FollowUp, Invoice, Lead, Opportunity, OpportunityContact,
                      OpportunityProduct, Payment, PaymentPlan, Quote, QuoteApproval, QuoteLine, ReceiptMatch, Reminder,
                      StageHistory, Target, TeamMember, User)

# Models scoped through a parent record: model -> (foreign key, parent model).
THROUGH_PARENT = {
    Contact: (Contact.customer, Customer),
    CareTask: (CareTask.customer, Customer),
    ContractLine: (ContractLine.contract, Contract),
    ContractApproval: (ContractApproval.contract, Contract),
    DeliveryMilestone: (DeliveryMilestone.contract, Contract),
    PaymentPlan: (PaymentPlan.contract, Contract),
    Payment: (Payment.contract, Contract),
    Invoice: (Invoice.contract, Contract),
    ReceiptMatch: (ReceiptMatch.plan, PaymentPlan),
    DunningStep: (DunningStep.plan, PaymentPlan),
    QuoteLine: (QuoteLine.quote, Quote),
    QuoteApproval: (QuoteApproval.quote, Quote),
    OpportunityContact: (OpportunityContact.opportunity, Opportunity),
    OpportunityProduct: (OpportunityProduct.opportunity, Opportunity),
    StageHistory: (StageHistory.opportunity, Opportunity),
    TeamMember: (TeamMember.opportunity, Opportunity),
}
# Models with their own owner (and department) columns.
OWNED = {Customer, Lead, Opportunity, Quote, Contract, FollowUp}
FINANCE_MODELS = {Contract, ContractLine, ContractApproval, DeliveryMilestone, PaymentPlan, Payment, Invoice,
                  DunningStep}
# The records documents are attached to (Document.entity -> model): a document is visible to whoever
# may see its record.
DOCUMENT_RECORDS = {'Customer': Customer, 'Opportunity': Opportunity, 'Quote': Quote, 'Contract': Contract,
                    'DeliveryMilestone': DeliveryMilestone, 'PaymentPlan': PaymentPlan, 'Payment': Payment}
# Reference and settings tables everyone may read (writing them is a permission question, not scope).
EVERYONE = 'everyone'


def role_of(user):
    return user.role.name if user is not None else None


def visible_user_ids(user):
    """Return the ids of users whose records USER may see, or None for everyone."""
    role = role_of(user)
    if role in ('admin', 'ops'):
        return None
    if role == 'manager' and user.department_id:
        from ..models import Department
        dept_ids = Department.get_by_id(user.department_id).subtree_ids()
        ids = [u.id for u in User.select(User.id).where(User.department.in_(dept_ids))]
        return set(ids) | {user.id}
    return {user.id}


def _department_ids(user):
    if role_of(user) == 'manager' and user.department_id:
        from ..models import Department
        return Department.get_by_id(user.department_id).subtree_ids()
    return []


def team_opportunities(user):
    """Return a query of the ids of the opportunities USER is a team member of."""
    return TeamMember.select(TeamMember.opportunity).where(TeamMember.user == user.id)


# Owned models a team member reads: model -> its link to the opportunity.
TEAM_READS = {Opportunity: Opportunity.id, Quote: Quote.opportunity, Contract: Contract.opportunity,
              FollowUp: FollowUp.opportunity}


def _team(model, user):
    link = TEAM_READS.get(model)
    return Value(False) if link is None else link.in_(team_opportunities(user))


def condition(model, user, write=False):
    """Return a peewee expression selecting the rows of MODEL that USER may see (WRITE: may change)."""
    role = role_of(user)
    if user is None or not user.active:
        return Value(False)
    if role in ('admin', 'ops'):
        return Value(True)
    if role == 'finance':
        if model in FINANCE_MODELS:
            return Value(True)
        if model is Customer:
            return Customer.id.in_(Contract.select(Contract.customer))
        if model is Contact:
            return Contact.id.in_(signing_contacts())
        if model is FollowUp:   # collection: every contract's calls and visits; changes to their own
            own = FollowUp.owner == user.id
            return own if write else (own | FollowUp.contract.is_null(False) | _team(model, user))
        if model in OWNED:
            return Value(False) if write else _team(model, user)
    if model in THROUGH_PARENT:
        fk, parent = THROUGH_PARENT[model]
        return fk.in_(parent.select(parent.id).where(condition(parent, user, write)))
    if model in OWNED:
        users = visible_user_ids(user)
        expr = model.owner.in_(users)
        if model is Customer:
            expr = expr | Customer.owner.is_null()   # the public pool
        departments = _department_ids(user)
        if departments and hasattr(model, 'department'):
            expr = expr | model.department.in_(departments)
        if not write and model in TEAM_READS:
            expr = expr | _team(model, user)
        return expr
    return _own_only(model, user, write)


def signing_contacts():
    """Return a query of the contacts that sign a contract (its customer's contact named as customer signer).

    The customer signer is the only link from a contract to a person, so it is all of the contacts
    finance may read: the rest of a customer's contacts (mobiles, e-mails, WeChat) are sales data.
    """
    return (Contact.select(Contact.id)
            .join(Contract, on=((Contract.customer == Contact.customer) & (Contract.customer_signer == Contact.name))))


def users_in_scope(user):
    """Return a condition on User selecting the people USER may plan for and read figures of."""
    ids = visible_user_ids(user)
    return Value(True) if ids is None else User.id.in_(list(ids))


def departments_in_scope(user):
    """Return a condition on Department: all for admin and ops, a manager's tree, else none."""
    from ..models import Department
    if role_of(user) in ('admin', 'ops'):
        return Value(True)
    return Department.id.in_(_department_ids(user) or [0])


def _own_only(model, user, write=False):
    if model is Reminder:
        return Reminder.user == user.id
    if model is Target:
        users = visible_user_ids(user)
        return Target.user.in_(users) | Target.department.in_(_department_ids(user) or [0])
    if model is Document:
        expr = Value(False)
        for entity, parent in DOCUMENT_RECORDS.items():
            expr = expr | ((Document.entity == entity)
                           & Document.entity_id.in_(parent.select(parent.id).where(condition(parent, user, write))))
        return expr
    return Value(True)


def scoped(query, model, user, write=False):
    """Narrow QUERY over MODEL to the rows USER may see (WRITE: may change)."""
    return query.where(condition(model, user, write))


def can_see(instance, user, write=False):
    model = type(instance)
    return model.select(model.id).where(model.id == instance.id, condition(model, user, write)).exists()
