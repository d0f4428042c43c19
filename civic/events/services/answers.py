"""An answer before it is saved: is the event open, is the answer valid, which limits apply."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup, User
from civic.accounts.services import AccountError, normalize_email
from civic.core import ratelimits
from civic.core.phone import InvalidPhone, normalize_phone
from civic.core.text import clean_line
from civic.core.timeutil import utcnow
from civic.events.models import Audience, Event, EventStatus, Rsvp, RsvpResponse, RsvpSource, RsvpStatus
from civic.events.services.errors import EventError
from civic.extensions import db


@dataclass
class Answer:
    response: str
    guests: int = 0
    name: str = ""
    phone: str | None = None
    email: str | None = None
    group_id: int | None = None
    answers: dict = field(default_factory=dict)


def check_open(event: Event, source: str = RsvpSource.WEB, response: str | None = None) -> None:
    """Raise EventError when the event takes no answers now."""
    if event.status == EventStatus.CANCELLED:
        raise EventError(_("This event has been cancelled."), 409)
    if event.status != EventStatus.PUBLISHED:
        raise EventError(_("This event does not exist."), 404)
    now = utcnow()
    if event.starts_at <= now:
        raise EventError(_("This event has already started or taken place; answers are closed."), 409)
    # Saying "no" after the deadline is still welcome: it frees a place.
    if event.rsvp_deadline is not None and event.rsvp_deadline < now and response != RsvpResponse.NO:
        raise EventError(_("The deadline for answers has passed."), 409)
    if event.audience == Audience.INVITE_ONLY and source != RsvpSource.INVITATION:
        raise EventError(_("This event is by invitation only; please answer through your invitation."), 403)


def normalize_answer_email(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalize_email(raw)
    except AccountError as exc:
        raise EventError(_("This email address is not valid."), 422) from exc


def normalize_answer_phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise EventError(_("This is not a valid Vietnamese phone number (for example 0912 345 678)."), 422) from exc


def check_guests(event, guests: int) -> None:
    if guests and not event.allow_guests:
        raise EventError(_("This event does not take guests; please answer for yourself only."), 422)
    if guests > event.max_guests:
        raise EventError(_("You may bring at most %(n)s guests.", n=event.max_guests), 422)


def _clean_guests(event: Event, answer: Answer) -> int:
    try:
        guests = int(answer.guests or 0)
    except (TypeError, ValueError) as exc:
        raise EventError(_("The number of guests must be a whole number."), 422) from exc
    if guests < 0:
        raise EventError(_("The number of guests must be a whole number."), 422)
    check_guests(event, guests)
    return 0 if answer.response == RsvpResponse.NO else guests


def _guest_identity(answer: Answer) -> None:
    """Someone without an account: their name, and a phone or e-mail to confirm to."""
    answer.name = clean_line(answer.name)[:120]
    if not answer.name:
        raise EventError(_("Enter your name."), 422, field="name")
    answer.phone = normalize_answer_phone(answer.phone) if answer.phone else None
    answer.email = normalize_answer_email(answer.email)
    if not answer.phone and not answer.email:
        raise EventError(_("Enter a phone number or an email address so we can confirm."), 422, field="phone")


def _account_identity(answer: Answer, user: User) -> None:
    answer.name = user.full_name
    answer.phone = user.phone
    answer.email = user.email
    answer.group_id = user.residential_group_id


def validate_answer(event: Event, user: User | None, answer: Answer) -> Answer:
    """The answer cleaned (a copy), or EventError."""
    if answer.response not in set(RsvpResponse):
        raise EventError(_("Answer yes, no or maybe."), 422)
    answer = Answer(**vars(answer))
    answer.guests = _clean_guests(event, answer)
    answers = answer.answers or {}
    answer.answers = {q: clean_line(str(answers.get(q, "")))[:300] for q in event.questions if answers.get(q)}
    if user is None:
        _guest_identity(answer)
    else:
        _account_identity(answer, user)
    if event.audience == Audience.GROUPS:
        if answer.group_id not in {g.id for g in event.groups}:
            raise EventError(_("This event is for residents of the listed residential groups."), 403)
    elif answer.group_id is not None and user is None and db.session.get(ResidentialGroup, answer.group_id) is None:
        answer.group_id = None
    return answer


def check_client_limits(event, existing: Rsvp | None, answer: Answer, client: str, created: bool) -> None:
    """Public forms: seats one client may hold at this event, and today's messages to one recipient."""
    cap = int(ratelimits.setting("CIVIC_RSVP_SEATS_PER_CLIENT"))
    if cap > 0 and answer.response == RsvpResponse.YES:
        stmt = sa.select(sa.func.coalesce(sa.func.sum(1 + Rsvp.guests), 0)).where(
            Rsvp.event_id == event.id,
            Rsvp.client_key == client,
            Rsvp.status.in_([RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED]),
        )
        if existing is not None:
            stmt = stmt.where(Rsvp.id != existing.id)
        held = int(db.session.scalar(stmt) or 0)
        if held + 1 + answer.guests > cap:
            raise EventError(
                _("Too many places have been taken for this event from your connection. "
                  "Please contact the organizer if you need more places."),
                429,
                retry_after=3600,
            )
    if created:
        address = answer.email or answer.phone
        if address and not ratelimits.recipient_allowed(address):
            raise EventError(ratelimits.recipient_limit_message(), 429,
                             retry_after=ratelimits.recipient_retry_after(address))


def verified_identity(user: User) -> list:
    """Clauses matching guest answers with the account's *verified* email or phone."""
    same = []
    if user.email and user.email_verified_at is not None:
        same.append(Rsvp.email == user.email.lower())
    if user.phone and getattr(user, "phone_verified_at", None) is not None:
        same.append(Rsvp.phone == user.phone)
    return same


def find_existing(event_id: int, user: User | None, answer: Answer) -> Rsvp | None:
    """The earlier answer of this person: by account (or its verified contact), else by phone/email."""
    if user is not None:
        found = db.session.scalar(sa.select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.user_id == user.id))
        if found is not None:
            return found
        # A guest answer given before registering becomes theirs, but only through an email or
        # phone the account has proved: a typed-in phone must not take over someone's answer.
        same = verified_identity(user)
        if not same:
            return None
        return db.session.scalars(
            sa.select(Rsvp)
            .where(Rsvp.event_id == event_id, Rsvp.user_id.is_(None), sa.or_(*same))
            .order_by(Rsvp.id)
        ).first()
    clauses = []
    if answer.phone:
        clauses.append(Rsvp.phone == answer.phone)
    if answer.email:
        clauses.append(Rsvp.email == answer.email)
    return db.session.scalars(
        sa.select(Rsvp).where(Rsvp.event_id == event_id, sa.or_(*clauses)).order_by(Rsvp.id)
    ).first()


def identity_free(event_id: int, column, value: str, exclude_id: int | None) -> bool:
    stmt = sa.select(Rsvp.id).where(Rsvp.event_id == event_id, column == value)
    if exclude_id is not None:
        stmt = stmt.where(Rsvp.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is None
