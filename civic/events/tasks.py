"""Worker jobs: event reminders (the campaign's dedupe_key keeps each one single)."""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task
from civic.events.services.messages import send_due_reminders


@app_periodic_task(crontab(minute="*/5"))
def send_event_reminders():
    return send_due_reminders()
