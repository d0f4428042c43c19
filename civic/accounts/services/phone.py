"""Proving a phone number: a 6-digit code by SMS, entered within 10 minutes and a few tries."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import gettext as _

from civic.accounts import signals
from civic.accounts.models import PhoneCode, User
from civic.accounts.services.errors import AccountError
from civic.accounts.services.messages import send_phone_code_sms
from civic.core import ratelimits
from civic.core.db import announce, transaction
from civic.core.timeutil import utcnow
from civic.extensions import db

PHONE_CODE_TTL = timedelta(minutes=10)
PHONE_CODE_MAX_ATTEMPTS = 5


PHONE_CODE_INTERVAL = timedelta(minutes=1)
PHONE_CODES_PER_DAY = 5


def _hash_phone_code(user: User, phone: str, code: str) -> str:
    # Keyed with the app secret and bound to the account and number: a leaked table reveals nothing.
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hashlib.sha256(key + f":{user.id}:{phone}:{code}".encode()).hexdigest()


def _retire_phone_codes(user: User, now) -> None:
    if user.id is None:
        return
    db.session.execute(
        sa.update(PhoneCode).where(PhoneCode.user_id == user.id, PhoneCode.used_at.is_(None)).values(used_at=now)
    )


def send_phone_code(user: User) -> None:
    """Send a 6-digit code by SMS to the account's phone; entering it proves the number."""
    if not user.phone:
        raise AccountError(_("Please add your phone number first."))
    if user.phone_is_verified:
        raise AccountError(_("Your phone number is already confirmed."), status=409)
    now = utcnow()
    recent = list(
        db.session.scalars(
            sa.select(PhoneCode.created_at)
            .where(PhoneCode.user_id == user.id, PhoneCode.created_at > now - timedelta(days=1))
            .order_by(PhoneCode.created_at.desc())
        )
    )
    if recent and now - recent[0] < PHONE_CODE_INTERVAL:
        raise AccountError(_("We have just sent you a code. Please wait a minute before asking for another."), 429)
    if len(recent) >= PHONE_CODES_PER_DAY:
        raise AccountError(_("We have sent you several codes today. Please try again tomorrow."), 429)
    if has_request_context() and not ratelimits.count_message(user.phone):
        raise AccountError(ratelimits.recipient_limit_message(), 429)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction():
        _retire_phone_codes(user, now)
        db.session.add(
            PhoneCode(user_id=user.id, phone=user.phone, code_hash=_hash_phone_code(user, user.phone, code),
                      created_at=now, expires_at=now + PHONE_CODE_TTL)
        )
        send_phone_code_sms(user, code)


def phone_code_pending(user: User) -> bool:
    """A code for the account's current phone is waiting to be entered."""
    if not user.phone or user.phone_is_verified:
        return False
    return db.session.scalar(
        sa.select(PhoneCode.id).where(
            PhoneCode.user_id == user.id, PhoneCode.used_at.is_(None), PhoneCode.phone == user.phone,
            PhoneCode.expires_at > utcnow(),
        ).limit(1)
    ) is not None


def verify_phone_code(user: User, code: str) -> User:
    """Mark the phone verified when ``code`` is the latest code sent to it (limited attempts)."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    now = utcnow()
    with transaction():
        # A wrong or expired code is refused only after its attempt is saved.
        refusal = _refuse_code(user, code, now)
        if refusal is None:
            user.phone_verified_at = now
            announce(signals.phone_verified, user=user)
    if refusal is not None:
        raise refusal
    return user


def _refuse_code(user: User, code: str, now) -> AccountError | None:
    """Why ``code`` does not prove the phone (after counting the try), or None when it does."""
    pending = db.session.scalar(
        sa.select(PhoneCode)
        .where(PhoneCode.user_id == user.id, PhoneCode.used_at.is_(None))
        .order_by(PhoneCode.created_at.desc(), PhoneCode.id.desc())
        .limit(1)
    )
    if pending is None or pending.phone != user.phone:
        return AccountError(_("There is no code waiting for this phone number. Please ask for a new code."), 410)
    if pending.expires_at <= now:
        pending.used_at = now
        return AccountError(_("This code has expired. Please ask for a new code."), 410)
    if len(code) != 6 or not secrets.compare_digest(pending.code_hash, _hash_phone_code(user, user.phone, code)):
        pending.attempts = (pending.attempts or 0) + 1
        if pending.attempts >= PHONE_CODE_MAX_ATTEMPTS:
            pending.used_at = now
            return AccountError(_("The code was wrong too many times. Please ask for a new code."), 429)
        return AccountError(_("This code is not correct. Please check the SMS and try again."), 422)
    pending.used_at = now
    return None
