"""Team sheets: a target holds its slice (owner=me, department, stage ...) within its run-as user's scope;
a record leaving the slice leaves the sheet and stays in the database, one entering it appears."""
import datetime

import pytest

from ltc.models import AssignmentRule, AuditLog, Lead, Opportunity, Stage
from ltc.services import assignment, audit
from ltc.sync.engine.slices import Slice, describe, parse_terms, window
from ltc.sync.engine.targets import add_target, set_slice
from ltc.sync.engine.twoway import run_sync
from ltc.sync.errors import SyncError
from ltc.sync.writes.export import export_entity
from tests.factories import make_customer, make_department, make_lead, make_opportunity, make_user

from ..helpers import edit_sheet, read_xlsx


@pytest.fixture
def team(db):
    """East (manager, reps a and b), north (rep n); an admin; leads of each rep."""
    east, north = make_department(name='华东', code='D-EAST'), make_department(name='华北', code='D-NORTH')
    t = {'east': east, 'north': north, 'admin': make_user('admin', username='boss'),
         'mgr': make_user('manager', username='mgr', department=east),
         'a': make_user('sales', username='rep_a', department=east),
         'b': make_user('sales', username='rep_b', department=east),
         'n': make_user('sales', username='rep_n', department=north)}
    with audit.acting_as(t['admin'], 'cli'):
        t['leads_a'] = [make_lead(company=f'甲{i}', owner=t['a'], department=east) for i in range(3)]
        t['leads_b'] = [make_lead(company=f'乙{i}', owner=t['b'], department=east) for i in range(2)]
        t['leads_n'] = [make_lead(company=f'北{i}', owner=t['n'], department=north) for i in range(2)]
    return t


def sheet_for(tmp_path, name, user, *where, entity='leads'):
    """A target NAME over an empty template, run as USER, holding WHERE; its first run fills it."""
    path = tmp_path / f'{name}.xlsx'
    export_entity(entity, path, template=True)
    return add_target(name, entity, path, run_as=user, where=where)


def codes_in(target):
    return sorted(r[0] for r in read_xlsx(target.options['path'])[1:] if r and r[0])


def codes(leads):
    return sorted(lead.code for lead in leads)


def test_owner_me_holds_only_the_reps_rows(team, tmp_path):
    a = sheet_for(tmp_path, 'a', team['a'], 'owner=me')
    result = run_sync(a)
    assert codes_in(a) == codes(team['leads_a'])
    assert result.totals()['updated'] == 3   # appended
    assert describe(a.terms) == 'owner=me' and describe(a.terms, 'zh') == '负责人=me'


def test_department_slice_of_a_manager_and_scope_bounds_it(team, tmp_path):
    mgr = sheet_for(tmp_path, 'mgr', team['mgr'], 'department=D-EAST')
    run_sync(mgr)
    assert codes_in(mgr) == codes(team['leads_a'] + team['leads_b'])
    # A slice never widens the scope: the east manager's sheet of north holds nothing.
    north = sheet_for(tmp_path, 'north', team['mgr'], 'department=D-NORTH')
    run_sync(north)
    assert codes_in(north) == []
    # The admin sees all: the same slice holds north's rows.
    admin = sheet_for(tmp_path, 'adm', team['admin'], 'department=华北')
    run_sync(admin)
    assert codes_in(admin) == codes(team['leads_n'])


