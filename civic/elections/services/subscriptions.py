"""Reminder subscriptions: double opt-in by e-mail link and SMS code, cancelling, retention."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from civic.accounts.models import ResidentialGroup
from civic.accounts.services import AccountError, normalize_email
from civic.core.db import announce, transaction
from civic.core.phone import InvalidPhone, normalize_phone
from civic.core.text import clean_line
from civic.core.timeutil import local_to_utc, utcnow
from civic.elections import signals
from civic.elections.errors import ConsentMissing, ElectionError
from civic.elections.models import Channel, Election, Subscription
from civic.elections.services import messages
from civic.elections.services.common import TOPIC, digest, find_group
from civic.extensions import db
from civic.notifications import services as engine
from civic.notifications.suppressions import lift_suppression
from civic.privacy import services as privacy

SMS_CODE_TTL = timedelta(minutes=30)
SMS_CODE_MAX_ATTEMPTS = 5


@dataclass
class SubscribeResult:
    subscription: Subscription
    created: bool
    email_sent: bool
    sms_sent: bool
    message: str


@dataclass
class SubscribeRequest:
    """What the resident asked for, checked and normalised (nothing written yet)."""

    email: str | None
    phone: str | None
    channels: list[str]
    group: ResidentialGroup


def _sms_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="civic.elections.sms-confirm")


def sms_reference(subscription: Subscription) -> str:
    """An opaque reference to the subscription for the code-entry page (ids are not guessable)."""
    return _sms_serializer().dumps(subscription.id)


def subscription_from_reference(reference: str) -> Subscription | None:
    try:
        sub_id = _sms_serializer().loads(reference or "")
    except BadSignature:
        return None
    return db.session.get(Subscription, sub_id) if isinstance(sub_id, int) else None


def _clean_addresses(email: str | None, phone: str | None) -> tuple[str | None, str | None]:
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    if email is None and phone is None:
        raise ElectionError(_("Enter an email address or a phone number."))
    if email is not None:
        try:
            email = normalize_email(email)
        except AccountError as exc:
            raise ElectionError(_("This email address is not valid.")) from exc
    if phone is not None:
        try:
            phone = normalize_phone(phone)
        except InvalidPhone as exc:
            raise ElectionError(
                _("This is not a valid Vietnamese phone number (for example 0912 345 678).")
            ) from exc
    return email, phone


def _clean_channels(channels, email: str | None, phone: str | None) -> list[str]:
    if isinstance(channels, str):
        channels = [channels]
    channels = [str(c).strip().lower() for c in (channels or [])]
    if not channels:
        channels = [c.value for c, v in ((Channel.EMAIL, email), (Channel.SMS, phone)) if v]
    if any(c not in tuple(Channel) for c in channels):
        raise ElectionError(_("Channels must be “email” and/or “sms”."))
    if Channel.EMAIL in channels and email is None:
        raise ElectionError(_("Enter an email address to receive reminders by email."))
    if Channel.SMS in channels and phone is None:
        raise ElectionError(_("Enter a phone number to receive reminders by SMS."))
    return channels


def _clean_request(email, phone, group, channels, consent) -> SubscribeRequest:
    email, phone = _clean_addresses(email, phone)
    channels = _clean_channels(channels, email, phone)
    if group is None or (isinstance(group, str) and not group.strip()):
        raise ElectionError(_("Choose your residential group (tổ dân phố)."))
    group_obj = find_group(group)
    if consent is None:
        raise ConsentMissing(privacy.consent_missing_message())
    return SubscribeRequest(email, phone, channels, group_obj)


def _existing(request: SubscribeRequest) -> Subscription | None:
    """The row the same email or phone already has (one row per subscriber)."""
    by_email = db.session.scalar(sa.select(Subscription).where(Subscription.email == request.email)) if request.email else None
    by_phone = db.session.scalar(sa.select(Subscription).where(Subscription.phone == request.phone)) if request.phone else None
    if by_email is not None and by_phone is not None and by_email.id != by_phone.id:
        raise ElectionError(
            _("This email address and this phone number belong to two different subscriptions. Use one of them.")
        )
    return by_email or by_phone


def _update_addresses(sub: Subscription, request: SubscribeRequest) -> None:
    if request.email and sub.email != request.email:
        sub.email, sub.email_confirmed_at = request.email, None
    if request.phone and sub.phone != request.phone:
        sub.phone, sub.phone_confirmed_at = request.phone, None
    if sub.unsubscribed_at is not None:
        # Coming back: confirm again, as a new subscriber would.
        sub.unsubscribed_at = None
        sub.email_confirmed_at = sub.phone_confirmed_at = None


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _confirm_from_account(sub: Subscription, request: SubscribeRequest, user) -> None:
    """From a signed-in profile the account's verified email and its phone count as confirmed."""
    now = utcnow()
    sub.user_id = user.id
    sub.name = sub.name or user.full_name
    if request.email and request.email == user.email and user.email_verified_at is not None:
        sub.email_confirmed_at = sub.email_confirmed_at or now
    if request.phone and request.phone == user.phone:
        sub.phone_confirmed_at = sub.phone_confirmed_at or now


