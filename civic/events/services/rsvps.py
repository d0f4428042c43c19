"""Answering an event: the seat decision under the event's lock, personal links, cancelling,
and claiming guest answers for an account.

A saved answer is announced (``rsvp_answered``; ``rsvp_promoted`` for each waiting answer that
got a place) inside the transaction: the messages go out once the commit has returned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.accounts.signals import email_verified, phone_verified
from civic.core.db import announce, begin_writes, transaction
from civic.core.timeutil import utcnow
from civic.events.links import BadSignature, manage_url, read_token
from civic.events.models import Event, Rsvp, RsvpHistory, RsvpResponse, RsvpSource, RsvpStatus
from civic.events.services.answers import (
    Answer,
    check_client_limits,
    check_guests,
    check_open,
    find_existing,
    identity_free,
    normalize_answer_email,
    normalize_answer_phone,
    validate_answer,
    verified_identity,
)
from civic.events.services.errors import AlreadyAnswered, EventError
from civic.events.services.messages import already_answered_message, resend_link
from civic.events.services.queries import confirmed_seats
from civic.events.services.seats import lock_seats, promote_waitlist
from civic.events.signals import rsvp_answered
from civic.extensions import db
from civic.privacy import services as privacy

log = logging.getLogger(__name__)


@dataclass
class RsvpResult:
    rsvp: Rsvp
    created: bool
    manage_url: str

    @property
    def status(self) -> str:
        return self.rsvp.status


@dataclass
class _Asker:
    """Who answers and how: the same through the checks, the seat decision and the retries."""

    user: User | None
    source: str
    rsvp: Rsvp | None  # the answer a personal link manages
    invitation_id: int | None
    client: str | None  # a public form's client key: its limits apply
    consent: object
    notify: bool


def answer_event(
    event: Event,
    answer: Answer,
    *,
    user: User | None = None,
    source: str = RsvpSource.WEB,
    rsvp: Rsvp | None = None,
    invitation_id: int | None = None,
    notify: bool = True,
    client: str | None = None,
    own_ids=(),
    consent=None,
) -> RsvpResult:
    """Record one person's answer; answering again (signed in, or through the link) updates it.

    ``rsvp`` is given when the person manages an existing answer through their link. Without
    it, a guest whose phone or email another answer already holds changes nothing: that
    answer's link is sent again to its contact on file and AlreadyAnswered (409) is raised.
    ``client`` (civic.core.ratelimits.client_key()) is given for public forms and applies
    their limits: seats per client at one event, messages per recipient per day.
    ``own_ids`` are answers this browser gave itself (kept in its signed session): matching one
    of them sends nothing again, and the caller may show that answer's page.
    ``notify=False``: the caller tells the person itself (no ``rsvp_answered``).

    The event's lock is held only for the seat decision: checks, validation and the lookup of
    an earlier answer run before it (``_prepare_answer``), the confirmation after the commit.
    """
    asker = _Asker(user, source, rsvp, invitation_id, client, consent, notify)
    try:
        answer, new_guest = _prepare_answer(event, answer, asker)
        return _decide_with_retries(event.id, answer, asker, new_guest)
    except AlreadyAnswered as exc:
        raise _answered_before(exc, asker, own_ids) from None


def _decide_with_retries(event_id: int, answer: Answer, asker: _Asker, new_guest: bool) -> RsvpResult:
    """A racing insert of the same person fails on the unique constraints: retry it as an
    update, every lookup run again under the lock."""
    for attempt in range(3):
        begin_writes()
        try:
            return _answer_once(event_id, answer, asker, new_guest=new_guest and attempt == 0)
        except IntegrityError as exc:
            log.warning("answer conflict: %s", exc)
            if attempt == 2:
                raise EventError(
                    _("Your answer could not be saved at the same time as another; please try again."), 409
                ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _answered_before(exc: AlreadyAnswered, asker: _Asker, own_ids) -> AlreadyAnswered:
    """Nothing changed: send the holder's link again (unless this browser gave that answer)."""
    begin_writes()
    own = exc.rsvp_id in set(own_ids or ())
    resent = False
    if asker.notify and not own:
        resent = resend_link(db.session.get(Rsvp, exc.rsvp_id), limited=asker.client is not None)
    return AlreadyAnswered(already_answered_message(resent), exc.rsvp_id, resent, own)


