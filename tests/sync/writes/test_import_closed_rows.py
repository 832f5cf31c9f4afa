"""Rows that arrive closed (ltc/sync/writes/closing.py): created open, then closed by their rule action, each
action its own audit row; the dry run says and refuses exactly what the import does; imported again, nothing
is closed twice."""
from decimal import Decimal

import pytest

from ltc.models import AuditLog, Contact, Contract, Customer, Lead, Opportunity, StageHistory
from ltc.services import audit, leads
from ltc.services.messages import refusal
from ltc.sync.formats.tables import open_path
from ltc.sync.writes.importer import run_import
from tests.factories import make_customer, make_department, make_lead, make_user

from ..helpers import write_xlsx

LEADS = [['Company', 'Contact', 'Owner', 'Status', 'Disqualify reason'],
         ['Baker Foods', 'Tom', 'song', 'Closed - Not Converted', 'No budget this year'],
         ['Kite Telecom', 'Lei', 'song', 'Junk Lead', None],
         ['Northwind Trading', 'Min', 'song', 'Closed - Converted', None],
         ['BioGen Labs', 'Ana', 'song', '已转换', None],
         ['BioGen Labs', 'Bo', 'song', 'converted', None],
         ['Open Co', 'Yu', 'song', 'Working - Contacted', None]]
DEALS = [['Opportunity', 'Customer', 'Stage', 'Amount', 'Lost reason', 'Owner'],
         ['Lost deal', 'Northwind Trading', 'Closed Lost', 5000, 'Price too high', 'song'],
         ['Quietly lost', 'Northwind Trading', '输单', 100, None, 'song'],
         ['Won deal', 'Northwind Trading', 'Closed Won', 8000, None, 'song'],
         ['Open deal', 'Northwind Trading', 'Proposal', 3000, None, 'song']]


def _import(tmp_path, entity, rows, who, dry_run=False, name='closed.xlsx'):
    path = write_xlsx(tmp_path / name, rows)
    with audit.acting_as(who, 'cli'):
        return run_import(entity, open_path(path), dry_run=dry_run, lang='en')


def _said(result):
    """What each row does, as the dry run and the apply both tell it (the dry run adds a lead's grade and owner)."""
    return [(r.row, r.outcome, [e.text('en') for e in r.errors],
             [en for en, _zh in r.notes if not en.startswith('will be graded')])
            for r in result.rows]


def _counts():
    return [m.select().count() for m in (Lead, Customer, Contact, Opportunity, Contract, StageHistory, AuditLog)]


@pytest.fixture
def song(db):
    return make_user('sales', username='song', department=make_department())


