"""Elections' blinker signals, sent with ``civic.core.db.announce`` once the change is committed.

Every receiver gets ``sender=<app>`` and the keyword arguments named below.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# election_id, change ("created", "updated", "deleted", "calendar_replaced", "reminder_text")
election_changed = _signals.signal("elections.election_changed")
# election_id, milestone_id, change ("created", "updated", "deleted")
milestone_changed = _signals.signal("elections.milestone_changed")
# election_id, area_id, change ("created", "updated", "deleted")
area_changed = _signals.signal("elections.area_changed")
# subscription_id, channel ("email" or "sms"): an address was confirmed (link, code or account)
subscription_confirmed = _signals.signal("elections.subscription_confirmed")
# subscription_id: the subscriber stopped the reminders
subscription_cancelled = _signals.signal("elections.subscription_cancelled")
