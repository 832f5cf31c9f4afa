"""Web-to-lead: check a website form's answers and turn them into a lead through the lead rules.

The public endpoint (ltc/intake.py) is the door; here are the form's settings checks, the answers'
checks (with messages in both languages) and the command that creates the lead, acting as the form.
"""
import random
import re
import secrets
import time
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from markupsafe import Markup

from ..db import database
from ..errors import ConflictError
from ..models import IntakeForm, Lead
from ..models import choices as C
from . import audit, cached, gate, leads
from .messages import invalid

# Fields a form may ask for: (English label, Chinese label, input type).
FIELDS = {
    'company': ('Company', '公司名称', 'text'),
    'contact_name': ('Your name', '姓名', 'text'),
    'contact_title': ('Job title', '职务', 'text'),
    'phone': ('Phone', '电话', 'tel'),
    'mobile': ('Mobile', '手机', 'tel'),
    'email': ('E-mail', '电子邮箱', 'email'),
    'wechat': ('WeChat', '微信', 'text'),
    'website': ('Website', '公司网站', 'url'),
    'address': ('Address', '地址', 'text'),
    'industry': ('Industry', '行业', 'choice'),
    'region_province': ('Province', '省份', 'text'),
    'region_city': ('City', '城市', 'text'),
    'company_size': ('Company size', '公司规模', 'choice'),
    'budget': ('Budget', '预算', 'number'),
    'requirement': ('What do you need?', '需求描述', 'textarea'),
}
CHOICES = {'industry': C.INDUSTRIES, 'company_size': C.COMPANY_SIZES}
CONTACT_FIELDS = ('phone', 'mobile', 'email')
HONEYPOT = 'fax'   # hidden from people by the snippet's style: only robots fill it in
MAX_TEXT = 4000
MAX_BODY = 64 * 1024   # bytes of one submission: every field at its longest fits many times over
CONTROL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')   # as forms and imports refuse; tab and line breaks are text
MAX_FORMS = 1000   # forms one process keeps a copy of
EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')


class Invalid(Exception):
    """The answers were refused: ERRORS maps each field to (English, Chinese) messages."""

    def __init__(self, errors):
        super().__init__('; '.join(f'{k}: {en}' for k, (en, _zh) in errors.items()))
        self.errors = errors


def actor_name(form):
    """The actor a form's leads are recorded under, e.g. 'form:WF0003'."""
    return f'form:{form.code}'


def form_by_key(key):
    """Return the active form whose public key is KEY with its campaign, or None (this process's copy of
    the forms, see ltc.services.cached: a form changed or switched off in the admin is seen at once)."""
    forms = cached.get('intake_forms', dict)
    key = (key or '')[:64]
    form = forms.get(key)
    if form is None:
        form = IntakeForm.by_key(key)
        if form is not None and len(forms) < MAX_FORMS:   # unknown keys are never kept: anyone can send them
            form.campaign   # read now, so that the copy carries it
            forms[key] = form
    return form


# -- the form's settings --------------------------------------------------------------------
def _origin_ok(origin):
    parts = urlsplit(origin)
    return parts.scheme in ('http', 'https') and parts.netloc and not parts.path.strip('/') \
        and not parts.query and not parts.fragment


def save_form(form, by=None):
    """Check and save FORM: known fields with the company among them, web addresses, a public key."""
    fields = form.fields
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise invalid('Unknown form field(s) {fields}; use some of: {known}.',
                      '未知的表单字段 {fields}；可用：{known}。', fields=', '.join(unknown), known=' '.join(FIELDS))
    if 'company' not in fields:
        raise invalid('A web form must ask for the company (a lead needs one); add "company" to its fields.',
                      '网页表单必须包含公司名称（线索必填）；请在字段中加入 "company"。')
    if not any(f in fields for f in CONTACT_FIELDS):
        raise invalid('A web form must ask for a phone, mobile or e-mail; add one of them to its fields.',
                      '网页表单必须包含电话、手机或电子邮箱之一；请加入其中一个字段。')
    form.allowed_fields = ' '.join(dict.fromkeys(fields))
    bad = [o for o in form.origins if not _origin_ok(o)]
    if bad:
        raise invalid('Allowed origins are addresses like https://www.example.com (scheme and host, no path); '
                      'fix {origins}.', '允许的来源应写作 https://www.example.com（协议和主机，不带路径）；请修改 {origins}。',
                      origins=', '.join(bad))
    form.allowed_origins = '\n'.join(form.origins) or None
    url = (form.thank_you_url or '').strip()
    if url and urlsplit(url).scheme not in ('http', 'https'):
        raise invalid('The thank-you page must be an http(s) address, e.g. https://www.example.com/thanks.',
                      '感谢页必须是 http(s) 地址，例如 https://www.example.com/thanks。')
    form.thank_you_url = url or None
    if not form.key:
        form.key = secrets.token_urlsafe(18)
    with database.atomic():
        return audit.save(form)


def new_key(form, by=None):
    """Give FORM a new public key (the old one stops working: paste the snippet again)."""
    gate.require(by, form)
    form.key = secrets.token_urlsafe(18)
    with database.atomic():
        return audit.save(form, action='update', note='new key')


def origin_allowed(form, origin):
    """Return whether a browser page at ORIGIN may post to FORM (any origin when none is listed)."""
    if not origin:
        return True
    allowed = form.origins
    return not allowed or origin.rstrip('/') in allowed


# -- the answers --------------------------------------------------------------------------------
def _limit(name):
    field = Lead._meta.fields[name]
    return getattr(field, 'max_length', None) or MAX_TEXT


