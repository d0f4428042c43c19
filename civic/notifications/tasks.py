"""Huey tasks: the queue only says "there is work"; the ledger says what."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task, app_task


@app_task()
def deliver_due():
    """Send every due delivery this worker can claim, then schedule a follow-up if needed."""
    from civic.notifications import worker

    return worker.run_until_idle()


@app_periodic_task(crontab(minute="*"))
def sweep():
    """Every minute: due and stale (expired lease) deliveries go back to work.

    A lost queue message therefore delays a send by at most a minute, never drops it.
    """
    from civic.notifications import services

    if services.due_count():
        deliver_due()