def _prepare_answer(event: Event, answer: Answer, asker: _Asker) -> tuple[Answer, bool]:
    """Everything before the lock: is the event open, is the answer valid, has this guest answered.

    Returns the cleaned answer and whether it is a new guest answer whose phone and email no
    other answer holds (then the locked section skips those lookups; if another request takes
    the same phone or email meanwhile, the unique constraints stop the insert and the retry
    looks again under the lock).
    """
    check_open(event, asker.source, answer.response)
    answer = validate_answer(event, asker.user, answer)
    if asker.consent is None and asker.rsvp is None and asker.source in (RsvpSource.WEB, RsvpSource.API):
        # A new answer from a form: no consent, nothing stored (the link's page changes an
        # answer already given with consent).
        raise EventError(privacy.consent_missing_message(), 422)
    if asker.rsvp is not None or asker.user is not None:
        return answer, False
    existing = find_existing(event.id, None, answer)
    if existing is not None:
        # Only the link's holder changes an answer given with this phone or email.
        raise AlreadyAnswered("", existing.id)
    if asker.client is not None:
        check_client_limits(event, None, answer, asker.client, True)
    return answer, True


def _earlier_answer(event, answer: Answer, asker: _Asker, new_guest: bool) -> Rsvp | None:
    """Under the lock: the answer this one changes, if any."""
    if new_guest:
        return None
    if asker.rsvp is not None:
        existing = db.session.get(Rsvp, asker.rsvp.id, populate_existing=True)
        if existing is None or existing.event_id != event.id:
            raise EventError(_("This link is not valid for this event."), 403)
        return existing
    existing = find_existing(event.id, asker.user, answer)
    if existing is not None and asker.user is None:
        raise AlreadyAnswered("", existing.id)
    return existing


def _copy_answer(event, rsvp: Rsvp, answer: Answer, asker: _Asker, created: bool, new_guest: bool) -> None:
    rsvp.name = answer.name
    # Keep the identity already on file; add what was missing unless another answer to this
    # event already holds it (one person, one answer: the unique constraints stay intact).
    # A new guest's phone and email were looked up before the lock.
    exclude = None if created else rsvp.id
    if not rsvp.phone and answer.phone and (new_guest or identity_free(event.id, Rsvp.phone, answer.phone, exclude)):
        rsvp.phone = answer.phone
    if not rsvp.email and answer.email and (new_guest or identity_free(event.id, Rsvp.email, answer.email, exclude)):
        rsvp.email = answer.email
    if answer.group_id is not None or created:
        rsvp.residential_group_id = answer.group_id
    rsvp.response = answer.response
    rsvp.guests = answer.guests
    rsvp.answers = answer.answers
    if asker.invitation_id is not None:
        rsvp.invitation_id = asker.invitation_id


def _seat(event, rsvp: Rsvp, old_status: str | None, created: bool, now) -> None:
    """Decide the answer's status: a yes takes a place if it fits, else waits in line."""
    if rsvp.response == RsvpResponse.NO:
        rsvp.status, rsvp.waitlisted_at = RsvpStatus.DECLINED, None
        return
    if rsvp.response == RsvpResponse.MAYBE:
        rsvp.status, rsvp.waitlisted_at = RsvpStatus.TENTATIVE, None
        return
    taken = confirmed_seats(event.id, exclude_id=None if created else rsvp.id)
    if event.capacity is None or taken + 1 + rsvp.guests <= event.capacity:
        rsvp.status, rsvp.waitlisted_at = RsvpStatus.CONFIRMED, None
    elif old_status == RsvpStatus.CONFIRMED:
        # Keep their seat rather than silently dropping them to the waiting list.
        left = max(event.capacity - taken - 1, 0)
        raise EventError(
            _("Only %(n)s more places are left; you keep your place with your earlier number of guests.", n=left),
            409,
        )
    else:
        if old_status != RsvpStatus.WAITLISTED:
            rsvp.waitlisted_at = now
        rsvp.status = RsvpStatus.WAITLISTED


def _record(event, rsvp: Rsvp, asker: _Asker, now) -> RsvpHistory:
    """Save the answer, its history row and the consent it was given with."""
    db.session.add(rsvp)
    db.session.flush()
    history = RsvpHistory(event_id=event.id, rsvp_id=rsvp.id, response=rsvp.response, status=rsvp.status,
                          guests=rsvp.guests, created_at=now)
    db.session.add(history)
    if asker.consent is not None:
        privacy.record_consent(asker.consent, "rsvp", rsvp.id, "rsvp",
                               "messages_email" if rsvp.email else "messages_sms")
    return history


