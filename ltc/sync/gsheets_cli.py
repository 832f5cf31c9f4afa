"""`flask ltc sheets …`: look at a Google Sheet through LTC's client (access, worksheets, rows)."""
import click
from flask import current_app
from flask.cli import AppGroup

from . import gsheets_ops as ops
from .gsheets_http import open_client

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


def register(group):
    """Add the sheets commands to the `flask ltc` group."""
    group.add_command(sheets_group)
