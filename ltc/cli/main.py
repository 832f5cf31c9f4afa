"""`flask ltc ...`: thin commands that call the services."""
import contextlib
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .. import migrate
from ..db import database
from ..errors import LTCError
from ..services import audit


# Commands that work on a database whose schema is missing or behind: they set it up or copy it.
NO_SCHEMA_NEEDED = {'db', 'setup', 'restore', 'backup', 'sheets', 'rules'}


class LTCGroup(AppGroup):
    """A command group that opens the database around each command and reports domain errors."""

    def invoke(self, ctx):
        try:
            with database.connection_context(), audit.acting_as('cli', 'cli'):
                return super().invoke(ctx)
        except LTCError as exc:
            raise click.ClickException(str(exc)) from None

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        asks_help = {'--help', '-h'} & set(rest) or (isinstance(command, click.Group) and not rest)
        if name not in NO_SCHEMA_NEEDED and not asks_help:   # help and a bare group need no database
            _refuse_without_schema(ctx)
        return name, command, rest


def _refuse_without_schema(ctx):
    """Exit 2 with one sentence when the database has never been set up or has migrations pending."""
    pending = migrate.pending_migrations()
    if not pending:
        return
    if len(pending) == len(migrate.status()):
        click.echo('The database is not set up yet; run `flask ltc setup` (or `flask ltc db upgrade` '
                   'without the demo company) first. / 数据库尚未初始化；请先运行 `flask ltc setup`'
                   '（或不加载演示数据的 `flask ltc db upgrade`）。', err=True)
    else:
        click.echo(f'The database is behind this version of LTC ({len(pending)} migrations pending: '
                   f'{", ".join(pending)}); run `flask ltc db upgrade` first. / 数据库结构落后于当前版本'
                   f'（{len(pending)} 个迁移待执行）；请先运行 `flask ltc db upgrade`。', err=True)
    ctx.exit(2)


ltc = LTCGroup('ltc', help='Lead-to-Cash commands.')
db_group = AppGroup('db', help='Database schema.')
user_group = AppGroup('user', help='Users and passwords.')
ltc.add_command(db_group)
ltc.add_command(user_group)


@ltc.command('run')
@click.option('--host', default='127.0.0.1', show_default=True)
@click.option('--port', default=5000, show_default=True, type=int)
def run_command(host, port):
    """Serve the app with the job consumer beside it (Ctrl-C stops both)."""
    from .. import runner
    runner.run(current_app._get_current_object(), host, port, say=click.echo)


@db_group.command('upgrade')
def db_upgrade():
    """Apply pending migrations and add missing reference data."""
    from ..services.reference import ensure_reference_data
    applied = migrate.upgrade()
    for name in applied:
        click.echo(f'applied {name}')
    created = ensure_reference_data()
    click.echo(f'database is up to date ({len(applied)} migrations applied, '
               f'{created} reference rows added)')


@db_group.command('status')
def db_status():
    """List migrations; exit 1 when any is pending."""
    rows = migrate.status()
    pending = 0
    for name, applied in rows:
        if applied is None:
            pending += 1
        click.echo(f"{'pending ' if applied is None else 'applied '} {name}"
                   + (f'  ({applied:%Y-%m-%d %H:%M})' if applied else ''))
    if pending:
        click.echo(f'{pending} pending; run `flask ltc db upgrade`.', err=True)
        sys.exit(1)


def _read_password(password_stdin, generate, prompt):
    """Return the password from stdin, a generator or an interactive prompt."""
    from ..services.users import generate_password
    if generate:
        return generate_password()
    if password_stdin:
        return sys.stdin.readline().rstrip('\r\n')
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@contextlib.contextmanager
def _password_refusal_in_both_languages():
    """Show a refused password's advice in English and Chinese (the person typing it may read either)."""
    from ..errors import ValidationError
    try:
        yield
    except ValidationError as exc:
        zh = (exc.details or {}).get('zh')
        raise click.ClickException(f'{exc} / {zh}' if zh else str(exc)) from None


