"""Settings from the environment, with safe defaults for a laptop."""
import os
import secrets
from pathlib import Path

from .errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ('development', 'production', 'testing')
# File kinds a document may be (by extension): office files, PDF and OFD (e-invoices), images,
# text and archives. HTML, SVG, scripts and executables are never accepted, whatever this says.
DOCUMENT_TYPES = 'pdf,ofd,doc,docx,xls,xlsx,ppt,pptx,odt,ods,odp,rtf,txt,csv,png,jpg,jpeg,gif,bmp,tif,tiff,webp,heic,zip,7z,rar,eml,msg'


# Every LTC_ environment variable: (name, default as shown to people, meaning in English, in Chinese).
# The docs' settings reference is generated from this table, and a test checks that every LTC_
# variable the code reads is listed here.
SETTINGS = (
    ('LTC_ENV', 'development', '`development`, `testing` or `production`',
     '`development`、`testing` 或 `production`'),
    ('LTC_DATABASE_URL', 'sqlite:///instance/ltc.db',
     '`sqlite:///relative/path`, `sqlite:////absolute/path` or `postgresql://user:pass@host:5432/db` (pooled)',
     '`sqlite:///相对路径`、`sqlite:////绝对路径` 或 `postgresql://用户:密码@主机:5432/库`（连接池）'),
    ('LTC_SECRET_KEY', 'generated into instance/secret_key',
     'session signing key; required (at least 32 characters) when `LTC_ENV=production`',
     '会话签名密钥；`LTC_ENV=production` 时必须设置（至少 32 个字符）'),
    ('LTC_INSTANCE_PATH', 'instance/', 'where the SQLite database, queue and secret key live',
     'SQLite 数据库、任务队列和密钥所在的目录'),
    ('LTC_DB_POOL_SIZE', '8', 'PostgreSQL connections per process', '每个进程的 PostgreSQL 连接数'),
    ('LTC_SESSION_HOURS', '12', 'login session lifetime in hours', '登录会话的有效小时数'),
    ('LTC_EXPORT_MAX_ROWS', '50000', 'row cap for exports', '导出的行数上限'),
    ('LTC_IMPORT_MAX_ROWS', '1000000', 'row cap for imports', '导入的行数上限'),
    ('LTC_IMPORT_MAX_UPLOAD_MB', '50', 'size cap of a file uploaded to the import screen',
     '导入页面上传文件的大小上限（MB）'),
    ('LTC_IMPORT_MAX_COLUMNS', '500', 'widest sheet or CSV row read (imports, uploads, syncs)',
     '读取的工作表或 CSV 的最大列数（导入、上传、同步）'),
    ('LTC_IMPORT_MAX_CELLS', '3000000', 'rows × columns (from A1) of the sheets read from one file',
     '一个文件中读取的工作表的行数 × 列数（从 A1 起）上限'),
    ('LTC_DOCUMENTS_DIR', 'instance/documents', 'where attached files are stored',
     '附件文件的存放目录'),
    ('LTC_DOCUMENT_MAX_MB', '20', 'size cap of one attached file (MB)', '单个附件的大小上限（MB）'),
    ('LTC_DOCUMENT_TYPES', 'office files, PDF, OFD, images, text, archives',
     'comma-separated extensions a document may have (`pdf,docx,png,…`); HTML, SVG, scripts and programs '
     'are refused whatever it says',
     '允许的附件扩展名，逗号分隔（`pdf,docx,png,…`）；HTML、SVG、脚本和程序无论如何都会被拒绝'),
    ('LTC_COOKIE_SECURE', 'on in production', '`0` serves a LAN over plain http (cookies without `Secure`)',
     '`0` 表示在局域网内用普通 http 提供服务（Cookie 不带 `Secure`）'),
    ('LTC_LOGIN_USER_LIMIT', '5', 'failed logins per username before a lock', '同一用户名登录失败多少次后锁定'),
    ('LTC_LOGIN_ADDRESS_LIMIT', '20', 'failed logins per client address before a lock',
     '同一客户端地址登录失败多少次后锁定'),
    ('LTC_LOGIN_LOCK_SECONDS', '30', 'the first lock in seconds, doubled at each further failure',
     '第一次锁定的秒数，之后每次失败加倍'),
    ('LTC_LOGIN_MAX_LOCK_SECONDS', '900', 'the longest lock in seconds', '最长锁定秒数'),
    ('LTC_LOGIN_WINDOW_MINUTES', '60', 'failed logins are counted in windows of this length from the first one',
     '登录失败次数按此长度（分钟）的时间窗口统计，从第一次失败算起'),
    ('LTC_PROXY_HOPS', '0', 'reverse proxies in front of LTC; `1` behind nginx/Caddy so the client address '
     'comes from `X-Forwarded-For`',
     'LTC 前面的反向代理层数；在 nginx/Caddy 后面设为 `1`，客户端地址取自 `X-Forwarded-For`'),
    ('LTC_QUEUE_URL', 'SQLite file in instance/', 'job queue; `redis://host:6379/0` for Redis',
     '任务队列；使用 Redis 时为 `redis://主机:6379/0`'),
    ('LTC_API_RATE_LIMIT', '600 per minute', 'requests one API token may send (Flask-Limiter notation, e.g. '
     '`100 per minute;5000 per hour`)', '每个 API 令牌允许的请求数（Flask-Limiter 写法，例如 `100 per minute;5000 per hour`）'),
    ('LTC_API_RATE_STORAGE', 'memory:// (per process)', 'where the API rate counts are kept; `redis://host:6379/1` '
     'shares them between the web workers', 'API 限流计数的存放位置；`redis://主机:6379/1` 可在多个 Web 进程间共享'),
    ('LTC_INTAKE_RATE_LIMIT', '10 per minute', 'web-to-lead answers one client address may send (Flask-Limiter '
     'notation); counts kept where `LTC_API_RATE_STORAGE` says', '同一客户端地址允许提交的网页表单次数（Flask-Limiter 写法）；'
     '计数存放在 `LTC_API_RATE_STORAGE` 指定的位置'),
    ('LTC_INTAKE_FORM_RATE_LIMIT', '600 per minute', 'web-to-lead answers one form accepts from all clients together',
     '每个网页表单（所有客户端合计）允许接收的提交次数'),
    ('LTC_GOOGLE_CREDENTIALS', '–', 'service-account JSON file for Google Sheets',
     'Google 表格的服务账号 JSON 文件'),
    ('LTC_GOOGLE_API_BASE', 'https://sheets.googleapis.com', 'Sheets API base URL (the emulator in tests and demos)',
     'Sheets API 的基础地址（测试和演示中指向模拟器）'),
    ('LTC_GOOGLE_REQUESTS_PER_MINUTE', '50', 'client-side Sheets rate limit: requests per minute',
     '客户端的 Sheets 限流：每分钟请求数'),
    ('LTC_GOOGLE_REQUEST_BURST', '10', 'client-side Sheets rate limit: burst', '客户端的 Sheets 限流：突发请求数'),
    ('LTC_GOOGLE_MAX_TRIES', '6', 'Sheets retries: attempts per request', 'Sheets 重试：每个请求的尝试次数'),
    ('LTC_GOOGLE_DEADLINE_SECONDS', '120', 'Sheets retries: total deadline in seconds', 'Sheets 重试：总期限（秒）'),
    ('LTC_GOOGLE_TIMEOUT_SECONDS', '30', 'Sheets retries: timeout of one attempt in seconds',
     'Sheets 重试：单次尝试的超时（秒）'),
    ('LTC_SMTP_HOST', '– (no e-mail)', 'SMTP server that sends the e-mail notifications; unset, e-mail is off',
     '发送邮件通知的 SMTP 服务器；不设置则不发邮件'),
    ('LTC_SMTP_PORT', '25 (465 with ssl, 587 with starttls)', 'SMTP port', 'SMTP 端口'),
    ('LTC_SMTP_SECURITY', 'none', '`none`, `starttls` or `ssl`', '`none`、`starttls` 或 `ssl`'),
    ('LTC_SMTP_USER', '–', 'SMTP login (none: no login)', 'SMTP 登录名（不设置则不登录）'),
    ('LTC_SMTP_PASSWORD', '–', 'SMTP password', 'SMTP 密码'),
    ('LTC_SMTP_FROM', 'LTC <ltc@localhost>', 'sender of the e-mail notifications', '邮件通知的发件人'),
    ('LTC_SMTP_TIMEOUT', '20', 'seconds an SMTP or webhook delivery may take before it counts as failed',
     'SMTP 或 Webhook 单次投递的超时秒数，超时即算失败'),
    ('LTC_NOTIFY_MAX_ATTEMPTS', '6', 'deliveries of one notification before it is given up',
     '一条通知最多投递几次，之后放弃'),
    ('LTC_NOTIFY_BACKOFF_SECONDS', '60', 'wait before the first retry, doubled after each failure',
     '第一次重试前的等待秒数，之后每次失败加倍'),
    ('LTC_NOTIFY_DIGEST_HOUR', '8', 'hour (LTC_TIMEZONE) the daily digests go out', '每日汇总的发送时刻（按 LTC_TIMEZONE）'),
    ('LTC_PUBLIC_URL', '–', 'address people open LTC at (e.g. `https://ltc.example.com`); notifications link to it',
     '用户访问 LTC 的地址（如 `https://ltc.example.com`）；通知中的链接指向它'),
    ('LTC_TIMEZONE', 'Asia/Shanghai', 'timezone of sync schedules (working hours, cron lines)',
     '同步运行时间（工作时间、cron）所用的时区'),
    ('LTC_CACHE_DIR', '~/.cache/ltc ($XDG_CACHE_HOME/ltc)',
     'where each process finds the pinyin tables of the search keys already built (made by the first process '
     'that needs them; rebuilt when pypinyin changes); only LTC\'s user should be able to write it; unwritable, '
     'each process builds its own',
     '各进程读取已建好的搜索拼音表的目录（由第一个需要它的进程生成，pypinyin 变化时重建）；应只有运行 LTC 的用户可写；'
     '不可写时每个进程自行生成'),
    ('LTC_WORKING_HOURS', '09:00-18:00', 'working hours of sync targets scheduled "working hours" (Monday to Friday)',
     '按“工作时间”运行的同步目标的工作时间（周一至周五）'),
)


