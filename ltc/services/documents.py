"""Documents attached to customers, opportunities, quotes, contracts, delivery milestones, payment plans and
payments.

Files are stored once per content under the documents folder (`LTC_DOCUMENTS_DIR`, default
`instance/documents`) as `<first two hex digits>/<sha256>`; the Document row keeps the cleaned
name, the size, a content type chosen by the server from the extension, and the record it
belongs to. Whoever may see the record may list and download its documents; everyone else gets
the same NotFound whether the document exists or not.
"""
import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from peewee import JOIN

from ..db import database
from ..errors import NotFound
from ..models import Document, User
from . import audit, gate, scope
from .messages import invalid, refusal

CHUNK = 64 * 1024
# Who may attach files to each kind of record (reading follows the record's scope).
ATTACH_ROLES = {
    'Customer': ('admin', 'manager', 'sales', 'ops'),
    'Opportunity': ('admin', 'manager', 'sales', 'ops'),
    'Quote': ('admin', 'manager', 'sales', 'ops'),
    'Contract': ('admin', 'manager', 'sales', 'ops', 'finance'),
    'DeliveryMilestone': ('admin', 'manager', 'sales', 'ops', 'finance'),
    'PaymentPlan': ('admin', 'manager', 'sales', 'ops', 'finance'),
    'Payment': ('admin', 'manager', 'sales', 'ops', 'finance'),
}
# Besides the uploader, these roles may delete any document they can see.
DELETE_ROLES = ('admin', 'ops', 'manager')
RECORD_NAMES = {'Customer': ('customer', '客户'), 'Opportunity': ('opportunity', '商机'), 'Quote': ('quote', '报价单'),
                'Contract': ('contract', '合同'), 'DeliveryMilestone': ('delivery milestone', '交付里程碑'),
                'PaymentPlan': ('payment plan', '回款计划'), 'Payment': ('payment', '回款记录')}
# Never accepted, whatever LTC_DOCUMENT_TYPES says: a browser would run or render them.
BLOCKED = frozenset({
    'htm', 'html', 'xhtml', 'shtml', 'mht', 'mhtml', 'svg', 'svgz', 'xml', 'xsl', 'js', 'mjs', 'css', 'swf',
    'exe', 'dll', 'com', 'bat', 'cmd', 'msi', 'msp', 'scr', 'pif', 'cpl', 'lnk', 'hta', 'ps1', 'psm1', 'vbs',
    'vbe', 'wsf', 'wsh', 'jar', 'sh', 'bash', 'php', 'phtml', 'py', 'pl', 'rb', 'cgi', 'asp', 'aspx', 'jsp',
    'apk', 'app', 'dmg', 'deb', 'rpm', 'elf', 'bin', 'so', 'dylib', 'reg', 'inf',
})
# The content type a download is served with, chosen by the server; anything else is a plain download.
CONTENT_TYPES = {
    'pdf': 'application/pdf', 'ofd': 'application/ofd',
    'png': 'image/png', 'jpg': 'image/jpeg', 'jpeg': 'image/jpeg', 'gif': 'image/gif', 'bmp': 'image/bmp',
    'tif': 'image/tiff', 'tiff': 'image/tiff', 'webp': 'image/webp', 'heic': 'image/heic',
    'txt': 'text/plain; charset=utf-8', 'csv': 'text/csv; charset=utf-8', 'rtf': 'application/rtf',
    'doc': 'application/msword', 'xls': 'application/vnd.ms-excel', 'ppt': 'application/vnd.ms-powerpoint',
    'docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    'odt': 'application/vnd.oasis.opendocument.text', 'ods': 'application/vnd.oasis.opendocument.spreadsheet',
    'odp': 'application/vnd.oasis.opendocument.presentation',
    'zip': 'application/zip', '7z': 'application/x-7z-compressed', 'rar': 'application/vnd.rar',
    'eml': 'message/rfc822', 'msg': 'application/vnd.ms-outlook',
}
# Executables announce themselves in their first bytes (Windows PE, ELF, Mach-O, scripts).
EXECUTABLE_MAGIC = (b'MZ', b'\x7fELF', b'\xca\xfe\xba\xbe', b'\xfe\xed\xfa\xce', b'\xfe\xed\xfa\xcf',
                    b'\xce\xfa\xed\xfe', b'\xcf\xfa\xed\xfe', b'#!')
HTML_START = re.compile(rb'^\s*(?:<!--.*?-->\s*)*<\s*(?:!doctype\s+html|html|head|body|script|svg|iframe|'
                        rb'object|embed|meta|\?xml)\b', re.IGNORECASE | re.DOTALL)
UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


class Limits:
    """Where documents are stored and what is accepted (from the app's settings)."""

    def __init__(self, directory, max_mb=20, types=()):
        self.directory = Path(directory)
        self.max_bytes = int(max_mb) * 1024 * 1024
        self.max_mb = int(max_mb)
        self.types = frozenset(types) - BLOCKED

    @classmethod
    def from_app(cls):
        from flask import current_app
        config = current_app.config
        return cls(config['DOCUMENTS_DIR'], config['DOCUMENT_MAX_MB'], config['DOCUMENT_TYPES'])


