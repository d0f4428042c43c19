"""Personal API tokens for editors, organizers and administrators (``Authorization: Bearer``)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.models import ApiToken, User
from civic.accounts.services.errors import AccountError
from civic.core.db import transaction, writing
from civic.core.permissions import Role, api_user_loader
from civic.core.text import clean_line
from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.privacy.audit import record_audit

TOKEN_PREFIX = "civic_"  # noqa: S105 - a marker, not a secret
MAX_TOKEN_NAME_LENGTH = 80


TOKEN_ROLES = frozenset({Role.ORGANIZER.value, Role.EDITOR.value, Role.ADMIN.value})
# Writing last_used_at on every API call would make every read a write; a minute is precise enough.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_use_api_tokens(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role in TOKEN_ROLES)


def create_api_token(user: User, name: str = "cli") -> tuple[ApiToken, str]:
    """A new token for ``user``; the plain text is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=clean_line(name)[:MAX_TOKEN_NAME_LENGTH] or "token",
                     token_hash=_hash_token(plain), prefix=plain[:12])
    db.session.add(token)
    db.session.flush()
    return token, plain


def issue_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A personal token for an editor, organizer or admin, audited and committed."""
    if user.role not in TOKEN_ROLES or not user.is_active:
        raise AccountError(_("Only editors, organizers and administrators can have API tokens."), status=403)
    name = clean_line(name)
    if not name:
        raise AccountError(_("Please give the token a name."))
    if len(name) > MAX_TOKEN_NAME_LENGTH:
        raise AccountError(_("The name is too long (at most %(max)d characters).", max=MAX_TOKEN_NAME_LENGTH))
    with transaction():
        token, plain = create_api_token(user, name)
        record_audit(user, "token_create", user, name=token.name, prefix=token.prefix)
    return token, plain


def list_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise AccountError(_("This token does not exist."), status=404)
    if token.revoked_at is None:
        with transaction():
            token.revoked_at = utcnow()
            record_audit(user, "token_revoke", user, name=token.name, prefix=token.prefix)
    return token


def user_for_token(plain: str) -> User | None:
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(plain), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        with writing(), transaction():
            db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return token.user


@api_user_loader
def user_for_api_request(request) -> User | None:
    """The API authenticates by ``Authorization: Bearer`` only; it is exempt from CSRF."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return user_for_token(header[7:].strip())
    return None
