"""The person's rights: see, download, correct, withdraw, erase, or ask; each one registered."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from civic.config import ward_settings
from civic.core.db import transaction
from civic.core.spreadsheets import safe_row
from civic.core.text import clean_line, nfc
from civic.core.timeutil import format_datetime, isoformat_local, utcnow
from civic.extensions import db
from civic.privacy import registry
from civic.privacy.audit import record_audit
from civic.privacy.models import Request, RequestKind, RequestStatus
from civic.privacy.registry import Identity
from civic.privacy.services.addresses import address_hash
from civic.privacy.services.consents import consents_for, withdraw_message_consents
from civic.privacy.services.errors import PrivacyError
from civic.privacy.services.identity import IDENTITY_MAX_AGE
from civic.privacy.services.labels import (
    channel_labels,
    purpose_labels,
    request_kind_labels,
    request_status_labels,
)


def gather(identity: Identity) -> list[registry.Section]:
    sections = []
    for _name, provider in registry.providers():
        section = provider.find(identity)
        if section is not None:
            sections.append(section)
    subjects = [s for section in sections for s in section.subjects]
    purposes, channels = purpose_labels(), channel_labels()
    consents = registry.Section(
        key="consents", title=_("Consents you gave"),
        headers=[_("Purpose"), _("Notice version"), _("Given on"), _("How"), _("Withdrawn on")],
        rows=[[purposes.get(c.purpose, c.purpose), c.notice.version, format_datetime(c.given_at),
               channels.get(c.channel, c.channel), format_datetime(c.withdrawn_at) if c.withdrawn_at else ""]
              for c in consents_for(subjects)],
    )
    hashes = [address_hash(a) for a in identity.addresses]
    clauses = [Request.contact_hash.in_(hashes)] if hashes else []
    if identity.user_id:
        clauses.append(Request.user_id == identity.user_id)
    kinds, statuses = request_kind_labels(), request_status_labels()
    requests = registry.Section(
        key="requests", title=_("Your requests about your data"),
        headers=[_("Request"), _("Received on"), _("Status"), _("Done on")],
        rows=[[kinds.get(r.kind, r.kind), format_datetime(r.created_at), statuses.get(r.status, r.status),
               format_datetime(r.closed_at) if r.closed_at else ""]
              for r in (db.session.scalars(sa.select(Request).where(sa.or_(*clauses)).order_by(Request.id))
                        if clauses else [])],
    )
    return [*sections, consents, requests]


def _register(kind: str, identity: Identity, proof: str, actor=None, *, outcome=None, text: str = "",
              done: bool = True, contact: str | None = None) -> Request:
    """Every request is registered (and audited) in the caller's transaction."""
    now = utcnow()
    first = contact or (identity.addresses[0] if identity.addresses else None)
    req = Request(
        kind=kind, proof=proof, user_id=identity.user_id, created_at=now,
        status=RequestStatus.DONE if done else RequestStatus.OPEN, closed_at=now if done else None,
        contact=None if done else first, contact_hash=address_hash(first) if first else None,
        identity={"hashes": [address_hash(a) for a in identity.addresses], "user_id": identity.user_id},
        text=text, outcome=outcome or {},
    )
    db.session.add(req)
    db.session.flush()
    record_audit(actor, f"privacy_{kind}", request_id=req.id, proof=proof, status=req.status)
    return req


def _filename_stem() -> str:
    return f"du-lieu-ca-nhan-{utcnow():%Y%m%d}"


def export_json(identity: Identity, proof: str, actor=None) -> tuple[bytes, str]:
    sections = gather(identity)
    data = {"generated_at": isoformat_local(utcnow()), "controller": ward_settings(current_app.config)["issuer_name"],
            "sections": [{"key": s.key, "title": s.title, "note": s.note,
                          "rows": [dict(zip(s.headers, row, strict=False)) for row in s.rows]} for s in sections]}
    with transaction():
        _register(RequestKind.EXPORT, identity, proof, actor, outcome={"format": "json"})
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode(), _filename_stem() + ".json"


