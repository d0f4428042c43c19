"""Writing the ledger: a campaign and one delivery per recipient and channel, in one transaction,
with the queue told after the commit. Also test sends, retries of failed rows, account mail and
the outbox purge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.signals import account_mail_requested
from civic.core.db import after_commit, transaction
from civic.core.phone import try_normalize_phone
from civic.core.text import clean_line, nfc
from civic.core.timeutil import as_utc, utcnow
from civic.extensions import db
from civic.notifications.models import (
    TEST_PREFIX,
    Campaign,
    CampaignAttachment,
    Channel,
    Delivery,
    DeliveryStatus,
    Reason,
    Topic,
)
from civic.notifications.policy import HASHED_PREFIX, address_hash
from civic.notifications.rendering import (
    Attachment,
    NotificationError,
    Recipient,
    TemplateError,
    campaign_title,
    check_templates,
    jsonable,
)
from civic.notifications.services.queries import first_delivery
from civic.notifications.worker import enqueue_delivery


def _normalise_channels(channels) -> tuple[str, ...]:
    if isinstance(channels, str):
        channels = (channels,)
    result = tuple(dict.fromkeys(c for c in channels or ()))
    if not result or any(c not in tuple(Channel) for c in result):
        raise NotificationError(_("Choose email and/or SMS as the channel."))
    return result


def _normalise_email(raw: str | None) -> str | None:
    text = nfc(raw or "").strip().lower()
    if not text or "@" not in text or any(ch.isspace() for ch in text) or "\n" in text:
        return None
    return text


@dataclass
class _Draft:
    """A campaign checked and ready to write: its row's values, attachments and recipients."""

    values: dict
    files: list[dict]
    recipients: list[Recipient]
    channels: tuple[str, ...]


def _by_dedupe_key(dedupe_key: str | None) -> Campaign | None:
    if not dedupe_key:
        return None
    return db.session.scalar(sa.select(Campaign).where(Campaign.dedupe_key == dedupe_key))


def _check_parts(subject, sms_text, channels) -> None:
    """A subject for e-mail and a text for SMS."""
    if Channel.SMS in channels and not (sms_text or "").strip():
        raise TemplateError(_("An SMS text is needed to send by SMS."))
    if not (subject or "").strip() and Channel.EMAIL in channels:
        raise TemplateError(_("The email needs a subject."))


def _check_recipients(subject, body_text, body_html, sms_text, channels, recipients) -> None:
    """Every template for every recipient, before anything is written (TemplateError)."""
    keys = set()
    for recipient in recipients:
        if recipient.key in keys:
            raise NotificationError(_("The same recipient appears twice: %(key)s.", key=recipient.key))
        keys.add(recipient.key)
        check_templates(subject, body_text, body_html, sms_text, channels, recipient)


def _draft(*, kind, topic, subject, body_text, body_html, sms_text, channels, recipients, send_at, urgent,
           attachments, created_by, dedupe_key, transactional, title) -> _Draft:
    values = dict(
        kind=kind[:60], topic=topic[:40], subject=" ".join(nfc(subject).split()), body_text=nfc(body_text),
        body_html=nfc(body_html) if body_html else None, sms_text=nfc(sms_text) if sms_text else None,
        channels=",".join(channels), send_at=send_at, urgent=bool(urgent), transactional=bool(transactional),
        created_by_id=getattr(created_by, "id", None), dedupe_key=dedupe_key, recipient_count=len(recipients),
        title=clean_line(title)[:300] if clean_line(title) else campaign_title(subject or sms_text or "", recipients),
    )
    files = [dict(filename=item.filename, mimetype=item.mimetype, content=bytes(item.content))
             for item in attachments or ()]
    return _Draft(values, files, recipients, channels)


def _delivery_rows(draft: _Draft, campaign_id: int) -> list[dict]:
    """One row per recipient and channel the person can receive; a channel without an address
    gets no row (it is not a problem to report)."""
    rows = []
    now = utcnow()
    send_at = draft.values["send_at"]
    for recipient in draft.recipients:
        context = jsonable(recipient.context)
        name = clean_line(recipient.name) or None
        for channel in draft.channels:
            address = (_normalise_email(recipient.email) if channel == Channel.EMAIL
                       else try_normalize_phone(recipient.phone))
            if not address:
                continue
            rows.append({
                "campaign_id": campaign_id, "recipient_key": str(recipient.key)[:120], "channel": str(channel),
                "name": name, "address": address, "context": context, "status": DeliveryStatus.PENDING.value,
                "reason": None, "attempts": 0, "next_attempt_at": send_at, "created_at": now, "updated_at": now,
            })
    return rows


def _write(draft: _Draft, id_only: bool) -> Campaign | int:
    """Insert the campaign, its attachments and deliveries (in the caller's transaction)."""
    if id_only:
        campaign = campaign_id = db.session.scalar(
            sa.insert(Campaign).values(**draft.values).returning(Campaign.id))
        if draft.files:
            db.session.execute(sa.insert(CampaignAttachment), [dict(f, campaign_id=campaign_id) for f in draft.files])
    else:
        campaign = Campaign(**draft.values)
        for item in draft.files:
            campaign.attachments.append(CampaignAttachment(**item))
        db.session.add(campaign)
        db.session.flush()
        campaign_id = campaign.id
    rows = _delivery_rows(draft, campaign_id)
    if rows:
        db.session.execute(sa.insert(Delivery), rows)
    return campaign


