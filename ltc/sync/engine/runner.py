"""Run a target, whichever it is: a single sheet (`twoway.run_sync`) or a workbook, or a tab of one, whose tabs
run together (`workbook_run.run_workbook`). Doors (the CLI, the admin, the periodic job) run targets through here."""
from .twoway import run_sync as run_sheet
from .workbook_run import run_workbook


def run_sync(target, dry_run=False, accept_header=False, progress=None, actor=None, stamp=None):
    """Run one sync of TARGET; return its Result (a WorkbookResult for a workbook or a tab of one)."""
    if target.is_workbook or target.workbook_id:
        return run_workbook(target, dry_run=dry_run, accept_header=accept_header, progress=progress, actor=actor,
                            stamp=stamp)
    return run_sheet(target, dry_run=dry_run, accept_header=accept_header, progress=progress, actor=actor,
                     stamp=stamp)