def test_leads_arriving_closed_come_in_through_the_lead_actions(song, tmp_path):
    northwind = make_customer(name='Northwind Trading', owner=song)
    before = _counts()
    dry = _import(tmp_path, 'leads', LEADS, song, dry_run=True)
    assert _counts() == before   # the preview wrote nothing
    notes = {r.row: r.message('en') for r in dry.rows}
    assert 'arrives disqualified: created, then disqualified with the reason "No budget this year"' in notes[2]
    assert 'with the reason "Disqualified in the source system (imported from closed.xlsx › Sheet1)"' in notes[3]
    assert f'converted into customer {northwind.code} Northwind Trading (its company)' in notes[4]
    assert 'converted into a new customer "BioGen Labs"' in notes[5]
    assert 'converted into the customer row 5 converts into' in notes[6]
    assert 'arrives' not in notes[7]
    result = _import(tmp_path, 'leads', LEADS, song)
    assert _said(result) == _said(dry) and result.totals()['created'] == 6
    by_company = {}
    for lead in Lead.select().order_by(Lead.id):
        by_company.setdefault(lead.company, []).append(lead)
    baker, kite = by_company['Baker Foods'][0], by_company['Kite Telecom'][0]
    assert (baker.status, baker.disqualify_reason) == ('disqualified', 'No budget this year')
    assert (kite.status, kite.disqualify_reason) == \
        ('disqualified', 'Disqualified in the source system (imported from closed.xlsx › Sheet1)')
    assert by_company['Northwind Trading'][0].converted_customer_id == northwind.id
    ana, bo = by_company['BioGen Labs']
    assert ana.status == bo.status == 'converted' and ana.converted_customer_id == bo.converted_customer_id
    biogen = Customer.get_by_id(ana.converted_customer_id)
    assert (biogen.name, biogen.owner_id) == ('BioGen Labs', song.id)
    assert {c.name for c in Contact.select().where(Contact.customer == biogen.id)} == {'Ana', 'Bo'}
    assert by_company['Open Co'][0].status == 'contacted' and Opportunity.select().count() == 0
    # Each action its own audit row, by the importing user, as an import, in the run.
    rows = list(AuditLog.select().where(AuditLog.batch == result.run_code).order_by(AuditLog.id))
    assert {(a.actor, a.source) for a in rows} == {("song", "import")}
    trail = [(a.entity, a.action) for a in rows if a.entity_code in (baker.code, ana.code, biogen.code)]
    assert trail == [('Lead', 'create'), ('Lead', 'disqualified'), ('Lead', 'create'), ('Customer', 'create'),
                     ('Lead', 'convert')]
    assert AuditLog.get(AuditLog.entity_code == baker.code, AuditLog.action == 'disqualified').note == \
        'No budget this year'
    # The same file again: every row finds its lead and asks for nothing.
    before = _counts()
    again = _import(tmp_path, 'leads', LEADS, song)
    assert again.totals()['unchanged'] == 6 and _counts()[:-1] == before[:-1]
    assert AuditLog.select().where(AuditLog.batch == again.run_code).count() == 0


def test_deals_arriving_won_or_lost_come_in_through_the_stage_rules(song, tmp_path):
    make_customer(name='Northwind Trading', owner=song)
    before = _counts()
    dry = _import(tmp_path, 'opportunities', DEALS, song, dry_run=True)
    assert _counts() == before
    result = _import(tmp_path, 'opportunities', DEALS, song)
    assert _said(result) == _said(dry) and result.totals()['created'] == 4
    deals = {o.name: o for o in Opportunity.select()}
    lost, quiet, won, open_ = (deals[n] for n in ('Lost deal', 'Quietly lost', 'Won deal', 'Open deal'))
    assert (lost.stage.name_en, lost.lost_reason, lost.weighted_amount) == ('Lost', 'Price too high', Decimal('0.00'))
    assert quiet.lost_reason == 'Lost in the source system (imported from closed.xlsx › Sheet1)'
    assert (won.stage.name_en, won.closed_on is not None, open_.stage.name_en) == ('Won', True, 'Propose')
    contract = Contract.get(Contract.opportunity == won.id)   # what Won needs, made as a user would
    assert (contract.status, contract.amount, contract.title, contract.owner_id, contract.customer_id) == \
        ('draft', Decimal('8000.00'), 'Won deal', song.id, won.customer_id)
    assert 'Fill in the signed contract' in contract.notes
    history = [(h.from_stage and h.from_stage.name_en, h.to_stage.name_en)
               for h in StageHistory.select().where(StageHistory.opportunity == won.id).order_by(StageHistory.id)]
    assert history == [(None, 'Validate'), ('Validate', 'Won')]
    trail = [(a.entity, a.action) for a in AuditLog.select().where(AuditLog.batch == result.run_code)
             .order_by(AuditLog.id) if a.entity_code in (won.code, contract.code)]
    assert trail == [('Opportunity', 'create'), ('Contract', 'create'), ('Opportunity', 'won')]
    # Again: nothing moves, no second contract; a blank lost reason keeps the reason its move recorded.
    before = _counts()
    again = _import(tmp_path, 'opportunities', DEALS, song)
    assert again.totals()['unchanged'] == 4 and _counts()[:-1] == before[:-1]
    assert Opportunity.get_by_id(quiet.id).lost_reason == quiet.lost_reason


