"""What the schedule domain announces, after commit, like civic.events.signals.

- ``week_revised``: ``week=<ScheduleWeek>``, ``number=<int>`` (the revision),
  ``changes=[{"item_id", "fields": {"when"|"place": [old, new]}, "cancelled": bool}]``.
  The schedule's own receiver tells each invitee of the changed items once, listing them all.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

week_revised = _signals.signal("civic.schedule-week-revised")
