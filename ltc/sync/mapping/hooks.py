"""Where imports and syncs hand records to the lead services, so a sheet row is treated like a form.

New leads get their keys, grade, duplicate link and owner from `lead_intake.Intake` for a
whole batch before the insert (so the one audit row per lead already holds them); updated
leads are re-normalised and re-graded before their save. Other entities pass through.
"""
from ...models import Lead, Opportunity, Stage
from ...services import gate, opportunities
from ...services.dedupe import normalise
from ...services.lead_intake import Intake
from ...services.leads import _apply_grade


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
        opportunities.prepare_new(rows, _stages(ctx))
        return rows
    if model is not Lead:
        return None
    return _intake(ctx).prepare(rows)


def after_creates(model, pending, ctx):
    """Finish what prepare_creates started once the rows exist (in-batch duplicate links, pointers)."""
    if model is Opportunity:   # each new opportunity's first stage in its history
        opportunities.record_initial_stages(pending, by=gate.actor().user)
        return
    if model is not Lead:
        return
    intake = _intake(ctx)
    intake.link_duplicates(pending)
    intake.finish()


def refresh_derived(record, ctx):
    """Recompute fields derived from an edited record; return the names that changed."""
    if isinstance(record, Opportunity):
        value = opportunities.weighted(record.amount, _stages(ctx)[record.stage_id])
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
