"""The demo company: a coherent, bilingual Lead-to-Cash dataset built from a seed (`flask ltc demo`).

Everything is drawn from one `random.Random(seed)`, and every date is counted back or forward
from an anchor day (`today`, default: the current date), so the same seed on the same anchor
gives identical rows. Rows are written in bulk (Writer: insert_many, codes from reserve_codes,
one audit row per record); `scale` then grows the leads in batches (one audit row per batch).

Beside sync on the floor over services: it imports services, models and the base floor; only the
CLI (`flask ltc demo`, `flask ltc setup`) imports it.
"""
import datetime
import json

from werkzeug.security import generate_password_hash

from ..db import CodeSequence, ConfigGeneration, database
from ..models import (ALL_MODELS, CareTask, Contact, Contract, ContractApproval, ContractLine, Customer,
                      DeliveryMilestone, FollowUp, Lead, Opportunity, OpportunityContact, OpportunityProduct, Payment,
                      PaymentPlan, PublicPool, Quote, QuoteLine, Role, Setting, Stage, StageHistory)
from ..models.choices import ROLES
from ..services import audit, diagnosis
from ..services.messages import invalid, refusal
from ..services.users import generate_password
from . import activities, delivery, org, sales
from .context import Demo
from .leads import LeadFactory, grow_leads

MARKER = 'demo.company'
DEFAULT_CUSTOMERS = 300


class DemoSummary(dict):
    """{table name: row count}; `password` holds the demo users' password when users were made."""
    password = None
    usernames = ()


def build_demo(seed=42, scale=0, progress=None, today=None, customers=DEFAULT_CUSTOMERS):
    """Load the demo company into an empty database, or grow an existing demo's leads to SCALE."""
    say = progress or (lambda message: None)
    if scale < 0:
        raise invalid('--scale must be a positive number of leads (or 0 for the plain demo).',
                      '--scale 必须是正的线索数量（0 表示只加载基础演示数据）。')
    summary = DemoSummary()
    marker = Setting.by_code(MARKER)
    customers_now, leads_now = Customer.select().count(), Lead.select().count()
    if customers_now or leads_now or Opportunity.select().exists():
        if marker is None:
            raise refusal('The database already holds business data ({customers} customers, {leads} leads); '
                          'the demo company loads only into an empty database. Point LTC_DATABASE_URL at a new '
                          'database and run it there.',
                          '数据库中已有业务数据（{customers} 个客户、{leads} 条线索）；演示公司只能加载到空数据库中。'
                          '请将 LTC_DATABASE_URL 指向一个新数据库后再运行。', customers=customers_now, leads=leads_now)
        if not scale:
            raise refusal('The demo company is already loaded; add --scale N to grow its leads to N, '
                          'or load it into an empty database.',
                          '演示公司已加载；加上 --scale N 可将其线索增加到 N 条，或将其加载到空数据库中。')
        try:
            anchor = datetime.date.fromisoformat(json.loads(marker.value)['today'])
        except (ValueError, KeyError, TypeError):
            raise refusal('The setting {marker} no longer says when the demo was loaded; '
                          'set it back to {{"today": "YYYY-MM-DD"}} to grow the demo.',
                          '设置 {marker} 中已没有演示数据的加载日期；请将其改回 {{"today": "YYYY-MM-DD"}} 后再扩充演示数据。',
                          marker=MARKER) from None
        added = grow_leads(scale, seed, anchor, say)
        if not added:
            say(f'the demo already has {scale:,} leads or more; nothing to add')
    else:
        today = today or datetime.date.today()
        password = generate_password()
        with database.atomic():
            demo = _build_company(seed, today, customers, generate_password_hash(password), say)
        summary.password = password
        summary.usernames = {role: [u['username'] for u in demo.users if u['_role'] == role]
                             for role in ('manager', 'sales', 'ops', 'finance')}
        say(f"demo company loaded ({len(demo.leads):,} leads)")
        del demo   # free the in-memory company before a long scale-up
        if scale:
            grow_leads(scale, seed, today, say)
    for model in ALL_MODELS:
        count = model.select().count()
        if count and model not in (CodeSequence, ConfigGeneration):
            summary[model._meta.table_name] = count
    return summary


def _build_company(seed, today, customers, password_hash, say):
    """Build and insert the whole company; the caller holds the transaction."""
    if customers < 10:
        raise invalid('The demo needs at least 10 customers.', '演示数据至少需要 10 个客户。')
    if Role.select().count() < len(ROLES.values) or Stage.select().count() < 6 or not PublicPool.select().exists():
        raise invalid('Reference data (roles, stages, the default pool) is missing; run `flask ltc db upgrade` first.',
                      '缺少基础数据（角色、阶段、默认公海）；请先运行 `flask ltc db upgrade`。')
    demo = Demo(seed, today, customers)
    say('demo: organisation, catalogue, campaigns and rules')
    org.build_org(demo, password_hash)
    say('demo: customers, leads, opportunities, contracts and receivables')
    sales.build_customers(demo)
    sales.build_leads(demo, LeadFactory(demo.rng, today, audit.current()[0]))
    sales.build_opportunities(demo)
    delivery.build_contracts(demo)
    sales.settle_ownership(demo)
    activities.build_followups(demo)
    activities.build_care(demo)
    add = demo.writer.add
    add(Customer, demo.customers)
    add(Contact, demo.contacts)
    add(Lead, demo.leads)
    opps = add(Opportunity, demo.opportunities)
    add(StageHistory, [h for o in opps for h in o['_history']])
    add(OpportunityProduct, [p for o in opps for p in o['_products']])
    add(OpportunityContact, [c for o in opps for c in o['_chain']])
    quotes = add(Quote, demo.quotes)
    add(QuoteLine, [line for q in quotes for line in q['_lines']])
    contracts = add(Contract, demo.contracts)
    add(ContractLine, [line for c in contracts for line in c['_lines']])
    add(ContractApproval, [a for c in contracts for a in c['_approvals']])
    add(DeliveryMilestone, [m for c in contracts for m in c['_milestones']])
    add(PaymentPlan, [p for c in contracts for p in c['_plans']])
    add(Payment, sorted((p for c in contracts for p in c['_payments']), key=lambda p: p['received_on']))
    add(FollowUp, demo.followups)
    add(CareTask, demo.care_tasks)
    activities.build_reminders(demo)
    # Diagnosed as of the end of the anchor day (a fixed moment: same seed, same scores).
    diagnosis.diagnose_open(today, now=diagnosis.day_end(today))
    add(Setting, [{'code': MARKER, 'description': 'Demo company loaded by `flask ltc demo` (seed, anchor day)',
                   'value': json.dumps({'seed': seed, 'today': today.isoformat(), 'customers': customers})}])
    return demo
