"""The whole LTC chain from the admin: lead → customer/opportunity → quote → contract → delivery → cash."""
import datetime
import re
from decimal import Decimal

from ltc.models import (AssignmentRule, Contract, DeliveryMilestone, GradingRule, Lead, Opportunity,
                        Payment, PaymentPlan, Quote, Stage, StageHistory)
from ltc.services import audit, receivables

from ..factories import make_product
from .conftest import csrf_from
from .wiring import act, form_page, version_of

TODAY = datetime.date.today()


def test_lead_to_cash_walk_through_the_admin(as_role, users, db):
    audit.save(GradingRule(name='目标行业', field='industry', value='manufacturing', points=70, sequence=1))
    audit.save(AssignmentRule(name='制造业', industry='manufacturing', method='user', assignee=users['sales']))
    product = make_product(list_price=Decimal('50000'))
    ops, sales, boss, finance = as_role('ops'), as_role('sales'), as_role('admin'), as_role('finance')

    # a lead arrives, is graded and assigned
    form_page(ops, '/admin/lead/new/', {'company': '宁波精工机械有限公司', 'contact_name': '李总',
                                        'phone': '13811112222', 'industry': 'manufacturing', 'source': 'website',
                                        'budget': '100000', 'currency': 'CNY'})
    lead = Lead.get(Lead.company == '宁波精工机械有限公司')
    assert lead.grade == 'high' and lead.owner_id == users['sales'].id and lead.status == 'assigned'

    # the sales user converts it
    act(sales, 'lead', 'convert', lead.id)
    opp = Opportunity.get(Opportunity.lead == lead.id)
    customer_id = opp.customer_id

    # the opportunity moves through stages with a diagnosis
    for code in ('ST-ANALYSE', 'ST-PROPOSE'):
        form_page(sales, f'/admin/opportunity/act/move_stage/?id={opp.id}',
                  {'choice': Stage.get(Stage.code == code).id})
    page = sales.get(f'/admin/opportunity/details/?id={opp.id}').get_data(as_text=True)
    assert 'Health score' in page and 'No decision maker identified' in page

    # a quote with lines, sent and accepted → contract draft; the opportunity is won
    form_page(sales, '/admin/quote/new/', {
        'title': '产线改造', 'customer': customer_id, 'opportunity': opp.id, 'quoted_on': TODAY.isoformat(),
        'currency': 'CNY', 'lines-0-product': product.id, 'lines-0-quantity': '2',
        'lines-0-unit_price': '50000', 'lines-0-discount_pct': '0'})
    quote = Quote.get(Quote.title == '产线改造')
    assert quote.total == 100000
    act(sales, 'quote', 'send', quote.id)
    act(sales, 'quote', 'accept', quote.id)
    contract = Contract.get(Contract.quote == quote.id)
    form_page(sales, f'/admin/opportunity/act/move_stage/?id={opp.id}',
              {'choice': Stage.get(Stage.code == 'ST-WON').id})
    assert Opportunity.get_by_id(opp.id).stage.is_won
    assert StageHistory.select().where(StageHistory.opportunity == opp.id).count() == 4

    # three instalments on the contract form (the first is due before we will be paid)
    html = sales.get(f'/admin/contract/edit/?id={contract.id}').get_data(as_text=True)
    plans = {}
    for n, (amount, due) in enumerate((('30000', TODAY - datetime.timedelta(days=20)),
                                       ('40000', TODAY + datetime.timedelta(days=30)),
                                       ('30000', TODAY + datetime.timedelta(days=60)))):
        plans.update({f'payment_plans-{n}-id': '', f'payment_plans-{n}-sequence': str(n + 1),
                      f'payment_plans-{n}-trigger': 'date', f'payment_plans-{n}-due_on': due.isoformat(),
                      f'payment_plans-{n}-amount': amount, f'payment_plans-{n}-currency': 'CNY'})
    response = sales.post(f'/admin/contract/edit/?id={contract.id}', data={
        'code': contract.code, 'title': contract.title, 'customer': customer_id, 'amount': '100000',
        'currency': 'CNY', 'version': version_of(html), 'csrf_token': csrf_from(html), **plans})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]

    # approved and delivered
    act(sales, 'contract', 'submit', contract.id)
    form_page(boss, f'/admin/contract/act/approve/?id={contract.id}', {'reason': 'ok'})
    act(sales, 'contract', 'activate', contract.id)
    form_page(finance, '/admin/deliverymilestone/new/', {'contract': contract.id, 'sequence': '1',
                                                         'name': '终验', 'planned_on': TODAY.isoformat()})
    milestone = DeliveryMilestone.get(DeliveryMilestone.contract == contract.id)
    form_page(finance, f'/admin/deliverymilestone/act/accept_milestone/?id={milestone.id}',
              {'on': TODAY.isoformat()})

    # collected: the first instalment is late (marked overdue by the job), then everything is paid
    receivables.mark_overdue(TODAY)
    first = PaymentPlan.get(PaymentPlan.contract == contract.id, PaymentPlan.sequence == 1)
    assert first.status == 'overdue'
    dashboard = finance.get('/admin/').get_data(as_text=True)
    data = re.search(r'id="ltc-chart-data">(.*?)</script>', dashboard, re.S).group(1)
    assert '"bucket": "0-30", "count": 1' in data
    plans = list(PaymentPlan.select().where(PaymentPlan.contract == contract.id).order_by(PaymentPlan.sequence))
    for plan in plans:
        form_page(finance, '/admin/payment/new/', {'contract': contract.id, 'plan': plan.id,
                                                   'received_on': TODAY.isoformat(), 'amount': str(plan.amount),
                                                   'currency': 'CNY', 'method': 'bank_transfer'})
    statuses = [p.status for p in PaymentPlan.select().where(PaymentPlan.contract == contract.id)]
    assert statuses == ['paid'] * 3 and Payment.select().count() == 3
    act(sales, 'contract', 'complete', contract.id)
    assert Contract.get_by_id(contract.id).status == 'completed'
    page = sales.get(f'/admin/customer/360/?id={customer_id}').get_data(as_text=True)
    assert '100,000.00' in page and contract.code in page
