"""The notification engine: every outgoing email and SMS goes through ``create_campaign``.

The ledger (a campaign and one delivery per recipient and channel) is the truth; the queue
only carries the "there is work" signal, so a lost queue message delays a send but never drops it.
Sending itself lives in ``civic.notifications.worker``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import contains_eager, selectinload

from civic.accounts.signals import account_mail_requested
from civic.core.phone import try_normalize_phone
from civic.core.text import clean_line, nfc
from civic.core.timeutil import as_utc, local_tz, utcnow
from civic.extensions import db
from civic.notifications.models import (
    CHANNELS,
    FAILED,
    PENDING,
    REASON_NO_ADDRESS,
    REASON_RETRY,
    SENDING,
    SENT,
    SKIPPED,
    STATUSES,
    Campaign,
    CampaignAttachment,
    Delivery,
    Suppression,
)

# Placeholders every template may use besides the recipient's own context.
BUILTIN_PLACEHOLDERS = ("name", "email", "phone", "unsubscribe_url")
UNSUBSCRIBE_PATH = "/huy-dang-ky/"
SMS_STOP_PATH = "/tc/"
ALL_TOPICS = "*"


class NotificationError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message."""


class TemplateError(NotificationError):
    """A template cannot be rendered for a recipient (unknown placeholder, bad braces)."""


@dataclass
class Recipient:
    key: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    context: dict = field(default_factory=dict)


@dataclass
class Attachment:
    filename: str
    mimetype: str
    content: bytes


# --------------------------------------------------------------------------- settings


def setting(name: str, default, cast=float):
    """App config first, then the environment (the worker runs with env only), then default."""
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return cast(value)


# --------------------------------------------------------------------------- templates

_formatter = string.Formatter()


def placeholders(template: str | None) -> list[str]:
    """The root names a ``str.format`` template uses; TemplateError on broken braces."""
    if not template:
        return []
    try:
        names = []
        for _literal, field_name, _spec, _conv in _formatter.parse(template):
            if field_name is None:
                continue
            root = field_name.split(".", 1)[0].split("[", 1)[0]
            if root == "" or root.isdigit():
                raise TemplateError(_("Placeholders must have a name, for example {name}."))
            names.append(root)
        return names
    except ValueError as exc:
        if isinstance(exc, TemplateError):
            raise
        raise TemplateError(
            _("The template has an unmatched brace { or }. Write {{ or }} for a literal brace.")
        ) from exc


def render(template: str | None, values: dict) -> str:
    """Fill ``template``; TemplateError names the first unknown placeholder."""
    if not template:
        return ""
    for name in placeholders(template):
        if name not in values:
            raise TemplateError(
                _("The template uses an unknown placeholder {%(name)s}. Available: %(available)s.",
                  name=name, available=", ".join("{" + k + "}" for k in sorted(values)))
            )
    try:
        return template.format(**values)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
        raise TemplateError(_("The template could not be filled in: %(error)s", error=str(exc))) from exc


def template_values(name: str | None, email: str | None, phone: str | None, context: dict,
                    unsubscribe_url: str = "") -> dict:
    values = {"name": name or "", "email": email or "", "phone": phone or "", "unsubscribe_url": unsubscribe_url}
    values.update(context or {})
    return values


def _jsonable(context: dict) -> dict:
    """Context is stored as JSON: dates and other objects become their text."""
    return json.loads(json.dumps(context or {}, default=str, ensure_ascii=False))


def check_templates(subject, body_text, body_html, sms_text, channels, recipient: Recipient) -> dict:
    """Render every template for one recipient; returns the rendered parts (a preview)."""
    values = template_values(recipient.name, recipient.email, recipient.phone, _jsonable(recipient.context),
                             unsubscribe_url="https://example.invalid/u")
    out = {"subject": " ".join(render(subject, values).split()), "body_text": render(body_text, values)}
    out["body_html"] = render(body_html, values) if body_html else None
    out["sms_text"] = render(sms_text, values) if "sms" in channels else None
    return out


class _Shared(dict):
    """Template values for a title: a placeholder that differs between recipients reads "…"."""

    def __missing__(self, key):
        return "…"


