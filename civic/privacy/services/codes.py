"""A code sent to a phone or e-mail proves it to someone with neither a link nor an account."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from civic.core import ratelimits
from civic.core.db import transaction
from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.privacy.models import Code, RequestProof
from civic.privacy.services.addresses import address_hash, normalize_address
from civic.privacy.services.errors import PrivacyError
from civic.privacy.services.identity import identity_of_address, identity_token
from civic.privacy.services.messages import code_message, send_message

CODE_TTL = timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5


def _code_hash(address: str, code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"privacy-code:{address}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(raw_address: str, limited: bool = True) -> None:
    """Send a code to this phone or e-mail. The caller says the same whether anything is held
    for it or not: a code goes to any valid address (within the per-recipient daily cap)."""
    address = normalize_address(raw_address)
    if limited and not ratelimits.count_message(address):
        return  # the same answer as when sent: nothing to learn from it
    code = f"{secrets.randbelow(10**6):06d}"
    now = utcnow()
    with transaction():
        db.session.execute(sa.update(Code).where(Code.address_hash == address_hash(address), Code.used_at.is_(None))
                           .values(used_at=now))
        db.session.add(Code(address_hash=address_hash(address), code_hash=_code_hash(address, code),
                            created_at=now, expires_at=now + CODE_TTL))
        send_message(code_message(), address, {"code": code},
                     dedupe=f"privacy:code:{address_hash(address)[:16]}:{now:%Y%m%d%H%M%S%f}")


def verify_code(raw_address: str, code: str) -> str:
    """The "your data" link token for this address once its code is right."""
    address = normalize_address(raw_address)
    expired = PrivacyError(_("This code has expired or was tried too many times. Ask for a new code."))
    code = re.sub(r"\D", "", code or "")
    with transaction():
        row = db.session.scalar(
            sa.select(Code).where(Code.address_hash == address_hash(address), Code.used_at.is_(None))
            .order_by(Code.id.desc()).limit(1)
        )
        if row is None or row.expires_at < utcnow() or row.attempts >= CODE_MAX_ATTEMPTS:
            raise expired
        row.attempts += 1
        right = hmac.compare_digest(row.code_hash, _code_hash(address, code))
        if right:
            row.used_at = utcnow()
    if not right:  # the attempt is counted (committed above) before the refusal
        raise PrivacyError(_("This code is not right. Check the message and try again, or ask for a new code."))
    return identity_token(identity_of_address(address), RequestProof.CODE)
