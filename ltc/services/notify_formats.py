"""What a notification says and how it travels: e-mail (text + HTML) over SMTP, and the JSON each chat
robot expects (WeCom, DingTalk, Feishu, or a generic webhook), in the recipient's language."""
import base64
import dataclasses
import datetime
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from markupsafe import Markup

from ..models.choices import REMINDER_KINDS
from .reminders import lang_of, render
from .webhooks import post_once, sign

SUBJECT_PREFIX = '[LTC]'
TEXTS = {
    'digest': ('Your reminders: {n}', '您的提醒：{n} 条'),
    'hello': ('Hello {name},', '{name}，您好：'),
    'one': ('A reminder for you in LTC:', 'LTC 有一条提醒给您：'),
    'many': ('Your reminders in LTC:', 'LTC 中您的提醒：'),
    'due': ('due {due}', '到期 {due}'),
    'open': ('Open your reminders', '打开我的提醒'),
    'why': ('You get this because of your choices on the "My notifications" page.',
            '您收到此消息是因为您在“我的通知”页面中的设置。'),
    'for': ('For {name}', '提醒 {name}'),
    'test': ('Test notification', '测试通知'),
    'test_body': ('Notifications reach you here.', '通知可以送达这里。'),
}


class DeliveryError(Exception):
    """A channel refused or failed a delivery; the message says what came back."""


@dataclasses.dataclass
class Item:
    code: str
    kind: str
    kind_label: str
    entity: str
    entity_code: str
    due_on: datetime.date
    text: str


@dataclasses.dataclass
class Message:
    lang: str
    subject: str
    items: list
    user: object
    link: str = ''

    def _t(self, key, **fields):
        return TEXTS[key][1 if self.lang == 'zh' else 0].format(**fields)

    @property
    def name(self):
        if self.lang == 'en' and self.user.display_name_en:
            return self.user.display_name_en
        return self.user.display_name or self.user.username

    def line(self, item):
        due = f" ({self._t('due', due=item.due_on)})" if item.due_on else ''
        return f'{item.text}{due}'

    def text(self):
        lines = [self._t('hello', name=self.name), '', self._t('one' if len(self.items) == 1 else 'many'), '']
        for label, items in self.by_kind():
            if len(self.items) > 1:
                lines.append(f'{label}:' if self.lang == 'en' else f'{label}：')
            lines.extend(f'- {self.line(i)}' for i in items)
            lines.append('')
        if self.link:
            lines += [f"{self._t('open')}: {self.link}", '']
        lines.append(self._t('why'))
        return '\n'.join(lines) + '\n'

    def html(self):
        parts = [Markup('<!DOCTYPE html><html lang="{}"><body><p>{}</p><p>{}</p>').format(
            'zh-CN' if self.lang == 'zh' else 'en', self._t('hello', name=self.name),
            self._t('one' if len(self.items) == 1 else 'many'))]
        for label, items in self.by_kind():
            if len(self.items) > 1:
                parts.append(Markup('<h3>{}</h3>').format(label))
            parts.append(Markup('<ul>{}</ul>').format(
                Markup('').join(Markup('<li>{}</li>').format(self.line(i)) for i in items)))
        if self.link:
            parts.append(Markup('<p><a href="{}">{}</a></p>').format(self.link, self._t('open')))
        parts.append(Markup('<p style="color:#888">{}</p></body></html>').format(self._t('why')))
        return str(Markup('').join(parts))

    def markdown(self):
        subject = self.subject.removeprefix(SUBJECT_PREFIX)   # LTC's own prefix stays as it is
        prefix = SUBJECT_PREFIX if subject != self.subject else ''
        lines = [f'**{prefix}{escape_md(subject)}**', self._t('for', name=escape_md(self.name))]
        for label, items in self.by_kind():
            if len(self.items) > 1:
                lines.append(f'**{escape_md(label)}**')
            lines.extend(f'- {escape_md(self.line(i))}' for i in items)
        if self.link:
            lines.append(f"[{self._t('open')}]({self.link})")
        return '\n'.join(lines)

    def plain(self):
        lines = [self.subject, self._t('for', name=self.name)]
        lines.extend(f'- {self.line(i)}' for i in self.items)
        if self.link:
            lines.append(self.link)
        return '\n'.join(lines)

    def by_kind(self):
        groups = {}
        for item in self.items:
            groups.setdefault(item.kind_label, []).append(item)
        return list(groups.items())


# Robots' markdown has no escapes: brackets and angle brackets become their full-width forms, so text from a
# record (a lead's company typed on a public web form) never makes a link, an image, a tag or an @mention.
MD_SAFE = str.maketrans({'[': '［', ']': '］', '<': '＜', '>': '＞'})


def escape_md(text):
    # Keep a line a line, emphasis marks from names out, and links, images, tags and mentions out of record text.
    return str(text).replace('\n', ' ').replace('**', '').translate(MD_SAFE)


def compose(user, reminders, public_url='', test=False):
    """Return the Message telling USER about REMINDERS in USER's language (one, or a digest of many)."""
    lang = lang_of(user.language)
    items = [Item(r.code, r.kind, REMINDER_KINDS.label(r.kind, lang), r.entity, r.entity_code, r.due_on,
                  render(r, lang)) for r in reminders]
    link = f"{public_url.rstrip('/')}/admin/reminder/" if public_url else ''
    message = Message(lang, '', items, user, link)
    if test:
        message.subject = f"{SUBJECT_PREFIX} {message._t('test')}"
        message.items = [Item('', 'test', message._t('test'), '', '', None, message._t('test_body'))]
    elif len(items) == 1:
        message.subject = f'{SUBJECT_PREFIX} {items[0].kind_label}: {items[0].text}' if lang == 'en' else \
            f'{SUBJECT_PREFIX} {items[0].kind_label}：{items[0].text}'
    else:
        message.subject = f"{SUBJECT_PREFIX} {message._t('digest', n=len(items))}"
    message.subject = ' '.join(message.subject.split())[:250]   # one line: record text may hold line breaks
    return message