def clean_filename(name):
    """Return NAME without folders, control or reserved characters, at most 200 characters, never empty."""
    name = unicodedata.normalize('NFC', str(name or ''))
    name = re.split(r'[/\\]', name)[-1]
    name = UNSAFE_NAME.sub('_', name)
    name = re.sub(r'\s+', ' ', name).strip(' .')
    if len(name) > 200:
        stem, dot, ext = name.rpartition('.')
        ext = ext[:20] if dot else ''
        name = (stem if dot else name)[:200 - len(ext) - 1].rstrip(' .') + ('.' + ext if ext else '')
    return name or 'file'


def extension(name):
    stem, dot, ext = name.rpartition('.')
    return ext.lower() if dot and stem else ''


def content_type(name):
    """Return the content type a file called NAME is served with (never taken from the client)."""
    return CONTENT_TYPES.get(extension(name), 'application/octet-stream')


def path_of(limits, key):
    """Return where the content with SHA-256 KEY is stored (a key that is not one names no file)."""
    if not re.fullmatch(r'[0-9a-f]{64}', key or ''):
        raise NotFound(f'Document content {key!r} is not a stored file.', zh=f'文档内容 {key!r} 不是已存储的文件。')
    return limits.directory / key[:2] / key


def _role(user):
    if user is None or not user.active:
        return None
    return scope.role_of(user)


def _record_name(entity, lang='en'):
    return RECORD_NAMES.get(entity, (entity, entity))[0 if lang == 'en' else 1]


def _not_found():
    # The same answer for a record that does not exist and one the user may not see.
    return NotFound('Not found: the record or document does not exist, or you may not see it.',
                    zh='未找到：记录或文档不存在，或您无权查看。')


def record_of(entity, record_id, by):
    """Return the record ENTITY #RECORD_ID when BY may see it; NotFound otherwise."""
    model = scope.DOCUMENT_RECORDS.get(entity)
    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise _not_found() from None
    if model is None or by is None:
        raise _not_found()
    row = model.select().where(model.id == pk, scope.condition(model, by)).first()
    if row is None:
        raise _not_found()
    return row


def record_by_code(entity, code, by):
    """Return the record ENTITY with CODE when BY may see it; NotFound otherwise."""
    model = scope.DOCUMENT_RECORDS.get(entity)
    if model is None or by is None or not (code or '').strip():
        raise _not_found()
    row = model.select().where(model.code == code.strip(), scope.condition(model, by)).first()
    if row is None:
        raise _not_found()
    return row


def may_attach(entity, user):
    return _role(user) in ATTACH_ROLES.get(entity, ())


def _check_name(name, limits):
    ext = extension(name)
    if ext in BLOCKED or ext not in limits.types:
        raise invalid('File {name} refused: files of type .{ext} cannot be attached. Allowed: {allowed}.',
                      '文件 {name} 被拒绝：不能上传 .{ext} 类型的文件。允许的类型：{allowed}。',
                      name=name, ext=ext or '?', allowed=', '.join(sorted(limits.types)))


def _store(stream, name, limits):
    """Copy STREAM into a temporary file under the documents folder; return (temp path, sha256, size)."""
    limits.directory.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b''
    handle = tempfile.NamedTemporaryFile(dir=limits.directory, prefix='.upload-', delete=False)
    try:
        with handle:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limits.max_bytes:
                    raise invalid('File {name} refused: it is larger than {mb} MB, the limit for documents.',
                                  '文件 {name} 被拒绝：超过文档大小上限 {mb} MB。', name=name, mb=limits.max_mb)
                if len(head) < 1024:
                    head += chunk[:1024 - len(head)]
                digest.update(chunk)
                handle.write(chunk)
        if size == 0:
            raise invalid('File {name} refused: it is empty.', '文件 {name} 被拒绝：文件为空。', name=name)
        if head.startswith(EXECUTABLE_MAGIC):
            raise invalid('File {name} refused: it is a program, which cannot be attached.',
                          '文件 {name} 被拒绝：这是可执行程序，不能作为附件上传。', name=name)
        if HTML_START.match(head):
            raise invalid('File {name} refused: it is a web page or script, which cannot be attached.',
                          '文件 {name} 被拒绝：这是网页或脚本，不能作为附件上传。', name=name)
    except BaseException:
        os.unlink(handle.name)
        raise
    return Path(handle.name), digest.hexdigest(), size


