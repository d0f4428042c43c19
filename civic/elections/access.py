"""One loader and one policy per election object, used by the pages and the API.

The rule: **404 when the object is not visible to you; 403 when you can see it but may not
manage it.** Elections, their milestones and polling areas are public, so anyone sees them
and only editors manage them. A subscription is visible only to whoever holds it: its
signed-in owner, or the holder of its opaque SMS reference.
"""

from __future__ import annotations

from flask_babel import gettext as _

from civic.core.permissions import Role, has_role
from civic.elections.errors import NotAllowed, NotVisible
from civic.elections.models import Election, Milestone, PollingArea, Subscription
from civic.elections.services.areas import get_area
from civic.elections.services.calendar import get_election, get_milestone
from civic.elections.services.subscriptions import subscription_for_user, subscription_from_reference


def can_manage(user) -> bool:
    return has_role(user, Role.EDITOR)


def viewable(election_id) -> Election:
    """The election with its milestones and areas, or NotVisible (404)."""
    election = get_election(election_id)
    if election is None:
        raise NotVisible(_("There is no such election."))
    return election


def managed(user, election_id) -> Election:
    """The election ``user`` manages: NotVisible (404) when there is none, NotAllowed (403)
    when ``user`` is no editor."""
    election = viewable(election_id)
    if not can_manage(user):
        raise NotAllowed(_("Only editors manage elections."))
    return election


def managed_milestone(user, election_id, milestone_id) -> tuple[Election, Milestone]:
    election = managed(user, election_id)
    milestone = get_milestone(election, milestone_id)
    if milestone is None:
        raise NotVisible(_("There is no such milestone."))
    return election, milestone


def managed_area(user, election_id, area_id) -> tuple[Election, PollingArea]:
    election = managed(user, election_id)
    area = get_area(election, area_id)
    if area is None:
        raise NotVisible(_("There is no such polling area."))
    return election, area


def subscription_by_reference(reference: str) -> Subscription:
    """The subscription an SMS code page refers to; a forged reference is NotVisible (404)."""
    sub = subscription_from_reference(reference)
    if sub is None:
        raise NotVisible(_("There is no such subscription."))
    return sub


def own_subscription(user) -> Subscription | None:
    """The signed-in resident's own subscription (nobody else's is ever loaded)."""
    return subscription_for_user(user)
