"""The reminders inbox in the UI language, and the "My notifications" page."""
import datetime

from ltc.services import audit, reminders

D = datetime.date


def test_inbox_reads_in_the_ui_language(db, users, as_role):
    sales = users['sales']
    with audit.acting_as('job:test', 'job'):
        reminders.add(sales, 'lead_assigned', 'Lead', 'L000042', D(2026, 5, 1), {'name': 'L000042 新测智能'})
        reminders.add(sales, 'lead_assigned', 'Lead', 'L000042', D(2026, 5, 1), {'name': 'L000042 新测智能'})
    for lang, text, other in (('en', 'Lead L000042 新测智能 was assigned to you', '已分配给您'),
                              ('zh_Hans_CN', '线索 L000042 新测智能 已分配给您', 'was assigned')):
        html = as_role('sales', lang).get('/admin/reminder/').get_data(as_text=True)
        assert html.count(text) == 1 and other not in html, lang
