"""Round trips: every export of every exchanged entity, in both languages, imports back as a no-op."""
import datetime

import openpyxl
import pytest

from ltc.demo import build_demo
from ltc.models import AuditLog, Opportunity, User
from ltc.sync.formats.tables import open_path
from ltc.sync.mapping.entities import MAPPINGS
from ltc.sync.writes.importer import run_import

from ..factories import make_lead

TODAY = datetime.date(2026, 11, 27)
LOCALES = {'zh': 'zh_Hans_CN', 'en': 'en'}


@pytest.fixture
def demo(db, users):
    built = build_demo(seed=7, today=TODAY, customers=30)
    _invoice_some_plans()
    return built


def _invoice_some_plans():
    """Invoices in every state on the demo's plans (the demo itself records none)."""
    from ltc.models import Contract, PaymentPlan
    from ltc.services import invoices
    plans = (PaymentPlan.select().join(Contract).where(Contract.status.in_(invoices.INVOICEABLE),
                                                       PaymentPlan.status != 'void').order_by(PaymentPlan.id).limit(4))
    for n, plan in enumerate(plans):
        invoice = invoices.request_invoice(plan, kind='vat_normal')
        if n:
            invoice = invoices.issue(invoice, f'0445{n:04d}', TODAY)
        if n == 2:
            invoices.send(invoice)
        if n == 3:
            invoices.reverse(invoice, '抬头错误')


def _assert_no_op(entity, path):
    audits = AuditLog.select().count()
    result = run_import(entity, open_path(path), lang='en')
    totals = result.totals()
    problems = [(r.row, r.outcome, r.changes, r.message('en')) for r in result.rows if r.outcome != 'unchanged']
    assert totals['unchanged'] > 0 and not problems, (path.name, problems[:5])
    assert AuditLog.select().count() == audits, path.name


def _rows(path):
    if path.suffix == '.csv':
        import csv
        return list(csv.reader(path.read_text(encoding='utf-8-sig').splitlines()))
    return [[c.value for c in row] for row in openpyxl.load_workbook(path).active.iter_rows()]


@pytest.mark.parametrize('lang', ['zh', 'en'])
def test_admin_list_exports_import_back_unchanged(demo, as_role, tmp_path, lang):
    client = as_role('admin', LOCALES[lang])
    for entity, mapping in MAPPINGS.items():
        for ext in ('xlsx', 'csv'):
            response = client.get(f'/admin/{mapping.model.__name__.lower()}/export/{ext}/')
            assert response.status_code == 200, (entity, ext)
            path = tmp_path / f'{entity}-{lang}.{ext}'
            path.write_bytes(response.data)
            assert _rows(path)[0] == [c.header(lang) for c in mapping.columns]
            _assert_no_op(entity, path)


@pytest.mark.parametrize('lang', ['zh', 'en'])
def test_cli_exports_import_back_unchanged(demo, runner, tmp_path, lang):
    for entity in MAPPINGS:
        for ext in ('xlsx', 'csv'):
            path = tmp_path / f'{entity}-{lang}.{ext}'
            result = runner.invoke(args=['ltc', 'export', entity, str(path), '--lang', lang])
            assert result.exit_code == 0, result.output
            _assert_no_op(entity, path)
            result = runner.invoke(args=['ltc', 'import', entity, str(path), '--lang', lang])
            assert result.exit_code == 0 and ('无变化' if lang == 'zh' else 'unchanged') in result.output, \
                result.output


def test_exports_name_owners_by_login_and_stages_in_the_export_language(demo, as_role, runner, tmp_path):
    won = Opportunity.select().join(Opportunity.stage.rel_model).where(Opportunity.stage.rel_model.is_won).first()
    for lang, stage in (('en', won.stage.name_en), ('zh', won.stage.name)):
        path = tmp_path / f'o-{lang}.csv'
        path.write_bytes(as_role('admin', LOCALES[lang]).get('/admin/opportunity/export/csv/').data)
        rows = _rows(path)
        row = next(r for r in rows if r[0] == won.code)
        assert stage in row and won.owner.username in row, row
        out = tmp_path / f'o-{lang}.xlsx'
        assert runner.invoke(args=['ltc', 'export', 'opportunities', str(out), '--lang', lang]).exit_code == 0
        row = next(r for r in _rows(out) if r[0] == won.code)
        assert stage in row and won.owner.username in row, row


def test_import_reads_an_owner_written_as_name_and_login(db, users, tmp_path):
    from ..sync.helpers import write_xlsx
    owner = users['sales']
    owner.display_name = '宋超'
    owner.save()
    lead = make_lead(company='华为', owner=users['manager'])
    path = write_xlsx(tmp_path / 'l.xlsx', [['线索编号', '公司名称', '负责人'],
                                            [lead.code, '华为', f'宋超 ({owner.username})'],
                                            [None, '中兴', f'宋超（{owner.username}）'],
                                            [None, '小米', '别人 (nobody.here)']])
    result = run_import('leads', open_path(path), lang='en')
    outcomes = [r.outcome for r in result.rows]
    assert outcomes == ['updated', 'created', 'error'], [r.message('en') for r in result.rows]
    assert {lead.owner_id for lead in User.get_by_id(owner.id).leads} == {owner.id}
    assert 'nobody.here' in result.rows[2].message('en')
