"""Queue work of the invitations domain, for the worker (``civic worker`` imports every domain's
``tasks``). Each task lives beside the service that enqueues it, so no service imports this module."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task
from civic.invitations.services.import_jobs import analyse_import_task
from civic.invitations.services.notices import announce_change_task, announce_due_changes

__all__ = ["analyse_import_task", "announce_change_task", "announce_due_changes_sweep"]


@app_periodic_task(crontab(minute="*/5"))
def announce_due_changes_sweep() -> int:
    """The net under announce_change_task: a lost queue message delays a notice, never drops it."""
    return announce_due_changes()
