"""The audit log: who did or saw what, when (exports, views of phone lists, admin changes)."""

from __future__ import annotations

from civic.core.db import transaction, writing
from civic.extensions import db
from civic.privacy.models import AuditLog


def record_audit(actor, action: str, target=None, **detail) -> AuditLog:
    """Add an audit row to the session (the caller's commit writes it with its work).

    ``actor``/``target`` are users (anything with ``.id``) or None; ``detail`` is JSON: for
    exports, ``event_id``, ``event_title``, ``rows`` and ``format``.
    """
    entry = AuditLog(
        actor_id=actor.id if actor is not None and getattr(actor, "id", None) else None,
        action=action,
        target_user_id=target.id if target is not None else None,
        detail=detail,
    )
    db.session.add(entry)
    return entry


def record_and_commit(actor, action: str, target=None, **detail) -> AuditLog:
    """For reads (exports, pages): the row is written even though the request writes nothing else."""
    with writing(), transaction():
        entry = record_audit(actor, action, target, **detail)
    return entry