def shared_values(recipients) -> dict:
    """The template values (context, name, email, phone) equal for every recipient."""
    shared: dict | None = None
    for recipient in recipients:
        values = template_values(recipient.name, recipient.email, recipient.phone, _jsonable(recipient.context))
        values.pop("unsubscribe_url", None)
        if shared is None:
            shared = values
        else:
            shared = {k: v for k, v in shared.items() if k in values and values[k] == v}
        if not shared:
            break
    return shared or {}


def campaign_title(subject: str, recipients) -> str:
    """The subject filled with the shared values, on one line: a human name for the campaign."""
    try:
        text = (subject or "").format_map(_Shared(shared_values(recipients)))
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        text = subject or ""
    return " ".join(nfc(text).split())[:300]


def campaign_titles(campaigns) -> dict[int, str]:
    """id -> title; campaigns written before titles existed are named from their first delivery."""
    titles = {c.id: c.title for c in campaigns if c.title}
    missing = [c for c in campaigns if not c.title]
    if missing:
        first_ids = sa.select(sa.func.min(Delivery.id)).where(
            Delivery.campaign_id.in_([c.id for c in missing])).group_by(Delivery.campaign_id)
        firsts = {d.campaign_id: d for d in db.session.scalars(sa.select(Delivery).where(Delivery.id.in_(first_ids)))}
        for c in missing:
            d = firsts.get(c.id)
            people = [Recipient(key="", name=d.name, context=d.context or {})] if d else []
            titles[c.id] = campaign_title(c.subject or "", people) or c.subject or ""
    return titles


# --------------------------------------------------------------------------- creating campaigns


def _normalise_channels(channels) -> tuple[str, ...]:
    if isinstance(channels, str):
        channels = (channels,)
    result = tuple(dict.fromkeys(c for c in channels or ()))
    if not result or any(c not in CHANNELS for c in result):
        raise NotificationError(_("Choose email and/or SMS as the channel."))
    return result


def _normalise_email(raw: str | None) -> str | None:
    text = nfc(raw or "").strip().lower()
    if not text or "@" not in text or any(ch.isspace() for ch in text) or "\n" in text:
        return None
    return text


