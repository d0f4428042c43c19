"""Consents: recorded with the data they cover, withdrawn when the person stops messages."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core.timeutil import utcnow
from civic.extensions import db
from civic.privacy.models import Consent, ConsentChannel
from civic.privacy.services.errors import PrivacyError
from civic.privacy.services.labels import CHANNELS, MESSAGE_PURPOSES, PURPOSES, consent_missing_message
from civic.privacy.services.notice import ensure_notice


@dataclass(frozen=True)
class ConsentGiven:
    """Proof that the person agreed, as the form or the organizer said."""

    channel: str = ConsentChannel.WEB
    recorded_by_id: int | None = None


def consent_from(value, channel: str = ConsentChannel.WEB, recorded_by=None) -> ConsentGiven | None:
    """A ticked box ("y", True) or the API's ``consent: true`` (a JSON true only); else None."""
    if channel == ConsentChannel.API:
        ok = value is True
    else:
        ok = value is True or (isinstance(value, str) and value.strip().lower() in ("y", "yes", "on", "true", "1"))
    if not ok:
        return None
    if channel not in CHANNELS:
        raise PrivacyError(_("Some of the information is not valid."))
    return ConsentGiven(channel=channel, recorded_by_id=getattr(recorded_by, "id", None))


def record_consent(given: ConsentGiven | None, subject_kind: str, subject_id: int, *purposes: str) -> list[Consent]:
    """Add the consent rows to the caller's transaction (the caller commits with its data)."""
    if given is None:
        raise PrivacyError(consent_missing_message())
    notice = ensure_notice()
    now = utcnow()
    rows = []
    for purpose in purposes:
        if purpose not in PURPOSES:
            raise ValueError(purpose)
        row = Consent(subject_kind=subject_kind, subject_id=subject_id, purpose=purpose, notice_id=notice.id,
                      given_at=now, channel=given.channel, recorded_by_id=given.recorded_by_id)
        db.session.add(row)
        rows.append(row)
    return rows


def consents_for(subjects) -> list[Consent]:
    subjects = list(subjects)
    if not subjects:
        return []
    clauses = [sa.and_(Consent.subject_kind == k, Consent.subject_id == i) for k, i in subjects]
    found = []
    for start in range(0, len(clauses), 200):
        found += db.session.scalars(sa.select(Consent).where(sa.or_(*clauses[start:start + 200])))
    return sorted(found, key=lambda c: (c.given_at, c.id))


def withdraw_message_consents(subjects) -> int:
    now = utcnow()
    changed = 0
    for consent in consents_for(subjects):
        if consent.purpose in MESSAGE_PURPOSES and consent.withdrawn_at is None:
            consent.withdrawn_at = now
            changed += 1
    return changed
