"""Invitation lists: who is invited to an event and why, their personal links and their answers."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from civic.core.db import announce, transaction
from civic.core.permissions import is_admin
from civic.core.phone import InvalidPhone, normalize_phone
from civic.core.text import clean_line, fold, nfc
from civic.core.timeutil import utcnow
from civic.events.models import Event, EventStatus
from civic.events.services import get_event
from civic.extensions import db
from civic.invitations.errors import ConsentMissing, InvitationError
from civic.invitations.models import (
    AnswerChannel,
    Contact,
    Invitation,
    InvitationRole,
    InvitationStatus,
    Post,
)
from civic.invitations.services.directory import (
    current_holders,
    current_holding,
    get_contact_group,
    get_post,
    row_id,
)
from civic.invitations.signals import invitation_answered
from civic.privacy import services as privacy

DEFAULT_ROLE = InvitationRole.DELEGATE
ROLES = tuple(InvitationRole)
# What an invitee may answer (PENDING is no answer).
RESPONSES = (InvitationStatus.ATTEND, InvitationStatus.DECLINE, InvitationStatus.SUBSTITUTE)


def respond_url(inv: Invitation) -> str:
    """The personal answer link (built from CIVIC_BASE_URL: also works in the CLI and the worker)."""
    return current_app.config["CIVIC_BASE_URL"] + "/giay-moi/" + inv.token


def checkin_url(inv: Invitation) -> str:
    """What the letter's QR code encodes."""
    return current_app.config["CIVIC_BASE_URL"] + "/diem-danh/" + inv.checkin_code


def new_token() -> str:
    return secrets.token_urlsafe(32)


def managed_events(user) -> list:
    """Events this organizer may manage (all for admins), newest first, with invitee counts."""
    stmt = sa.select(Event).order_by(Event.starts_at.desc()).limit(200)
    if not is_admin(user):
        stmt = stmt.where(Event.organizer_id == user.id)
    events = list(db.session.scalars(stmt))
    counts = dict(db.session.execute(
        sa.select(Invitation.event_id, sa.func.count(Invitation.id))
        .where(Invitation.event_id.in_([e.id for e in events])).group_by(Invitation.event_id)).all()) if events else {}
    return [(e, counts.get(e.id, 0)) for e in events]


def list_invitations(event) -> list[Invitation]:
    rows = db.session.scalars(
        sa.select(Invitation).where(Invitation.event_id == event.id).options(selectinload(Invitation.recorded_by))
    ).all()
    return sorted(rows, key=lambda i: i.name_key)


def _snapshot(inv: Invitation, contact: Contact) -> None:
    inv.family_name, inv.middle_name, inv.given_name = contact.family_name, contact.middle_name, contact.given_name
    inv.name_folded = contact.name_folded or fold(contact.full_name)
    inv.position, inv.unit = contact.position, contact.unit
    inv.residential_group_name = contact.residential_group.name if contact.residential_group else ""
    inv.phone, inv.email = contact.phone, contact.email


def add_invitees(event, *, group_ids=(), post_ids=(), contact_ids=(), role: str = DEFAULT_ROLE) -> int:
    """Add contacts to the event's list; each remembers why (first source wins). Returns the number added."""
    if role not in ROLES:
        raise InvitationError(_("Choose a role at the meeting."))
    wanted: dict[int, tuple[Contact, str, int | None, int | None]] = {}
    for gid in group_ids:
        group = get_contact_group(gid)
        if group is None:
            raise InvitationError(_("This group does not exist."))
        label = _("Group: %(name)s", name=group.name)
        if group.is_post_based:
            for contact, post in current_holders(group.post_title_folded):
                wanted.setdefault(contact.id, (contact, f"{label} ({post.label})", post.id, group.id))
        else:
            for contact in group.contacts:
                wanted.setdefault(contact.id, (contact, label, None, group.id))
    for pid in post_ids:
        post = get_post(pid)
        if post is None:
            raise InvitationError(_("This post does not exist."))
        holding = current_holding(post)
        if holding is not None:
            wanted.setdefault(holding.contact_id,
                              (holding.contact, _("Post: %(name)s", name=post.label), post.id, None))
    if contact_ids:
        found = db.session.scalars(sa.select(Contact).where(Contact.id.in_([int(c) for c in contact_ids]))).all()
        if len(found) != len(set(int(c) for c in contact_ids)):
            raise InvitationError(_("This contact does not exist."))
        for contact in found:
            wanted.setdefault(contact.id, (contact, _("Individual"), None, None))
    if not wanted:
        raise InvitationError(_("Nobody to add: choose a group, a post or a person."))
    present = set(db.session.scalars(sa.select(Invitation.contact_id).where(
        Invitation.event_id == event.id, Invitation.contact_id.is_not(None))))
    added = 0
    with transaction():
        for contact_id, (contact, why, post_id, group_id) in wanted.items():
            if contact_id in present:
                continue
            inv = Invitation(event_id=event.id, contact_id=contact_id, token=new_token(), checkin_code=new_token(),
                             role=role, source=why[:200], post_id=post_id, group_id=group_id)
            _snapshot(inv, contact)
            db.session.add(inv)
            added += 1
    return added


