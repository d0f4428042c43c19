"""Background work: election reminders become campaigns when they fall due.

Reminders also listen to the calendar's signals: a milestone, an area or the election moved
into the reminder window, or a subscriber just confirmed, so the due reminders are created
now instead of at the next five-minute sweep (the same idempotent run; nothing is sent twice).
"""

from __future__ import annotations

from huey import crontab

from civic.core.queue import app_periodic_task, app_task
from civic.elections import signals
from civic.elections.services.reminders import send_due_reminders


@app_periodic_task(crontab(minute="*/5"))
def send_election_reminders():
    """Every five minutes; send_due_reminders is idempotent, so overlaps are harmless."""
    return len(send_due_reminders())


@app_task()
def send_election_reminders_now():
    return len(send_due_reminders())


def _reminders_may_be_due(sender, **changed) -> None:
    send_election_reminders_now()


for _signal in (signals.election_changed, signals.milestone_changed, signals.area_changed, signals.subscription_confirmed):
    _signal.connect(_reminders_may_be_due)
