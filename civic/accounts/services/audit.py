"""The audit log as the administrator reads it: every kind in words, and who did what to whom."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from civic.accounts.models import User
from civic.accounts.services.labels import role_label
from civic.accounts.services.users import _like_pattern
from civic.core.text import fold
from civic.extensions import db
from civic.privacy import services as privacy
from civic.privacy.models import AuditLog


def audit_labels() -> dict[str, str]:
    """Every kind of audit row, in words (the filter lists them all)."""
    return {
        "role_change": _("Role changed"),
        "deactivate": _("Account deactivated"),
        "reactivate": _("Account reactivated"),
        "token_create": _("API token created"),
        "token_revoke": _("API token revoked"),
        "answers_view": _("Answers list viewed (with phone numbers)"),
        "answers_export": _("Answers exported"),
        "contacts_export": _("Directory exported"),
        "letters_print": _("Invitation letters printed"),
        "sign_in_sheet": _("Sign-in sheet printed"),
        "attendance_report": _("Attendance report viewed or exported"),
        "schedule_print": _("Work schedule printed with its internal items"),
        "schedule_docx": _("Work schedule downloaded (.docx) with its internal items"),
        **privacy.audit_labels(),
    }


def audit_label(action: str) -> str:
    return audit_labels().get(action, action)


def audit_actor(entry: AuditLog) -> str:
    """Who acted, in words: a guest's own privacy request was made by the person, not the system."""
    if entry.actor:
        return entry.actor.full_name
    return _("the person themselves") if entry.action.startswith("privacy_") else _("system")


def describe_audit(entry: AuditLog) -> str:
    """old → new in words for the audit page."""
    detail = entry.detail or {}
    if entry.action == "role_change":
        return f"{role_label(detail.get('old', ''))} → {role_label(detail.get('new', ''))}"
    if entry.action in {"deactivate", "reactivate"}:
        state = {True: _("active"), False: _("deactivated")}
        return f"{state.get(detail.get('old'), '')} → {state.get(detail.get('new'), '')}"
    if entry.action.startswith("token_"):
        return f"{detail.get('name', '')} ({detail.get('prefix', '')}…)"
    if entry.action.startswith("privacy_"):
        return privacy.describe_audit(entry.action, detail)
    if "rows" in detail:
        rows = _("%(count)s rows", count=detail.get("rows") or 0)
        fmt = {"csv": "CSV", "xlsx": "Excel (.xlsx)", "api": "API", "docx": "Word (.docx)"}.get(detail.get("format") or "")
        return " · ".join(p for p in (detail.get("event_title") or "", rows, fmt or "") if p)
    return ""


def list_audit(page: int = 1, per_page: int = 50, target_id: int | None = None,
               person: str = "", kind: str = ""):
    """Audit rows, newest first; ``person`` matches the actor's or the concerned person's
    name or e-mail (tone marks optional), ``kind`` one action."""
    stmt = sa.select(AuditLog).order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    if target_id:
        stmt = stmt.where(AuditLog.target_user_id == target_id)
    folded = fold(person or "")
    if folded:
        matching = sa.select(User.id).where(User.search_folded.like(_like_pattern(folded), escape="\\"))
        stmt = stmt.where(sa.or_(AuditLog.actor_id.in_(matching), AuditLog.target_user_id.in_(matching)))
    if kind:
        stmt = stmt.where(AuditLog.action == kind)
    return db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)
