"""`flask ltc print quote|contract|statement CODE PATH`: printable documents as PDF or print-styled HTML."""
import contextlib

import click
from flask.cli import AppGroup

from ..services import audit
from ..services.cash_common import get_user

print_group = AppGroup('print', help='Printable quotes, contracts and statements (PDF or HTML).')
DATE = click.DateTime(formats=['%Y-%m-%d'])


def _command(kind):
    @click.argument('code')
    @click.argument('path', type=click.Path(dir_okay=False))
    @click.option('--lang', type=click.Choice(['zh', 'en']), default='zh', show_default=True)
    @click.option('--html', 'as_html', is_flag=True, help='Write print-styled HTML instead of PDF.')
    @click.option('--store', is_flag=True, help='Also attach the PDF to its record (for sending); needs --user.')
    @click.option('--user', help='Who prints it (username); its scope applies.')
    @click.option('--date', 'on', type=DATE, help='Statement date (default: today).')
    def command(code, path, lang, as_html, store, user, on):
        from ..services import printing
        by = get_user(user)
        on = on.date() if on else None
        with (audit.acting_as(by, 'cli') if by else contextlib.nullcontext()):
            if as_html:
                with open(path, 'w', encoding='utf-8') as handle:
                    handle.write(printing.render_html(kind, code, lang, by, on))
            else:
                with open(path, 'wb') as handle:
                    handle.write(printing.render_pdf(kind, code, lang, by, on))
            if store:
                if by is None:
                    raise click.UsageError('--store needs --user: the document is attached in their name.')
                document = printing.store(kind, code, lang, by, on)
                click.echo(f'stored as document {document.code} on {document.entity_code}')
        click.echo(f'{kind} {code} written to {path}')
    command.__doc__ = f'Write the {kind} CODE to PATH as PDF (or --html), in Chinese or English.'
    print_group.command(kind, help=command.__doc__)(command)


for _kind in ('quote', 'contract', 'statement'):
    _command(_kind)


def register(group):
    group.add_command(print_group)
