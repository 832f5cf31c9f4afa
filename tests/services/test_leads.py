"""Leads: grading with reasons, intake, status flow, conversion and duplicates."""
import datetime
from decimal import Decimal

import pytest

from ltc.errors import RuleViolation, ValidationError
from ltc.models import (AuditLog, Contact, Customer, GradingRule, Lead, Opportunity,
                        Setting, StageHistory)
from ltc.services import audit, leads

from ..factories import make_customer, make_lead, make_user
from .unchanged import unchanged


def _rule(name, field, value, points, seq=10):
    return audit.save(GradingRule(name=name, field=field, value=value, points=points, sequence=seq))


@pytest.fixture
def rules(db):
    return [_rule('target industry', 'industry', 'manufacturing,energy', 20, 10),
            _rule('key region', 'region', '上海,江苏', 10, 20),
            _rule('budget', 'budget', '500000', 30, 30),
            _rule('no phone or e-mail', 'no_contact', '', -30, 40),
            _rule('has contact', 'has_contact', '', 10, 50)]


def test_grade_stores_score_and_reasons(rules):
    lead = make_lead(industry='manufacturing', region_province='上海', budget=Decimal('800000'),
                     phone='13800138000')
    leads.grade_lead(lead)
    lead = Lead.get_by_id(lead.id)
    assert lead.score == 70 and lead.grade == 'high'
    assert lead.score_reasons.splitlines() == ['+20 target industry 制造业', '+10 key region 上海',
                                               '+30 budget', '+10 has contact']
    poor = leads.grade_lead(make_lead(industry='retail'))
    assert poor.score == -30 and poor.grade == 'worthless'
    assert poor.score_reasons == '\u221230 no phone or e-mail'


def test_thresholds_come_from_settings(rules):
    lead = make_lead(industry='energy', email='a@x.com')
    assert leads.grade_lead(lead).grade == 'general'   # 30 points: general (20) but not high (60)
    audit.save(Setting(code='grading.threshold.general', value='40'))
    assert leads.grade_lead(lead).grade == 'worthless'
    audit.save(Setting(code='grading.threshold.high', value='25'))
    assert leads.grade_lead(lead).grade == 'high'


def test_bad_threshold_setting_is_a_clear_error(rules):
    audit.save(Setting(code='grading.threshold.high', value='lots'))
    lead = make_lead()
    with unchanged(lead), pytest.raises(ValidationError, match='grading.threshold.high must be a whole number'):
        leads.grade_lead(lead)


def test_no_rules_leaves_leads_ungraded(db):
    lead = leads.grade_lead(make_lead())
    assert lead.grade == 'ungraded' and lead.score_reasons == 'no active grading rules'


def test_grade_is_idempotent_and_audited_once(rules):
    lead = make_lead(industry='manufacturing')
    leads.grade_lead(lead)
    count = AuditLog.select().where(AuditLog.entity_code == lead.code).count()
    leads.grade_lead(lead)
    assert AuditLog.select().where(AuditLog.entity_code == lead.code).count() == count


def test_regrade_open_leads_skips_closed_and_is_idempotent(rules):
    open_lead = make_lead(industry='manufacturing')
    closed = make_lead(industry='manufacturing', status='disqualified', disqualify_reason='x')
    assert leads.regrade_open_leads() == 1
    assert leads.regrade_open_leads() == 0
    assert Lead.get_by_id(open_lead.id).score == -10 and Lead.get_by_id(closed.id).grade == 'ungraded'
    GradingRule.update(points=50).where(GradingRule.field == 'industry').execute()
    assert leads.regrade_open_leads() == 1
    assert Lead.get_by_id(open_lead.id).score == 20


def test_campaign_company_size_and_source_rules(db):
    from ltc.models import Campaign
    campaign = audit.save(Campaign(name='工博会 2026'))
    _rule('campaign', 'campaign', campaign.code, 5)
    _rule('big', 'company_size', 'large,xlarge', 7)
    _rule('referral', 'source', 'referral', 11)
    lead = leads.grade_lead(make_lead(campaign=campaign, company_size='large', source='referral'))
    assert lead.score == 23
    assert '+5 campaign 工博会 2026' in lead.score_reasons and '+11 referral 转介绍' in lead.score_reasons


def test_install_default_rules_once(db):
    assert leads.install_default_rules() == len(leads.DEFAULT_RULES)
    assert leads.install_default_rules() == 0


def test_save_lead_normalises_grades_and_regrades_on_edit(rules):
    lead = leads.save_lead(Lead(company='上海精工机械有限公司', phone='+86 138-0013-8000',
                                email='Wang@JingGong.cn', industry='retail'))
    assert (lead.phone_norm, lead.email_norm, lead.company_norm) == ('13800138000', 'wang@jinggong.cn', '上海精工机械')
    assert lead.score == 10
    lead.industry = 'manufacturing'
    leads.save_lead(lead)
    assert Lead.get_by_id(lead.id).score == 30


