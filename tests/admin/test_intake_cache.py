"""Each process keeps copies of the rules and forms web-to-lead reads; a change saved in the admin is used
by the very next answer, in this process and (by the generation in the database) in every other one."""
from html.parser import HTMLParser

from ltc.db import database
from ltc.models import AssignmentRule, Campaign, GradingRule, IntakeForm, Lead
from ltc.services import audit, cached, intake_forms, leads

from ..factories import make_user
from .conftest import csrf_from


class _Form(HTMLParser):
    """The values an edit page's form would post (inputs, checked boxes, selected options, text areas)."""

    def __init__(self):
        super().__init__()
        self.values, self._select, self._area = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get('name')
        if tag == 'input' and name and a.get('type') not in ('submit', 'button'):
            if a.get('type') != 'checkbox' or 'checked' in a:
                self.values[name] = a.get('value') or ('y' if a.get('type') == 'checkbox' else '')
        elif tag == 'select':
            self._select = name
            self.values.setdefault(name, '')
        elif tag == 'option' and self._select and 'selected' in a:
            self.values[self._select] = a.get('value', '')
        elif tag == 'textarea':
            self._area = name
            self.values[name] = ''

    def handle_endtag(self, tag):
        if tag == 'select':
            self._select = None
        elif tag == 'textarea':
            self._area = None

    def handle_data(self, data):
        if self._area:
            self.values[self._area] += data


def edit(client, view, record, **changes):
    """Save RECORD's admin edit form with CHANGES, as a person would (every other field as shown)."""
    url = f'/admin/{view}/edit/?id={record.id}'
    parser = _Form()
    parser.feed(client.get(url).get_data(as_text=True))
    data = {k: v for k, v in parser.values.items() if k}
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)   # an unticked box is not posted
        else:
            data[name] = value
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


def _setup():
    leads.install_default_rules()
    first, second = make_user('sales'), make_user('sales')
    rule = audit.save(AssignmentRule(name='website', priority=1, source='website', method='user', assignee=first))
    campaign = audit.save(Campaign(name='官网', channel='website', status='active'))
    form = intake_forms.save_form(IntakeForm(name='Contact', campaign=campaign,
                                             allowed_fields='company contact_name phone email'))
    return form, rule, first, second


def _answer(client, form, company, status=201):
    response = client.post(f'/intake/{form.key}', json={'company': company, 'phone': '021-5555 0101'})
    assert response.status_code == status, response.get_data(as_text=True)
    return Lead.get_or_none(Lead.company == company)


def test_admin_changes_to_grading_and_assignment_rules_and_the_form_reach_the_next_answer(app, as_role, db):
    form, rule, first, second = _setup()
    site, admin = app.test_client(), as_role('admin')
    lead = _answer(site, form, '一号公司')
    assert (lead.score, lead.owner_id) == (10, first.id)   # has a phone: +10
    assert _answer(site, form, '二号公司').score == 10      # the copies are warm now
    contact_rule = GradingRule.get(GradingRule.field == 'has_contact')
    edit(admin, 'gradingrule', contact_rule, points='45')
    lead = _answer(site, form, '三号公司')
    assert lead.score == 45 and '+45' in lead.score_reasons
    edit(admin, 'assignmentrule', AssignmentRule.get_by_id(rule.id), assignee=str(second.id))
    assert _answer(site, form, '四号公司').owner_id == second.id
    edit(admin, 'intakeform', IntakeForm.get_by_id(form.id), active=None)
    assert _answer(site, form, '五号公司', status=404) is None


def test_a_change_committed_by_another_process_is_used_from_the_next_request_on(app, db):
    form, rule, first, second = _setup()
    site = app.test_client()
    assert _answer(site, form, '一号公司').score == 10
    # Another worker's admin save commits the rows and a new generation. The rows alone (written here
    # behind the write path's back) are not read again: this process answers from its copies.
    GradingRule.update(points=33).where(GradingRule.field == 'has_contact').execute()
    AssignmentRule.update(assignee=second.id).where(AssignmentRule.id == rule.id).execute()
    lead = _answer(site, form, '二号公司')
    assert (lead.score, lead.owner_id) == (10, first.id)
    database.execute_sql('UPDATE config_generation SET value = 4242')   # ... and the generation with them
    lead = _answer(site, form, '三号公司')
    assert (lead.score, lead.owner_id) == (33, second.id)


def test_a_change_rolled_back_leaves_no_copy_behind(app, db):
    form, rule, first, second = _setup()
    site = app.test_client()
    before = cached.generation()
    assert _answer(site, form, '一号公司').owner_id == first.id
    try:
        with database.atomic():
            changed = AssignmentRule.get_by_id(rule.id)
            changed.assignee = second.id
            audit.save(changed)   # a new generation, in this transaction
            assert cached.generation() != before
            assert leads.choose_owner(Lead(source='website'))[0].id == second.id   # a copy of the unsaved change
            raise RuntimeError('rolled back')
    except RuntimeError:
        pass
    assert cached.generation() == before
    assert _answer(site, form, '二号公司').owner_id == first.id
