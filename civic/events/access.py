"""One loader and one policy for an event, used by every events page and the events API
(invitations.access.managed_event is this loader).

The rule: **404 when the event is not visible to you** (it does not exist, or it is a draft
you cannot manage), **403 when you can see it but may not manage it**.
"""

from __future__ import annotations

from flask_babel import gettext as _

from civic.core.errors import abort_with, error_message
from civic.events.models import Event
from civic.events.services.queries import can_manage_event, can_view_event, get_event


def _visible(user, event_id) -> Event:
    event = get_event(event_id)
    if event is None or not can_view_event(user, event):
        abort_with(404, _("This event does not exist."))
    return event


def viewable(user, event_id) -> Event:
    """The event ``user`` may see, or abort with 404.

    ``user``: the signed-in user (``current_user``, or ``g.api_user`` for a token), an
    anonymous user or None. ``event_id``: anything; what is not a valid id is a 404 too.
    Visible: every event that is not a draft (published or cancelled, whatever its audience:
    answering rules are ``services.check_open``'s); a draft only to its organizer and admins.
    Aborts with 404 and "This event does not exist." (a page, or the JSON error under /api/).
    """
    return _visible(user, event_id)


def viewable_page(user, event_id):
    """``viewable``'s event as a plain copy for its page (services.event_page), same rule."""
    from civic.events.services.copies import event_page

    event = event_page(event_id)
    if event is None or not can_view_event(user, event):
        abort_with(404, _("This event does not exist."))
    return event


def managed(user, event_id, refused: str | None = None) -> Event:
    """The event ``user`` may manage (its organizer, or an admin), or abort.

    404 as ``viewable`` when the event is not visible to ``user`` (missing, or a draft they
    cannot manage: nobody learns that it exists); 403 when they can see it but not manage it,
    with ``refused`` as the message (default: the generic "no permission" text). Role checks
    (``@role_required(Role.ORGANIZER)``) stay on the view; this is the object-level check.
    """
    event = _visible(user, event_id)
    if not can_manage_event(user, event):
        abort_with(403, refused or error_message(403))
    return event