def attach(record, stream, filename, by, title=None, limits=None, generated=False):
    """Attach the file read from STREAM to RECORD for BY; return the new Document.

    Refused unless BY's role may attach to this kind of record and BY may see the record (the
    same NotFound as for a missing record); refused when the name's type is not allowed, the
    content is a program or a web page, the file is empty or larger than the limit. A GENERATED
    document (a printed quote, contract or statement) is the system's output of what BY may read:
    it needs BY to see the record, not to be allowed to upload files to it (finance stores the
    statements of customers it may not upload to).
    """
    limits = limits or Limits.from_app()
    entity = type(record).__name__
    if entity not in scope.DOCUMENT_RECORDS or by is None or not scope.can_see(record, by, write=True):
        raise _not_found()
    gate.check_role(by, Document, 'create')
    if not generated and not may_attach(entity, by):
        raise refusal('Attaching refused: your role may not attach files to a {record}.',
                      '上传被拒绝：您的角色不能给{record_zh}上传附件。',
                      record=_record_name(entity), record_zh=_record_name(entity, 'zh'))
    name = clean_filename(filename)
    _check_name(name, limits)
    title = (title or '').strip()[:200] or name.rpartition('.')[0] or name
    temp, key, size = _store(stream, name, limits)
    try:
        with database.atomic():
            document = audit.save(Document(title=title, entity=entity, entity_id=record.id,
                                           entity_code=record.code, filename=name, content_type=content_type(name),
                                           size=size, storage_key=key, uploaded_by=by.id),
                                  note=f'{entity} {record.code}')
            target = path_of(limits, key)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)   # same content, same name: replacing an existing copy is harmless
    finally:
        temp.unlink(missing_ok=True)
    return document


def documents_of(record, by):
    """Return the documents of RECORD that BY may see, newest first."""
    if by is None:
        return []
    entity = type(record).__name__
    return list(Document.select(Document, User).join(User, JOIN.LEFT_OUTER, on=(Document.uploaded_by == User.id))
                .where(Document.entity == entity, Document.entity_id == record.id, scope.condition(Document, by))
                .order_by(Document.id.desc()))


def get_document(document_id, by, write=False):
    """Return the Document #DOCUMENT_ID when BY may see its record (WRITE: may change it); NotFound otherwise."""
    try:
        pk = int(document_id)
    except (TypeError, ValueError):
        raise _not_found() from None
    if _role(by) is None:
        raise _not_found()
    document = Document.select().where(Document.id == pk, scope.condition(Document, by, write)).first()
    if document is None:
        raise _not_found()
    return document


def open_document(document_id, by, limits=None):
    """Return (Document, path of its file) for a download by BY; NotFound when BY may not see it."""
    limits = limits or Limits.from_app()
    document = get_document(document_id, by)
    path = path_of(limits, document.storage_key)
    if not path.is_file():
        raise NotFound(f'The file of document {document.code} is missing from the documents folder; '
                       'ask an administrator to restore it from a backup.',
                       zh=f'文档 {document.code} 的文件不在文档目录中；请联系管理员从备份恢复。')
    return document, path


def may_delete(document, user):
    role = _role(user)
    return role is not None and (role in DELETE_ROLES or document.uploaded_by_id == user.id)


def set_title(document_id, title, by, version=None):
    """Change the title of a document for BY (its uploader, or admin/ops/manager); audited.

    With VERSION (the one the form was opened on) a document changed meanwhile is a ConflictError.
    """
    document = get_document(document_id, by, write=True)   # a team member reads a deal's documents, no more
    gate.check_role(by, Document, 'update', fields=['title'])
    if not may_delete(document, by):
        raise refusal('Editing refused: only the person who attached document {code} or an admin, '
                      'ops or manager may change it.',
                      '编辑被拒绝：只有上传文档 {code} 的人或管理员、运营、经理可以修改。', code=document.code)
    title = (title or '').strip()
    if not title or len(title) > 200:
        raise invalid('The title of document {code} must be 1 to 200 characters.',
                      '文档 {code} 的标题必须为 1 到 200 个字符。', code=document.code)
    document.title = title
    if version is not None:
        document.version = version   # the versioned save refuses when it moved on
    return audit.save(document)


def delete_documents(document_ids, by, limits=None):
    """Delete the documents DOCUMENT_IDS for BY (their uploader, or admin/ops/manager), all or none; audited.

    A file is removed from the folder, after the commit, when no document has its content any more.
    """
    limits = limits or Limits.from_app()
    rows = [get_document(pk, by, write=True) for pk in document_ids]
    gate.check_role(by, Document, 'delete')
    for document in rows:
        if not may_delete(document, by):
            raise refusal('Deleting refused: only the person who attached document {code} or an admin, '
                          'ops or manager may delete it.',
                          '删除被拒绝：只有上传文档 {code} 的人或管理员、运营、经理可以删除。', code=document.code)
    with database.atomic():
        for document in rows:
            audit.delete(document, note=f'{document.entity} {document.entity_code}')
    if not database.in_transaction():   # inside a caller's transaction the files stay (it may roll back)
        for key in {d.storage_key for d in rows}:
            if not Document.select().where(Document.storage_key == key).exists():
                path_of(limits, key).unlink(missing_ok=True)
    return rows


def delete_document(document_id, by, limits=None):
    """Delete one document for BY; see delete_documents."""
    return delete_documents([document_id], by, limits)[0]
