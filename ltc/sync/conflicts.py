"""Settle a listed sync conflict: keep the database value, take the sheet value, or type a new one.

The record is changed through the audited, versioned save; the next sync run then carries
the value to the sheet (the database changed since the base), so the sheet is never
written from here.
"""
from ..db import database, utcnow
from ..models.sync import CONFLICT_STATUSES, SyncConflict
from ..services import audit
from .codecs import Context
from .errors import CellError, SyncError
from .mappings import get

CHOICES = ('db', 'sheet', 'edit')


def open_conflicts(target=None):
    """Return the open conflicts, oldest first (of TARGET when given)."""
    query = SyncConflict.select().where(SyncConflict.status == 'open').order_by(SyncConflict.id)
    return query.where(SyncConflict.target == target) if target is not None else query


def resolve_conflict(conflict_id, choice, value=None, by=None):
    """Settle conflict CONFLICT_ID by CHOICE ('db', 'sheet' or 'edit' with VALUE); return it."""
    if choice not in CHOICES:
        raise SyncError(f'Choose db, sheet or edit, not {choice!r}.',
                        zh=f'请选择 db、sheet 或 edit，不能是 {choice!r}。')
    with database.atomic():
        conflict = SyncConflict.get_or_none(SyncConflict.id == conflict_id)
        if conflict is None:
            raise SyncError(f'There is no conflict {conflict_id}; list them with `flask ltc sync conflicts`.',
                            zh=f'没有编号为 {conflict_id} 的冲突；用 `flask ltc sync conflicts` 查看所有冲突。')
        if conflict.status != 'open':
            raise SyncError(f'Conflict {conflict_id} was already settled ({conflict.status}).',
                            zh=f'冲突 {conflict_id} 已经处理过（{CONFLICT_STATUSES.label(conflict.status, "zh")}）。')
        if choice != 'db':
            mapping = get(conflict.target.entity)
            column = mapping.by_attr[conflict.field]
            text = conflict.sheet_value if choice == 'sheet' else value
            try:
                cleaned = column.codec.clean(text, Context(lang=conflict.target.lang))
            except CellError as exc:
                raise SyncError(f'{conflict.field} cannot be "{text}": {exc.en}.',
                                zh=f'「{column.zh}」不能是「{text}」：{exc.zh}。') from None
            record = mapping.model.get_or_none(mapping.model.code == conflict.code)
            if record is None:
                raise SyncError(f'{conflict.code} no longer exists; nothing to change.',
                                zh=f'{conflict.code} 已不存在；无需修改。')
            setattr(record, conflict.field, cleaned)
            audit.save(record, note=f'sync conflict {conflict.id}')
        conflict.status = {'db': 'kept_db', 'sheet': 'took_sheet', 'edit': 'edited'}[choice]
        conflict.resolved_at = utcnow()
        conflict.resolved_by = getattr(by, 'username', None) or by or audit.current()[0]
        conflict.save()
    return conflict
