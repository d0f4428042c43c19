"""Passwords, e-mail addresses and signing in: who may enter, and at what cost to a guesser."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import gettext as _

from civic.accounts.models import User
from civic.accounts.services.errors import AccountError
from civic.core.db import transaction
from civic.core.text import clean_line
from civic.core.timeutil import utcnow
from civic.extensions import db, login_manager

_hasher = PasswordHasher()


# Tests create hundreds of accounts; argon2's default cost (~0.5 s on a busy CI core) would
# dominate the suite. Only TESTING apps use it; argon2 hashes carry their own parameters.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


MAX_NAME_LENGTH = 120
MAX_EMAIL_LENGTH = 254


def normalize_email(raw: str) -> str:
    """Validated, lower-cased address; raises AccountError."""
    text = (raw or "").strip()
    if len(text) > MAX_EMAIL_LENGTH:
        raise AccountError(_("This email address is too long."))
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(_("This email address is not valid.")) from exc
    return result.normalized.lower()


def _active_hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("TESTING"):
        return _test_hasher
    return _hasher


def hash_password(password: str) -> str:
    return _active_hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _active_hasher().verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_("The password is too long."))


def clean_full_name(full_name: str) -> str:
    name = clean_line(full_name)
    if not name:
        raise AccountError(_("Please enter your full name."))
    if len(name) > MAX_NAME_LENGTH:
        raise AccountError(_("The full name is too long (at most %(max)d characters).", max=MAX_NAME_LENGTH))
    return name


# A real hash (per hasher) to spend the same time on unknown emails as on wrong passwords.
_DUMMY_HASHES: dict[int, str] = {}


def _spend_hash_time(password: str) -> None:
    hasher = _active_hasher()
    dummy = _DUMMY_HASHES.get(id(hasher))
    if dummy is None:
        dummy = _DUMMY_HASHES[id(hasher)] = hasher.hash(secrets.token_hex(8))
    try:
        hasher.verify(dummy, password or "x")
    except VerificationError:
        pass


def _user_by_email(raw: str) -> User | None:
    try:
        address = normalize_email(raw)
    except AccountError:
        return None
    return db.session.scalar(sa.select(User).where(User.email == address))


def check_credentials(email: str, password: str) -> User:
    """The user with this email and password; AccountError otherwise.

    Unknown email and wrong password give the same message (and cost); only someone who
    knows the password learns that the account was deactivated.
    """
    user = _user_by_email(email)
    if user is None:
        _spend_hash_time(password)
        raise AccountError(_("The email address or password is not correct."), status=401)
    if not verify_password(user, password):
        raise AccountError(_("The email address or password is not correct."), status=401)
    if not user.is_active:
        raise AccountError(
            _("This account has been deactivated. Please contact the ward office."), status=403
        )
    with transaction():
        if _active_hasher().check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way)."""
    try:
        return check_credentials(email, password)
    except AccountError:
        return None


def _set_password(user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = hash_password(password)
    # Every other session (and remember-me cookie) carries the old version and ends.
    user.session_version = (user.session_version or 1) + 1


def change_password(user: User, current: str, new: str) -> User:
    if not verify_password(user, current):
        raise AccountError(_("The current password is not correct."))
    with transaction():
        _set_password(user, new)
    return user


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        raw_id, version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or str(user.session_version) != version or not user.is_active:
        return None
    return user
