"""Web-to-lead: POST /intake/<key> creates leads through the lead rules, guarded by honeypot, rate and origin."""
import pytest

from ltc.models import AssignmentRule, AuditLog, Campaign, IntakeForm, Lead
from ltc.services import audit, intake_forms, leads
from tests.factories import make_user

SITE = 'https://www.example.com'


@pytest.fixture
def form(db):
    campaign = audit.save(Campaign(name='官网询价', channel='website', status='active'))
    return intake_forms.save_form(IntakeForm(
        name='Contact us', campaign=campaign, allowed_fields='company contact_name phone email industry budget requirement',
        thank_you_url=f'{SITE}/thanks', allowed_origins=SITE))


@pytest.fixture
def client(app, db):
    return app.test_client()


def post(client, form, data=None, json=None, **headers):
    return client.post(f'/intake/{form.key}', data=data, json=json, headers=headers)


def test_a_form_post_creates_a_graded_assigned_lead_of_the_campaign_robots_and_unknown_keys_do_not(client, form):
    leads.install_default_rules()
    rep = make_user('sales')
    audit.save(AssignmentRule(name='website leads', priority=1, source='website', method='user', assignee=rep))
    response = post(client, form, {'company': '华东精密制造有限公司', 'contact_name': '王伟', 'phone': '021-5555 0101',
                                   'industry': '制造业', 'budget': '800,000', 'utm_source': 'ad'})
    assert response.status_code == 303 and response.headers['Location'] == f'{SITE}/thanks'
    lead = Lead.get(Lead.company == '华东精密制造有限公司')
    assert (lead.campaign_id, lead.source, lead.industry) == (form.campaign_id, 'website', 'manufacturing')
    assert lead.owner_id == rep.id and lead.status == 'assigned'
    assert (lead.grade, lead.score) == ('general', 50) and lead.phone_norm   # industry, budget, contact
    entry = AuditLog.get((AuditLog.entity == 'Lead') & (AuditLog.entity_code == lead.code))
    assert (entry.actor, entry.source) == (f'form:{form.code}', 'web')
    assert lead.created_by == f'form:{form.code}'
    response = post(client, form, {'company': 'Spam Co', 'phone': '123456', intake_forms.HONEYPOT: 'http://spam'})
    assert response.status_code == 303
    assert not Lead.select().where(Lead.company == 'Spam Co').exists()
    assert client.post('/intake/nope', json={'company': 'A'}).status_code == 404
    form.active = False
    audit.save(form)
    assert post(client, form, json={'company': 'A Ltd', 'phone': '1'}).status_code == 404


def test_json_answers_get_json_a_repeat_is_a_duplicate_and_cors_is_only_for_the_forms_origins(client, form):
    body = {'company': 'Acme Robotics Ltd', 'email': 'li@acme-robotics.cn'}
    first = post(client, form, json=body, Origin=SITE)
    assert first.status_code == 201 and first.json['ok'] is True
    assert first.headers['Access-Control-Allow-Origin'] == SITE
    again = post(client, form, json=dict(body, company='ACME Robotics Ltd.'), Origin=SITE)
    assert again.status_code == 201
    original, repeat = Lead.select().where(Lead.email_norm == 'li@acme-robotics.cn').order_by(Lead.id)
    assert repeat.duplicate_of_id == original.id and original.duplicate_of_id is None
    preflight = client.options(f'/intake/{form.key}', headers={'Origin': SITE,
                                                              'Access-Control-Request-Method': 'POST'})
    assert preflight.status_code == 204
    assert preflight.headers['Access-Control-Allow-Origin'] == SITE
    assert 'POST' in preflight.headers['Access-Control-Allow-Methods']
    other = post(client, form, json={'company': 'Z Ltd', 'phone': '13800000000'}, Origin='https://evil.example')
    assert other.status_code == 403 and 'Access-Control-Allow-Origin' not in other.headers
    assert client.options(f'/intake/{form.key}', headers={'Origin': 'https://evil.example'}).status_code == 403
    assert post(client, form, json={'company': 'Z Ltd', 'phone': '13800000000'}).status_code == 201


