"""Huey tasks: the queue only says "there is work"; the ledger says what."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task
from civic.notifications.claims import due_count
from civic.notifications.worker import deliver_due

__all__ = ["deliver_due", "sweep"]


@app_periodic_task(crontab(minute="*"))
def sweep():
    """Every minute: due and stale (expired lease) deliveries go back to work.

    A lost queue message therefore delays a send by at most a minute, never drops it.
    """
    if due_count():
        deliver_due()
