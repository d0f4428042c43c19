"""The ward's side of the requests: what is open, closing one (the person is told), consent counts."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.core.db import transaction
from civic.core.text import nfc
from civic.core.timeutil import format_datetime, utcnow
from civic.extensions import db
from civic.privacy.audit import record_audit
from civic.privacy.models import Consent, Request, RequestStatus
from civic.privacy.services.errors import PrivacyError
from civic.privacy.services.labels import purpose_labels
from civic.privacy.services.messages import done_message, send_message


def open_requests() -> list[Request]:
    return list(db.session.scalars(sa.select(Request).where(Request.status == RequestStatus.OPEN).order_by(Request.created_at)))


def recent_requests(limit: int = 50) -> list[Request]:
    return list(db.session.scalars(
        sa.select(Request).where(Request.status == RequestStatus.DONE).order_by(Request.closed_at.desc()).limit(limit)
    ))


def age_days(req: Request) -> int:
    return max((utcnow() - req.created_at).days, 0)


def get_request(request_id) -> Request | None:
    return db.session.get(Request, request_id) if isinstance(request_id, int) else None


def close_request(req: Request, actor, note: str) -> Request:
    """Done: the person is told at the address they asked from, then only its hash is kept."""
    if req.status != RequestStatus.OPEN:
        raise PrivacyError(_("This request is already closed."), 409)
    note = nfc(note or "").strip()[:2000]
    if not note:
        raise PrivacyError(_("Write what was done, for the person and the record."))
    with transaction():
        req.status = RequestStatus.DONE
        req.closed_at = utcnow()
        req.closed_by_id = getattr(actor, "id", None)
        req.outcome = {**(req.outcome or {}), "note": note}
        if req.contact:
            send_message(done_message(), req.contact,
                         {"received": format_datetime(req.created_at), "note": note}, dedupe=f"privacy:done:{req.id}")
        req.contact = None
        record_audit(actor, "privacy_request_closed", request_id=req.id)
    return req


def consent_counts() -> list[tuple[str, int, int]]:
    """(purpose label, given, withdrawn) for the admin page."""
    rows = db.session.execute(
        sa.select(Consent.purpose, sa.func.count(Consent.id), sa.func.count(Consent.withdrawn_at))
        .group_by(Consent.purpose).order_by(Consent.purpose)
    ).all()
    labels = purpose_labels()
    return [(labels.get(p, p), int(n), int(w)) for p, n, w in rows]
