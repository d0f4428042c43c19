"""One loader and one policy per object of the invitations domain, used by the pages and the
API alike (civic/api/invitations.py).

The rule: **404 when the object is not visible to you** (it does not exist, or it is someone
else's that you may not know of); **403 when you can see it but may not manage it**. Role
checks (``@role_required(Role.ORGANIZER)``, ``@token_required``) stay on the view; these are the
object-level checks after them.

- contacts, groups and posts: the directory is the ward's, shared by every organizer: a missing
  one is a 404, there is nothing to refuse.
- an import job: its uploader's (and the admins'); anyone else gets a 404, as for a missing job
  (the file holds personal data nobody else should learn exists).
- an event's invitation list: ``managed_event``; an invitation belongs to one event's list and is
  a 404 through any other event.
- a personal link (``/giay-moi/<token>``): the token is the permission; an unknown one is a 404.
  The QR code's check-in page (views/door.py) shows a neutral page to anyone who may not check
  the invitee in: a scan must not tell a stranger who was invited.
"""

from __future__ import annotations

from civic.core.errors import abort_with, error_message
from civic.core.permissions import is_admin
from civic.events import access as events_access
from civic.events.models import Event
from civic.invitations.errors import InvitationError
from civic.invitations.models import Contact, ContactGroup, Invitation, Post
from civic.invitations.services.directory import get_contact, get_contact_group, get_post
from civic.invitations.services.import_jobs import read_job
from civic.invitations.services.invites import get_invitation, invitation_by_token


def _not_found():
    abort_with(404, error_message(404))


def managed_event(user, event_id) -> Event:
    """The event whose invitation list ``user`` may manage: the events domain's own loader and
    rule (404 when not visible, 403 when visible but not theirs), so the two never disagree."""
    return events_access.managed(user, event_id)


def contact(contact_id) -> Contact:
    return get_contact(contact_id) or _not_found()


def group(group_id) -> ContactGroup:
    return get_contact_group(group_id) or _not_found()


def post(post_id) -> Post:
    return get_post(post_id) or _not_found()


def invitation(event: Event, invitation_id) -> Invitation:
    """An invitation of this (already checked) event's list."""
    return get_invitation(event, invitation_id) or _not_found()


def invitation_of_link(token) -> Invitation:
    """The invitation a personal link names: whoever holds the link may see and answer it."""
    return invitation_by_token(token) or _not_found()


def import_job(user, job_id) -> dict:
    """The uploader's own import (any import for an admin)."""
    try:
        job = read_job(job_id)
    except InvitationError:
        _not_found()
    if job.get("user_id") != getattr(user, "id", None) and not is_admin(user):
        _not_found()
    return job
