"""Who saw what: exports and prints of personal data go to the audit log."""

from __future__ import annotations

import sqlalchemy as sa

from civic.extensions import db
from civic.invitations.models import Contact, Invitation
from civic.privacy.audit import record_and_commit


def record_access(user, action: str, event=None, fmt: str | None = None, rows: int | None = None) -> None:
    """Write to the audit log that ``user`` exported or printed personal data: the directory
    (no event) or an event's invitations (letters, sign-in sheet, attendance report)."""
    if rows is None:
        if event is None:
            rows = db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) or 0
        else:
            rows = db.session.scalar(
                sa.select(sa.func.count()).select_from(Invitation).where(Invitation.event_id == event.id)) or 0
    detail = {"rows": int(rows), "format": fmt}
    if event is not None:
        detail |= {"event_id": event.id, "event_title": event.title}
    record_and_commit(user, action, None, **detail)