def test_bad_answers_are_refused_in_both_languages(client, form):
    response = post(client, form, json={'company': '', 'email': 'not-an-address', 'budget': 'lots'},
                    **{'Accept-Language': 'zh-CN'})
    assert response.status_code == 422 and response.content_type == 'application/problem+json'
    problem = response.json
    assert problem['title'] == '输入有误' and set(problem['errors']) == {'company', 'email', 'budget'}
    assert problem['errors']['company'] == ['请填写公司名称。']
    english = post(client, form, json={'company': 'X Ltd'})
    assert english.json['errors'] == {'phone': ['Give a phone number or an e-mail address so that we can reach you.']}
    page = post(client, form, {'company': 'Y Ltd', 'email': 'bad'})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and '电子邮箱格式不正确' in html and 'Not an e-mail address' in html
    # a NUL (PostgreSQL cannot store one) or another control character is refused as forms and imports refuse it
    nul = post(client, form, json={'company': 'Z\x00 Ltd', 'phone': '1\x1b'})
    assert nul.status_code == 422 and nul.json['errors'] == {
        'company': ['Contains the control character U+0000; delete it.'],
        'phone': ['Contains the control character U+001B; delete it.']}
    assert post(client, form, {'company': 'Z\x00 Ltd', 'phone': '1'}).status_code == 422
    # a body far bigger than any form's answers is not read
    big = post(client, form, json={'company': 'Big Ltd', 'phone': '1', 'note': 'x' * intake_forms.MAX_BODY})
    assert big.status_code == 413 and big.json['title'] == 'Too large'
    assert Lead.select().count() == 0
    # a line break in a one-line field (a hand-made request) is a space; the requirement keeps its lines
    assert post(client, form, json={'company': 'Line\r\nBreak  Ltd', 'phone': '1', 'requirement': 'a\nb'}).status_code == 201
    assert (Lead.get().company, Lead.get().requirement) == ('Line Break Ltd', 'a\nb')


def test_rate_limits_per_client_address_and_per_form(app, client, form):
    app.config['INTAKE_RATE_LIMIT'] = '3 per minute'
    answers = [{'company': f'Rate {n} Ltd', 'phone': f'1380000{n:04d}'} for n in range(5)]
    codes = [post(client, form, json=a, environ_base=None).status_code for a in answers[:4]]
    assert codes == [201, 201, 201, 429]
    limited = post(client, form, json=answers[4], **{'Accept-Language': 'zh'})
    assert limited.status_code == 429 and limited.json['title'] == '请求过多'
    other_client = client.post(f'/intake/{form.key}', json=answers[4], environ_base={'REMOTE_ADDR': '10.0.0.9'})
    assert other_client.status_code == 201
    app.config['INTAKE_FORM_RATE_LIMIT'] = '1 per hour'   # a new window: counted afresh
    codes = [client.post(f'/intake/{form.key}', json={'company': f'Q{n} Ltd', 'phone': '1'},
                         environ_base={'REMOTE_ADDR': f'10.0.1.{n}'}).status_code for n in range(2)]
    assert codes == [201, 429]
    assert Lead.select().count() == 5


def test_form_settings_are_checked():
    from ltc.errors import ValidationError
    with pytest.raises(ValidationError, match='company'):
        intake_forms.save_form(IntakeForm(name='x', allowed_fields='email'))
    with pytest.raises(ValidationError, match='nosuch'):
        intake_forms.save_form(IntakeForm(name='x', allowed_fields='company phone nosuch'))
    with pytest.raises(ValidationError, match='origins'):
        intake_forms.save_form(IntakeForm(name='x', allowed_origins='https://a.com/page'))


def test_the_snippet_posts_to_the_endpoint_with_bilingual_labels_and_the_honeypot():
    form = IntakeForm(code='WF000009', key='k3y', allowed_fields='company phone industry requirement')
    html = intake_forms.snippet(form, 'https://ltc.example.com/')
    assert f'action="https://ltc.example.com/intake/k3y"' in html
    assert '公司名称 Company' in html and 'name="fax"' in html and '提交 Submit' in html
    assert '<option value="manufacturing">制造业 Manufacturing</option>' in html
    assert 'fetch(form.action' in html