def _answer_once(event_id: int, answer: Answer, asker: _Asker, new_guest: bool = False) -> RsvpResult:
    """The seat decision, under the event's lock; ``answer`` was validated by ``_prepare_answer``."""
    session = db.session()
    # What is written here is what the confirmation and the response read next: keep it
    # loaded instead of reloading the event and the answer one SELECT at a time.
    session.expire_on_commit = False
    try:
        with transaction():
            event = lock_seats(event_id)
            # The organizer may have closed the event or changed its rules since the unlocked read.
            check_open(event, asker.source, answer.response)
            check_guests(event, answer.guests)
            existing = _earlier_answer(event, answer, asker, new_guest)
            created = existing is None
            if asker.client is not None and not new_guest:
                check_client_limits(event, existing, answer, asker.client, created)
            rsvp = existing or Rsvp(event_id=event.id, user_id=asker.user.id if asker.user else None,
                                    source=asker.source, guests=0, client_key=asker.client)
            if asker.user is not None and rsvp.user_id is None:
                rsvp.user_id = asker.user.id
            old_status, old_seats = (None, 0) if created else (rsvp.status, rsvp.seats)
            _copy_answer(event, rsvp, answer, asker, created, new_guest)
            now = utcnow()
            _seat(event, rsvp, old_status, created, now)
            history = _record(event, rsvp, asker, now)
            db.session.flush()
            rsvp._history_id = history.id
            if asker.notify:
                announce(rsvp_answered, rsvp=rsvp, created=created, from_public_form=asker.client is not None)
            if old_status == RsvpStatus.CONFIRMED and (rsvp.status != RsvpStatus.CONFIRMED or rsvp.seats < old_seats):
                promote_waitlist(event)
    finally:
        session.expire_on_commit = True
    # The personal link needs only the id: built after the lock is released.
    return RsvpResult(rsvp, created, manage_url(rsvp))


def request_link(event: Event, phone: str | None = None, email: str | None = None, client: str | None = None) -> None:
    """"I lost my link": send it again when an answer to ``event`` has this phone or email.

    The caller answers the same whether or not one was found.
    """
    clauses = []
    if phone:
        clauses.append(Rsvp.phone == normalize_answer_phone(phone))
    if email:
        clauses.append(Rsvp.email == normalize_answer_email(email))
    if not clauses:
        raise EventError(_("Enter a phone number or an email address so we can confirm."), 422)
    found = db.session.scalars(
        sa.select(Rsvp).where(Rsvp.event_id == event.id, sa.or_(*clauses)).order_by(Rsvp.id)
    ).first()
    if found is not None:
        resend_link(found, limited=client is not None)


def cancel_rsvp(rsvp: Rsvp) -> RsvpResult:
    """The person no longer comes (from their link): a "no", which frees their seats."""
    event = rsvp.event
    if event.is_cancelled:
        raise EventError(_("This event has been cancelled."), 409)
    answer = Answer(
        response=RsvpResponse.NO, name=rsvp.name, phone=rsvp.phone, email=rsvp.email,
        group_id=rsvp.residential_group_id,
    )  # fmt: skip
    return answer_event(event, answer, rsvp=rsvp, user=rsvp.user)


def rsvp_from_token(event_id: int, token: str) -> Rsvp:
    """The answer a personal link manages; the link must be for this event."""
    try:
        data = read_token(token)
    except BadSignature as exc:
        raise EventError(_("This link is not valid. Please use the link from your confirmation."), 403) from exc
    if not isinstance(data, dict) or data.get("e") != event_id or not isinstance(data.get("r"), int):
        raise EventError(_("This link is not valid for this event."), 403)
    rsvp = db.session.get(Rsvp, data["r"])
    if rsvp is None or rsvp.event_id != event_id:
        raise EventError(_("This answer no longer exists."), 404)
    if rsvp.erased_at is not None:
        # Its person's data is gone: the link no longer opens or changes it.
        raise EventError(_("The personal data of this answer has been erased. It is still counted, but can no longer be opened or changed."), 404)
    return rsvp


def claim_guest_rsvps(user: User) -> int:
    """Attach answers given without an account to ``user``: only by a verified email or phone."""
    clauses = verified_identity(user)
    if not clauses:
        return 0
    with transaction():
        candidates = list(db.session.scalars(sa.select(Rsvp).where(Rsvp.user_id.is_(None), sa.or_(*clauses))))
        if not candidates:
            return 0
        own_events = set(db.session.scalars(sa.select(Rsvp.event_id).where(Rsvp.user_id == user.id)))
        claimed = 0
        for rsvp in candidates:
            if rsvp.event_id in own_events:
                continue  # they already answered with their account; keep that answer
            rsvp.user_id = user.id
            own_events.add(rsvp.event_id)
            claimed += 1
    return claimed


def on_identity_verified(sender, user=None, **extra):
    """accounts.email_verified / phone_verified: the same claim, by whatever is now verified."""
    if user is None:
        return
    try:
        claim_guest_rsvps(user)
    except Exception:  # noqa: BLE001 - claiming must never break verification (the claim rolled back)
        log.exception("claiming guest answers for user %s failed", getattr(user, "id", None))


def connect_signals() -> None:
    """Called once the app is set up: an account that proves an e-mail or phone takes over
    the guest answers given with it."""
    email_verified.connect(on_identity_verified)
    phone_verified.connect(on_identity_verified)
