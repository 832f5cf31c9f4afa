"""`flask ltc search …`: keep the contains-search index in step (normally automatic)."""
import click

from .. import search
from ..db import database
from ..models import ALL_MODELS


def register(ltc):
    group = click.Group('search', help='The contains-search index.')
    ltc.add_command(group)

    @group.command('refresh')
    @click.option('--reindex', is_flag=True, help='Also drop and rebuild the search indexes themselves.')
    def refresh(reindex):
        """Recompute the pinyin search keys of rows written outside LTC; optionally rebuild the indexes."""
        for model in ALL_MODELS:
            if search.document(model) is None:
                continue
            table = model._meta.table_name
            changed = search.refresh_keys(model)
            if reindex:
                with database.atomic():
                    search.uninstall(table)
                    search.install(table)
            click.echo(f'{table}: {changed} search keys updated' + (', index rebuilt' if reindex else ''))