def follow_hand_overs(event) -> list[tuple[str, str]]:
    """Invitations sent to a post's holder who has since handed it over move to the new holder
    while they are unanswered and nobody has checked in; returns (old name, new name) pairs."""
    moved = []
    invs = db.session.scalars(sa.select(Invitation).where(
        Invitation.event_id == event.id, Invitation.post_id.is_not(None), Invitation.status == InvitationStatus.PENDING,
        Invitation.checked_in_at.is_(None))).all()
    present = set(db.session.scalars(sa.select(Invitation.contact_id).where(Invitation.event_id == event.id)))
    with transaction():
        for inv in invs:
            holding = current_holding(db.session.get(Post, inv.post_id))
            if holding is None or holding.contact_id == inv.contact_id or holding.contact_id in present:
                continue
            old_name = inv.full_name
            present.discard(inv.contact_id)
            inv.contact_id = holding.contact_id
            _snapshot(inv, holding.contact)
            # The old holder's personal links stop working; the new holder gets fresh ones.
            inv.token, inv.checkin_code, inv.sent_at, inv.reminded_at = new_token(), new_token(), None, None
            present.add(holding.contact_id)
            moved.append((old_name, inv.full_name))
    return moved


def get_invitation(event, invitation_id) -> Invitation | None:
    key = row_id(invitation_id)
    inv = db.session.get(Invitation, key) if key is not None else None
    return inv if inv is not None and inv.event_id == event.id else None


def set_role(inv: Invitation, role: str) -> None:
    if role not in ROLES:
        raise InvitationError(_("Choose a role at the meeting."))
    with transaction():
        inv.role = role


def remove_invitation(inv: Invitation) -> None:
    with transaction():
        db.session.delete(inv)


def invitation_by_token(token: str | None) -> Invitation | None:
    if not token or len(token) < 32 or len(token) > 64:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.token == token))


def answers_closed(event) -> str | None:
    """Why the invitee can no longer answer through the link, or None."""
    if event.status == EventStatus.CANCELLED:
        return _("This meeting has been cancelled.")
    if event.ends_at <= utcnow():
        return _("This meeting is over; answers are closed.")
    return None


def _answerable(inv: Invitation) -> None:
    event = get_event(inv.event_id)
    if event.status == EventStatus.CANCELLED:
        raise InvitationError(_("This meeting has been cancelled."))
    if event.ends_at <= utcnow():
        raise InvitationError(_("This meeting is over; answers are closed."))


def _substitute_phone(response: str, raw: str | None) -> str | None:
    if response != InvitationStatus.SUBSTITUTE or not clean_line(raw):
        return None
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise InvitationError(_("This is not a valid Vietnamese phone number (for example 0912 345 678).")) from exc


# How an organizer may have received an answer they record (the list's form).
RECORDED_CHANNELS = (AnswerChannel.PHONE, AnswerChannel.PAPER)


def record_answer(inv: Invitation, response: str, *, via: str, recorded_by, consent_value=None, reason: str = "",
                  substitute_name: str = "", substitute_position: str = "") -> Invitation:
    """An answer received by phone or on paper, recorded by the organizer ``recorded_by``; the
    substitute's consent (``consent_value``: the ticked box) is given on that channel."""
    if via not in RECORDED_CHANNELS:
        raise InvitationError(_("Choose how the answer was received."))
    return answer(inv, response, reason=reason, substitute_name=substitute_name,
                  substitute_position=substitute_position, via=via, recorded_by=recorded_by,
                  consent=privacy.consent_from(consent_value, via, recorded_by))


def answer(inv: Invitation, response: str, *, reason: str = "", substitute_name: str = "",
           substitute_position: str = "", responder_name: str = "", via: str = AnswerChannel.LINK, recorded_by=None,
           substitute_phone: str | None = None, consent=None) -> Invitation:
    """Record attend / decline / substitute on this invitation (whoever holds its link).

    Naming a substitute needs ``consent`` (civic.privacy.services.ConsentGiven: on the link's
    page, or "phone"/"paper" with the organizer who recorded it); it is kept with the answer."""
    if response not in RESPONSES:
        raise InvitationError(_("Choose whether you will attend, decline or send a substitute."))
    substitute = response == InvitationStatus.SUBSTITUTE
    substitute_name = clean_line(substitute_name)[:160]
    if substitute and not substitute_name:
        raise InvitationError(_("Enter the name of the person who will attend in your place."))
    phone_e164 = _substitute_phone(response, substitute_phone)
    if substitute and consent is None:
        raise ConsentMissing(privacy.consent_missing_message())
    if via == AnswerChannel.LINK:
        _answerable(inv)
    with transaction():
        inv.status = InvitationStatus(response)
        inv.reason = nfc(reason or "").strip()[:1000] if response in (InvitationStatus.DECLINE, InvitationStatus.SUBSTITUTE) else ""
        inv.substitute_name = substitute_name if substitute else ""
        inv.substitute_position = clean_line(substitute_position)[:200] if substitute else ""
        inv.substitute_phone = phone_e164
        inv.responder_name = clean_line(responder_name)[:160]
        inv.answered_at = utcnow()
        inv.answered_via = AnswerChannel(via)
        inv.recorded_by_id = recorded_by.id if recorded_by is not None else None
        if substitute:
            privacy.record_consent(consent, "invitation", inv.id, "invitation_substitute")
        announce(invitation_answered, invitation=inv, response=inv.status, via=inv.answered_via)
    return inv
