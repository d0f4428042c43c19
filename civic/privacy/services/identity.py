"""Proving who you are: an identity (addresses and account) and the encrypted "your data" link."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from flask import current_app
from flask_babel import gettext as _

from civic.privacy.models import RequestProof
from civic.privacy.registry import Identity
from civic.privacy.services.addresses import normalize_address
from civic.privacy.services.errors import PrivacyError

IDENTITY_MAX_AGE = 2 * 3600  # seconds a "your data" link stays valid


def _fernet():
    # Encrypted, not only signed: the link carries the person's phone or e-mail, and links end
    # up in browser history, server logs and forwarded messages.
    from cryptography.fernet import Fernet

    key = hmac.new(str(current_app.config["SECRET_KEY"]).encode(), b"civic.privacy.identity", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def identity_token(identity: Identity, proof: str) -> str:
    data = {"e": sorted(identity.emails), "p": sorted(identity.phones), "u": identity.user_id, "v": proof}
    return _fernet().encrypt(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def identity_from_token(token: str) -> tuple[Identity, str]:
    from cryptography.fernet import InvalidToken

    token = (token or "").strip()
    try:
        raw = _fernet().decrypt((token + "=" * (-len(token) % 4)).encode(), ttl=IDENTITY_MAX_AGE)
        data = json.loads(raw)
    except (InvalidToken, ValueError) as exc:
        # Expired and forged look the same to Fernet; say both.
        raise PrivacyError(_("This link is not valid or has expired. Open your personal link again or ask for a new code."), 404) from exc
    identity = Identity(frozenset(data.get("e") or ()), frozenset(data.get("p") or ()), data.get("u"))
    if not identity:
        raise PrivacyError(_("This link is not valid or has expired. Open your personal link again or ask for a new code."), 404)
    return identity, data.get("v") or RequestProof.LINK


def identity_of_user(user) -> Identity:
    """An account's identity: the account plus the e-mail and phone it has proved."""
    emails = {user.email.lower()} if user.email and user.email_verified_at else set()
    phones = {user.phone} if user.phone and getattr(user, "phone_verified_at", None) else set()
    return Identity(frozenset(emails), frozenset(phones), user.id)


def identity_of_link(email: str | None, phone: str | None) -> Identity:
    """A personal link proves the address it was sent to: the e-mail when there is one, else the phone."""
    if email:
        return Identity(emails=frozenset({email.lower()}))
    return Identity(phones=frozenset({phone})) if phone else Identity()


def identity_of_address(address: str) -> Identity:
    address = normalize_address(address)
    if "@" in address:
        return Identity(emails=frozenset({address}))
    return Identity(phones=frozenset({address}))
