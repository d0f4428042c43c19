"""Who may be sent what, and when: unsubscribes (links, SMS stop codes, suppressions), SMS
quiet hours, retry backoff, and which messages are transactional (they ignore unsubscribes)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from civic.core.db import transaction
from civic.core.timeutil import as_utc, local_tz
from civic.extensions import db
from civic.notifications.models import TEST_PREFIX, Campaign, Channel, Delivery, Kind, Suppression
from civic.notifications.rendering import NotificationError
from civic.notifications.settings import setting
from civic.privacy.services import address_hash as privacy_address_hash

UNSUBSCRIBE_PATH = "/huy-dang-ky/"
SMS_STOP_PATH = "/tc/"
ALL_TOPICS = "*"
HASHED_PREFIX = "#"


# --------------------------------------------------------------------------- unsubscribe links


_serializers: dict[str, URLSafeSerializer] = {}


def _serializer() -> URLSafeSerializer:
    # One per key: building it cost a third of each message's link.
    key = current_app.config["SECRET_KEY"]
    serializer = _serializers.get(key)
    if serializer is None:
        if len(_serializers) > 8:
            _serializers.clear()
        serializer = _serializers[key] = URLSafeSerializer(key, salt="civic-unsubscribe")
    return serializer


def unsubscribe_token(address: str, channel: str, topic: str) -> str:
    return _serializer().dumps([address, str(channel), str(topic)])


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


def _invalid_link() -> NotificationError:
    return NotificationError(_("This unsubscribe link is not valid. Please use the link from your latest message."))


def read_unsubscribe_token(token: str) -> UnsubscribeTarget:
    try:
        data = _serializer().loads(token)
    except BadSignature as exc:
        raise _invalid_link() from exc
    if not (isinstance(data, list) and len(data) == 3 and all(isinstance(x, str) and x for x in data)):
        raise _invalid_link()
    address, channel, topic = data
    if channel not in tuple(Channel):
        raise _invalid_link()
    return UnsubscribeTarget(address, channel, topic)


def read_sms_stop_code(code: str) -> UnsubscribeTarget:
    ident, _sep, sig = (code or "").partition("-")
    if not ident.isdigit() or len(ident) > 12 or not hmac.compare_digest(sig, _short_sig(int(ident))):
        raise _invalid_link()
    row = db.session.execute(
        sa.select(Delivery.address, Delivery.channel, Campaign.topic)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.id == int(ident))
    ).first()
    if row is None or not row.address:
        raise _invalid_link()
    return UnsubscribeTarget(row.address, row.channel, row.topic)


# --------------------------------------------------------------------------- suppressions


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
        # The savepoint keeps a caller's own transaction usable when two clicks race.
        with transaction(), db.session.begin_nested():
            db.session.add(Suppression(address=address, channel=str(channel), topic=str(topic), source=source))
    except sa.exc.IntegrityError:  # two clicks at once
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


def address_hash(address: str) -> str:
    """What the ledger keeps of an address once it is purged or erased: a keyed hash, enough
    to recognise the same address again (dedupe, suppression), not to read it back."""
    if address.startswith(HASHED_PREFIX):
        return address
    return HASHED_PREFIX + privacy_address_hash(address)[:63]


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


# --------------------------------------------------------------------------- transactional messages

# Messages to one person about their own action (an answer, a link, a code): listed one
# delivery at a time on the transactional page, never as a campaign of their own.
TRANSACTIONAL_KINDS = frozenset({
    Kind.EVENT_CONFIRMATION, Kind.EVENT_PROMOTED, Kind.ELECTION_SUBSCRIPTION_CONFIRM,
    Kind.ELECTION_SUBSCRIPTION_CODE, Kind.ELECTION_REMINDER_TEST, Kind.ACCOUNT_VERIFY,
    Kind.ACCOUNT_PASSWORD_RESET, Kind.EVENT_LINK, Kind.ACCOUNT_PHONE_CODE, Kind.PRIVACY_CODE, Kind.PRIVACY_DONE,
})


def is_transactional_kind(kind: str | None) -> bool:
    kind = kind or ""
    return kind in TRANSACTIONAL_KINDS or kind.startswith(TEST_PREFIX)


def transactional_clause():
    """Campaigns that are messages to one person about their own action."""
    return sa.or_(Campaign.transactional.is_(True), Campaign.kind.in_(sorted(TRANSACTIONAL_KINDS)),
                  Campaign.kind.startswith(TEST_PREFIX))


def is_transactional(campaign: Campaign) -> bool:
    return bool(campaign.transactional) or is_transactional_kind(campaign.kind)
