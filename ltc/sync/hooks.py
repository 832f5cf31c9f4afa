"""Where imports and syncs hand records to the lead services, so a sheet row is treated like a form.

New leads get their keys, grade, duplicate link and owner from `lead_intake.Intake` for a
whole batch before the insert (so the one audit row per lead already holds them); updated
leads are re-normalised and re-graded before their save. Other entities pass through.
"""
from ..db import utcnow
from ..models import Lead, Opportunity, Stage, StageHistory
from ..services.dedupe import normalise
from ..services.lead_intake import Intake
from ..services.leads import _apply_grade


def _intake(ctx):
    intake = getattr(ctx, 'lead_intake', None)
    if intake is None:
        intake = ctx.lead_intake = Intake()   # one per run: assignment counters carry over batches
    return intake


def _stages(ctx):
    stages = getattr(ctx, 'stages', None)
    if stages is None:
        stages = ctx.stages = {s.id: s for s in Stage.select()}
    return stages


def prepare_creates(model, rows, ctx):
    """Fill derived fields of new MODEL rows (dicts) before the insert; return what to do after it."""
    if model is Opportunity:   # as opportunities.save_opportunity does for a form
        from ..services.opportunities import weighted
        now = utcnow()
        for data in rows:
            data['weighted_amount'] = weighted(data.get('amount'), _stages(ctx)[data['stage']])
            data['stage_changed_at'] = data.get('stage_changed_at') or now
            data['first_close_on'] = data.get('first_close_on') or data.get('expected_close_on')
        return rows
    if model is not Lead:
        return None
    return _intake(ctx).prepare(rows)


def after_creates(model, pending, ctx):
    """Finish what prepare_creates started once the rows exist (in-batch duplicate links, pointers)."""
    if model is Opportunity:   # each new opportunity's first stage in its history
        from ..db import reserve_codes, select_in
        from ..services import audit
        ids = {r['code']: r['id'] for r in select_in(Opportunity, Opportunity.code, [d['code'] for d in pending],
                                                     [Opportunity.code, Opportunity.id])}
        codes = iter(reserve_codes(StageHistory.code_prefix, len(pending)))
        actor = audit.current_actor()
        by = getattr(getattr(actor, 'user', actor), 'id', None)
        rows = [{'code': next(codes), 'opportunity': ids[d['code']], 'from_stage': None, 'to_stage': d['stage'],
                 'changed_at': d['stage_changed_at'], 'changed_by': by, 'days_in_previous': 0,
                 'created_at': d['created_at'], 'updated_at': d['created_at'], 'version': 1,
                 'created_by': d['created_by']} for d in pending]
        for start in range(0, len(rows), 500):
            StageHistory.insert_many(rows[start:start + 500]).execute()
        audit.record_many([('StageHistory', r['code'], 'create', {'opportunity': [None, d['code']],
                                                                   'to_stage': [None, r['to_stage']]})
                           for r, d in zip(rows, pending)])
        return
    if model is not Lead:
        return
    intake = _intake(ctx)
    intake.link_duplicates(pending)
    intake.finish()


def refresh_derived(record, ctx):
    """Recompute fields derived from an edited record; return the names that changed."""
    if isinstance(record, Opportunity):
        from ..services.opportunities import weighted
        value = weighted(record.amount, _stages(ctx)[record.stage_id])
        if value != record.weighted_amount:
            record.weighted_amount = value
            return ['weighted_amount']
        return []
    if not isinstance(record, Lead):
        return []
    intake = _intake(ctx)   # the run's grading rules and thresholds, loaded once, not per row
    before = dict(record.__data__)
    normalise(record)
    _apply_grade(record, intake.grading, intake.limits)
    return [name for name, value in record.__data__.items() if before.get(name) != value]