def create_campaign(
    *,
    kind: str,
    topic: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    sms_text: str | None = None,
    channels=(Channel.EMAIL,),
    recipients,
    send_at: datetime | None = None,
    urgent: bool = False,
    attachments=None,
    created_by=None,
    dedupe_key: str | None = None,
    transactional: bool = False,
    title: str | None = None,
    id_only: bool = False,
) -> Campaign | int:
    """Write a campaign and its deliveries in one transaction; the queue is told after the commit.

    Templates are checked for every recipient before anything is written (TemplateError).
    The same ``dedupe_key`` again returns the existing campaign and sends nothing new.
    ``title`` names the campaign on its pages; by default the subject filled with what every
    recipient shares (``campaign_title``).
    ``id_only``: write with plain INSERTs and return the campaign's id instead of the loaded
    Campaign (for the one-recipient mails a request sends after its commit: no ORM flush, and
    the dedupe key's unique constraint instead of a lookup first).
    Called inside a caller's ``transaction()`` it joins it: nothing is sent unless that commits.
    """
    channels = _normalise_channels(channels)
    _check_parts(subject, sms_text, channels)
    if dedupe_key and not id_only and (existing := _by_dedupe_key(dedupe_key)) is not None:
        return existing
    if send_at is not None and send_at.tzinfo is None:
        raise NotificationError("send_at must be an aware datetime")
    recipients = list(recipients)
    _check_recipients(subject, body_text, body_html, sms_text, channels, recipients)
    draft = _draft(kind=kind, topic=topic, subject=subject, body_text=body_text, body_html=body_html,
                   sms_text=sms_text, channels=channels, recipients=recipients,
                   send_at=as_utc(send_at) if send_at else utcnow(), urgent=urgent, attachments=attachments,
                   created_by=created_by, dedupe_key=dedupe_key, transactional=transactional, title=title)
    try:
        # The savepoint lets a lost dedupe race leave a caller's own transaction usable.
        with transaction(), db.session.begin_nested():
            campaign = _write(draft, id_only)
    except sa.exc.IntegrityError:
        existing = _by_dedupe_key(dedupe_key)
        if existing is None:
            raise
        return existing.id if id_only else existing
    # Registered once the block has returned: now when it committed, else at the caller's commit.
    after_commit(enqueue_delivery)
    return campaign


def send_test_to(user, campaign: Campaign) -> Campaign:
    """Send the first recipient's rendering to ``user``'s own address (a separate campaign)."""
    first = first_delivery(campaign)
    if first is None:
        raise NotificationError(_("This campaign has no recipients to preview."))
    channels = [c for c in campaign.channel_list
                if (c == Channel.EMAIL and user.email) or (c == Channel.SMS and user.phone)]
    if not channels:
        raise NotificationError(_("Your account has no email address or phone number to send a test to."))
    return create_campaign(
        kind=TEST_PREFIX + campaign.kind, topic=campaign.topic, subject="[TEST] " + campaign.subject,
        body_text=campaign.body_text, body_html=campaign.body_html, sms_text=campaign.sms_text,
        channels=channels, urgent=True, created_by=user, transactional=True,
        recipients=[Recipient(key=f"user:{user.id}", name=first.name, email=user.email, phone=user.phone,
                              context=first.context or {})],
        attachments=[Attachment(a.filename, a.mimetype, a.content) for a in campaign.attachments],
    )


def retry_failed(campaign: Campaign) -> int:
    """Failed deliveries go back to pending with a fresh attempt count; returns how many."""
    with transaction():
        result = db.session.execute(
            sa.update(Delivery)
            .where(Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.FAILED)
            .values(status=DeliveryStatus.PENDING.value, reason=Reason.RETRY.value, attempts=0,
                    next_attempt_at=utcnow(), updated_at=utcnow(), lease_expires_at=None, worker_id=None)
        )
    if result.rowcount:
        after_commit(enqueue_delivery)
    return result.rowcount or 0


@account_mail_requested.connect
def _send_account_mail(app, user, kind, subject, body, context, dedupe, **extra) -> Campaign:
    """Verification and password e-mails: transactional, so they ignore unsubscribes."""
    return create_campaign(
        kind=kind,
        topic=Topic.ACCOUNT,
        subject=subject,
        body_text=body,
        channels=(Channel.EMAIL,),
        recipients=[account_recipient(user, context)],
        transactional=True,
        dedupe_key=dedupe,
    )


def account_recipient(user, context: dict) -> Recipient:
    """The one recipient of an account e-mail (``render_message`` shows what it reads)."""
    return Recipient(key=f"user:{user.id}", name=user.full_name, email=user.email, phone=None,
                     context={"name": user.full_name, **context})


def purge_outbox(before: datetime) -> int:
    """Purge the e-mail and SMS outbox: deliveries finished before ``before`` lose their
    address (a hash stays), name and per-recipient context (links, names, places); returns
    how many. Status, channel, times and errors stay, so the campaign pages still count.
    Pending and in-flight deliveries are never touched. Running it again changes nothing.
    Runs in the caller's transaction (retention runs every domain's in one)."""
    rows = db.session.scalars(
        sa.select(Delivery)
        .where(
            Delivery.status.in_((DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)),
            sa.func.coalesce(Delivery.sent_at, Delivery.updated_at) < before,
            sa.or_(
                sa.and_(Delivery.address.is_not(None), ~Delivery.address.like(HASHED_PREFIX + "%")),
                Delivery.name.is_not(None),
            ),
        )
        .order_by(Delivery.id)
    ).all()
    for delivery in rows:
        if delivery.address:
            delivery.address = address_hash(delivery.address)
        delivery.name = None
        delivery.context = {}
    db.session.flush()
    return len(rows)
