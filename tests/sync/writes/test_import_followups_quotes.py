"""Follow-ups and quotes through the import: a visit log moves counters and the reclaim clock as the
admin's form does; a quote row names its opportunity (customer and owner follow) and keeps its rules."""
import datetime

from ltc.models import AuditLog, Customer, FollowUp, Lead, Quote
from ltc.services import audit, pool
from ltc.services.quotes import add_line, accept_quote
from ltc.sync.formats.tables import open_path
from ltc.sync.writes.importer import run_import

from ...factories import make_customer, make_lead, make_opportunity, make_product, make_user
from ..helpers import write_xlsx

VISITS = ['客户编号', '线索编号', '商机编号', '跟进方式', '跟进时间', '跟进内容', '下次联系日期', '跟进人']


def _import(entity, path, **kw):
    return run_import(entity, open_path(path), lang='en', **kw)


def test_visit_log_records_followups_like_the_admin_form(db, tmp_path):
    rep = make_user(username='song.chao')
    long_ago = datetime.date.today() - datetime.timedelta(days=200)
    customer = make_customer(owner=rep, owner_since=long_ago)
    lead = make_lead(company='新线索', status='new')
    deal = make_opportunity(customer=customer)
    path = write_xlsx(tmp_path / 'visits.xlsx', [
        VISITS,
        [customer.code, None, None, '拜访', '2026/11/20 14:30', '预算10万左右', '2026-12-01', 'song.chao'],
        [None, lead.code, None, '电话', '2026-11-21 09:00', '比较急', None, None],
        [None, None, deal.code, 'Meeting', datetime.datetime(2026, 11, 22, 10, 0), '方案讨论', None, '宋超 (song.chao)'],
        [None, None, None, '电话', '2026-11-23 09:00', '没写是谁', None, None],
        ['C-NOPE', None, None, '电话', '2026-11-23 10:00', '不存在的客户', None, None],
        [customer.code, None, None, '电话', '2099-01-01 10:00', '将来', None, None],
    ])
    dry = _import('followups', path, dry_run=True)
    assert [r.outcome for r in dry.rows] == ['created', 'created', 'created', 'error', 'error', 'created']
    result = _import('followups', path)
    assert [r.outcome for r in result.rows] == ['created', 'created', 'created', 'error', 'error', 'error']
    assert 'names no lead, customer, contact or opportunity' in result.rows[3].message('en')
    assert 'C-NOPE' in result.rows[4].message('en')
    assert 'cannot happen in the future' in result.rows[5].message('en')
    visit = FollowUp.get(FollowUp.code == result.rows[0].code)
    assert (visit.kind, visit.summary, visit.owner_id, visit.next_contact_on) == \
        ('visit', '预算10万左右', rep.id, datetime.date(2026, 12, 1))
    assert visit.happened_at == datetime.datetime(2026, 11, 20, 14, 30)
    customer = Customer.get_by_id(customer.id)
    assert customer.last_followup_at == datetime.datetime(2026, 11, 22, 10, 0)   # the deal's meeting counts too
    assert Lead.get_by_id(lead.id).status == 'contacted' and Lead.get_by_id(lead.id).followup_count == 1
    assert FollowUp.get(FollowUp.code == result.rows[2].code).customer_id == customer.id
    assert AuditLog.select().where(AuditLog.entity == 'FollowUp', AuditLog.action == 'create').count() == 3
    # The same log imported again (no codes) records nothing twice; an edited summary is an update.
    again = _import('followups', path)
    assert [r.outcome for r in again.rows][:3] == ['unchanged'] * 3
    assert FollowUp.select().count() == 3


