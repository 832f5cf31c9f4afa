"""Undo an import or sync run from its audit rows (tagged with the run code as audit batch)."""
import json
from decimal import Decimal

from peewee import DecimalField

from ...db import database
from ...errors import LTCError
from ...models import MODELS_BY_NAME, AuditLog
from ...models.sync import SyncRun
from ...services import audit
from ...services.messages import text
from ..errors import SyncError
from ..writes.importer import finish_run, start_run
from ..writes.results import Result, RowResult


def _restore(model, values):
    """Return VALUES (audit 'before' texts) converted back to field values."""
    out = {}
    for name, value in values.items():
        field = model._meta.fields.get(name)
        if field is None or name == 'id':
            continue
        out[name] = None if value is None else field.python_value(value)
    return out


# A revert puts field values back; what a run did through the business rules (an approval, a stage
# move, a claim, a payment applied to its plan) is undone by those rules' own actions, not by a revert.
PLAIN_ACTIONS = ('create', 'update', 'delete')
RULE_ENTITIES = ('Payment', 'ContractApproval')


def _check_may_revert(code, rows):
    from ...services import gate
    act = gate.actor()
    if not act.is_system and act.role != 'admin':
        raise gate.role_refusal(act, SyncRun, 'update')
    flows = sorted({f'{e.entity} {e.entity_code} ({e.action})' for e in rows
                    if e.action not in PLAIN_ACTIONS or e.entity in RULE_ENTITIES})
    if flows:
        shown = ', '.join(flows[:5]) + (' …' if len(flows) > 5 else '')
        raise SyncError(f'Run {code} changed records through the business rules ({shown}); a revert cannot '
                        f'undo those. Undo them with their own actions (reject, move stage, release, reverse).',
                        zh=f'运行 {code} 通过业务规则修改了记录（{shown}）；撤销无法还原这些修改。'
                           f'请用相应操作（驳回、推进阶段、释放、冲销）处理。')


def revert_run(code, progress=None):
    """Undo every change run CODE made, newest first; changes edited since are left and reported."""
    run = SyncRun.get_or_none(SyncRun.code == code)
    if run is None:
        raise SyncError(f'There is no run {code}; list runs with `flask ltc sync list`.',
                        zh=f'没有同步记录 {code}；用 `flask ltc sync list` 查看同步记录。')
    if run.status == 'reverted':
        raise SyncError(f'Run {code} was already reverted.', zh=f'运行 {code} 已经撤销过了。')
    if run.dry_run:
        raise SyncError(f'Run {code} was a dry run and changed nothing.',
                        zh=f'运行 {code} 是预演，没有做任何更改。')
    rows = list(AuditLog.select().where(AuditLog.batch == code).order_by(AuditLog.id.desc()))
    _check_may_revert(code, rows)
    result = Result(run.entity)
    undo = start_run('revert', run.entity, code, target=run.target_id)
    result.run_code = undo.code
    with audit.acting_as(audit.current_actor() or audit.current()[0], 'sync' if run.kind == 'sync' else 'import',
                         batch=undo.code):
        for done, entry in enumerate(rows, 1):
            model = MODELS_BY_NAME.get(entry.entity)
            changes = json.loads(entry.changes or '{}')
            outcome = RowResult(code=entry.entity_code)
            try:
                with database.atomic():
                    _undo(model, entry, changes)
                outcome.outcome = 'deleted' if entry.action == 'create' else 'updated'
            except LTCError as exc:
                outcome.outcome = 'error'
                outcome.notes.append((str(exc), text(exc, 'zh')))
            result.rows.append(outcome)
            if progress:
                progress(done, len(rows))
    finish_run(undo, result)
    if not result.needs_attention:
        SyncRun.update(status='reverted').where(SyncRun.id == run.id).execute()
    return result


def _edited(model, record, after):
    """Return the fields whose current value is no longer what the run wrote."""
    current = record.field_values()
    out = []
    for name, value in after.items():
        field = model._meta.fields.get(name)
        if field is None or name in audit.IGNORED:
            continue
        wrote = None if value is None else field.python_value(value)
        now = current.get(name)
        if isinstance(field, DecimalField) and wrote is not None and now is not None:
            if Decimal(str(wrote)) != Decimal(str(now)):
                out.append(name)
        elif audit._plain(wrote) != audit._plain(now):
            out.append(name)
    return out


def _undo(model, entry, changes):
    record = model.get_or_none(model.code == entry.entity_code)
    before = {k: v[0] for k, v in changes.items()}
    after = {k: v[1] for k, v in changes.items()}
    if entry.action == 'create':
        if record is None:
            return
        edited = _edited(model, record, after)
        if edited:
            raise SyncError(f'{entry.entity_code} was edited after the run ({", ".join(edited)}); '
                            f'it was not deleted. Delete it by hand if it should go.',
                            zh=f'{entry.entity_code} 在该次运行后被修改过（{", ".join(edited)}），未删除。'
                               f'如确需删除，请手动删除。')
        audit.delete(record, note=f'revert {entry.batch}')
    elif entry.action != 'delete':   # update, and the services' named updates (assign, dedupe, …)
        if record is None:
            raise SyncError(f'{entry.entity_code} no longer exists; nothing to revert.',
                            zh=f'{entry.entity_code} 已不存在；无需撤销。')
        edited = _edited(model, record, after)
        if edited:
            raise SyncError(f'{entry.entity_code} was edited after the run ({", ".join(edited)}); '
                            f'its change was not reverted.',
                            zh=f'{entry.entity_code} 在该次运行后被修改过（{", ".join(edited)}），'
                               f'该次更改未撤销。')
        for name, value in _restore(model, before).items():
            setattr(record, name, value)
        audit.save(record, note=f'revert {entry.batch}')
    else:
        if record is not None:
            return
        values = _restore(model, before)
        values.pop('version', None)
        audit.save(model(**values), action='create', note=f'revert {entry.batch}')
