import pytest

from ltc.sync.errors import SyncError
from ltc.sync.mapping.entities import LEADS, MAPPINGS, get, norm


def test_norm_drops_markers_case_and_padding():
    for text in ('线索名称', '*线索名称', '线索名称(必填)', ' 线索名称（必填） ', '＊线索名称*'):
        assert norm(text) == '线索名称'
    assert norm('Phone 1') == norm('phone_1') == 'phone1'


def test_every_mapping_names_real_fields_and_headers_are_unambiguous():
    for mapping in MAPPINGS.values():
        assert mapping.key.attr == 'code'
        seen = {}
        for column in mapping.columns:
            assert column.attr in mapping.model._meta.fields, (mapping.entity, column.attr)
            for name in column.names():
                assert seen.setdefault(name, column.attr) == column.attr, (mapping.entity, name)
        for attr in mapping.natural_key:
            assert attr in {c.attr for c in mapping.columns}


def test_match_accepts_chinese_english_and_aliases():
    found = LEADS.match(['序号', '*线索名称', 'Phone 1', '邮箱(必填)', 'Lead Owner', 'whatever'])
    assert {p: c.attr for p, c in found.items()} == {1: 'company', 2: 'phone', 3: 'email', 4: 'owner'}


def test_get_accepts_singular_and_refuses_unknown():
    assert get('lead') is LEADS
    with pytest.raises(SyncError, match='Unknown entity'):
        get('widgets')