def test_a_closing_refused_after_all_writes_nothing_of_its_row(song, tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise refusal('Disqualification refused: changed meanwhile.', '作废被拒绝：期间已变更。')
    monkeypatch.setattr(leads, 'set_status', refused)
    result = _import(tmp_path, 'leads', LEADS[:3] + LEADS[-1:], song)
    assert [(r.row, r.outcome) for r in result.rows] == [(2, 'error'), (3, 'error'), (4, 'created')]
    assert 'Disqualification refused: changed meanwhile.' in result.rows[0].message('en')
    assert [lead.company for lead in Lead.select()] == ['Open Co']


def test_only_who_may_close_the_record_brings_it_in_closed(db, tmp_path):
    east = make_department(name='华东')
    manager = make_user('manager', username='mgr', department=east)
    sales = make_user('sales', username='sa', department=east)
    rows = [['Company', 'Status'], ['Unowned Co', 'disqualified']]
    for dry_run in (True, False):   # the dry run refuses what the import refuses, with the same words
        result = _import(tmp_path, 'leads', rows, manager, dry_run=dry_run)
        assert result.rows[0].outcome == 'error'
        assert 'this lead arrives disqualified; it is created and then closed by its rule action, which you may ' \
               'take only on records of your team. Fill in its owner.' in result.rows[0].message('en')
    assert not Lead.select().exists()
    result = _import(tmp_path, 'leads', rows, sales)   # a sales user's new lead is theirs: they may close it
    assert result.rows[0].outcome == 'created'
    assert Lead.get(Lead.company == 'Unowned Co').owner_id == sales.id
    result = _import(tmp_path, 'leads', [['Company', 'Owner', 'Status'], ['Team Co', 'sa', 'converted']], manager)
    assert result.rows[0].outcome == 'created' and Lead.get(Lead.company == 'Team Co').status == 'converted'


def test_a_stored_lead_is_disqualified_with_the_reason_of_its_row(song, tmp_path):
    lead = make_lead(company='Stored Co', owner=song, status='contacted')
    rows = [['Lead code', 'Status', 'Disqualify reason'], [lead.code, 'disqualified', 'Chose a competitor']]
    result = _import(tmp_path, 'leads', rows, song)
    assert result.rows[0].outcome == 'updated', result.rows[0].message('en')
    stored = Lead.get_by_id(lead.id)
    assert (stored.status, stored.disqualify_reason) == ('disqualified', 'Chose a competitor')
    actions = [a.action for a in AuditLog.select().where(AuditLog.batch == result.run_code)]
    assert actions == ['disqualified']   # the action, not a field write beside it
    other = make_lead(company='Other Co', owner=song)
    result = _import(tmp_path, 'leads', [['Lead code', 'Status'], [other.code, 'disqualified']], song)
    assert 'disqualifying lead' in result.rows[0].message('en') and 'needs a reason' in result.rows[0].message('en')
    assert Lead.get_by_id(other.id).status == 'new'


def test_a_synced_sheets_new_row_arriving_closed_takes_the_same_action(db, tmp_path):
    from ltc.sync.engine import twoway
    from ..helpers import edit_sheet, lead_target
    target = lead_target(tmp_path, 1)
    twoway.run_sync(target)

    def add(sheet):
        header = [c.value for c in sheet[1]]
        row = [None] * len(header)
        row[header.index('公司名称')], row[header.index('状态')] = '新同步公司', '已作废'
        sheet.append(row)
    edit_sheet(target, add)
    with audit.acting_as('cli', 'cli'):
        result = twoway.run_sync(target)
    assert result.totals()['created'] == 1, [r.message('en') for r in result.rows]
    lead = Lead.get(Lead.company == '新同步公司')
    assert (lead.status, lead.disqualify_reason) == ('disqualified', '原系统中已作废')   # a sync row names no file
    assert [a.action for a in AuditLog.select().where(AuditLog.entity_code == lead.code).order_by(AuditLog.id)] == \
        ['create', 'disqualified']
