"""Background work: election reminders become campaigns when they fall due."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task


@app_periodic_task(crontab(minute="*/5"))
def send_election_reminders():
    """Every five minutes; send_due_reminders is idempotent, so overlaps are harmless."""
    from civic.elections.services import send_due_reminders

    return len(send_due_reminders())
