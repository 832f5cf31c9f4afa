"""The note on a synced sheet's header (its first cell): who the sheet runs as, which rows it holds and when it
last ran, in the sheet's language. It rides with the writes a run makes anyway (on Google Sheets in the
request writing its cells, in Excel as the cell's comment): a run with nothing to write leaves the sheet
untouched, so idle targets stay idle; on Google a run that only appends rows leaves the note as it was. A
worksheet LTC creates gets the note in the request creating it."""
from . import slices
from .schedule import _local, settings


def header_note(target, actor, when=None, lang=None):
    """Return the note text for TARGET run by ACTOR (a gate.Actor) at WHEN (UTC; None: not run yet)."""
    zh = (lang or target.lang or 'zh').startswith('zh')
    zone, _ = settings()
    if when is None:
        stamp = '尚未同步' if zh else 'not yet'
    else:
        stamp = f'{_local(when, zone):%Y-%m-%d %H:%M} ({zone.key})'
    if actor is None or actor.is_system:
        who = '系统（不受数据范围限制）' if zh else 'the system (no data scope)'
    else:
        user = actor.user
        shown = (user.display_name_en or user.display_name) if not zh else user.display_name
        who = f'{shown} ({user.username})'
    held = slices.describe(target.terms, 'zh' if zh else 'en')
    if zh:
        return f'LTC 双向同步：{target.name}\n执行用户：{who}\n范围：{held}\n上次同步：{stamp}'
    return f'LTC two-way sync: {target.name}\nRuns as: {who}\nHolds: {held}\nLast run: {stamp}'
