"""Queue work: analysing an uploaded contacts file (large files take a while)."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task, app_task


@app_task()
def analyse_import_task(job_id: str) -> None:
    from civic.invitations.services import run_import_analysis

    run_import_analysis(job_id)


@app_task()
def announce_change_task(event_id: int, window_start: str) -> int:
    """The invitees' notice of one minute's edits of an event, sent when that minute is over."""
    from datetime import datetime

    from civic.events.services import get_event
    from civic.invitations.services import announce_change_window

    event = get_event(event_id)
    return announce_change_window(event, datetime.fromisoformat(window_start)) if event is not None else 0


@app_periodic_task(crontab(minute="*/5"))
def announce_due_changes_sweep() -> int:
    """The net under announce_change_task: a lost queue message delays a notice, never drops it."""
    from civic.invitations.services import announce_due_changes

    return announce_due_changes()
