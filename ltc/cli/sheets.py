"""`flask ltc sheets …`: look at a Google Sheet through LTC's client (access, worksheets, rows)."""
import click
from flask import current_app
from flask.cli import AppGroup

from ..sync.gsheets import ops
from ..sync.gsheets.http import open_client

sheets_group = AppGroup('sheets', help='Google Sheets access.')


@sheets_group.command('probe')
@click.argument('sheet')
@click.option('--worksheet', help='Worksheet title to read (default: list the worksheets).')
def probe(sheet, worksheet):
    """Open a Google Sheet by URL or key and report access, worksheets and rows."""
    client = open_client(current_app.config)
    key = ops.extract_key(sheet)
    if not worksheet:
        tabs = ops.list_worksheets(client, key)
        click.echo(f'spreadsheet {key}: {len(tabs)} worksheet(s)')
        for title, rows, cols in tabs:
            click.echo(f'  {title}  ({rows} x {cols} grid)')
        return
    ws = ops.open_worksheet(client, key, worksheet)
    rows = ops.read_all(ws)
    header = rows[0] if rows else []
    click.echo(f'spreadsheet {key}, worksheet {worksheet!r}: {max(len(rows) - 1, 0)} data row(s), '
               f'grid {ws.row_count} x {ws.col_count}')
    click.echo('header: ' + (' | '.join(str(h) for h in header) if header else '(empty)'))


@sheets_group.command('check')
@click.argument('name')
def check(name):
    """Open sync target NAME's Google Sheet and report access, header match and row count."""
    from ..errors import LTCError
    from ..sync.engine.targets import get_target
    from ..sync.formats.reader import locate
    from ..sync.gsheets.table import GSheetTable, app_client
    from ..sync.mapping.entities import get
    try:
        target = get_target(name)
        if target.backend != 'gsheet':
            raise click.ClickException(f'Sync target {name} is a {target.backend} file, not a Google '
                                       'Sheet; `sheets check` is for gsheet targets.')
        table = GSheetTable(target.options['key'], target.options['worksheet'], client=app_client())
        grid = table.read()
        click.echo(f'access: ok ({table.label}, grid {table.worksheet.row_count} x '
                   f'{table.worksheet.col_count})')
        sheet = locate(grid, get(target.entity), table.label)
    except LTCError as exc:
        raise click.ClickException(str(exc)) from None
    if sheet.key_pos is None:
        raise click.ClickException(f'{table.label} has no code column; the sync needs it.')
    if target.header_signature and target.header_signature != sheet.signature():
        raise click.ClickException(f'The header changed since the last sync (columns now: '
                                   f'{sheet.signature()}); restore it or run `flask ltc sync run '
                                   f'{name} --accept-header`.')
    click.echo(f'header: ok (row {sheet.header_row}, {len(sheet.columns)} mapped column(s)'
               f'{", unknown: " + ", ".join(sheet.unknown) if sheet.unknown else ""})')
    click.echo(f'rows: {len(sheet.rows)}')


def register(group):
    """Add the sheets commands to the `flask ltc` group."""
    group.add_command(sheets_group)
