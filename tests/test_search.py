"""The search index (ltc/search.py) and its keys (ltc/searchkeys.py): every write path keeps them."""
from ltc import search
from ltc.db import reserve_codes, utcnow
from ltc.models import Customer, Lead
from ltc.searchkeys import keys, keys_of
from ltc.sync.writes.bulk import insert_rows

from .factories import make_customer, make_lead


def _ids(model, text):
    looked_up = [search.indexed(t) for t in search.terms(text)]
    assert None not in looked_up, text
    return {pk for (pk,) in model.select(model.id).where(search.condition(model, looked_up)).tuples()}


def test_keys_hold_pinyin_initials_and_doubled_characters():
    assert keys_of('重庆长安ABC科技') == 'chongqingchanganabckeji cqcaabckj 重重庆庆长长安安 科科技技'
    assert keys('Ningbo Trading', None) is None
    assert search.terms(' 138 0571-2233 ') == ['13805712233']
    assert [search.indexed(t) for t in search.terms('新测 AB x 智能装备 50%_')] == [
        '新新测测', None, None, '智能装备', '50%_']


def test_bulk_inserts_raw_updates_and_deletes_keep_the_index(db):
    now = utcnow()
    first, second, third = reserve_codes('L', 3)
    base = {'source': 'website', 'created_at': now, 'updated_at': now, 'version': 1, 'budget': 0}
    Lead.insert_many([{**base, 'code': first, 'company': '苏州恒通精密机械有限公司'}]).execute()
    Lead.insert_many([(second, '无锡恒通电子有限公司', 'website', now, now, 1, 0)],
                     fields=[Lead.code, Lead.company, Lead.source, Lead.created_at, Lead.updated_at,
                             Lead.version, Lead.budget]).execute()
    defaults = {f.name: f.default for f in Lead._meta.sorted_fields
                if f.default is not None and not callable(f.default)}
    row = {**defaults, **base, 'code': third, 'company': '常州恒通包装有限公司'}
    insert_rows(Lead, list(row), [tuple(row.values())])   # the importer's path
    by_code = {lead.code: lead.id for lead in Lead.select()}
    assert _ids(Lead, '恒通') == set(by_code.values())
    assert _ids(Lead, 'szht') == {by_code[first]} and _ids(Lead, 'wuxi') == {by_code[second]}
    assert _ids(Lead, 'changzhou hengtong') == {by_code[third]}
    # The database keeps the document itself: a raw UPDATE or DELETE needs no application code.
    Lead.update(phone_norm='13912345678').where(Lead.code == second).execute()
    assert _ids(Lead, '139 1234 5678') == {by_code[second]}
    Lead.delete().where(Lead.code == first).execute()
    assert _ids(Lead, '恒通') == {by_code[second], by_code[third]}
    customer = make_customer(name='深圳前海微众银行股份有限公司', name_en='WeBank', phone='(0755) 8601-0000')
    assert _ids(Customer, 'webank') == _ids(Customer, '前海') == _ids(Customer, '075586010000') == {customer.id}
    customer.name = '深圳前海银行'
    customer.save()
    assert _ids(Customer, 'qhyh') == {customer.id} and _ids(Customer, 'weizhong') == set()
    lead = make_lead(company='Plain English Ltd', contact_name='张伟')
    assert _ids(Lead, '张伟') == _ids(Lead, 'zhangwei') == {lead.id}


def test_refresh_fills_keys_of_rows_written_around_ltc(runner, db):
    customer = make_customer(name='广州天河软件园有限公司')
    Customer.update(search_keys=None).where(Customer.id == customer.id).execute()   # e.g. a plain SQL load
    assert _ids(Customer, 'gzth') == set() and _ids(Customer, '天河软件') == {customer.id}
    result = runner.invoke(args=['ltc', 'search', 'refresh', '--reindex'])
    assert result.exit_code == 0, result.output
    assert 'customer: 1 search keys updated, index rebuilt' in result.output
    assert _ids(Customer, 'gzth') == _ids(Customer, 'tianhe') == {customer.id}
