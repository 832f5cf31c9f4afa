"""Where imports and syncs hand records to the lead services, so a sheet row is treated like a form.

New leads get their keys, grade, duplicate link and owner from `lead_intake.Intake` for a
whole batch before the insert (so the one audit row per lead already holds them); updated
leads are re-normalised and re-graded before their save. Other entities pass through.
"""
from ...db import select_in
from ...models import Contact, FollowUp, Invoice, Lead, Opportunity, Quote, Stage, User
from ...models.choices import LEAD_GRADES
from ...services import gate, opportunities
from ...services.dedupe import normalise
from ...services.lead_intake import Intake
from ...services.leads import _apply_grade
from ..errors import CellError


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


def previews(model):
    """Return whether new MODEL rows get decisions beyond their cells that a preview should show."""
    return model is Lead


def preview_creates(model, batches, ctx):
    """Yield (row number, (English, Chinese)) saying what the import decides for new MODEL rows beyond
    their cells: a lead's grade, duplicate link and owner. Writes nothing.

    BATCHES are the import's batches of new rows as the dicts it inserts, each dict's `code` its
    sheet row number. The decisions come from the same `Intake` the apply runs (`Intake.preview`).
    """
    if model is not Lead:
        return
    intake = Intake()   # its own: the preview moves no counter the apply's intake uses
    codes, names, said = {}, {}, {}   # said: one note per distinct decision (rows share most of them)
    for rows in intake.preview(batches):
        stored = {r['duplicate_of'] for r in rows if r.get('duplicate_of')
                  and intake.stand_in_code(r['duplicate_of']) is None} - codes.keys()
        if stored:
            codes.update((r['id'], r['code']) for r in select_in(Lead, Lead.id, stored, [Lead.id, Lead.code]))
        owners = {getattr(r.get('owner'), 'id', r.get('owner')) for r in rows} - names.keys() - {None}
        if owners:
            names.update(User.select(User.id, User.username).where(User.id.in_(list(owners))).tuples())
        for row in rows:
            owner = row.get('owner')
            key = (row.get('grade'), row.get('score'), row.get('duplicate_of'), getattr(owner, 'id', owner))
            note = said.get(key)
            if note is None:
                note = said[key] = _decided(row, intake, codes, names)
            yield row['code'], note


def _decided(row, intake, codes, names):
    """Return (English, Chinese) naming a new lead's grade, duplicate link and owner."""
    grade = row.get('grade') or 'ungraded'
    en = [f'will be graded {LEAD_GRADES.label(grade, "en")} (score {row.get("score") or 0})']
    zh = [f'将评为{LEAD_GRADES.label(grade, "zh")}（{row.get("score") or 0} 分）']
    target = row.get('duplicate_of')
    if target:
        number = intake.stand_in_code(target)
        if number is None:
            en.append(f'duplicate of {codes.get(target, target)}')
            zh.append(f'疑似重复：{codes.get(target, target)}')
        else:
            en.append(f'duplicate of row {number} of this file')
            zh.append(f'疑似重复：本文件第 {number} 行')
    owner = getattr(row.get('owner'), 'id', row.get('owner'))
    if owner is None:
        en.append('no owner')
        zh.append('无负责人')
    else:
        en.append(f'owner {names.get(owner, owner)}')
        zh.append(f'负责人 {names.get(owner, owner)}')
    return '; '.join(en), '；'.join(zh)


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


def unchanged(model):
    """Return same(attr, stored, cell) telling a cell that differs from the stored value (both canonical) yet asks
    for no change, for MODEL's imports; None when every difference is a change."""
    return _lead_unchanged if model is Lead else None


def _lead_unchanged(attr, stored, cell):
    """A lead's 'new' is the 'assigned' its intake made it when the row gave it an owner: re-importing the file that
    created it asks for nothing (not for a move back to new, which the lead flow refuses)."""
    return attr == 'status' and cell == 'new' and stored == 'assigned'


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


# Fields a completer fills or refuses the row without (the plan's own required-value check); an invoice's
# contract, customer and amounts come from invoices.request_invoice (the plan's, what it has left to invoice).
FILLED = {Quote: ('customer',), Invoice: ('contract', 'customer', 'amount', 'net_amount', 'tax_amount')}


def completer(model):
    """Return complete(row, ctx) filling what MODEL's form fills from a row's other fields, or None."""
    return {FollowUp: _followup_links, Quote: _quote_links, Invoice: _invoice_rate}.get(model)


def _link(ctx, model, field, rid):
    """Return FIELD's id of MODEL record RID (looked up once per run)."""
    cache = ctx.__dict__.setdefault('links', {})
    key = (model, field, rid)
    if key not in cache:
        cache[key] = model.select(getattr(model, field)).where(model.id == rid).scalar()
    return cache[key]


def _followup_links(row, ctx):
    """A follow-up's customer is the one of its opportunity, contact or converted lead (as
    followups.record_followup sets it), so a re-read row compares equal to what was recorded."""
    values = row.values
    if not any(values.get(a) for a in ('lead', 'customer', 'contact', 'opportunity')):
        row.fail(CellError('names no lead, customer, contact or opportunity; fill in the code of the one it was about',
                           '没有填写线索、客户、联系人或商机；请填写这次跟进所针对记录的编码', None, row.row))
        return
    if values.get('customer') is None:
        for attr, model, field in (('opportunity', Opportunity, 'customer'), ('contact', Contact, 'customer'),
                                   ('lead', Lead, 'converted_customer')):
            if values.get(attr):
                values['customer'] = _link(ctx, model, field, values[attr])
                if values['customer'] is not None:
                    break


def _quote_links(row, ctx):
    """A quote is for its opportunity's customer and, without an owner, its opportunity's owner."""
    values = row.values
    opportunity = values.get('opportunity')
    if opportunity:
        customer = _link(ctx, Opportunity, 'customer', opportunity)
        if values.get('customer') is None:
            values['customer'] = customer
        elif values['customer'] != customer:
            code = Opportunity.select(Opportunity.code).where(Opportunity.id == opportunity).scalar()
            row.fail(CellError(f'opportunity {code} is for another customer; name its customer or leave the customer '
                               f'blank', f'商机 {code} 属于其他客户；请填写该商机的客户，或将客户留空', code, row.row))
            return
        if values.get('owner') is None:
            values['owner'] = _link(ctx, Opportunity, 'owner', opportunity)
    elif values.get('customer') is None and 'customer' not in row.refs:
        row.fail(CellError('names neither a customer nor an opportunity; fill in one of their codes',
                           '没有填写客户或商机；请填写其中之一的编码', None, row.row))


def _invoice_rate(row, ctx):
    """A tax rate typed as a fraction (a percentage cell holds 0.13) is that many percent (13)."""
    rate = row.values.get('tax_rate')
    if rate is not None and 0 < rate < 1:
        row.values['tax_rate'] = rate * 100
