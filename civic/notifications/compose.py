"""Announcements written on the compose page: to every resident or one tổ dân phố."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.models import ResidentialGroup, User
from civic.extensions import db
from civic.notifications.models import TEST_PREFIX, Campaign, Channel, Kind, Topic
from civic.notifications.rendering import NotificationError, Recipient, check_templates
from civic.notifications.services.ledger import create_campaign

TOPIC = Topic.ANNOUNCEMENTS
PLACEHOLDERS = ("name", "group")
MAX_SUBJECT = 200
MAX_BODY = 10_000
MAX_SMS = 400


@dataclass
class Draft:
    audience: str  # "all" or "group:<id>"
    channels: tuple[str, ...]
    subject: str
    body_text: str
    sms_text: str | None
    send_at: datetime | None
    urgent: bool


def check(draft: Draft) -> None:
    """What the compose form asks of a draft, for the page and the API alike (NotificationError).
    The templates and the audience are checked by ``preview``/``send`` themselves."""
    if not (draft.subject or "").strip() or not (draft.body_text or "").strip():
        raise NotificationError(_("Enter a subject and a message."))
    if len(draft.subject) > MAX_SUBJECT or len(draft.body_text) > MAX_BODY:
        raise NotificationError(_("The message is too long."))
    if draft.sms_text and len(draft.sms_text) > MAX_SMS:
        raise NotificationError(_("The SMS text may be at most %(n)s characters.", n=MAX_SMS))
    if not draft.channels or any(c not in set(Channel) for c in draft.channels):
        raise NotificationError(_("Choose email and/or SMS."))


def audience_choices() -> list[tuple[str, str]]:
    groups = sorted(db.session.scalars(sa.select(ResidentialGroup)), key=lambda g: g.sort_key)
    return [("all", _("Every resident with an account"))] + [(f"group:{g.id}", g.name) for g in groups]


def recipients(audience: str) -> list[Recipient]:
    query = sa.select(User).where(User.active.is_(True), User.email_verified_at.is_not(None)).order_by(User.id)
    if audience.startswith("group:"):
        try:
            group_id = int(audience.partition(":")[2])
        except ValueError as exc:
            raise NotificationError(_("Choose who receives the message.")) from exc
        if not 0 < group_id < 2**31 or db.session.get(ResidentialGroup, group_id) is None:
            raise NotificationError(_("Choose who receives the message."))
        query = query.where(User.residential_group_id == group_id)
    elif audience != "all":
        raise NotificationError(_("Choose who receives the message."))
    return [_recipient(user) for user in db.session.scalars(query)]


def _recipient(user: User) -> Recipient:
    group = user.residential_group.name if user.residential_group else ""
    return Recipient(key=f"user:{user.id}", name=user.full_name, email=user.email, phone=user.phone,
                     context={"group": group})


def preview(draft: Draft) -> dict:
    check(draft)
    people = recipients(draft.audience)
    sample = people[0] if people else Recipient(key="sample", name=_("Nguyen Van A"), context={"group": ""})
    parts = check_templates(draft.subject, draft.body_text, None, draft.sms_text, draft.channels, sample)
    return {**parts, "count": len(people), "to": sample.name}


def send(draft: Draft, user) -> Campaign:
    check(draft)
    people = recipients(draft.audience)
    if not people:
        raise NotificationError(_("Nobody would receive this message: the group has no residents with an account."))
    return create_campaign(
        kind=Kind.ANNOUNCEMENT, topic=TOPIC, subject=draft.subject, body_text=draft.body_text,
        sms_text=draft.sms_text, channels=draft.channels, recipients=people, send_at=draft.send_at,
        urgent=draft.urgent, created_by=user,
    )


def send_test(draft: Draft, user) -> Campaign:
    check(draft)
    channels = tuple(c for c in draft.channels if (c == Channel.EMAIL and user.email) or (c == Channel.SMS and user.phone))
    if not channels:
        raise NotificationError(_("Your account has no email address or phone number to send a test to."))
    return create_campaign(
        kind=TEST_PREFIX + Kind.ANNOUNCEMENT, topic=TOPIC, subject="[TEST] " + draft.subject, body_text=draft.body_text,
        sms_text=draft.sms_text, channels=channels, recipients=[_recipient(user)], urgent=True,
        created_by=user, transactional=True,
    )