@user_group.command('create')
@click.argument('username')
@click.option('--role', required=True, type=click.Choice(['admin', 'manager', 'sales', 'ops', 'finance']))
@click.option('--department', help='Department code or name.')
@click.option('--name', 'display_name', help='Display name (defaults to the username).')
@click.option('--email')
@click.option('--password-stdin', is_flag=True, help='Read the password from standard input.')
@click.option('--generate', is_flag=True, help='Generate a password and print it once.')
def user_create(username, role, department, display_name, email, password_stdin, generate):
    """Create a user; the password comes from a prompt, stdin or is generated."""
    from ..services.users import create_user
    password = _read_password(password_stdin, generate, 'Password')
    with _password_refusal_in_both_languages():
        user = create_user(username, role, password, department=department,
                           display_name=display_name, email=email)
    click.echo(f'created user {user.username} ({role})')
    if generate:
        click.echo(f'password: {password}  (shown once; store it now)')


@user_group.command('passwd')
@click.argument('username')
@click.option('--password-stdin', is_flag=True, help='Read the password from standard input.')
@click.option('--generate', is_flag=True, help='Generate a password and print it once.')
def user_passwd(username, password_stdin, generate):
    """Reset a user's password."""
    from ..services.users import set_password
    password = _read_password(password_stdin, generate, 'New password')
    with _password_refusal_in_both_languages():
        set_password(username, password)
    click.echo(f'password changed for {username}')
    if generate:
        click.echo(f'password: {password}  (shown once; store it now)')


@user_group.command('unlock')
@click.argument('username')
def user_unlock(username):
    """Lift a login lock on USERNAME after failed logins (its password stays the same)."""
    from ..services.logins import forget
    forget(username)
    click.echo(f'failed logins of {username} cleared; it may log in again')


@ltc.command('demo')
@click.option('--scale', default=0, type=int, help='Grow the leads to this many rows (e.g. 1000000).')
@click.option('--seed', default=42, type=int, help='Random seed; the same seed gives the same data.')
@click.option('--today', type=click.DateTime(['%Y-%m-%d']), help='Anchor day for all dates (default: today).')
@click.option('--customers', default=300, type=click.IntRange(10), help='Customers in the base company.')
def demo(scale, seed, today, customers):
    """Load the demo company (bilingual, coherent) into an empty database."""
    from ..demo import build_demo
    summary = build_demo(seed=seed, scale=scale, today=today.date() if today else None, customers=customers,
                         progress=lambda msg: click.echo(msg, err=True))
    for name, count in summary.items():
        click.echo(f'{name:>20}: {count}')
    _show_demo_logins(summary)


def _show_demo_logins(summary):
    """Print the demo users' shared password once, with a login per role."""
    if not summary.password:
        return
    click.echo('=' * 60)
    click.echo(f'  demo users password: {summary.password}   (shown once; all demo users share it)')
    for role, names in summary.usernames.items():
        click.echo(f'  {role:>8}: {", ".join(names[:3])}{" ..." if len(names) > 3 else ""}')
    click.echo('=' * 60)


@ltc.command('setup')
@click.option('--demo/--no-demo', default=True, help='Load the demo company into an empty database.')
def setup(demo):
    """Upgrade the database, load the demo company if empty, create `admin` if missing."""
    from ..demo import build_demo
    from ..models import Customer, User
    from ..services.reference import ensure_reference_data
    from ..services.users import create_user, generate_password
    for name in migrate.upgrade():
        click.echo(f'applied {name}')
    ensure_reference_data()
    if demo and not Customer.select().exists():
        click.echo('loading the demo company ...')
        _show_demo_logins(build_demo(seed=42, progress=lambda msg: click.echo(msg, err=True)))
    if not User.select().where(User.username == 'admin').exists():
        password = generate_password()
        create_user('admin', 'admin', password, display_name='系统管理员 Administrator')
        click.echo('=' * 60)
        click.echo(f'  admin password: {password}   (shown once; store it now)')
        click.echo('=' * 60)
    click.echo('ready')


