"""A sales team's visit log as a sync target, in Excel and in Google Sheets (real gspread, the emulator):
a typed row becomes a follow-up recorded as in the admin, its code goes back to the sheet, nothing doubles."""
import datetime

import openpyxl

from ltc.models import Customer, FollowUp, Quote
from ltc.sync.engine.targets import add_target
from ltc.sync.engine.twoway import run_sync
from ltc.sync.writes.export import export_entity
from tests.conftest_sheets import sheets_emulator  # noqa: F401
from tests.factories import make_customer, make_opportunity, make_user

URL = 'https://docs.google.com/spreadsheets/d/1VisitKey/edit#gid=0'


def _visit(customer):
    # code, lead, customer, contact, opportunity, kind, happened at, summary, next contact, owner
    return ['', '', customer.code, '', '', '拜访', '2026-11-20 14:30', '预算10万左右', '2026-12-01', 'song.chao']


def test_excel_visit_log_target(db, tmp_path):
    make_user(username='song.chao')
    customer = make_customer(owner_since=datetime.date(2026, 1, 1))
    path = tmp_path / 'visits.xlsx'
    export_entity('followups', path)
    target = add_target('visits', 'followups', path)
    book = openpyxl.load_workbook(path)
    book.worksheets[0].append(_visit(customer))
    book.save(path)
    result = run_sync(target)
    assert [r.outcome for r in result.rows] == ['created'], [r.message('en') for r in result.rows]
    followup = FollowUp.get()
    assert followup.owner.username == 'song.chao' and followup.kind == 'visit'
    customer = Customer.get_by_id(customer.id)
    assert customer.last_followup_at == datetime.datetime(2026, 11, 20, 14, 30)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet.cell(row=2, column=1).value == followup.code
    assert [r.outcome for r in run_sync(target).rows] == ['unchanged']
    assert FollowUp.select().count() == 1


def test_google_sheet_visit_log_and_quotes(app, runner, db, sheets_emulator):
    app.config['GOOGLE_API_BASE'] = sheets_emulator.base_url
    sheets_emulator.create_spreadsheet('1VisitKey', 'Team')
    make_user(username='song.chao')
    customer = make_customer()
    result = runner.invoke(args=['ltc', 'sync', 'add', 'visits', '--entity', 'followups', '--gsheet', URL,
                                 '--worksheet', '拜访记录'])
    assert result.exit_code == 0, result.output
    header = sheets_emulator.rendered('1VisitKey', '拜访记录')[0]
    assert header[:8] == ['跟进编号', '线索', '客户', '联系人', '商机', '跟进方式', '跟进时间', '跟进内容']
    sheets_emulator.type_values('1VisitKey', '拜访记录', [_visit(customer)], row=2, col=1)
    result = runner.invoke(args=['ltc', 'sync', 'run', 'visits'])
    assert result.exit_code == 0, result.output
    followup = FollowUp.get()
    assert followup.customer_id == customer.id and followup.summary == '预算10万左右'
    assert followup.happened_at == datetime.datetime(2026, 11, 20, 14, 30)
    assert Customer.get_by_id(customer.id).last_followup_at == followup.happened_at
    assert sheets_emulator.rendered('1VisitKey', '拜访记录')[1][0] == followup.code
    result = runner.invoke(args=['ltc', 'sync', 'run', 'visits'])
    assert result.exit_code == 0 and FollowUp.select().count() == 1, result.output

    deal = make_opportunity(customer=customer)
    result = runner.invoke(args=['ltc', 'sync', 'add', 'quotes', '--entity', 'quotes', '--gsheet', URL,
                                 '--worksheet', 'Quotes', '--lang', 'en'])
    assert result.exit_code == 0, result.output
    header = sheets_emulator.rendered('1VisitKey', 'Quotes')[0]
    assert header[:6] == ['Quote code', 'Quote title', 'Customer', 'Opportunity', 'Status', 'Quote date']
    sheets_emulator.type_values('1VisitKey', 'Quotes', [['', 'Phase one', '', deal.code, '', '2026-11-01']],
                                row=2, col=1)
    result = runner.invoke(args=['ltc', 'sync', 'run', 'quotes'])
    assert result.exit_code == 0, result.output
    quote = Quote.get()
    assert (quote.title, quote.customer_id, quote.opportunity_id) == ('Phase one', customer.id, deal.id)
    row = sheets_emulator.rendered('1VisitKey', 'Quotes')[1]
    assert row[0] == quote.code   # the customer cell may stay blank: it is the opportunity's
    result = runner.invoke(args=['ltc', 'sync', 'run', 'quotes'])
    assert result.exit_code == 0 and Quote.select().count() == 1, result.output