# -- e-mail ----------------------------------------------------------------------------------
def email_message(message, to, sender):
    """Return the EmailMessage (text and HTML alternatives) of MESSAGE for the address TO."""
    mail = EmailMessage()
    mail['Subject'] = message.subject
    mail['From'] = sender
    mail['To'] = formataddr((message.name, to))
    mail['Date'] = formatdate(localtime=True)
    mail['Message-ID'] = make_msgid(domain=(sender.rsplit('@', 1)[-1].strip('> ') or 'ltc.local'))
    mail['Auto-Submitted'] = 'auto-generated'   # RFC 3834: autoresponders must not answer
    mail.set_content(message.text())
    mail.add_alternative(message.html(), subtype='html')
    mail['Content-Language'] = 'zh-CN' if message.lang == 'zh' else 'en'   # after: set_content clears Content-*
    return mail


def send_email(settings, mail):
    """Hand MAIL to the SMTP server of SETTINGS; raise DeliveryError when it is refused or unreachable."""
    if not settings.smtp_host:
        raise DeliveryError('e-mail is off: LTC_SMTP_HOST is not set')
    try:
        if settings.smtp_security == 'ssl':
            client = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=settings.timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout)
        with client:
            if settings.smtp_security == 'starttls':
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            refused = client.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f'SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}') from exc
    if refused:
        raise DeliveryError(f'SMTP refused {", ".join(refused)}')


# -- group chats -----------------------------------------------------------------------------
def chat_payload(kind, message, user, secret=None, now=None):
    """Return (url query additions, JSON body) of MESSAGE for a KIND robot (wecom, dingtalk, feishu, generic)."""
    now = time.time() if now is None else now
    if kind == 'wecom':   # msgtype markdown: {"msgtype", "markdown": {"content"}}
        return {}, {'msgtype': 'markdown', 'markdown': {'content': message.markdown()}}
    if kind == 'dingtalk':   # msgtype markdown with a title; @ by mobile; signed in the URL
        body = {'msgtype': 'markdown', 'markdown': {'title': message.subject, 'text': message.markdown()},
                'at': {'atMobiles': [user.phone] if user.phone else [], 'isAtAll': False}}
        query = {}
        if secret:
            stamp = str(int(now * 1000))
            digest = hmac.new(secret.encode(), f'{stamp}\n{secret}'.encode(), hashlib.sha256).digest()
            query = {'timestamp': stamp, 'sign': base64.b64encode(digest).decode()}
        return query, body
    if kind == 'feishu':   # msg_type post (rich text) per language; signed in the body
        body = {'msg_type': 'post', 'content': {'post': {'zh_cn' if message.lang == 'zh' else 'en_us': {
            'title': message.subject,
            'content': [[{'tag': 'text', 'text': line}] for line in message.plain().split('\n')[1:]]}}}}
        if secret:
            stamp = str(int(now))
            digest = hmac.new(f'{stamp}\n{secret}'.encode(), b'', hashlib.sha256).digest()
            body = {'timestamp': stamp, 'sign': base64.b64encode(digest).decode(), **body}
        return {}, body
    return {}, {
        'event': 'ltc.reminders', 'language': message.lang, 'subject': message.subject, 'text': message.plain(),
        'user': {'username': user.username, 'name': message.name, 'email': user.email},
        'reminders': [{'code': i.code, 'kind': i.kind, 'kind_label': i.kind_label, 'entity': i.entity,
                       'entity_code': i.entity_code, 'due_on': i.due_on.isoformat() if i.due_on else None,
                       'text': i.text} for i in message.items],
        'url': message.link or None}


def post_chat(webhook, message, user, timeout=20):
    """POST MESSAGE to WEBHOOK in its robot's format; raise DeliveryError unless the robot says OK."""
    query, body = chat_payload(webhook.kind, message, user, webhook.secret)
    url = webhook.url
    if query:
        url += ('&' if '?' in url else '?') + urllib.parse.urlencode(query)
    data = json.dumps(body, ensure_ascii=False).encode('utf-8')
    headers = {'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'LTC-notifications'}
    if webhook.kind == 'generic' and webhook.secret:   # the receiver checks the body came from LTC
        headers['X-LTC-Signature'] = sign(webhook.secret, data)   # as outgoing webhooks sign theirs
    request = urllib.request.Request(url, data=data, method='POST', headers=headers)
    try:
        with post_once(request, timeout) as response:
            answer = response.read(65536).decode('utf-8', 'replace')
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            raise DeliveryError(f'{webhook.kind} webhook redirected (HTTP {exc.code}) to '
                                f'{exc.headers.get("Location", "?")}; redirects are not followed, '
                                'give the final URL') from exc
        raise DeliveryError(f'{webhook.kind} webhook answered HTTP {exc.code}') from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f'{webhook.kind} webhook unreachable: {getattr(exc, "reason", exc)}') from exc
    if webhook.kind in ('wecom', 'dingtalk', 'feishu'):
        try:
            data = json.loads(answer or '{}')
        except ValueError:
            raise DeliveryError(f'{webhook.kind} webhook answered something else than JSON: {answer[:200]}') from None
        code = data.get('errcode', data.get('code', data.get('StatusCode', 0)))
        if code not in (0, '0', None):
            raise DeliveryError(f"{webhook.kind} webhook refused: {code} {data.get('errmsg') or data.get('msg') or ''}")