@ltc.command('backup')
@click.argument('out', type=click.Path(dir_okay=False))
def backup_command(out):
    """Write a consistent backup of the database to OUT."""
    from flask import current_app
    from ..backup import backup
    size = backup(out, current_app.config['DATABASE_URL'])
    click.echo(f'backup written to {out} ({size:,} bytes)')


@ltc.command('restore')
@click.argument('path', type=click.Path(dir_okay=False))
@click.option('--yes', is_flag=True, help='Do not ask for confirmation.')
def restore_command(path, yes):
    """Replace the database's contents with a backup made by `ltc backup`."""
    from flask import current_app
    from ..backup import restore
    if not yes:
        click.confirm(f'Replace every record in the database with {path}?', abort=True)
    restore(path, current_app.config['DATABASE_URL'])
    click.echo(f'restored from {path}')


@ltc.command('rules')
def rules_command():
    """Print who may change what: role x entity x action, read-only fields, command fields."""
    from ..services.gate import rules_table
    click.echo(rules_table())


def _register_stage_commands():
    """Add each stage's command module to the `ltc` group (once, at import)."""
    from .bank import register as register_bank
    from .cash import register as register_cash
    from .collect import register as register_collect
    from .printing import register as register_print
    from .invoices import register as register_invoices
    from .leads import register as register_leads
    from .notify import register as register_notify
    from .search import register as register_search
    from .sheets import register as register_sheets
    from .sync import register as register_sync
    from .webhooks import register as register_webhooks
    for register in (register_leads, register_cash, register_invoices, register_bank, register_collect,
                     register_print, register_sync, register_sheets, register_search, register_notify,
                     register_webhooks):
        register(ltc)


_register_stage_commands()


def init_app(app):
    app.cli.add_command(ltc)



token_group = AppGroup('token', help='Personal access tokens of the REST API.')
ltc.add_command(token_group)


def _token_user(username):
    from ..services.cash_common import get_user
    return get_user(username)


@token_group.command('create')
@click.argument('username')
@click.option('--name', required=True, help='What the token is for, e.g. "CRM sync".')
@click.option('--scopes', required=True, help='Space- or comma-separated: leads:read, leads:write, *:read, *:write.')
@click.option('--days', type=click.IntRange(1), help='Expire after this many days (default: never).')
def token_create(username, name, scopes, days):
    """Create a token for USERNAME and print its secret once."""
    from ..services.tokens import create_token
    user = _token_user(username)
    with audit.acting_as(user, 'cli'):
        token, secret = create_token(user, name, scopes, by=user, expires_in_days=days)
    click.echo(f'created token {token.code} "{token.name}" for {user.username} ({token.scopes})')
    click.echo(f'secret: {secret}  (shown once; store it now, it cannot be shown again)')


@token_group.command('list')
@click.argument('username')
def token_list(username):
    """List USERNAME's tokens (never their secrets)."""
    from ..services.tokens import tokens_of
    for token in tokens_of(_token_user(username)):
        state = 'revoked' if token.revoked_at else ('expired' if not token.active else 'active')
        used = token.last_used_at.strftime('%Y-%m-%d %H:%M') if token.last_used_at else 'never used'
        click.echo(f'{token.code}\t{token.prefix}…\t{state}\t{token.name}\t{token.scopes}\t{used}')


@token_group.command('revoke')
@click.argument('username')
@click.argument('token')
def token_revoke(username, token):
    """Revoke USERNAME's TOKEN (its code or prefix) at once."""
    from ..services.tokens import revoke_token
    user = _token_user(username)
    with audit.acting_as(user, 'cli'):
        revoked = revoke_token(user, token)
    click.echo(f'revoked token {revoked.code} "{revoked.name}"')
