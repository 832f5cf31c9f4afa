"""Web forms in the admin: a manager creates one for a campaign and copies its snippet from its page."""
from ltc.models import Campaign, IntakeForm, Lead
from ltc.services import audit

from .conftest import csrf_from


def test_a_manager_creates_a_form_and_its_page_shows_the_snippet_that_posts_leads(app, as_role, db):
    campaign = audit.save(Campaign(name='官网', channel='website'))
    client = as_role('manager', lang='zh_Hans_CN')
    token = csrf_from(client.get('/admin/intakeform/new/').get_data(as_text=True))
    response = client.post('/admin/intakeform/new/', data={
        'name': '联系我们', 'campaign': campaign.id, 'allowed_fields': 'company contact_name mobile requirement',
        'thank_you_url': '', 'allowed_origins': 'https://www.example.com/', 'active': 'y', 'csrf_token': token})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    form = IntakeForm.get(IntakeForm.name == '联系我们')
    assert len(form.key) >= 20 and form.allowed_origins == 'https://www.example.com'
    page = client.get(f'/admin/intakeform/details/?id={form.id}').get_data(as_text=True)
    assert '粘贴到网站的 HTML' in page and f'/intake/{form.key}' in page and '公司名称 Company' in page
    posted = app.test_client().post(f'/intake/{form.key}', data={'company': '深圳云帆科技', 'mobile': '13912345678'})
    assert posted.status_code == 200 and '谢谢' in posted.get_data(as_text=True)
    assert Lead.get(Lead.company == '深圳云帆科技').campaign_id == campaign.id
    refused = client.post('/admin/intakeform/new/', data={
        'name': 'bad', 'campaign': campaign.id, 'allowed_fields': 'company requirement', 'active': 'y',
        'csrf_token': token})
    assert '网页表单必须包含电话、手机或电子邮箱之一' in refused.get_data(as_text=True)
    assert as_role('sales').get('/admin/intakeform/').status_code == 403