def test_reassignment_moves_the_row_between_rep_sheets_without_a_deletion(team, tmp_path):
    a = sheet_for(tmp_path, 'a', team['a'], 'owner=me')
    b = sheet_for(tmp_path, 'b', team['b'], 'owner=me')
    run_sync(a), run_sync(b)
    moved = team['leads_a'][1]
    assignment.assign_lead(Lead.get_by_id(moved.id), by=team['mgr'], to=team['b'])
    result_a, result_b = run_sync(a), run_sync(b)
    assert moved.code not in codes_in(a) and moved.code in codes_in(b)
    row = next(r for r in result_a.rows if r.code == moved.code)
    assert row.outcome == 'skipped' and 'taken out of the sheet' in row.message('en')
    assert Lead.get_by_id(moved.id).owner_id == team['b'].id
    assert not AuditLog.select().where(AuditLog.entity == 'Lead', AuditLog.action == 'delete').exists()
    # The row left no trace: the next run of a's sheet is quiet.
    again = run_sync(a)
    assert again.totals()['skipped'] == 0 and again.totals()['error'] == 0
    assert codes_in(a) == codes([team['leads_a'][0], team['leads_a'][2]])


def test_a_row_edited_after_it_left_the_slice_keeps_the_edit_with_a_note(team, tmp_path):
    a = sheet_for(tmp_path, 'a', team['a'], 'owner=me')
    run_sync(a)
    moved = team['leads_a'][0]
    row_no = [r[0] for r in read_xlsx(a.options['path'])].index(moved.code) + 1
    edit_sheet(a, lambda ws: setattr(ws.cell(row=row_no, column=2), 'value', '甲改名'))
    assignment.assign_lead(Lead.get_by_id(moved.id), by=team['mgr'], to=team['b'])
    result = run_sync(a)
    row = next(r for r in result.rows if r.code == moved.code)
    assert row.outcome == 'error' and 'the edit was not written' in row.message('en')
    assert read_xlsx(a.options['path'])[row_no - 1][1] == '甲改名'   # nothing typed is lost
    assert Lead.get_by_id(moved.id).company == moved.company
    later = next(r for r in run_sync(a).rows if r.code == moved.code)   # the same note until dealt with
    assert later.message('en') == row.message('en')


def test_a_rep_cannot_change_another_owners_row_by_typing_its_code(team, tmp_path):
    a = sheet_for(tmp_path, 'a', team['a'], 'owner=me')
    run_sync(a)
    other = team['leads_b'][0]
    before = Lead.select().where(Lead.id == other.id).dicts().get()
    edit_sheet(a, lambda ws: ws.append([other.code, '被改名']))
    result = run_sync(a)
    row = next(r for r in result.rows if r.code == other.code)
    assert row.outcome == 'error' and 'was not found among the records you may change' in row.message('en')
    assert Lead.select().where(Lead.id == other.id).dicts().get() == before
    # The same answer for a code that exists nowhere: the refusal leaks nothing.
    edit_sheet(a, lambda ws: ws.append(['L999999', '不存在']))
    result = run_sync(a)
    texts = {r.code: r.message('en').replace(r.code, 'CODE') for r in result.rows if r.code in (other.code,
                                                                                              'L999999')}
    assert texts[other.code] == texts['L999999']
    assert not Lead.select().where(Lead.code == 'L999999').exists()


def test_a_manager_slice_of_one_rep_does_not_take_the_teams_other_rows(team, tmp_path):
    """In scope but outside the slice: typed in, the row is refused, the record unchanged."""
    mgr = sheet_for(tmp_path, 'mgr', team['mgr'], 'owner=rep_a')
    run_sync(mgr)
    assert codes_in(mgr) == codes(team['leads_a'])
    other = team['leads_b'][0]
    edit_sheet(mgr, lambda ws: ws.append([other.code, '改']))
    result = run_sync(mgr)
    assert next(r for r in result.rows if r.code == other.code).outcome == 'error'
    assert Lead.get_by_id(other.id).company == other.company


