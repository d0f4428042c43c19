"""Account rules: creating users, passwords, sign-in, API tokens, residential groups."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email

from civic.accounts.models import ApiToken, AuditLog, ResidentialGroup, User
from civic.core.permissions import Role, api_user_loader
from civic.core.text import clean_line, fold
from civic.core.timeutil import utcnow
from civic.extensions import db, login_manager

_hasher = PasswordHasher()
TOKEN_PREFIX = "civic_"


class AccountError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message."""


def normalize_email(raw: str) -> str:
    """Validated, lower-cased address; raises AccountError."""
    from flask_babel import gettext as _

    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(_("This email address is not valid.")) from exc
    return result.normalized.lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A real hash to spend the same time on unknown emails as on wrong passwords.
_DUMMY_HASH = None


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same cost either way)."""
    global _DUMMY_HASH
    try:
        address = normalize_email(email)
    except AccountError:
        address = None
    user = db.session.scalar(sa.select(User).where(User.email == address)) if address else None
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = _hasher.hash(secrets.token_hex(8))
        try:
            _hasher.verify(_DUMMY_HASH, password or "x")
        except VerificationError:
            pass
        return None
    if not verify_password(user, password) or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def get_or_create_group(name: str) -> ResidentialGroup:
    name = clean_line(name)
    group = db.session.scalar(sa.select(ResidentialGroup).where(ResidentialGroup.name == name))
    if group is None:
        digits = "".join(ch for ch in name if ch.isdigit())
        group = ResidentialGroup(name=name, name_folded=fold(name), number=int(digits) if digits else None)
        db.session.add(group)
        db.session.flush()
    return group


def find_group(text_or_id: str | int | None) -> ResidentialGroup | None:
    """A tổ dân phố by id, exact name, or name typed without tone marks ("to dan pho 3", "3")."""
    if text_or_id is None or text_or_id == "":
        return None
    text = str(text_or_id).strip()
    if text.isdigit():
        group = db.session.get(ResidentialGroup, int(text))
        if group is not None:
            return group
        return db.session.scalar(sa.select(ResidentialGroup).where(ResidentialGroup.number == int(text)))
    folded = fold(text)
    return db.session.scalar(sa.select(ResidentialGroup).where(ResidentialGroup.name_folded == folded))


def list_groups() -> list[ResidentialGroup]:
    groups = db.session.scalars(sa.select(ResidentialGroup)).all()
    return sorted(groups, key=lambda g: g.sort_key)


def create_user(
    email: str,
    full_name: str,
    password: str,
    role: Role | str = Role.RESIDENT,
    phone: str | None = None,
    group: ResidentialGroup | None = None,
    verified: bool = False,
) -> User:
    """Add a user to the session (the caller commits). Raises AccountError on a duplicate email."""
    from flask_babel import gettext as _

    address = normalize_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == address)) is not None:
        raise AccountError(_("An account with this email address already exists."))
    user = User(
        email=address,
        full_name=clean_line(full_name),
        password_hash=hash_password(password),
        role=Role(role).value,
        phone=phone,
        residential_group=group,
        email_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def record_audit(actor: User | None, action: str, target: User | None = None, **detail) -> AuditLog:
    entry = AuditLog(
        actor_id=actor.id if actor else None,
        action=action,
        target_user_id=target.id if target else None,
        detail=detail,
    )
    db.session.add(entry)
    return entry


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, name: str = "cli") -> tuple[ApiToken, str]:
    """A new token for ``user``; the plain text is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=clean_line(name) or "token", token_hash=_hash_token(plain), prefix=plain[:12])
    db.session.add(token)
    db.session.flush()
    return token, plain


def user_for_token(plain: str) -> User | None:
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(plain), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.is_active:
        return None
    return token.user


@api_user_loader
def user_for_api_request(request) -> User | None:
    """The API authenticates by ``Authorization: Bearer`` only; it is exempt from CSRF."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return user_for_token(header[7:].strip())
    return None


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
