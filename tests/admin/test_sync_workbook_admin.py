"""Admin → Sync targets → Create: ticking tabs adds a workbook (an .xlsx with a tab per entity); its page lists the
tabs with their slices and header notes, runs them all at once, and a tab's page names its workbook."""
import openpyxl

from ltc.models.sync import SyncTarget
from tests.admin.conftest import csrf_from
from tests.factories import make_lead, make_user


def test_admin_adds_and_runs_a_workbook(as_role, users, db, tmp_path):
    rep = make_user('sales', username='wang')
    make_lead(company='Mine', owner=rep)
    make_lead(company='Not mine', owner=users['admin'])
    path = tmp_path / 'wang.xlsx'
    client = as_role('admin')
    page = client.get('/admin/synctarget/new/').get_data(as_text=True)
    assert 'id="workbook-tabs"' in page and 'name="tabs" value="followups"' in page
    page = client.post('/admin/synctarget/new/', follow_redirects=True, data={
        'csrf_token': csrf_from(page), 'name': 'wang', 'entity': 'leads', 'tabs': ['leads', 'followups'],
        'backend': 'file', 'path': str(path), 'lang': 'en', 'run_as': 'wang', 'where': 'owner=me',
        'every_minutes': '5'}).get_data(as_text=True)
    assert 'Sync target wang was added.' in page, page
    assert 'Leads, Follow-ups' in page and 'id="workbook-tabs"' in page
    assert 'LTC two-way sync: wang/followups' in page and 'Runs as:' in page
    assert openpyxl.load_workbook(path).sheetnames[:2] == ['Leads', 'Follow-ups']
    book = SyncTarget.get(SyncTarget.name == 'wang')
    assert book.is_workbook and [t.terms for t in book.tabs] == [[('owner', 'me')], [('owner', 'me')]]
    page = client.post(f'/admin/synctarget/run/{book.id}', follow_redirects=True,
                       data={'csrf_token': csrf_from(page), 'dry_run': '0'}).get_data(as_text=True)
    assert 'leads: ' in page and 'followups: ' in page
    assert [r[1].value for r in openpyxl.load_workbook(path)['Leads'].iter_rows(min_row=2)] == ['Mine']
    tab = SyncTarget.get(SyncTarget.name == 'wang/leads')
    page = client.get(f'/admin/synctarget/details/?id={tab.id}').get_data(as_text=True)
    assert 'belongs to the workbook wang' in page and 'id="target-team"' not in page
