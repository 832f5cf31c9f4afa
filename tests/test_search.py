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


def test_pinyin_tables_are_pypinyins_readings_without_tones():
    """The lean tables read from pypinyin's data files hold every character's first reading and every phrase's
    readings exactly as pypinyin gives them toneless; names come out as pypinyin's own phrase matching would."""
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
    from pypinyin.contrib.tone_convert import to_normal
    from ltc.demo.names import BRANDS, CITIES
    from ltc.searchkeys import _syllables, _tables
    chars, phrases, longest = _tables()
    assert len(chars) == len(PINYIN_DICT) and len(phrases) == len(PHRASES_DICT)
    assert all(chars[chr(code)] == to_normal(readings.split(',')[0]) for code, readings in PINYIN_DICT.items())
    assert all(phrases[p] == ' '.join(to_normal(r[0]) for r in readings) for p, readings in PHRASES_DICT.items())
    assert longest == max(map(len, PHRASES_DICT))

    def by_pypinyin(run):   # the longest phrase at each position, else the character's first reading
        out, i = [], 0
        while i < len(run):
            j = next((j for j in range(len(run), i + 1, -1) if run[i:j] in PHRASES_DICT), None)
            if j:
                out += [to_normal(r[0]) for r in PHRASES_DICT[run[i:j]]]
                i = j
            else:
                readings = PINYIN_DICT.get(ord(run[i]))
                out.append(to_normal(readings.split(',')[0]) if readings else run[i])
                i += 1
        return out
    names = [city + brand for _p, city, _en, _b in CITIES for brand, _en in BRANDS] + ['重庆长安', '长沙银行', '绿色', '女儿']
    assert all(_syllables(name) == by_pypinyin(name) for name in names)
    assert _syllables('绿色') == ['lv', 'se']


def test_pinyin_tables_are_built_once_then_loaded_from_the_cache(tmp_path, monkeypatch):
    """The first process builds the tables and keeps them in LTC_CACHE_DIR; the next ones load that file. A
    changed data file, a damaged cache file or an unwritable directory builds them again, with the same answer."""
    from ltc.searchkeys import _cached, _tables
    data = tmp_path / 'data.json'
    data.write_text('{}')
    built = []

    def build():
        built.append(1)
        return _tables()
    monkeypatch.setenv('LTC_CACHE_DIR', str(tmp_path / 'cache'))
    first = _cached([str(data)], build)
    assert built == [1] and first == _tables()
    [kept] = (tmp_path / 'cache').iterdir()
    assert _cached([str(data)], build) == first and built == [1]   # loaded, not built
    kept.write_bytes(kept.read_bytes()[:1000])                     # cut short: built again, rewritten
    assert _cached([str(data)], build) == first and built == [1, 1]
    assert _cached([str(data)], build) == first and built == [1, 1]
    data.write_text('{ }')                                         # the data changed: another file
    assert _cached([str(data)], build) == first and built == [1, 1, 1]
    assert len(list((tmp_path / 'cache').iterdir())) == 2
    (tmp_path / 'blocked').write_text('a file where the directory would be')
    monkeypatch.setenv('LTC_CACHE_DIR', str(tmp_path / 'blocked' / 'cache'))
    assert _cached([str(data)], build) == first and built == [1, 1, 1, 1]


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
