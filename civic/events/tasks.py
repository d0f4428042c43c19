"""Worker jobs: event reminders (the campaign's dedupe_key keeps each one single)."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task


@app_periodic_task(crontab(minute="*/5"))
def send_event_reminders():
    from civic.events.services import send_due_reminders

    return send_due_reminders()