def test_save_lead_requires_a_company(db):
    with unchanged(tables=[Lead]), pytest.raises(ValidationError, match='needs a company'):
        leads.save_lead(Lead(company='  '))


def test_status_flow_and_disqualify_needs_reason(db):
    lead = make_lead()
    leads.set_status(lead, 'contacted')
    leads.qualify(lead)
    with unchanged(lead), pytest.raises(RuleViolation, match='give a reason'):
        leads.disqualify(lead, '  ')
    leads.disqualify(lead, 'no budget')
    lead = Lead.get_by_id(lead.id)
    assert lead.status == 'disqualified' and lead.disqualify_reason == 'no budget'
    with unchanged(lead), pytest.raises(RuleViolation, match='cannot go from disqualified to qualified'):
        leads.set_status(lead, 'qualified')
    with unchanged(lead), pytest.raises(RuleViolation, match='only by converting'):
        leads.set_status(lead, 'converted')
    leads.set_status(lead, 'new')
    assert Lead.get_by_id(lead.id).disqualify_reason is None


def test_assigned_status_needs_an_owner(db):
    lead = make_lead()
    with unchanged(lead), pytest.raises(RuleViolation, match='has no owner'):
        leads.set_status(lead, 'assigned')


def test_convert_creates_customer_contact_opportunity_with_links(db):
    owner = make_user()
    lead = make_lead(company='苏州新材料有限公司', contact_name='王强', contact_title='采购经理',
                     phone='13900001111', email='wq@xcl.cn', industry='manufacturing',
                     budget=Decimal('200000'), owner=owner, requirement='产线升级')
    out = leads.convert_lead(lead, by=owner, expected_close_on=datetime.date(2026, 6, 30))
    lead = Lead.get_by_id(lead.id)
    customer, contact, opp = out['customer'], out['contact'], out['opportunity']
    assert lead.status == 'converted' and lead.converted_customer_id == customer.id
    assert lead.converted_contact_id == contact.id and lead.converted_at is not None
    assert customer.owner_id == owner.id and customer.industry == 'manufacturing'
    assert contact.customer_id == customer.id and contact.name == '王强' and contact.title == '采购经理'
    assert opp.lead_id == lead.id and opp.customer_id == customer.id and opp.contact_id == contact.id
    assert opp.amount == Decimal('200000') and opp.weighted_amount == Decimal('20000.00')
    assert opp.first_close_on == datetime.date(2026, 6, 30) and opp.stage.code == 'ST-VALIDATE'
    assert list(lead.opportunities) == [Opportunity.get_by_id(opp.id)]
    assert StageHistory.select().where(StageHistory.opportunity == opp.id).count() == 1


def test_convert_matches_existing_customer_by_normalised_name(db):
    existing = make_customer(name='杭州云图科技股份有限公司')
    contact = Contact.create(customer=existing, name='李娜', email='ln@yuntu.com', code='CT-X')
    lead = make_lead(company='杭州云图科技有限公司', contact_name='李娜', email='LN@yuntu.com')
    out = leads.convert_lead(lead)
    assert out['customer'].id == existing.id and out['contact'].id == contact.id
    assert Customer.select().count() == 1


def test_convert_refused_when_disqualified_or_converted(db):
    lead = make_lead(status='disqualified', disqualify_reason='spam')
    with unchanged(lead, tables=[Customer, Contact, Opportunity]), \
            pytest.raises(RuleViolation, match='is disqualified \\(spam\\)'):
        leads.convert_lead(lead)
    done = make_lead()
    leads.convert_lead(done)
    with unchanged(done, tables=[Customer, Contact, Opportunity]), \
            pytest.raises(RuleViolation, match='already converted'):
        leads.convert_lead(done)


def test_convert_matches_english_names_and_reports_in_chinese(db):
    from ltc.services.messages import text
    existing = make_customer(name='ACME Industrial Co., Ltd.')
    out = leads.convert_lead(make_lead(company='Acme Industrial Limited'))
    assert out['customer'].id == existing.id and out['contact'] is None
    with pytest.raises(RuleViolation) as caught:
        leads.convert_lead(out['lead'])
    assert text(caught.value, 'zh_Hans_CN').startswith('转化被拒绝：线索') and '已转化' in text(caught.value, 'zh')
    assert text(caught.value, 'en').startswith('Conversion refused')


def test_unknown_status_is_refused(db):
    lead = make_lead()
    with unchanged(lead), pytest.raises(ValidationError, match="Unknown lead status 'won'"):
        leads.set_status(lead, 'won')