def create_campaign(
    *,
    kind: str,
    topic: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    sms_text: str | None = None,
    channels=("email",),
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
    """Write a campaign and its deliveries in one transaction, then enqueue the work.

    Templates are checked for every recipient before anything is written (TemplateError).
    The same ``dedupe_key`` again returns the existing campaign and sends nothing new.
    ``title`` names the campaign on its pages; by default the subject filled with what every
    recipient shares (``campaign_title``).
    ``id_only``: write with plain INSERTs and return the campaign's id instead of the loaded
    Campaign (for the one-recipient mails a request sends after its commit: no ORM flush, and
    the dedupe key's unique constraint instead of a lookup first).
    """
    channels = _normalise_channels(channels)
    if "sms" in channels and not (sms_text or "").strip():
        raise TemplateError(_("An SMS text is needed to send by SMS."))
    if not (subject or "").strip() and "email" in channels:
        raise TemplateError(_("The email needs a subject."))
    if dedupe_key and not id_only:
        existing = db.session.scalar(sa.select(Campaign).where(Campaign.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    if send_at is not None and send_at.tzinfo is None:
        raise NotificationError("send_at must be an aware datetime")
    send_at = as_utc(send_at) if send_at else utcnow()
    recipients = list(recipients)
    keys = set()
    for recipient in recipients:
        if recipient.key in keys:
            raise NotificationError(_("The same recipient appears twice: %(key)s.", key=recipient.key))
        keys.add(recipient.key)
        check_templates(subject, body_text, body_html, sms_text, channels, recipient)

    values = dict(
        kind=kind[:60], topic=topic[:40], subject=" ".join(nfc(subject).split()), body_text=nfc(body_text),
        body_html=nfc(body_html) if body_html else None, sms_text=nfc(sms_text) if sms_text else None,
        channels=",".join(channels), send_at=send_at, urgent=bool(urgent), transactional=bool(transactional),
        created_by_id=getattr(created_by, "id", None), dedupe_key=dedupe_key, recipient_count=len(recipients),
        title=clean_line(title)[:300] if clean_line(title) else campaign_title(subject or sms_text or "", recipients),
    )
    files = [dict(filename=item.filename, mimetype=item.mimetype, content=bytes(item.content))
             for item in attachments or ()]
    try:
        if id_only:
            campaign = campaign_id = db.session.scalar(sa.insert(Campaign).values(**values).returning(Campaign.id))
            if files:
                db.session.execute(sa.insert(CampaignAttachment), [dict(f, campaign_id=campaign_id) for f in files])
        else:
            campaign = Campaign(**values)
            for item in files:
                campaign.attachments.append(CampaignAttachment(**item))
            db.session.add(campaign)
            db.session.flush()
            campaign_id = campaign.id
        rows = []
        now = utcnow()
        for recipient in recipients:
            context = _jsonable(recipient.context)
            name = clean_line(recipient.name) or None
            for channel in channels:
                address = _normalise_email(recipient.email) if channel == "email" else try_normalize_phone(recipient.phone)
                if not address:
                    # A channel the person cannot receive gets no row: it is not a problem to report.
                    continue
                rows.append({
                    "campaign_id": campaign_id, "recipient_key": str(recipient.key)[:120], "channel": channel,
                    "name": name, "address": address, "context": context, "status": PENDING, "reason": None,
                    "attempts": 0, "next_attempt_at": send_at, "created_at": now, "updated_at": now,
                })
        if rows:
            db.session.execute(sa.insert(Delivery), rows)
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        if dedupe_key:
            existing = db.session.scalar(sa.select(Campaign).where(Campaign.dedupe_key == dedupe_key))
            if existing is not None:
                return existing.id if id_only else existing
        raise
    except BaseException:
        db.session.rollback()
        raise
    enqueue_delivery()
    return campaign


def enqueue_delivery(delay: float | None = None) -> None:
    """Signal the workers; failures here only delay (the periodic sweep finds due rows)."""
    from civic.notifications import tasks

    try:
        if delay:
            tasks.deliver_due.schedule(delay=delay)
        else:
            tasks.deliver_due()
    except Exception:  # noqa: BLE001 - the ledger still holds the work
        current_app.logger.exception("could not enqueue delivery; the sweep will pick it up")


# --------------------------------------------------------------------------- unsubscribe


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="civic-unsubscribe")


def unsubscribe_token(address: str, channel: str, topic: str) -> str:
    return _serializer().dumps([address, channel, topic])


def unsubscribe_url(address: str, channel: str, topic: str) -> str:
    return current_app.config["CIVIC_BASE_URL"] + UNSUBSCRIBE_PATH + unsubscribe_token(address, channel, topic)


def _short_sig(delivery_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"sms-stop:{delivery_id}".encode(), hashlib.sha256).hexdigest()[:10]


def sms_stop_code(delivery_id: int) -> str:
    """A short code for SMS (a full token would cost a segment): delivery id + truncated HMAC."""
    return f"{delivery_id}-{_short_sig(delivery_id)}"


def sms_stop_url(delivery_id: int) -> str:
    return current_app.config["CIVIC_BASE_URL"] + SMS_STOP_PATH + sms_stop_code(delivery_id)


@dataclass
class UnsubscribeTarget:
    address: str
    channel: str
    topic: str

    @property
    def masked(self) -> str:
        """Shown on the confirm page without revealing the full address to someone else."""
        if "@" in self.address:
            local, _sep, domain = self.address.partition("@")
            return (local[:2] + "•••@" + domain) if len(local) > 2 else ("•••@" + domain)
        return "•••" + self.address[-3:]


def read_unsubscribe_token(token: str) -> UnsubscribeTarget:
    invalid = NotificationError(_("This unsubscribe link is not valid. Please use the link from your latest message."))
    try:
        data = _serializer().loads(token)
    except BadSignature as exc:
        raise invalid from exc
    if not (isinstance(data, list) and len(data) == 3 and all(isinstance(x, str) and x for x in data)):
        raise invalid
    address, channel, topic = data
    if channel not in CHANNELS:
        raise invalid
    return UnsubscribeTarget(address, channel, topic)


def read_sms_stop_code(code: str) -> UnsubscribeTarget:
    invalid = NotificationError(_("This unsubscribe link is not valid. Please use the link from your latest message."))
    ident, _sep, sig = (code or "").partition("-")
    if not ident.isdigit() or len(ident) > 12 or not hmac.compare_digest(sig, _short_sig(int(ident))):
        raise invalid
    row = db.session.execute(
        sa.select(Delivery.address, Delivery.channel, Campaign.topic)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.id == int(ident))
    ).first()
    if row is None or not row.address:
        raise invalid
    return UnsubscribeTarget(row.address, row.channel, row.topic)


def suppress(address: str, channel: str, topic: str, source: str = "link") -> bool:
    """Record an unsubscribe; True when new. Idempotent (a second click changes nothing)."""
    exists = db.session.scalar(
        sa.select(Suppression.id).where(
            Suppression.address == address, Suppression.channel == channel, Suppression.topic == topic
        )
    )
    if exists:
        return False
    try:
        db.session.add(Suppression(address=address, channel=channel, topic=topic, source=source))
        db.session.commit()
    except sa.exc.IntegrityError:  # two clicks at once
        db.session.rollback()
        return False
    return True


def unsubscribe(target: UnsubscribeTarget, all_topics: bool = False) -> bool:
    return suppress(target.address, target.channel, ALL_TOPICS if all_topics else target.topic)


def is_suppressed(address: str | None, channel: str, topic: str) -> bool:
    """For other domains (subscription lists) that want to honour unsubscribes early."""
    if not address:
        return False
    address = address.strip().lower() if "@" in address else address.strip()
    return bool(db.session.scalar(
        sa.select(Suppression.id).where(
            # After erasure a suppression keeps only the address's keyed hash.
            Suppression.address.in_((address, address_hash(address))), Suppression.channel == channel,
            Suppression.topic.in_((topic, ALL_TOPICS)),
        ).limit(1)
    ))


def suppressed_addresses(addresses, channel: str, topic: str) -> set[str]:
    addresses = list({a for a in addresses if a})
    if not addresses:
        return set()
    # After erasure or a purge a suppression keeps only the address's keyed hash.
    by_key = {a: a for a in addresses} | {address_hash(a): a for a in addresses}
    keys = list(by_key)
    found = set()
    for start in range(0, len(keys), 500):
        found.update(by_key[k] for k in db.session.scalars(
            sa.select(Suppression.address).where(
                Suppression.address.in_(keys[start:start + 500]), Suppression.channel == channel,
                Suppression.topic.in_((topic, ALL_TOPICS)),
            )
        ))
    return found


def _hashed(address: str) -> str:
    from civic.privacy.services import address_hash

    return "#" + address_hash(address)[:63]


# --------------------------------------------------------------------------- quiet hours and backoff


def in_quiet_hours(now: datetime) -> bool:
    """SMS quiet hours 21:00-07:00 in the ward's time zone (NOTIFY_SMS_QUIET_HOURS=0 turns them off)."""
    if not setting("NOTIFY_SMS_QUIET_HOURS", 1, int):
        return False
    hour = as_utc(now).astimezone(local_tz()).hour
    return hour >= 21 or hour < 7


def quiet_hours_end(now: datetime) -> datetime:
    local = as_utc(now).astimezone(local_tz())
    end = local.replace(hour=7, minute=0, second=0, microsecond=0)
    if local.hour >= 7:
        end = end + timedelta(days=1)
    return as_utc(end)


def backoff_seconds(attempts: int) -> float:
    """Exponential: base, 2×base, 4×base … capped (attempts counts this failed one)."""
    base = setting("NOTIFY_RETRY_BASE_SECONDS", 30.0)
    cap = setting("NOTIFY_RETRY_MAX_SECONDS", 3600.0)
    return min(cap, base * (2 ** max(0, attempts - 1)))


# --------------------------------------------------------------------------- reading campaigns


def campaigns_query(user):
    """Admins see every campaign, organizers their own."""
    from civic.core.permissions import is_admin

    query = sa.select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if not is_admin(user):
        query = query.where(Campaign.created_by_id == user.id)
    return query


def _transactional_clause():
    from civic.notifications.labels import TEST_PREFIX, TRANSACTIONAL_KINDS

    return sa.or_(Campaign.transactional.is_(True), Campaign.kind.in_(sorted(TRANSACTIONAL_KINDS)),
                  Campaign.kind.startswith(TEST_PREFIX))


def is_transactional(campaign: Campaign) -> bool:
    from civic.notifications.labels import is_transactional_kind

    return bool(campaign.transactional) or is_transactional_kind(campaign.kind)


def broadcasts_query(user):
    """The campaigns list: messages to many (announcements, reminders, invitations), newest first.
    Confirmations, links and codes to one person are on the transactional page instead."""
    return campaigns_query(user).where(sa.not_(_transactional_clause()))


def transactional_deliveries_query(user):
    """One row per transactional message (confirmation, link, code), newest first, with its campaign."""
    from civic.core.permissions import is_admin

    query = (
        sa.select(Delivery).join(Campaign, Campaign.id == Delivery.campaign_id)
        .options(contains_eager(Delivery.campaign))
        .where(_transactional_clause())
        .order_by(Delivery.id.desc())
    )
    if not is_admin(user):
        query = query.where(Campaign.created_by_id == user.id)
    return query


def can_view_campaign(user, campaign: Campaign) -> bool:
    from civic.core.permissions import can_organize, is_admin

    return is_admin(user) or (can_organize(user) and campaign.created_by_id == user.id)


def get_campaign_for(user, campaign_id: int) -> Campaign | None:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not can_view_campaign(user, campaign):
        return None
    return campaign


def _could_be_sent():
    """Rows written before campaigns left out channels a person cannot receive are not counted."""
    return sa.or_(Delivery.reason.is_(None), Delivery.reason != REASON_NO_ADDRESS)


def status_counts(campaign_ids) -> dict[int, dict[str, int]]:
    ids = list(campaign_ids)
    result = {cid: dict.fromkeys(STATUSES, 0) for cid in ids}
    if not ids:
        return result
    rows = db.session.execute(
        sa.select(Delivery.campaign_id, Delivery.status, sa.func.count())
        .where(Delivery.campaign_id.in_(ids), _could_be_sent())
        .group_by(Delivery.campaign_id, Delivery.status)
    )
    for cid, status, count in rows:
        result[cid][status] = count
    return result


def progress(campaign: Campaign) -> dict:
    counts = status_counts([campaign.id])[campaign.id]
    total = sum(counts.values())
    done = counts[SENT] + counts[FAILED] + counts[SKIPPED]
    deferred = db.session.scalar(
        sa.select(sa.func.count()).select_from(Delivery)
        .where(Delivery.campaign_id == campaign.id, Delivery.status == PENDING, Delivery.reason.is_not(None))
    )
    return {
        "campaign_id": campaign.id, "total": total, "done": done, "counts": counts,
        "deferred": deferred or 0, "finished": total == done,
        "percent": 100 if total == 0 else int(done * 100 / total),
    }


def failures(campaign: Campaign, limit: int = 200) -> list[Delivery]:
    return list(db.session.scalars(
        sa.select(Delivery)
        .where(Delivery.campaign_id == campaign.id, _could_be_sent(),
               sa.or_(Delivery.status == FAILED,
                      sa.and_(Delivery.status.in_((PENDING, SKIPPED)), Delivery.reason.is_not(None))))
        .order_by(Delivery.status, Delivery.id).limit(limit)
    ))


def retry_failed(campaign: Campaign) -> int:
    """Failed deliveries go back to pending with a fresh attempt count; returns how many."""
    result = db.session.execute(
        sa.update(Delivery)
        .where(Delivery.campaign_id == campaign.id, Delivery.status == FAILED)
        .values(status=PENDING, reason=REASON_RETRY, attempts=0, next_attempt_at=utcnow(), updated_at=utcnow(),
                lease_expires_at=None, worker_id=None)
    )
    db.session.commit()
    if result.rowcount:
        enqueue_delivery()
    return result.rowcount or 0


def preview(campaign: Campaign) -> dict | None:
    """The campaign rendered for its first recipient (per channel), or None without recipients."""
    from civic.notifications import worker

    delivery = db.session.scalar(
        sa.select(Delivery).where(Delivery.campaign_id == campaign.id).order_by(Delivery.id).limit(1)
    )
    if delivery is None:
        return None
    job = worker.job_from(delivery, campaign, [])
    parts = worker.render_job(job)
    return {"to": delivery.name or delivery.recipient_key, **parts}


def send_test_to(user, campaign: Campaign) -> Campaign:
    """Send the first recipient's rendering to ``user``'s own address (a separate campaign)."""
    first = db.session.scalar(
        sa.select(Delivery).where(Delivery.campaign_id == campaign.id).order_by(Delivery.id).limit(1)
    )
    if first is None:
        raise NotificationError(_("This campaign has no recipients to preview."))
    channels = [c for c in campaign.channel_list if (c == "email" and user.email) or (c == "sms" and user.phone)]
    if not channels:
        raise NotificationError(_("Your account has no email address or phone number to send a test to."))
    return create_campaign(
        kind="test:" + campaign.kind, topic=campaign.topic, subject="[TEST] " + campaign.subject,
        body_text=campaign.body_text, body_html=campaign.body_html, sms_text=campaign.sms_text,
        channels=channels, urgent=True, created_by=user, transactional=True,
        recipients=[Recipient(key=f"user:{user.id}", name=first.name, email=user.email, phone=user.phone,
                              context=first.context or {})],
        attachments=[Attachment(a.filename, a.mimetype, a.content) for a in campaign.attachments],
    )


def deliveries_for(campaign: Campaign, status: str | None = None, limit: int = 100):
    query = sa.select(Delivery).where(Delivery.campaign_id == campaign.id)
    if status:
        query = query.where(Delivery.status == status)
    return list(db.session.scalars(query.order_by(Delivery.id).limit(limit)))


def due_count(now: datetime | None = None) -> int:
    from civic.notifications import heartbeat

    now = now or utcnow()
    due = db.session.scalar(
        sa.select(sa.func.count()).select_from(Delivery).where(
            sa.or_(sa.and_(Delivery.status == PENDING, Delivery.next_attempt_at <= now),
                   sa.and_(Delivery.status == SENDING, Delivery.lease_expires_at < now))
        )
    ) or 0
    if not due:
        try:
            due = len(heartbeat.dead_holders(now))
        except Exception:  # noqa: BLE001 - heartbeat store unreachable: the lease still applies
            current_app.logger.warning("cannot read worker heartbeats", exc_info=True)
    return due


def next_wakeup(now: datetime | None = None) -> datetime | None:
    """When the soonest future pending row, lease or takeover of a silent worker's claims falls
    due (for scheduling a follow-up)."""
    from civic.notifications import heartbeat

    pending = db.session.scalar(sa.select(sa.func.min(Delivery.next_attempt_at)).where(Delivery.status == PENDING))
    lease = db.session.scalar(sa.select(sa.func.min(Delivery.lease_expires_at)).where(Delivery.status == SENDING))
    try:
        takeover = heartbeat.next_takeover(now)
    except Exception:  # noqa: BLE001 - heartbeat store unreachable: the lease still applies
        takeover = None
    times = [as_utc(t) for t in (pending, lease, takeover) if t is not None]
    return min(times) if times else None


def campaign_with_attachments(campaign_id: int) -> Campaign | None:
    return db.session.scalar(
        sa.select(Campaign).options(selectinload(Campaign.attachments)).where(Campaign.id == campaign_id)
    )


@account_mail_requested.connect
def _send_account_mail(app, user, kind, subject, body, context, dedupe, **extra) -> Campaign:
    """Verification and password e-mails: transactional, so they ignore unsubscribes."""
    return create_campaign(
        kind=kind,
        topic="account",
        subject=subject,
        body_text=body,
        channels=("email",),
        recipients=[
            Recipient(key=f"user:{user.id}", name=user.full_name, email=user.email, phone=None,
                      context={"name": user.full_name, **context})
        ],
        transactional=True,
        dedupe_key=dedupe,
    )


__all__ = [
    "Attachment", "NotificationError", "Recipient", "TemplateError", "create_campaign", "is_suppressed",
    "preview", "progress", "read_unsubscribe_token", "retry_failed", "unsubscribe", "unsubscribe_url",
]


# --------------------------------------------------------------------------- retention

HASHED_PREFIX = "#"


def address_hash(address: str) -> str:
    """What the ledger keeps of an address once it is purged or erased: a keyed hash, enough
    to recognise the same address again (dedupe, suppression), not to read it back."""
    if address.startswith(HASHED_PREFIX):
        return address
    return _hashed(address)


def purge_outbox(before: datetime) -> int:
    """Purge the e-mail and SMS outbox: deliveries finished before ``before`` lose their
    address (a hash stays), name and per-recipient context (links, names, places); returns
    how many. Status, channel, times and errors stay, so the campaign pages still count.
    Pending and in-flight deliveries are never touched. Running it again changes nothing."""
    rows = db.session.scalars(
        sa.select(Delivery)
        .where(
            Delivery.status.in_((SENT, FAILED, SKIPPED)),
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
