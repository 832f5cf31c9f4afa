"""Settle a listed sync conflict: keep the database value, take the sheet value, or type a new one.

The record is changed through the audited, versioned save; the next sync run then carries
the value to the sheet (the database changed since the base), so the sheet is never
written from here. A deletion conflict (a record removed from the sheet but changed in the
database) is settled by deleting the record (audited) or keeping it: its tombstone is
dropped, so the next run puts the record back into the sheet.
"""
from ...db import database, utcnow
from ...errors import LTCError
from ...models.sync import CONFLICT_STATUSES, SyncConflict, SyncState
from ...services import audit
from ...services.messages import text as message_text
from ..errors import CellError, SyncError
from ..mapping.codecs import Context
from ..mapping.entities import get

CHOICES = ('db', 'sheet', 'edit', 'keep', 'delete')
# A deletion conflict's sides: the database holds the record, the sheet removed it.
DELETION_CHOICES = {'db': 'keep', 'keep': 'keep', 'sheet': 'delete', 'delete': 'delete'}


def open_conflicts(target=None):
    """Return the open conflicts, oldest first (of TARGET when given)."""
    query = SyncConflict.select().where(SyncConflict.status == 'open').order_by(SyncConflict.id)
    return query.where(SyncConflict.target == target) if target is not None else query


def resolve_conflict(conflict_id, choice, value=None, by=None):
    """Settle conflict CONFLICT_ID by CHOICE ('db', 'sheet' or 'edit' with VALUE); return it.

    A deletion conflict takes 'delete' or 'keep' ('sheet' and 'db' mean the same: the sheet
    removed the row, the database holds the record).
    """
    if choice not in CHOICES:
        raise SyncError(f'Choose db, sheet or edit (keep or delete for a deleted row), not {choice!r}.',
                        zh=f'请选择 db、sheet 或 edit（已删除的行选 keep 或 delete），不能是 {choice!r}。')
    with database.atomic():
        conflict = SyncConflict.get_or_none(SyncConflict.id == conflict_id)
        if conflict is None:
            raise SyncError(f'There is no conflict {conflict_id}; list them with `flask ltc sync conflicts`.',
                            zh=f'没有编号为 {conflict_id} 的冲突；用 `flask ltc sync conflicts` 查看所有冲突。')
        if conflict.status != 'open':
            raise SyncError(f'Conflict {conflict_id} was already settled ({conflict.status}).',
                            zh=f'冲突 {conflict_id} 已经处理过（{CONFLICT_STATUSES.label(conflict.status, "zh")}）。')
        if conflict.is_deletion:
            return _settle_deletion(conflict, choice, by)
        if choice not in ('db', 'sheet', 'edit'):
            raise SyncError(f'Conflict {conflict_id} is about the field {conflict.field}: choose db, sheet or edit.',
                            zh=f'冲突 {conflict_id} 是字段 {conflict.field} 的冲突：请选择 db、sheet 或 edit。')
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
            # The resolver's choice is a request like a sheet cell: their role, scope and the rules apply.
            from ..writes.requests import write_cell
            write_cell(by, record, conflict.field, cleaned, note=f'sync conflict {conflict.id}')
        return _settled(conflict, {'db': 'kept_db', 'sheet': 'took_sheet', 'edit': 'edited'}[choice], by)


def _settle_deletion(conflict, choice, by):
    """Delete the record a deletion conflict is about, or keep it and let the next run put it back in the sheet."""
    if choice not in DELETION_CHOICES:
        raise SyncError(f'{conflict.code} was removed from the sheet: choose delete or keep, not {choice!r}.',
                        zh=f'{conflict.code} 已从表格删除：请选择 delete（删除）或 keep（保留），不能是 {choice!r}。')
    model = get(conflict.target.entity).model
    record = model.get_or_none(model.code == conflict.code)
    if DELETION_CHOICES[choice] == 'delete':
        if record is not None:   # else already deleted in the database: what was asked for
            from ...services import gate
            gate.check_write(by, record, 'delete')
            try:
                audit.delete(record, note=f'sync conflict {conflict.id}')
            except LTCError as exc:
                raise SyncError(f'{conflict.code} cannot be deleted: {exc}',
                                zh=f'{conflict.code} 无法删除：{message_text(exc, "zh")}') from None
        return _settled(conflict, 'deleted_record', by)
    if record is None:
        raise SyncError(f'{conflict.code} no longer exists; nothing to keep (choose delete to close the conflict).',
                        zh=f'{conflict.code} 已不存在，无法保留（选择 delete 以关闭此冲突）。')
    SyncState.delete().where(SyncState.target == conflict.target, SyncState.code == conflict.code,
                             SyncState.vanished == True).execute()  # noqa: E712
    return _settled(conflict, 'kept_record', by)


def _settled(conflict, status, by):
    conflict.status = status
    conflict.resolved_at = utcnow()
    conflict.resolved_by = getattr(by, 'username', None) or by or audit.current()[0]
    conflict.save()
    return conflict