def test_imported_visit_stops_the_pool_reclaiming_the_customer(db, tmp_path):
    from ltc.models import PublicPool
    row = PublicPool.get(PublicPool.code == 'PL-DEFAULT')
    row.reclaim_no_followup_days = 30
    audit.save(row)
    today = datetime.date.today()
    rep = make_user()
    kept = make_customer(owner=rep, owner_since=today - datetime.timedelta(days=60))
    lost = make_customer(owner=rep, owner_since=today - datetime.timedelta(days=60))
    path = write_xlsx(tmp_path / 'visits.xlsx', [['客户编号', '跟进方式', '跟进时间', '跟进内容'],
                                                 [kept.code, '拜访', str(today - datetime.timedelta(days=2)), '回访']])
    assert [r.outcome for r in _import('followups', path).rows] == ['created']
    assert pool.run_reclaim(today)['reclaimed'] == 1
    assert Customer.get_by_id(kept.id).owner_id == rep.id and Customer.get_by_id(lost.id).owner_id is None


def test_followup_refused_outside_the_sales_users_scope(db, tmp_path):
    me, other = make_user(), make_user()
    theirs = make_customer(owner=other)
    mine = make_customer(owner=me)
    path = write_xlsx(tmp_path / 'visits.xlsx', [['客户编号', '跟进时间', '跟进内容'],
                                                 [theirs.code, '2026-11-20 10:00', 'x'],
                                                 [mine.code, '2026-11-20 11:00', 'y']])
    with audit.acting_as(me, 'import'):
        result = run_import('followups', open_path(path), lang='en')
    assert [r.outcome for r in result.rows] == ['error', 'created']
    assert FollowUp.get().owner_id == me.id and FollowUp.get().customer_id == mine.id


def test_quote_rows_name_their_opportunity(db, tmp_path):
    rep = make_user(username='li.na')
    customer, other = make_customer(), make_customer()
    deal = make_opportunity(customer=customer, owner=rep)
    path = write_xlsx(tmp_path / 'quotes.xlsx', [
        ['报价单号', '报价名称', '商机编号', '客户编号', '报价日期', '有效期至', '币种', '报价总额'],
        [None, '一期报价', deal.code, None, '2026-11-01', '2026-12-01', 'CNY', 999],
        [None, '错客户', deal.code, other.code, '2026-11-01', None, None, None],
        [None, '有效期早于报价日期', deal.code, None, '2026-11-01', '2026-10-01', None, None],
        [None, '没有客户', None, None, '2026-11-01', None, None, None],
    ])
    result = _import('quotes', path)
    assert [r.outcome for r in result.rows] == ['created', 'error', 'error', 'error'], \
        [r.message('en') for r in result.rows]
    assert 'is for another customer' in result.rows[1].message('en')
    assert 'before its quote date' in result.rows[2].message('en')
    assert 'names neither a customer nor an opportunity' in result.rows[3].message('en')
    assert 'set by the rules, not imported' in result.rows[0].message('en')   # the total follows the lines
    quote = Quote.get(Quote.code == result.rows[0].code)
    assert (quote.customer_id, quote.owner_id, quote.status, quote.total) == (customer.id, rep.id, 'draft', 0)
    assert quote.valid_until == datetime.date(2026, 12, 1)


def test_an_accepted_quote_is_not_edited_from_a_sheet(db, tmp_path):
    deal = make_opportunity()
    path = write_xlsx(tmp_path / 'q.xlsx', [['报价名称', '商机编号', '报价日期'], ['报价', deal.code, '2026-11-01']])
    code = _import('quotes', path).rows[0].code
    quote = Quote.get(Quote.code == code)
    add_line(quote, make_product(), quantity=2, unit_price=100)
    accept_quote(Quote.get_by_id(quote.id))
    path = write_xlsx(tmp_path / 'q2.xlsx', [['报价单号', '报价名称', '商机编号', '报价日期'],
                                             [code, '改名', deal.code, '2026-11-01']])
    result = _import('quotes', path)
    assert result.rows[0].outcome == 'error' and 'only a draft or sent quote is edited' in result.rows[0].message('en')
    assert Quote.get_by_id(quote.id).title == '报价'
