"""What the events domain announces, so other domains can answer without events importing them.

Both signals are sent with ``sender=<app>`` AFTER the change is committed (a receiver sees the
saved event and may write and commit on its own):

- ``event_changed``: ``event=<Event>``, ``change=<EventChange>`` (kind "time", "place" or
  "time_place"; ``change.detail`` holds ``{"field": [old, new]}`` display values). Only a real
  change of time or place of a published event is sent; a re-save with no change is not.
- ``event_cancelled``: ``event=<Event>``, ``change=<EventChange>`` (kind "cancelled") and
  ``was_published=<bool>``.

The events domain answers them itself for RSVPs (civic.events.services); the invitations
domain connects its receiver at app setup. A receiver must not raise: a notice that fails is
logged, the organizer's edit stays saved.

    from civic.events.signals import event_changed

    @event_changed.connect
    def _tell_mine(app, event=None, change=None, **extra): ...
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

event_changed = _signals.signal("civic.event-changed")
event_cancelled = _signals.signal("civic.event-cancelled")