def _instance_dir(config):
    path = Path(config.get('INSTANCE_PATH') or ROOT / 'instance')
    path.mkdir(parents=True, exist_ok=True)
    return path


def _local_secret_key(instance):
    """Return the key kept in instance/, creating it on first use."""
    path = instance / 'secret_key'
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _int(name, value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f'{name} must be a whole number, got {value!r}.') from None


def _bool(name, value):
    text = str(value).strip().lower()
    if text in ('1', 'true', 'yes', 'on'):
        return True
    if text in ('0', 'false', 'no', 'off'):
        return False
    raise ConfigError(f'{name} must be 1 or 0 (true/false), got {value!r}.')


def _extensions(value):
    """Return the set of lower-case extensions (without dots) listed in VALUE, e.g. 'pdf, .PNG'."""
    if isinstance(value, (set, frozenset, list, tuple)):
        value = ','.join(value)
    return frozenset(part.strip().lstrip('.').lower() for part in str(value).split(',') if part.strip())


def load(overrides=None):
    """Build the settings: defaults, then LTC_* environment variables, then overrides."""
    overrides = dict(overrides or {})
    env = os.environ
    config = {
        'LTC_ENV': env.get('LTC_ENV', 'development'),
        'INSTANCE_PATH': env.get('LTC_INSTANCE_PATH'),
        'DATABASE_URL': env.get('LTC_DATABASE_URL'),
        'SECRET_KEY': env.get('LTC_SECRET_KEY'),
        'QUEUE_URL': env.get('LTC_QUEUE_URL'),
        'GOOGLE_CREDENTIALS': env.get('LTC_GOOGLE_CREDENTIALS'),
        'GOOGLE_API_BASE': env.get('LTC_GOOGLE_API_BASE', 'https://sheets.googleapis.com'),
        'GOOGLE_REQUESTS_PER_MINUTE': env.get('LTC_GOOGLE_REQUESTS_PER_MINUTE', '50'),
        'GOOGLE_REQUEST_BURST': env.get('LTC_GOOGLE_REQUEST_BURST', '10'),
        'GOOGLE_MAX_TRIES': env.get('LTC_GOOGLE_MAX_TRIES', '6'),
        'GOOGLE_DEADLINE_SECONDS': env.get('LTC_GOOGLE_DEADLINE_SECONDS', '120'),
        'GOOGLE_TIMEOUT_SECONDS': env.get('LTC_GOOGLE_TIMEOUT_SECONDS', '30'),
        'TIMEZONE': env.get('LTC_TIMEZONE', 'Asia/Shanghai'),
        'WORKING_HOURS': env.get('LTC_WORKING_HOURS', '09:00-18:00'),
        'DB_POOL_SIZE': env.get('LTC_DB_POOL_SIZE', '8'),
        'SESSION_HOURS': env.get('LTC_SESSION_HOURS', '12'),
        'EXPORT_MAX_ROWS': env.get('LTC_EXPORT_MAX_ROWS', '50000'),
        'IMPORT_MAX_ROWS': env.get('LTC_IMPORT_MAX_ROWS', '1000000'),
        'IMPORT_MAX_UPLOAD_MB': env.get('LTC_IMPORT_MAX_UPLOAD_MB', '50'),
        'IMPORT_MAX_COLUMNS': env.get('LTC_IMPORT_MAX_COLUMNS', '500'),
        'IMPORT_MAX_CELLS': env.get('LTC_IMPORT_MAX_CELLS', '3000000'),
        'COOKIE_SECURE': env.get('LTC_COOKIE_SECURE', ''),
        'LOGIN_USER_LIMIT': env.get('LTC_LOGIN_USER_LIMIT', '5'),
        'LOGIN_ADDRESS_LIMIT': env.get('LTC_LOGIN_ADDRESS_LIMIT', '20'),
        'LOGIN_LOCK_SECONDS': env.get('LTC_LOGIN_LOCK_SECONDS', '30'),
        'LOGIN_MAX_LOCK_SECONDS': env.get('LTC_LOGIN_MAX_LOCK_SECONDS', '900'),
        'LOGIN_WINDOW_MINUTES': env.get('LTC_LOGIN_WINDOW_MINUTES', '60'),
        'PROXY_HOPS': env.get('LTC_PROXY_HOPS', '0'),
        'DOCUMENTS_DIR': env.get('LTC_DOCUMENTS_DIR'),
        'DOCUMENT_MAX_MB': env.get('LTC_DOCUMENT_MAX_MB', '20'),
        'DOCUMENT_TYPES': env.get('LTC_DOCUMENT_TYPES', DOCUMENT_TYPES),
        'API_RATE_LIMIT': env.get('LTC_API_RATE_LIMIT', '600 per minute'),
        'API_RATE_STORAGE': env.get('LTC_API_RATE_STORAGE') or 'memory://',
        'INTAKE_RATE_LIMIT': env.get('LTC_INTAKE_RATE_LIMIT', '10 per minute'),
        'INTAKE_FORM_RATE_LIMIT': env.get('LTC_INTAKE_FORM_RATE_LIMIT', '600 per minute'),
        'SMTP_HOST': env.get('LTC_SMTP_HOST', ''),
        'SMTP_PORT': env.get('LTC_SMTP_PORT', ''),
        'SMTP_SECURITY': env.get('LTC_SMTP_SECURITY', 'none'),
        'SMTP_USER': env.get('LTC_SMTP_USER', ''),
        'SMTP_PASSWORD': env.get('LTC_SMTP_PASSWORD', ''),
        'SMTP_FROM': env.get('LTC_SMTP_FROM', 'LTC <ltc@localhost>'),
        'SMTP_TIMEOUT': env.get('LTC_SMTP_TIMEOUT', '20'),
        'NOTIFY_MAX_ATTEMPTS': env.get('LTC_NOTIFY_MAX_ATTEMPTS', '6'),
        'NOTIFY_BACKOFF_SECONDS': env.get('LTC_NOTIFY_BACKOFF_SECONDS', '60'),
        'NOTIFY_DIGEST_HOUR': env.get('LTC_NOTIFY_DIGEST_HOUR', '8'),
        'PUBLIC_URL': env.get('LTC_PUBLIC_URL', ''),
    }
    config.update(overrides)
    if config['LTC_ENV'] not in ENVIRONMENTS:
        raise ConfigError(
            f"LTC_ENV must be one of {', '.join(ENVIRONMENTS)}; got {config['LTC_ENV']!r}.")
    for key in ('DB_POOL_SIZE', 'SESSION_HOURS', 'EXPORT_MAX_ROWS', 'IMPORT_MAX_ROWS', 'IMPORT_MAX_UPLOAD_MB',
                'IMPORT_MAX_COLUMNS', 'IMPORT_MAX_CELLS',
                'LOGIN_USER_LIMIT', 'LOGIN_ADDRESS_LIMIT', 'LOGIN_LOCK_SECONDS', 'LOGIN_MAX_LOCK_SECONDS',
                'LOGIN_WINDOW_MINUTES', 'PROXY_HOPS', 'DOCUMENT_MAX_MB', 'SMTP_TIMEOUT', 'NOTIFY_MAX_ATTEMPTS',
                'NOTIFY_BACKOFF_SECONDS', 'NOTIFY_DIGEST_HOUR'):
        config[key] = _int('LTC_' + key, config[key])
    for key in ('LOGIN_USER_LIMIT', 'LOGIN_ADDRESS_LIMIT'):
        if config[key] < 1:
            raise ConfigError(f'LTC_{key} must be at least 1 (failed logins before a lock), got {config[key]}.')
    for key in ('IMPORT_MAX_ROWS', 'IMPORT_MAX_UPLOAD_MB', 'IMPORT_MAX_COLUMNS', 'IMPORT_MAX_CELLS'):
        if config[key] < 1:
            raise ConfigError(f'LTC_{key} must be at least 1, got {config[key]}.')
    if config['SMTP_SECURITY'] not in ('none', 'starttls', 'ssl'):
        raise ConfigError(f"LTC_SMTP_SECURITY must be none, starttls or ssl, got {config['SMTP_SECURITY']!r}.")
    config['SMTP_PORT'] = _int('LTC_SMTP_PORT', config['SMTP_PORT'] or
                               {'none': 25, 'starttls': 587, 'ssl': 465}[config['SMTP_SECURITY']])
    if not 0 <= config['NOTIFY_DIGEST_HOUR'] <= 23 or config['NOTIFY_MAX_ATTEMPTS'] < 1:
        raise ConfigError('LTC_NOTIFY_DIGEST_HOUR must be 0-23 and LTC_NOTIFY_MAX_ATTEMPTS at least 1.')
    production = config['LTC_ENV'] == 'production'
    instance = _instance_dir(config)
    config['INSTANCE_PATH'] = str(instance)
    if not config['SECRET_KEY']:
        if production:
            raise ConfigError(
                'LTC_SECRET_KEY is not set. In production set it to a long random value, '
                'e.g. LTC_SECRET_KEY=$(python -c "import secrets; print(secrets.token_hex(32))").')
        config['SECRET_KEY'] = _local_secret_key(instance)
    elif production and len(config['SECRET_KEY']) < 32:
        raise ConfigError('LTC_SECRET_KEY is too short for production; use at least 32 random characters.')
    if not config['DATABASE_URL']:
        config['DATABASE_URL'] = f"sqlite:///{instance / 'ltc.db'}"
    config['DOCUMENTS_DIR'] = str(Path(config['DOCUMENTS_DIR'] or instance / 'documents'))
    config['DOCUMENT_TYPES'] = _extensions(config['DOCUMENT_TYPES'])
    if not config['QUEUE_URL']:
        config['QUEUE_URL'] = f"sqlite:///{instance / 'queue.db'}"
    config['SESSION_COOKIE_HTTPONLY'] = True
    config['SESSION_COOKIE_SAMESITE'] = 'Lax'
    config['REMEMBER_COOKIE_HTTPONLY'] = True
    # Secure cookies by default in production; LTC_COOKIE_SECURE=0 serves a LAN over plain http.
    secure = production if config['COOKIE_SECURE'] in ('', None) else _bool('LTC_COOKIE_SECURE', config['COOKIE_SECURE'])
    config['COOKIE_SECURE'] = secure
    config['SESSION_COOKIE_SECURE'] = secure
    config['REMEMBER_COOKIE_SECURE'] = secure
    return config