def _respect_unsubscribes(sub: Subscription, user) -> None:
    """An address that unsubscribed through the engine's link must opt in again (a form post
    alone must not undo someone's unsubscribe); the signed-in owner of the address may."""
    if sub.want_email and sub.email_confirmed_at and engine.is_suppressed(sub.email, Channel.EMAIL, TOPIC):
        if _signed_in(user) and user.email == sub.email and user.email_verified_at is not None:
            lift_suppression(sub.email, Channel.EMAIL, TOPIC)
        else:
            sub.email_confirmed_at = None
    if sub.want_sms and sub.phone_confirmed_at and engine.is_suppressed(sub.phone, Channel.SMS, TOPIC):
        if _signed_in(user) and user.phone == sub.phone:
            lift_suppression(sub.phone, Channel.SMS, TOPIC)
        else:
            sub.phone_confirmed_at = None


def _write_subscription(sub: Subscription | None, request: SubscribeRequest, name, user) -> Subscription:
    if sub is None:
        sub = Subscription(email=request.email, phone=request.phone)
        db.session.add(sub)
    else:
        _update_addresses(sub, request)
    sub.group = request.group
    sub.want_email = Channel.EMAIL in request.channels
    sub.want_sms = Channel.SMS in request.channels
    if name:
        sub.name = clean_line(name)[:120]
    if _signed_in(user):
        _confirm_from_account(sub, request, user)
    _respect_unsubscribes(sub, user)
    db.session.flush()
    return sub


def _ask_for_confirmation(sub: Subscription) -> tuple[bool, bool]:
    """The link and/or the code for each address not confirmed yet: (email_sent, sms_sent).

    The campaigns are written in the subscription's own transaction (the ledger holds the
    token's dedupe key); the engine sends them once that transaction has committed."""
    email_sent = sms_sent = False
    if sub.want_email and sub.email_confirmed_at is None:
        token = secrets.token_urlsafe(24)
        sub.email_token_hash = digest(token)
        messages.send_confirmation_link(sub, token)
        email_sent = True
    if sub.want_sms and sub.phone_confirmed_at is None:
        code = f"{secrets.randbelow(1_000_000):06d}"
        sub.sms_code_hash = digest(f"{sub.id}:{code}")
        sub.sms_code_expires_at = utcnow() + SMS_CODE_TTL
        sub.sms_code_attempts = 0
        messages.send_confirmation_code(sub, code)
        sms_sent = True
    return email_sent, sms_sent


def _announce_confirmed(sub: Subscription) -> None:
    for channel, active in ((Channel.EMAIL, sub.email_active), (Channel.SMS, sub.sms_active)):
        if active:
            announce(signals.subscription_confirmed, subscription_id=sub.id, channel=channel.value)


def _result_message(created: bool, email_sent: bool, sms_sent: bool) -> str:
    if email_sent or sms_sent:
        message = _("Almost done: confirm your subscription with the link we emailed and/or the code we sent by SMS.")
        if not created:
            message = _("Your subscription was already recorded; we updated it.") + " " + message
        return message
    if created:
        return _("You are subscribed to election reminders.")
    return _("Your subscription was already recorded; we updated it.")


def subscribe(
    email: str | None = None,
    phone: str | None = None,
    group=None,
    channels=None,
    name: str | None = None,
    user=None,
    consent=None,
) -> SubscribeResult:
    """Subscribe (or update) a resident. Without an account, email and phone are confirmed
    by a link and a 6-digit code; from a signed-in profile the account's verified email and
    phone count as confirmed. The same email or phone again updates the existing row."""
    request = _clean_request(email, phone, group, channels, consent)
    existing = _existing(request)
    with transaction():
        sub = _write_subscription(existing, request, name, user)
        privacy.record_consent(consent, "subscription", sub.id, "election_reminders",
                               *[f"messages_{c}" for c in tuple(Channel) if c in request.channels])
        email_sent, sms_sent = _ask_for_confirmation(sub)
        _announce_confirmed(sub)
    created = existing is None
    return SubscribeResult(sub, created, email_sent, sms_sent, _result_message(created, email_sent, sms_sent))


