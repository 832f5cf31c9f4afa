"""A workbook in one .xlsx file: a rep's leads, follow-ups, contracts and payment plans as sheets of one file, read
once and saved once per run, a new lead and its follow-up in the same run, refused rows kept to their tab."""
import datetime
import os

import openpyxl

from ltc.models import Contract, FollowUp, Lead
from ltc.services import audit
from ltc.sync.engine.runner import run_sync
from ltc.sync.engine.workbook import add_workbook
from tests.factories import make_workbook_deals


def _values(path, title):
    sheet = openpyxl.load_workbook(path)[title]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _put(path, title, row, **cells):
    book = openpyxl.load_workbook(path)
    sheet = book[title]
    header = [c.value for c in sheet[1]]
    for name, value in cells.items():
        sheet.cell(row=row, column=header.index(name.replace('_', ' ')) + 1, value=value)
    book.save(path)


def test_excel_workbook_new_lead_and_followup_in_one_save(db, tmp_path):
    admin, a, b, leads, theirs, mine_c, their_c = make_workbook_deals()
    path = tmp_path / 'rep_a.xlsx'
    with audit.acting_as(admin, 'cli'):
        book, tabs, made = add_workbook('A', 'leads,followups,contracts,plans', path=path, lang='en',
                                        run_as='rep_a', where=['owner=me'])
    assert made == ['Leads', 'Follow-ups', 'Contracts', 'Payment plans']
    sheet = openpyxl.load_workbook(path)['Leads']
    assert sheet.protection.sheet and 'Runs as' in sheet['A1'].comment.text
    result = run_sync(book)
    assert result.requests == {'reads': 1, 'writes': 1}, result.summary()
    assert sorted(r[0] for r in _values(path, 'Leads')[1:]) == sorted(x.code for x in leads)
    assert [r[0] for r in _values(path, 'Contracts')[1:]] == [mine_c.code]
    assert [r[1] for r in _values(path, 'Payment plans')[1:]] == [mine_c.code]

    _put(path, 'Leads', 4, Company='Acme Robotics', Contact='Wile')
    _put(path, 'Follow-ups', 2, Lead='Acme Robotics', Kind='call', Happened_at=datetime.datetime(2026, 11, 20, 14, 30),
         Summary='first call')
    _put(path, 'Follow-ups', 3, Lead=theirs.code, Kind='call', Happened_at=datetime.datetime(2026, 11, 21, 10, 0),
         Summary='not mine')
    _put(path, 'Contracts', 2, Contract_title='Alpha deal v2')
    _put(path, 'Contracts', 3, **{'Contract number': their_c.code, 'Contract title': 'Taken over'})
    before = os.stat(path).st_ino
    result = run_sync(book)
    assert result.requests == {'reads': 1, 'writes': 1}, result.summary()
    assert os.stat(path).st_ino != before   # replaced by rename: all tabs or none

    new = Lead.get(Lead.company == 'Acme Robotics')
    call = FollowUp.get(FollowUp.summary == 'first call')
    assert new.owner_id == a.id and call.lead_id == new.id and call.owner_id == a.id
    assert _values(path, 'Leads')[3][0] == new.code
    follow = _values(path, 'Follow-ups')
    assert follow[1][0] == call.code and follow[1][1] == new.code
    assert not follow[2][0] and follow[2][-1]   # refused, with the reason
    assert not FollowUp.select().where(FollowUp.lead == theirs.id).exists()
    assert Contract.get_by_id(mine_c.id).title == 'Alpha deal v2'
    assert Contract.get_by_id(their_c.id).title == 'Beta deal' and _values(path, 'Contracts')[2][-1]
    status = _values(path, 'Leads')[0].index('Status')
    assert _values(path, 'Leads')[3][status] == 'Contacted'   # what the follow-up tab did to the new lead, shown

    result = run_sync(book)   # nothing moved: read once, nothing written
    assert result.requests == {'reads': 1, 'writes': 0}, result.summary()
    assert Lead.select().where(Lead.company == 'Acme Robotics').count() == 1 and FollowUp.select().count() == 1


def test_a_tab_refused_as_a_whole_leaves_the_other_tabs_synced(db, tmp_path):
    admin, a, b, leads, theirs, mine_c, their_c = make_workbook_deals()
    path = tmp_path / 'rep_a.xlsx'
    with audit.acting_as(admin, 'cli'):
        book, tabs, _ = add_workbook('A', 'leads,contracts', path=path, lang='en', run_as='rep_a', where=['owner=me'])
    run_sync(book)
    workbook = openpyxl.load_workbook(path)
    workbook['Contracts'].cell(row=1, column=2, value='Something else')   # the header changed
    workbook.save(path)
    _put(path, 'Leads', 4, Company='Acme Robotics')
    result = run_sync(book)
    [(tab, error)] = result.refused
    assert tab.entity == 'contracts' and 'header' in str(error) and 'nothing was written' in str(error)
    assert result.exit_code == 2 and 'contracts: refused' in result.summary()
    assert _values(path, 'Leads')[3][0] == Lead.get(Lead.company == 'Acme Robotics').code
