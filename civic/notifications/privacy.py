"""The ledger (deliveries, suppressions) for civic.privacy, and the messages privacy asks for.

After erasure a delivery keeps only the keyed hash of its address (civic.privacy.services.
address_hash): enough to deduplicate and to honour a suppression, nothing to read."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from civic.core.phone import format_phone_local
from civic.core.timeutil import format_datetime
from civic.extensions import db
from civic.notifications.labels import status_label
from civic.notifications.mailer import list_outbox, outbox_dir
from civic.notifications.models import Channel, Delivery, DeliveryStatus, Reason, Suppression, Topic
from civic.notifications.policy import ALL_TOPICS, address_hash
from civic.notifications.rendering import Recipient
from civic.notifications.services.ledger import create_campaign
from civic.notifications.sms import sms_outbox_dir
from civic.privacy import signals
from civic.privacy.registry import Erased, Identity, Provider, Section, register
from civic.privacy.services import address_hash as privacy_address_hash


def _deliveries(identity: Identity) -> list[Delivery]:
    addresses = identity.addresses
    clauses = [Delivery.address.in_(addresses)] if addresses else []
    if identity.user_id:
        clauses.append(Delivery.recipient_key == f"user:{identity.user_id}")
    if not clauses:
        return []
    return list(db.session.scalars(
        sa.select(Delivery).where(sa.or_(*clauses)).options(joinedload(Delivery.campaign)).order_by(Delivery.id)
    ))


def _find(identity: Identity) -> Section:
    rows = _deliveries(identity)
    return Section(
        key="deliveries", title=_("Messages sent to you"),
        headers=[_("Message"), _("Channel"), _("Sent to"), _("Status"), _("Sent at")],
        rows=[[d.campaign.title or d.campaign.subject, "Email" if d.channel == Channel.EMAIL else "SMS", _shown_address(d),
               status_label(d.status), format_datetime(d.sent_at) if d.sent_at else ""] for d in rows],
    )


def _shown_address(d: Delivery) -> str:
    if d.address and d.channel == Channel.SMS and not d.address.startswith("#"):
        return format_phone_local(d.address)
    return d.address or ""


def _withdraw(identity: Identity) -> int:
    """As "unsubscribe from everything" on each address."""
    added = 0
    for address in identity.addresses:
        channel = Channel.EMAIL if "@" in address else Channel.SMS
        exists = db.session.scalar(sa.select(Suppression.id).where(
            Suppression.address == address, Suppression.channel == channel, Suppression.topic == ALL_TOPICS))
        if not exists:
            db.session.add(Suppression(address=address, channel=channel, topic=ALL_TOPICS, source="privacy"))
            added += 1
    return added


def _erase(identity: Identity) -> Erased:
    rows = _deliveries(identity)
    for d in rows:
        if d.address:
            d.address = address_hash(d.address)
        d.name = None
        d.context = {}
        if d.status == DeliveryStatus.PENDING:
            d.status, d.reason = DeliveryStatus.SKIPPED, Reason.ERASED
    for address in identity.addresses:
        db.session.execute(sa.update(Suppression).where(Suppression.address == address)
                           .values(address=address_hash(address)))
    removed = _erase_outbox(identity)
    kept = [_("Messages already sent stay in the ledger with only a code made from your address, "
              "so that nothing is sent twice and an unsubscribe is still honoured.")] if rows else []
    return Erased(erased=len(rows) + removed, kept=kept)


def _erase_outbox(identity: Identity) -> int:
    """The demo's file outboxes (mail and SMS) hold the addresses in clear: remove theirs."""
    app = current_app._get_current_object()
    wanted = {a.lower() for a in identity.addresses}
    if not wanted:
        return 0
    removed = 0
    mail_dir = Path(app.config.get("MAIL_FILE_PATH") or outbox_dir(app))
    for item in list_outbox(app, limit=100_000):
        to = {part.strip().strip("<>").lower() for part in item.to.replace("<", ",").split(",") if part.strip()}
        if to & wanted:
            path = (mail_dir if item.kind == "email" else sms_outbox_dir(app)) / item.filename
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def message_recipient(address: str, context: dict) -> Recipient:
    """Who a message privacy asks for goes to (an e-mail address or a phone number); with
    ``services.render_message`` privacy can render its texts as they are sent."""
    email = address if "@" in address else None
    return Recipient(key=f"privacy:{privacy_address_hash(address)[:24]}", name="", email=email,
                     phone=None if email else address, context=context)


def message_channel(address: str) -> Channel:
    return Channel.EMAIL if "@" in address else Channel.SMS


def _send(app, kind, address, subject, body, sms_text, context, dedupe, **extra):
    return create_campaign(
        kind=kind, topic=Topic.ACCOUNT, subject=subject, body_text=body, sms_text=sms_text,
        channels=(message_channel(address),), recipients=[message_recipient(address, context)],
        transactional=True, urgent=True, dedupe_key=dedupe,
    )


def register_privacy() -> None:
    register("notifications", Provider(order=90, find=_find, withdraw=_withdraw, erase=_erase))
    signals.message_requested.connect(_send, weak=False)
