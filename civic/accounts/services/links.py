"""Signed links sent by e-mail: confirming the address, and resetting a forgotten password."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, has_request_context
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from civic.accounts import signals
from civic.accounts.models import User
from civic.accounts.services.credentials import _set_password, _user_by_email
from civic.accounts.services.errors import AccountError
from civic.accounts.services.messages import send_password_reset_mail, send_verification_mail
from civic.core.db import announce, transaction
from civic.core.timeutil import utcnow
from civic.core.urls import absolute_url
from civic.extensions import db

VERIFY_SALT = "civic.accounts.verify-email"
RESET_SALT = "civic.accounts.reset-password"
VERIFY_MAX_AGE = 3 * 24 * 3600  # 3 days
RESET_MAX_AGE = 3600  # 1 hour


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_verify_token(user: User) -> str:
    return _serializer(VERIFY_SALT).dumps({"u": user.id, "e": user.email})


def _reset_fingerprint(user: User) -> str:
    # Bound to the password hash and session version: a successful reset changes both,
    # so a link works once.
    raw = f"{user.password_hash}:{user.session_version}".encode()
    return hashlib.sha256(raw).hexdigest()[:24]


def make_reset_token(user: User) -> str:
    return _serializer(RESET_SALT).dumps({"u": user.id, "f": _reset_fingerprint(user)})


def _load(salt: str, token: str, max_age: int) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise AccountError(_("This link has expired. Please ask for a new one."), status=410) from exc
    except BadSignature as exc:
        raise AccountError(_("This link is not valid. Please check that you copied it completely."), status=400) from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise AccountError(_("This link is not valid. Please check that you copied it completely."), status=400)
    return data


def _absolute(endpoint: str, **values) -> str:
    """An address for an email, also from the CLI or a worker (no request)."""
    if has_request_context():
        return absolute_url(endpoint, **values)
    with current_app.test_request_context("/"):
        return absolute_url(endpoint, **values)


def _queue_verification(user: User) -> None:
    send_verification_mail(user, _absolute("accounts.verify_email", token=make_verify_token(user)))


def send_verification(user: User) -> None:
    """(Re)send the verification link; nothing to do for a verified address."""
    if user.is_verified:
        return
    with transaction():
        _queue_verification(user)


def verify_email(token: str) -> User:
    data = _load(VERIFY_SALT, token, VERIFY_MAX_AGE)
    user = db.session.get(User, data["u"])
    if user is None or user.email != data.get("e"):
        raise AccountError(_("This link is not valid. Please check that you copied it completely."), status=400)
    if user.is_verified:
        return user
    with transaction():
        user.email_verified_at = utcnow()
        announce(signals.email_verified, user=user)
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link when an active account has this address; the caller answers the same either way."""
    user = _user_by_email(email)
    if user is None or not user.is_active:
        return
    with transaction():
        send_password_reset_mail(user, _absolute("accounts.reset_password", token=make_reset_token(user)))


def user_for_reset_token(token: str) -> User:
    data = _load(RESET_SALT, token, RESET_MAX_AGE)
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active:
        raise AccountError(_("This link is not valid. Please check that you copied it completely."), status=400)
    if not secrets.compare_digest(str(data.get("f", "")), _reset_fingerprint(user)):
        raise AccountError(_("This link has already been used. Please ask for a new one."), status=410)
    return user


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    with transaction():
        _set_password(user, password)
        # Whoever holds the mailbox has proved it.
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
    return user