def test_a_new_row_is_owned_by_the_run_as_user_or_the_rules(team, tmp_path):
    a = sheet_for(tmp_path, 'a', team['a'], 'owner=me')
    run_sync(a)
    edit_sheet(a, lambda ws: ws.append([None, '新客户公司']))
    run_sync(a)
    lead = Lead.get(Lead.company == '新客户公司')
    assert lead.owner_id == team['a'].id
    assert lead.code in codes_in(a)
    again = run_sync(a)   # the owner cell the run wrote is the base: no change flows back
    assert Lead.get_by_id(lead.id).owner_id == team['a'].id
    assert all('owner' not in r.changes for r in again.rows)
    # A manager's sheet whose new rows go through the assignment rules: the rule gives it to rep b.
    audit.save(AssignmentRule(code='AR-T', name='all to b', method='user', assignee=team['b']))
    mgr = sheet_for(tmp_path, 'mgr', team['mgr'], 'department=D-EAST')
    run_sync(mgr)
    edit_sheet(mgr, lambda ws: ws.append([None, '经理新增公司']))
    run_sync(mgr)
    assert Lead.get(Lead.company == '经理新增公司').owner_id == team['mgr'].id
    set_slice(mgr, new_owner='rules')
    edit_sheet(mgr, lambda ws: ws.append([None, '规则分配公司']))
    run_sync(mgr)
    assert Lead.get(Lead.company == '规则分配公司').owner_id == team['b'].id


def test_stage_slice_of_opportunities(team, tmp_path):
    customer = make_customer(owner=team['a'], department=team['east'])
    won = Stage.get(Stage.code == 'ST-WON')
    with audit.acting_as(team['admin'], 'cli'):
        open_ = make_opportunity(customer=customer, owner=team['a'], department=team['east'])
        closed = make_opportunity(customer=customer, owner=team['a'], department=team['east'], stage=won)
    target = sheet_for(tmp_path, 'opps', team['a'], 'owner=me', 'stage=open', entity='opportunities')
    run_sync(target)
    assert codes_in(target) == [open_.code]
    Opportunity.update(stage=won).where(Opportunity.id == open_.id).execute()
    run_sync(target)
    assert codes_in(target) == [] and Opportunity.select().count() == 2 and closed.code


def test_slice_terms_are_checked_in_one_sentence(team, tmp_path):
    with pytest.raises(SyncError, match='cannot filter on'):
        parse_terms(['colour=red'])
    with pytest.raises(SyncError, match='no "="'):
        parse_terms(['owner'])
    with pytest.raises(SyncError, match="no user 'nobody'"):
        sheet_for(tmp_path, 'x', team['a'], 'owner=nobody')
    with pytest.raises(SyncError, match="'lukewarm' is not a status"):
        sheet_for(tmp_path, 'x', team['a'], 'status=lukewarm')
    with pytest.raises(SyncError, match='have no stage'):
        sheet_for(tmp_path, 'x', team['a'], 'stage=open', entity='customers')
    with pytest.raises(SyncError, match='not a date window'):
        sheet_for(tmp_path, 'x', team['a'], 'created=yesterday-ish')
    with pytest.raises(SyncError, match='needs a run-as user'):
        Slice(Lead, [('owner', 'me')], None).check()


def test_date_windows_and_status_sets(team):
    today = datetime.date(2026, 6, 15)
    assert window('last 30', today) == (datetime.date(2026, 5, 16), today)
    assert window('next 7', today) == (today, datetime.date(2026, 6, 22))
    assert window('overdue', today) == (None, datetime.date(2026, 6, 14))
    assert window('2026-01-01..', today) == (datetime.date(2026, 1, 1), None)
    Lead.update(status='disqualified').where(Lead.id == team['leads_a'][0].id).execute()
    view = Slice(Lead, parse_terms(['owner=rep_a', 'status=new,已作废']), team['admin'])
    assert Lead.select().where(view.condition()).count() == 3
    view = Slice(Lead, parse_terms(['owner=rep_a', 'stage=open']), team['admin'])
    assert Lead.select().where(view.condition()).count() == 2
    view = Slice(Lead, parse_terms(['created=last 1']), team['admin'])
    assert Lead.select().where(view.condition()).count() == 7


def test_a_region_no_record_has_selects_nothing(team):
    view = Slice(Lead, parse_terms(['region=广东']), team['admin'])
    assert Lead.select().where(view.condition()).count() == 0
