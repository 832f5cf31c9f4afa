"""Duplicate leads: normalised keys, public mail domains, flag and link, merge into the older."""
import datetime

import pytest

from ltc.errors import RuleViolation
from ltc.models import FollowUp, Lead
from ltc.services import leads
from ltc.services.dedupe import (dedupe_leads, find_original, merge_leads, normalise_company,
                                 normalise_email, normalise_phone)
from ltc.services.followups import record_followup

from ..factories import make_lead
from .unchanged import unchanged


def test_normalisers():
    assert normalise_phone('+86 138-0013-8000') == normalise_phone('0086 13800138000') == '13800138000'
    assert normalise_phone('021-5555 1234') == '02155551234' and normalise_phone('  ') is None
    assert normalise_email(' Li@Acme.COM ') == 'li@acme.com' and normalise_email('nope') is None
    names = ['上海精工机械有限公司', '上海精工机械股份有限公司', '上海精工机械（集团）有限公司', '上海精工机械']
    assert {normalise_company(n) for n in names} == {'上海精工机械'}
    assert normalise_company('Acme Co., Ltd.') == normalise_company('ACME Ltd') == 'acme'


def _new(**kw):
    return leads.save_lead(Lead(**kw), assign=False)


def test_duplicates_by_phone_email_and_company(db):
    first = _new(company='上海精工机械有限公司', phone='13800138000', email='li@jinggong.cn')
    by_phone = _new(company='别的公司', phone='+86 138 0013 8000')
    by_company = _new(company='上海精工机械股份有限公司')
    by_domain = _new(company='精工机械（上海）', email='wang@jinggong.cn')   # same domain, alike name
    other_firm = _new(company='又一家', email='zhao@jinggong.cn')             # same domain, another name
    assert {by_phone.duplicate_of_id, by_company.duplicate_of_id, by_domain.duplicate_of_id} == {first.id}
    assert first.duplicate_of_id is None and other_firm.duplicate_of_id is None


def test_a_shared_domain_needs_alike_company_names(db):
    """成都华信网络科技 and 重庆华信重工 share huaxin.com.cn but are two companies; another contact of one company is a duplicate."""
    chengdu = _new(company='成都华信网络科技有限公司', contact_name='李明', email='li.ming@huaxin.com.cn')
    chongqing = _new(company='重庆华信重工有限公司', contact_name='王强', email='wang.qiang@huaxin.com.cn')
    colleague = _new(company='成都华信网络科技', contact_name='赵丽', email='zhao.li@huaxin.com.cn', phone='13900001111')
    assert chongqing.duplicate_of_id is None
    assert colleague.duplicate_of_id == chengdu.id
    assert dedupe_leads() == 1 and Lead.get_by_id(chongqing.id).duplicate_of_id is None
    with pytest.raises(RuleViolation, match='not flagged as a duplicate'):
        merge_leads(Lead.get_by_id(chongqing.id))
    assert merge_leads(Lead.get_by_id(colleague.id)).id == chengdu.id


def test_group_members_sharing_a_domain_are_linked_not_merged(db):
    parent = _new(company='中联重工集团有限公司', email='a@zoomlion.cn')
    member = _new(company='苏州中联重工有限公司', email='b@zoomlion.cn')
    branch = _new(company='中联重工(长沙)有限公司', email='c@zoomlion.cn')
    assert member.duplicate_of_id == parent.id and branch.duplicate_of_id == parent.id   # linked
    for lead in (member, branch):
        with unchanged(lead), pytest.raises(RuleViolation, match='members of one group'):
            merge_leads(Lead.get_by_id(lead.id))
    # The same name registered in two cities is two companies, even on one domain.
    shanghai = _new(company='上海华信网络科技有限公司', email='c@huaxin.com.cn')
    chengdu = _new(company='成都华信网络科技有限公司', email='d@huaxin.com.cn')
    assert shanghai.duplicate_of_id is None and chengdu.duplicate_of_id is None


def test_public_mail_domains_do_not_match(db):
    _new(company='甲公司', email='zhang@qq.com')
    other = _new(company='乙公司', email='li@qq.com')
    same = _new(company='丙公司', email='ZHANG@qq.com')
    assert other.duplicate_of_id is None and same.duplicate_of_id is not None


def test_duplicate_links_point_at_the_oldest(db):
    first = _new(company='A', phone='111')
    second = _new(company='B Corp', phone='111', email='x@b-corp.cn')
    third = _new(company='B Corp Ltd', email='y@b-corp.cn')
    assert second.duplicate_of_id == first.id and third.duplicate_of_id == first.id


