"""What the pages and messages call each status, kind and answer; templates receive these
and never compare status strings themselves."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from civic.core.timeutil import to_local, utcnow
from civic.events.categories import category_labels  # noqa: F401 - re-exported with the other labels
from civic.events.lunar import lunar_text
from civic.events.models import Audience, Event, EventStatus, Rsvp, RsvpResponse, RsvpStatus

# Statuses that hold (or wait for) a seat, and those the calendar file is offered for.
HOLDS_SEATS = (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED)
IN_CALENDAR = (RsvpStatus.CONFIRMED, RsvpStatus.TENTATIVE, RsvpStatus.WAITLISTED)


def audience_labels() -> dict[str, str]:
    return {
        Audience.PUBLIC: _("Everyone"),
        Audience.GROUPS: _("Residents of selected residential groups"),
        Audience.INVITE_ONLY: _("By invitation only"),
    }


def status_labels() -> dict[str, str]:
    return {
        RsvpStatus.CONFIRMED: _("Attending"),
        RsvpStatus.WAITLISTED: _("Waiting list"),
        RsvpStatus.TENTATIVE: _("Maybe"),
        RsvpStatus.DECLINED: _("Not coming"),
    }


def response_labels() -> dict[str, str]:
    return {RsvpResponse.YES: _("Yes"), RsvpResponse.NO: _("No"), RsvpResponse.MAYBE: _("Maybe")}


def status_text(rsvp: Rsvp) -> str:
    """The sentence an answer's confirmation and its page say about it."""
    return {
        RsvpStatus.CONFIRMED: _("You are registered (%(n)s people).", n=rsvp.seats),
        RsvpStatus.WAITLISTED: _("The event is full; you are on the waiting list. We will write if a place frees up."),
        RsvpStatus.TENTATIVE: _("You answered maybe."),
        RsvpStatus.DECLINED: _("You answered that you will not come."),
    }.get(rsvp.status, "")


def describe_change(change) -> list[str]:
    """One line per changed field of an EventChange (or anything with a ``detail`` dict)."""
    labels = {
        "starts_at": _("Starts"),
        "ends_at": _("Ends"),
        "venue_name": _("Place"),
        "venue_address": _("Street address"),
    }
    lines = []
    for key, values in (change.detail or {}).items():
        if key in labels and isinstance(values, list) and len(values) == 2:
            lines.append(_("%(what)s: %(old)s → %(new)s", what=labels[key], old=values[0] or "-", new=values[1] or "-"))
    return lines


def lunar_label(event: Event) -> str:
    return lunar_text(to_local(event.starts_at).date())


@dataclass(frozen=True)
class Badge:
    text: str
    tone: str  # the badge's CSS modifier: "", "ok", "warn", "danger"


def event_badge(event: Event, now=None) -> Badge:
    """The organizer's list: cancelled, draft, past or published."""
    if event.status == EventStatus.CANCELLED:
        return Badge(_("Cancelled"), "danger")
    if event.status == EventStatus.DRAFT:
        return Badge(_("Draft"), "warn")
    if event.ends_at <= (now or utcnow()):
        return Badge(_("Past"), "")
    return Badge(_("Published"), "ok")


def answer_flags(rsvp: Rsvp) -> dict:
    """What an answer's pages show or offer, decided here rather than in the templates."""
    return {
        "status_label": status_labels().get(rsvp.status, ""),
        "can_cancel": rsvp.status != RsvpStatus.DECLINED,
        "can_add_to_calendar": rsvp.status in IN_CALENDAR,
    }


def event_flags(event: Event) -> dict:
    return {
        "is_draft": event.status == EventStatus.DRAFT,
        "is_cancelled": event.status == EventStatus.CANCELLED,
        "can_edit": event.status != EventStatus.CANCELLED,
    }
