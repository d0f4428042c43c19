"""What the events domain announces, so other domains (and its own messages) can answer
without the services importing them.

Every signal is sent with ``sender=<app>`` through ``civic.core.db.announce`` inside the
service's transaction, so receivers hear it only AFTER the change is committed (they see the
saved rows and may write and commit on their own); a rollback drops it:

- ``event_changed``: ``event=<Event>``, ``change=<EventChange>`` (kind ``ChangeKind.TIME``,
  ``PLACE`` or ``TIME_PLACE``; ``change.detail`` holds ``{"field": [old, new]}`` display values).
  Only a real change of time or place of a published event is sent; a re-save with no change is not.
- ``event_cancelled``: ``event=<Event>``, ``change=<EventChange>`` (kind ``ChangeKind.CANCELLED``)
  and ``was_published=<bool>``.
- ``rsvp_answered``: ``rsvp=<Rsvp>``, ``created=<bool>`` (a new answer, not a change of one) and
  ``from_public_form=<bool>`` (its messages count against the recipient's daily cap). Not sent
  when the caller tells the person itself (``answer_event(notify=False)``, e.g. invitations).
- ``rsvp_promoted``: ``rsvp=<Rsvp>``: a place freed up and this waiting answer now holds it.

civic.events.services.messages answers them with the e-mails and SMS to those who answered;
the invitations domain connects its receivers at app setup. A receiver must not raise: one
that does is logged, and the organizer's edit or the person's answer stays saved.

    from civic.events.signals import event_changed

    @event_changed.connect
    def _tell_mine(app, event=None, change=None, **extra): ...
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

event_changed = _signals.signal("civic.event-changed")
event_cancelled = _signals.signal("civic.event-cancelled")
rsvp_answered = _signals.signal("civic.rsvp-answered")
rsvp_promoted = _signals.signal("civic.rsvp-promoted")