def export_xlsx(identity: Identity, proof: str, actor=None) -> tuple[bytes, str]:
    from openpyxl import Workbook

    sections = gather(identity)
    book = Workbook()
    book.remove(book.active)
    for section in sections:
        title = re.sub(r"[\[\]:*?/\\]", " ", section.title)[:31]
        sheet = book.create_sheet(title)
        sheet.append(safe_row(section.headers))
        for row in section.rows:
            sheet.append(safe_row(["" if v is None else v for v in row]))
        if section.note:
            sheet.append([])
            sheet.append(safe_row([section.note]))
    buffer = io.BytesIO()
    book.save(buffer)
    with transaction():
        _register(RequestKind.EXPORT, identity, proof, actor, outcome={"format": "xlsx"})
    return buffer.getvalue(), _filename_stem() + ".xlsx"


def record_access(identity: Identity, proof: str, actor=None) -> None:
    """Seeing one's data is a request; the same person opening the page again within the
    link's lifetime is the same request, so reloads don't bury the real ones."""
    contact_hash = address_hash(identity.addresses[0]) if identity.addresses else None
    recent = sa.select(Request.id).where(
        Request.kind == RequestKind.ACCESS, Request.created_at > utcnow() - timedelta(seconds=IDENTITY_MAX_AGE),
        Request.contact_hash == contact_hash if contact_hash else Request.contact_hash.is_(None),
        Request.user_id == identity.user_id if identity.user_id else Request.user_id.is_(None),
    ).limit(1)
    if db.session.scalar(recent) is not None:
        return
    with transaction():
        _register(RequestKind.ACCESS, identity, proof, actor)


def correct_name(identity: Identity, proof: str, name: str, actor=None) -> int:
    name = clean_line(name or "")[:120]
    if not name:
        raise PrivacyError(_("Enter your name."))
    changed = 0
    with transaction():
        for _n, provider in registry.providers():
            if provider.correct is not None:
                changed += provider.correct(identity, name)
        _register(RequestKind.CORRECT, identity, proof, actor, outcome={"rows": changed})
    return changed


def withdraw(identity: Identity, proof: str, actor=None) -> int:
    """Stop messages, as unsubscribing from every topic does, and mark the consents withdrawn."""
    changed = 0
    with transaction():
        subjects = []
        for _n, provider in registry.providers():
            if provider.withdraw is not None:
                changed += provider.withdraw(identity)
            section = provider.find(identity)
            if section is not None:
                subjects += section.subjects
        changed += withdraw_message_consents(subjects)
        _register(RequestKind.WITHDRAW, identity, proof, actor, outcome={"rows": changed})
    return changed


@dataclass
class ErasureResult:
    request: Request
    erased: int
    kept: list[str]
    open: bool


def erase(identity: Identity, proof: str, actor=None) -> ErasureResult:
    """Erase or anonymise everything the providers hold, in one transaction.

    Providers keep what an official record must keep and say so; a provider that needs an
    administrator (a staff account) leaves the request open for them."""
    erased, kept, needs_admin = 0, [], False
    with transaction():
        for _n, provider in registry.providers():
            if provider.erase is None:
                continue
            result = provider.erase(identity)
            erased += result.erased
            kept += result.kept
            needs_admin = needs_admin or getattr(result, "needs_admin", False)
        req = _register(RequestKind.ERASE, identity, proof, actor, outcome={"erased": erased, "kept": kept},
                        done=not needs_admin)
    return ErasureResult(req, erased, kept, needs_admin)


def ask(identity: Identity, proof: str, text: str, actor=None) -> Request:
    """Anything else (restrict, object, a question): open until an administrator answers."""
    text = nfc(text or "").strip()[:4000]
    if len(text) < 5:
        raise PrivacyError(_("Write what you are asking for."))
    with transaction():
        return _register(RequestKind.OTHER, identity, proof, actor, text=text, done=False)