def test_the_oldest_match_by_creation_time_wins_across_keys(db):
    # Saved in this order, but the e-mail-domain match was created first (imported with its date).
    by_phone = _new(company='甲公司', phone='13700000000', created_at=datetime.datetime(2026, 3, 1, 9))
    by_domain = _new(company='云帆智能科技', email='a@yunfan.cn', created_at=datetime.datetime(2026, 1, 1, 9))
    _new(company='云帆智能科技股份', email='c@yunfan.cn', created_at=datetime.datetime(2026, 2, 1, 9))
    lead = _new(company='上海云帆智能科技有限公司', phone='137 0000 0000', email='b@yunfan.cn')
    assert lead.duplicate_of_id == by_domain.id
    # An existing lead is only ever the duplicate of an older one.
    assert find_original(Lead.get_by_id(by_domain.id)) is None
    assert find_original(Lead.get_by_id(by_phone.id)) is None


def test_finding_the_original_reads_one_index_entry_per_key(db):
    """Each key is asked for its oldest lead from the (key, created_at) index: no scan, no sort."""
    if not db.obj.__class__.__name__.startswith('Sqlite'):
        pytest.skip('the query plan is checked on SQLite; PostgreSQL picks plans by table size')
    for i in range(30):   # a company e-mail domain shared by many leads, some of them one company
        _new(company=f'大集团{i % 3}号{i}' if i % 2 else '巨鲸数据', email=f'u{i}@bigcorp.cn', phone=f'1380000{i:04d}')
    lead = Lead.get(Lead.company == '巨鲸数据', Lead.phone == '13800000016')
    Lead.update(company_norm='上海巨鲸数据').where(Lead.id == lead.id).execute()   # alike, not equal
    lead = Lead.get_by_id(lead.id)
    oldest = Lead.get(Lead.phone == '13800000000')
    statements = []
    execute = db.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        statements.append((sql, params))
        return execute(sql, params, *args, **kwargs)

    db.obj.execute_sql = spy
    try:
        assert find_original(lead).code == oldest.code
    finally:
        del db.obj.execute_sql
    plans = [(sql, ' '.join(row[3] for row in execute('EXPLAIN QUERY PLAN ' + sql, params).fetchall()))
             for sql, params in statements if 'FROM "lead"' in sql]
    # One statement for the phone, e-mail and company keys and the domain's company keys; the alike ones; the root.
    assert len(plans) == 3, plans
    legs = plans[0][1].split('UNION ALL')
    assert len(legs) == 4, plans[0]
    for key, leg in zip(('phone_norm', 'email_norm', 'company_norm'), legs):   # the oldest from its index entry
        assert f'lead_{key}_created_at ({key}=?)' in leg and 'TEMP B-TREE' not in leg, leg
    # The company keys on one domain: read from the domain's index range.
    assert 'email_domain' in legs[3] and 'SCAN' not in legs[3].replace('SCAN CONSTANT', ''), legs[3]
    alike = plans[1][1]
    assert 'created_at' in alike and 'TEMP B-TREE' not in alike and 'MULTI-INDEX OR' not in alike, alike
    assert 'PRIMARY KEY' in plans[2][1]


def test_dedupe_leads_refreshes_existing_rows(db):
    a = make_lead(company='深圳云帆科技有限公司')
    b = make_lead(company='深圳云帆科技')
    assert dedupe_leads() == 1
    assert Lead.get_by_id(b.id).duplicate_of_id == a.id
    assert dedupe_leads() == 1   # idempotent: same flags, no new writes


def test_merge_keeps_older_and_moves_followups(db):
    old = _new(company='杭州云图科技有限公司', phone='13900000000')
    new = _new(company='杭州云图科技', contact_name='李娜', email='ln@yuntu.com', phone='13900000000')
    record_followup(lead=new, kind='call', summary='called')
    kept = merge_leads(new)
    assert kept.id == old.id and Lead.get_or_none(Lead.id == new.id) is None
    kept = Lead.get_by_id(old.id)
    assert kept.contact_name == '李娜' and kept.email == 'ln@yuntu.com' and kept.followup_count == 1
    assert FollowUp.get().lead_id == old.id


def test_merge_refusals(db):
    lone = _new(company='独立公司')
    with unchanged(lone), pytest.raises(RuleViolation, match='is not flagged as a duplicate'):
        merge_leads(lone)
    old = _new(company='重复公司', status='converted')
    dup = _new(company='重复公司有限公司')
    with unchanged(old, dup), pytest.raises(RuleViolation, match='into itself'):
        merge_leads(dup, into=dup)
    newer_converted = _new(company='X1', phone='555')
    young = _new(company='X2', phone='555')
    Lead.update(status='converted').where(Lead.id == young.id).execute()
    young = Lead.get_by_id(young.id)
    with unchanged(newer_converted, young), pytest.raises(RuleViolation, match='already converted'):
        merge_leads(young)