def confirm_email(token: str) -> Subscription:
    sub = None
    if token:
        sub = db.session.scalar(sa.select(Subscription).where(Subscription.email_token_hash == digest(token)))
    if sub is None:
        raise ElectionError(_("This confirmation link is not valid or was already used."))
    with transaction():
        sub.email_confirmed_at = sub.email_confirmed_at or utcnow()
        sub.email_token_hash = None
        sub.unsubscribed_at = None
        if sub.email:
            lift_suppression(sub.email, Channel.EMAIL, TOPIC)
        announce(signals.subscription_confirmed, subscription_id=sub.id, channel=Channel.EMAIL.value)
    return sub


def _check_code_waiting(sub: Subscription | None) -> None:
    if sub is None or sub.sms_code_hash is None:
        raise ElectionError(_("There is no code waiting for confirmation. Subscribe again to get a new one."))
    if sub.sms_code_attempts >= SMS_CODE_MAX_ATTEMPTS:
        raise ElectionError(_("Too many wrong codes. Subscribe again to get a new code."))
    if sub.sms_code_expires_at is None or sub.sms_code_expires_at < utcnow():
        raise ElectionError(_("This code has expired. Subscribe again to get a new one."))


def confirm_sms(sub: Subscription | None, code: str) -> Subscription:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    _check_code_waiting(sub)
    if len(code) != 6 or not hmac.compare_digest(digest(f"{sub.id}:{code}"), sub.sms_code_hash):
        with transaction():  # the wrong try counts, even though the answer is an error
            sub.sms_code_attempts += 1
        raise ElectionError(_("This code is not correct."))
    with transaction():
        sub.phone_confirmed_at = sub.phone_confirmed_at or utcnow()
        sub.sms_code_hash = None
        sub.sms_code_expires_at = None
        sub.unsubscribed_at = None
        if sub.phone:
            lift_suppression(sub.phone, Channel.SMS, TOPIC)
        announce(signals.subscription_confirmed, subscription_id=sub.id, channel=Channel.SMS.value)
    return sub


def subscription_for_user(user) -> Subscription | None:
    if not _signed_in(user):
        return None
    return db.session.scalar(
        sa.select(Subscription)
        .where(sa.or_(Subscription.user_id == user.id, Subscription.email == user.email))
        .order_by(Subscription.id)
        .limit(1)
    )


def cancel_subscription(sub: Subscription) -> None:
    with transaction():
        sub.unsubscribed_at = utcnow()
        announce(signals.subscription_cancelled, subscription_id=sub.id)


def _anonymise(sub: Subscription, now: datetime) -> None:
    sub.email = None
    sub.phone = None
    sub.name = privacy.ERASED_NAME
    sub.group_id = None
    sub.want_email = False
    sub.want_sms = False
    sub.email_token_hash = None
    sub.sms_code_hash = None
    sub.sms_code_expires_at = None
    sub.unsubscribed_at = sub.unsubscribed_at or now


def anonymise_expired_subscriptions(today: date, grace_days: int) -> int:
    """Anonymise reminder subscriptions whose purpose is served; returns how many.

    A subscription asks for the reminders of the coming election. Once the last election's
    polling day is ``grace_days`` behind ``today`` and no later election is planned, every
    subscription made up to that polling day is anonymised: address, name and codes go, the
    row stays (unsubscribed) so the subscriber counts of past elections still add up.
    A later election keeps the subscriptions (they are waiting for its reminders).
    Runs inside the retention's one transaction (civic.portal.retention), so it only flushes.
    """
    cutoff = today - timedelta(days=grace_days)
    last = db.session.scalar(sa.select(sa.func.max(Election.polling_day)))
    if last is None or last > cutoff:
        return 0
    end_of_day = local_to_utc(datetime.combine(last + timedelta(days=1), time.min))
    rows = db.session.scalars(
        sa.select(Subscription)
        .where(
            Subscription.created_at < end_of_day,
            sa.or_(Subscription.email.is_not(None), Subscription.phone.is_not(None),
                   Subscription.name != privacy.ERASED_NAME),
        )
        .order_by(Subscription.id)
    ).all()
    now = utcnow()
    for sub in rows:
        _anonymise(sub, now)
    db.session.flush()
    return len(rows)
