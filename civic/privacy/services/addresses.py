"""Addresses as privacy knows them: one spelling per e-mail or phone, and its keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app
from flask_babel import gettext as _

from civic.core.phone import InvalidPhone, normalize_phone
from civic.privacy.services.errors import PrivacyError


def normalize_address(raw: str | None) -> str:
    """An e-mail (lower-cased) or a phone (E.164); PrivacyError otherwise."""
    raw = (raw or "").strip()
    if "@" in raw:
        email = raw.lower()
        if len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise PrivacyError(_("This email address is not valid."))
        return email
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise PrivacyError(_("Enter your phone number (for example 0912 345 678) or your e-mail address.")) from exc


def address_hash(address: str) -> str:
    """Keyed hash of an address: what the ledger keeps after erasure (phones are guessable,
    so a plain hash would not hide them)."""
    address = address.strip().lower() if "@" in address else address.strip()
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"address:{address}".encode(), hashlib.sha256).hexdigest()