def clean(form, data):
    """Return the lead values of the answers DATA (a mapping) to FORM; raise Invalid naming each bad field.

    Fields the form does not ask for are ignored (pages add their own, e.g. utm_source).
    """
    values, errors = {}, {}
    for name in form.fields:
        raw = data.get(name)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = str(raw)
        if raw is not None and not isinstance(raw, str):
            errors[name] = ('Send text.', '请发送文本。')
            continue
        value = (raw or '').strip()
        if not value:
            continue
        limit = _limit(name)
        bad = CONTROL.search(value)   # refused as the admin's forms and imports refuse it (PostgreSQL stores no NUL)
        if bad:
            code = f'U+{ord(bad.group()):04X}'
            errors[name] = (f'Contains the control character {code}; delete it.', f'含有控制字符 {code}；请删除。')
        elif len(value) > limit:
            errors[name] = (f'At most {limit} characters.', f'最多 {limit} 个字符。')
        elif name == 'email' and not EMAIL.match(value):
            errors[name] = ('Not an e-mail address; e.g. name@example.com.', '电子邮箱格式不正确，例如 name@example.com。')
        elif name in CHOICES:
            found = CHOICES[name].lookup(value)
            if found is None:
                errors[name] = ('Choose one of: ' + ', '.join(CHOICES[name].label(v) for v in CHOICES[name]) + '.',
                                '请选择：' + '、'.join(CHOICES[name].label(v, 'zh') for v in CHOICES[name]) + '。')
            else:
                values[name] = found
        elif name == 'budget':
            try:
                amount = Decimal(value.replace(',', '').replace('¥', '').strip())
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal('1e13'):
                errors[name] = ('A number, e.g. 500000.', '请填写数字，例如 500000。')
            else:
                values[name] = amount.quantize(Decimal('0.01'))
        elif FIELDS[name][2] != 'textarea':   # one line, as a sheet's cell of the field is read
            values[name] = ' '.join(value.split())
        else:
            values[name] = value
    if 'company' not in values and 'company' not in errors:
        errors['company'] = ('Fill in the company name.', '请填写公司名称。')
    asked = [f for f in CONTACT_FIELDS if f in form.fields]
    if asked and not any(f in values for f in asked) and not any(f in errors for f in asked):
        errors[asked[0]] = ('Give a phone number or an e-mail address so that we can reach you.',
                            '请填写电话或电子邮箱，以便我们联系您。')
    if errors:
        raise Invalid(errors)
    return values


def submit(form, values, tries=5):
    """Create a lead of FORM's campaign from VALUES through the lead rules (dedupe, grading, assignment).

    Answers arrive concurrently; two leads taking the same round-robin turn at once make one of the
    transactions stale (ConflictError), and that one is run again after a short random wait, up to TRIES times.
    """
    actor = gate.Actor(name=actor_name(form))
    campaign = form.campaign
    defaults = Lead().__data__
    for attempt in range(tries):
        lead = Lead(**values)
        lead.campaign = campaign.id
        lead.source = campaign.channel or 'website'
        try:
            with audit.acting_as(actor.name, 'web'), database.atomic():
                # As every door: the fields the answers set (not the defaults) go through the gate.
                changed = {k: v for k, v in lead.__data__.items() if v not in (None, '') and v != defaults.get(k)}
                gate.check_write(actor, lead, 'create', fields=list(changed), values=changed)
                return leads.save_lead(lead, by=actor)
        except ConflictError:
            if attempt == tries - 1:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))   # spread the competing workers apart


# -- the snippet to paste into a website -----------------------------------------------------
SNIPPET_SCRIPT = """<script>
(function () {
  var form = document.getElementById('%(id)s');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var note = form.querySelector('.ltc-note');
    fetch(form.action, {method: 'POST', body: new FormData(form), headers: {'Accept': 'application/json'}})
      .then(function (response) {
        return response.json().then(function (body) {
          note.textContent = response.ok ? body.message : (body.detail || body.title);
          if (response.ok) { form.reset(); }
        });
      })
      .catch(function () { form.submit(); });
  });
})();
</script>"""


def snippet(form, base_url, script=True):
    """Return the HTML to paste into a web page: a <form> posting to FORM's endpoint, labels in both languages."""
    action = base_url.rstrip('/') + '/intake/' + form.key
    ident = 'ltc-form-' + form.code.lower()
    lines = [Markup('<form id="{}" action="{}" method="post" accept-charset="UTF-8">').format(ident, action)]
    for name in form.fields:
        en, zh, kind = FIELDS[name]
        required = ' required' if name == 'company' else ''
        label = Markup('  <label>{} {}{}<br>').format(zh, en, ' *' if required else '')
        if kind == 'textarea':
            control = Markup('<textarea name="{}" rows="4"></textarea>').format(name)
        elif kind == 'choice':
            options = Markup('').join(Markup('<option value="{}">{} {}</option>').format(
                value, CHOICES[name].label(value, 'zh'), CHOICES[name].label(value)) for value in CHOICES[name])
            control = Markup('<select name="{}"><option value=""></option>{}</select>').format(name, options)
        else:
            control = Markup('<input type="{}" name="{}"{}>').format(kind, name, Markup(required))
        lines.append(label + control + Markup('</label><br>'))
    lines.append(Markup('  <div style="position:absolute;left:-10000px" aria-hidden="true">'
                        '<input type="text" name="{}" tabindex="-1" autocomplete="off"></div>').format(HONEYPOT))
    lines.append(Markup('  <button type="submit">提交 Submit</button>'))
    lines.append(Markup('  <p class="ltc-note" role="status"></p>'))
    lines.append(Markup('</form>'))
    html = '\n'.join(str(line) for line in lines)
    if script:
        html += '\n' + SNIPPET_SCRIPT % {'id': ident}
    return html
