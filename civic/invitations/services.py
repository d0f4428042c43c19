"""Rules for the directory of leaders, invitation lists, answers, check-in and reports."""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from civic.accounts.models import ResidentialGroup
from civic.core.collation import sort_key, split_full_name
from civic.core.db import transaction
from civic.core.phone import InvalidPhone, normalize_phone
from civic.core.spreadsheets import safe_row
from civic.core.text import clean_line, fold, nfc
from civic.core.timeutil import local_today, utcnow
from civic.extensions import db
from civic.invitations.models import (
    ROLES,
    Contact,
    ContactGroup,
    Invitation,
    LetterSettings,
    Post,
    PostHolding,
    contact_group_members,
)
from civic.privacy import services as privacy

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESPONSES = ("attend", "decline", "substitute")


class InvitationError(ValueError):
    """A rule was broken; ``str(exc)`` is a translated, user-facing message."""


class ConsentMissing(InvitationError):
    """Naming a substitute without the consent box ticked (422: nothing stored)."""


DEFAULT_ROLE = "dai_bieu"


def role_labels() -> dict[str, str]:
    """The plain invitee first: chairing is chosen on purpose, never by default."""
    return {"dai_bieu": _("Delegate"), "khach_moi": _("Guest"), "chu_tri": _("Chair")}


def status_labels() -> dict[str, str]:
    return {"pending": _("No answer yet"), "attend": _("Will attend"), "decline": _("Declined"),
            "substitute": _("Sends a substitute")}


def ward_settings() -> dict[str, str]:
    """The issuing body and place names printed on letters (civic.config.ward_settings), and who signs."""
    from civic.config import ward_settings as configured_ward

    cfg = current_app.config
    settings = dict(configured_ward(cfg))
    # Who signs the giấy mời unless a letter's settings say otherwise; no name = a blank line.
    settings["signer_title"] = (cfg.get("CIVIC_WARD_SIGNER_TITLE") or "").replace("\\n", "\n").strip() or (
        _("ON BEHALF OF THE PEOPLE'S COMMITTEE") + "\n" + _("CHAIRMAN"))
    settings["signer_name"] = (cfg.get("CIVIC_WARD_SIGNER_NAME") or "").strip()
    return settings


# --------------------------------------------------------------------------- contacts


def _clean_email(raw: str | None) -> str | None:
    email = clean_line(raw).lower()
    if not email:
        return None
    if not _EMAIL_RE.match(email):
        raise InvitationError(_("This email address is not valid."))
    return email


def list_contacts(q: str | None = None, group_id: int | None = None, residential_group_id: int | None = None) -> list[Contact]:
    stmt = sa.select(Contact).options(selectinload(Contact.groups))
    if q:
        folded = fold(q)
        digits = "".join(ch for ch in q if ch.isdigit())
        cond = Contact.name_folded.contains(folded)
        if len(digits) >= 4:
            cond = cond | Contact.phone.contains(digits.lstrip("0"))
        stmt = stmt.where(cond)
    if group_id:
        stmt = stmt.where(Contact.id.in_(sa.select(contact_group_members.c.contact_id).where(
            contact_group_members.c.group_id == group_id)))
    if residential_group_id:
        stmt = stmt.where(Contact.residential_group_id == residential_group_id)
    return sorted(db.session.scalars(stmt).unique(), key=lambda c: c.name_key)


def get_contact(contact_id) -> Contact | None:
    try:
        return db.session.get(Contact, int(contact_id))
    except (TypeError, ValueError):
        return None


LEGAL_BASES = ("public_duty", "legal_obligation", "consent")
DEFAULT_LEGAL_BASIS = "public_duty"


def legal_basis_labels() -> dict[str, str]:
    """Why the ward may hold a contact's data (Law 91/2025/QH15, Art. 19)."""
    return {
        "public_duty": _("Carrying out a public duty"),
        "legal_obligation": _("A legal obligation"),
        "consent": _("The person's consent"),
    }


def check_legal_basis(value: str | None) -> str:
    value = value or DEFAULT_LEGAL_BASIS
    if value not in LEGAL_BASES:
        raise InvitationError(_("Choose the legal basis for holding this data."))
    return value


def source_label(contact: Contact) -> str:
    if contact.source is None:
        return _("Source not recorded (added before sources were kept)")
    return _("File %(name)s", name=contact.source) if contact.source else _("Entered by hand")


def save_contact(contact: Contact | None, *, full_name: str, position: str = "", unit: str = "",
                 residential_group: str | None = None, phone: str | None = None, email: str | None = None,
                 notes: str = "", group_ids: list[int] | None = None, legal_basis: str | None = None) -> Contact:
    legal_basis = check_legal_basis(legal_basis)
    family, middle, given = split_full_name(clean_line(full_name))
    if not given:
        raise InvitationError(_("Enter the person's full name."))
    phone_e164 = None
    if phone:
        try:
            phone_e164 = normalize_phone(phone)
        except InvalidPhone as exc:
            raise InvitationError(_("This is not a valid Vietnamese phone number (for example 0912 345 678).")) from exc
    email = _clean_email(email)
    if phone_e164:
        clash = db.session.scalar(sa.select(Contact.id).where(Contact.phone == phone_e164))
        if clash and (contact is None or clash != contact.id):
            raise InvitationError(_("Another contact already has this phone number."))
    if contact is None:
        contact = Contact()
        db.session.add(contact)
    contact.family_name, contact.middle_name, contact.given_name = family, middle, given
    contact.name_folded = fold(contact.full_name)
    contact.position = clean_line(position)
    contact.unit = clean_line(unit)
    contact.phone = phone_e164
    contact.email = email
    contact.notes = nfc(notes or "").strip()
    contact.legal_basis = legal_basis
    if residential_group:
        from civic.accounts.services import find_group, get_or_create_group

        contact.residential_group = find_group(residential_group) or get_or_create_group(residential_group)
    else:
        contact.residential_group = None
    if email and contact.user_id is None:
        # A contact who is also a resident account: linked by the same email address.
        from civic.accounts.models import User

        contact.user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
    if group_ids is not None:
        contact.groups = list(db.session.scalars(sa.select(ContactGroup).where(ContactGroup.id.in_(group_ids)))) if group_ids else []
    db.session.commit()
    return contact


def delete_contact(contact: Contact) -> None:
    with transaction():
        db.session.delete(contact)


# --------------------------------------------------------------------------- groups and posts


def list_contact_groups() -> list[ContactGroup]:
    return sorted(db.session.scalars(sa.select(ContactGroup)), key=lambda g: sort_key(g.name))


def get_contact_group(group_id) -> ContactGroup | None:
    try:
        return db.session.get(ContactGroup, int(group_id))
    except (TypeError, ValueError):
        return None


def create_contact_group(name: str, post_title: str | None = None, description: str = "") -> ContactGroup:
    name = clean_line(name)
    if not name:
        raise InvitationError(_("Enter a name for the group."))
    if db.session.scalar(sa.select(ContactGroup.id).where(ContactGroup.name_folded == fold(name))):
        raise InvitationError(_("A group with this name already exists."))
    group = ContactGroup(name=name[:160], name_folded=fold(name), description=clean_line(description),
                         post_title_folded=fold(post_title) or None)
    with transaction():
        db.session.add(group)
    return group


def current_holders(post_title: str) -> list[tuple[Contact, Post]]:
    """Whoever holds a post with this title now, in every tổ dân phố."""
    rows = db.session.execute(
        sa.select(Contact, Post)
        .join(PostHolding, PostHolding.contact_id == Contact.id)
        .join(Post, Post.id == PostHolding.post_id)
        .where(Post.title_folded == fold(post_title), PostHolding.ended_on.is_(None))
    ).unique().all()
    return [(c, p) for c, p in rows]


def group_members(group: ContactGroup) -> list[tuple[Contact, str]]:
    """(contact, why) for a group: its listed members, or the current holders of its post."""
    if group.is_post_based:
        pairs = [(c, p.label) for c, p in current_holders(group.post_title_folded)]
    else:
        pairs = [(c, group.name) for c in group.contacts]
    return sorted(pairs, key=lambda pair: pair[0].name_key)


def list_posts() -> list[Post]:
    posts = db.session.scalars(sa.select(Post).options(selectinload(Post.holdings))).unique().all()
    return sorted(posts, key=lambda p: (sort_key(p.title), p.residential_group.sort_key if p.residential_group else (0,)))


def get_post(post_id) -> Post | None:
    try:
        return db.session.get(Post, int(post_id))
    except (TypeError, ValueError):
        return None


def get_or_create_post(title: str, residential_group: ResidentialGroup | None) -> Post:
    title = clean_line(title)
    if not title:
        raise InvitationError(_("Enter the title of the post."))
    stmt = sa.select(Post).where(Post.title_folded == fold(title))
    stmt = stmt.where(Post.residential_group_id == residential_group.id) if residential_group else stmt.where(
        Post.residential_group_id.is_(None))
    post = db.session.scalar(stmt)
    if post is None:
        post = Post(title=title[:160], title_folded=fold(title), residential_group=residential_group)
        db.session.add(post)
        db.session.flush()
    return post


def current_holding(post: Post) -> PostHolding | None:
    return db.session.scalar(sa.select(PostHolding).where(PostHolding.post_id == post.id, PostHolding.ended_on.is_(None)))


def hand_over(post: Post, contact: Contact, on: date | None = None, note: str = "") -> PostHolding:
    """The post passes to ``contact`` from ``on``: the previous holding ends that day."""
    on = on or local_today()
    with transaction():
        current = current_holding(post)
        if current is not None:
            if current.contact_id == contact.id:
                return current
            if on < current.started_on:
                raise InvitationError(_("The hand-over date is before the current holder started."))
            current.ended_on = on
        holding = PostHolding(post=post, contact=contact, started_on=on, note=clean_line(note)[:300])
        db.session.add(holding)
    return holding


# --------------------------------------------------------------------------- bulk group changes


def bulk_groups() -> list[ContactGroup]:
    """Groups whose members are listed (a post-based group follows its post, nobody is added by hand)."""
    return [g for g in list_contact_groups() if not g.is_post_based]


def _contact_ids(raw) -> list[int]:
    """The ids of existing contacts among ``raw`` (form values; anything else is left out)."""
    wanted = set()
    for value in raw or ():
        try:
            wanted.add(int(value))
        except (TypeError, ValueError):
            continue
    found: list[int] = []
    ordered = sorted(wanted)
    for i in range(0, len(ordered), 500):
        found += db.session.scalars(sa.select(Contact.id).where(Contact.id.in_(ordered[i:i + 500]))).all()
    return sorted(found)


def _bulk_group(group_id, new_group_name: str = "") -> ContactGroup:
    """The chosen group, or the one named (made when it does not exist yet; not committed)."""
    name = clean_line(new_group_name)[:160]
    group = None
    if name:
        group = db.session.scalar(sa.select(ContactGroup).where(ContactGroup.name_folded == fold(name)))
        if group is None:
            group = ContactGroup(name=name, name_folded=fold(name), description="")
            db.session.add(group)
            db.session.flush()
    elif group_id:
        group = get_contact_group(group_id)
    if group is None:
        raise InvitationError(_("Choose a group, or type the name of a new one."))
    if group.is_post_based:
        raise InvitationError(_("The members of \"%(name)s\" are whoever holds its post: change them on the posts page.",
                                name=group.name))
    return group


def check_bulk_group(group_id, new_group_name: str = "") -> None:
    """Raises InvitationError when ``_bulk_group`` would (before an import is written)."""
    if clean_line(new_group_name):
        existing = db.session.scalar(sa.select(ContactGroup).where(ContactGroup.name_folded == fold(new_group_name)))
        if existing is None:
            return
        group_id = existing.id
    _bulk_group(group_id)


def add_contacts_to_group(contact_ids, group_id=None, new_group_name: str = "") -> tuple[ContactGroup, int]:
    """Put the contacts in a group (a new one when named), in one transaction; returns the group
    and how many were not in it before."""
    ids = _contact_ids(contact_ids)
    if not ids:
        raise InvitationError(_("Tick at least one contact."))
    with transaction():
        group = _bulk_group(group_id, new_group_name)
        present: set[int] = set()
        for i in range(0, len(ids), 500):
            present.update(db.session.scalars(sa.select(contact_group_members.c.contact_id).where(
                contact_group_members.c.group_id == group.id, contact_group_members.c.contact_id.in_(ids[i:i + 500]))))
        rows = [{"contact_id": c, "group_id": group.id} for c in ids if c not in present]
        if rows:
            db.session.execute(contact_group_members.insert(), rows)
    return group, len(rows)


def remove_contacts_from_group(contact_ids, group_id) -> tuple[ContactGroup, int]:
    """Take the contacts out of a group, in one transaction; returns the group and how many left it."""
    ids = _contact_ids(contact_ids)
    if not ids:
        raise InvitationError(_("Tick at least one contact."))
    if not group_id:
        raise InvitationError(_("Choose the group to take them out of."))
    group = _bulk_group(group_id)
    removed = 0
    with transaction():
        for i in range(0, len(ids), 500):
            removed += db.session.execute(sa.delete(contact_group_members).where(
                contact_group_members.c.group_id == group.id,
                contact_group_members.c.contact_id.in_(ids[i:i + 500]))).rowcount
    return group, removed


# --------------------------------------------------------------------------- import jobs


def _imports_dir() -> Path:
    path = Path(current_app.config["CIVIC_DATA_DIR"]) / "contact-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


_JOB_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _job_paths(job_id: str) -> tuple[Path, Path]:
    if not _JOB_RE.match(job_id or ""):
        raise InvitationError(_("This import was not found. Upload the file again."))
    base = _imports_dir()
    return base / f"{job_id}.upload", base / f"{job_id}.json"


def read_job(job_id: str) -> dict:
    upload, status = _job_paths(job_id)
    if not status.exists():
        raise InvitationError(_("This import was not found. Upload the file again."))
    return json.loads(status.read_text(encoding="utf-8"))


def _write_job(job_id: str, data: dict) -> None:
    _, status = _job_paths(job_id)
    tmp = status.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(status)


def _prune_old_imports(max_age_hours: int = 48) -> None:
    """Uploads and previews nobody confirmed are removed after two days."""
    import time

    cutoff = time.time() - max_age_hours * 3600
    for path in _imports_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def start_import(data: bytes, filename: str, user_id: int | None, mapping: dict | None = None) -> str:
    """Keep the upload under the data directory and analyse it in the queue; returns the job id."""
    from civic.invitations.importer import check_readable

    if not data:
        raise InvitationError(_("Choose a file to import."))
    try:
        check_readable(data, filename)
    except ValueError as exc:
        raise InvitationError(str(exc)) from exc
    _prune_old_imports()
    job_id = secrets.token_urlsafe(24)
    upload, _status = _job_paths(job_id)
    upload.write_bytes(data)
    _write_job(job_id, {"id": job_id, "state": "queued", "filename": clean_line(filename)[:200], "user_id": user_id,
                        "progress": 0, "mapping": mapping, "report": None, "error": None})
    from civic.invitations.tasks import analyse_import_task

    analyse_import_task(job_id)
    return job_id


def remap_import(job_id: str, mapping: dict[int, str]) -> None:
    job = read_job(job_id)
    if job["state"] == "written":
        raise InvitationError(_("This import has already been written."))
    job.update(state="queued", mapping={str(k): v for k, v in mapping.items()}, report=None, error=None, progress=0)
    _write_job(job_id, job)
    from civic.invitations.tasks import analyse_import_task

    analyse_import_task(job_id)


def run_import_analysis(job_id: str) -> None:
    """Runs in the worker: parse + classify, progress written to the status JSON."""
    from civic.invitations.importer import analyse

    job = read_job(job_id)
    upload, _status = _job_paths(job_id)
    job["state"] = "running"
    _write_job(job_id, job)

    def progress(n):
        job["progress"] = n
        _write_job(job_id, job)

    try:
        mapping = {int(k): v for k, v in job["mapping"].items()} if job.get("mapping") else None
        report = analyse(upload.read_bytes(), job["filename"], mapping, progress)
    except ValueError as exc:
        job.update(state="error", error=str(exc))
    else:
        job.update(state="ready", report=report.as_dict(), progress=len(report.rows))
    _write_job(job_id, job)


def confirm_import(job_id: str, group_id: int | None = None, new_group_name: str = "",
                   legal_basis: str | None = None) -> dict:
    """Write the previewed rows, all or nothing (classification refreshed against the database);
    with a group (chosen, or new by name) everyone in the file joins it in the same transaction."""
    from civic.invitations.importer import ImportReport, classify, write_import

    job = read_job(job_id)
    if job["state"] == "written":
        raise InvitationError(_("This import has already been written."))
    if job["state"] != "ready" or not job.get("report"):
        raise InvitationError(_("The file is still being checked. Wait for the preview, then confirm."))
    if group_id or clean_line(new_group_name):
        check_bulk_group(group_id, new_group_name)
    legal_basis = check_legal_basis(legal_basis)
    report = ImportReport.from_dict(job["report"])
    classify(report.rows)
    summary = write_import(report, group_id=group_id, new_group_name=new_group_name, legal_basis=legal_basis,
                           source=job.get("filename") or "")
    job.update(state="written", summary=summary, report=None, legal_basis=legal_basis)  # personal data is not kept after writing
    _write_job(job_id, job)
    upload, _status = _job_paths(job_id)
    upload.unlink(missing_ok=True)
    return summary


# --------------------------------------------------------------------------- export


def export_contacts_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "Danh bạ"
    # Fixed Vietnamese headers: the file goes back in through the importer in any locale.
    ws.append(["STT", "Họ và tên", "Họ", "Tên đệm", "Tên", "Chức vụ", "Đơn vị", "Tổ dân phố", "Số điện thoại",
               "Email", "Nhóm", "Ghi chú"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    from civic.core.phone import format_phone_local

    for n, c in enumerate(list_contacts(), start=1):
        ws.append(safe_row([n, c.full_name, c.family_name, c.middle_name, c.given_name, c.position, c.unit,
                            c.residential_group.name if c.residential_group else "", format_phone_local(c.phone),
                            c.email or "", "; ".join(sorted((g.name for g in c.groups), key=sort_key)), c.notes]))
    for col, width in zip("ABCDEFGHIJKL", (6, 28, 12, 14, 10, 30, 30, 18, 15, 28, 30, 30), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- invitations


def respond_url(inv: Invitation) -> str:
    """The personal answer link (built from CIVIC_BASE_URL: also works in the CLI and the worker)."""
    return current_app.config["CIVIC_BASE_URL"] + "/giay-moi/" + inv.token


def checkin_url(inv: Invitation) -> str:
    """What the letter's QR code encodes."""
    return current_app.config["CIVIC_BASE_URL"] + "/diem-danh/" + inv.checkin_code


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def managed_events(user) -> list:
    """Events this organizer may manage (all for admins), newest first, with invitee counts."""
    from civic.core.permissions import is_admin
    from civic.events.models import Event

    stmt = sa.select(Event).order_by(Event.starts_at.desc()).limit(200)
    if not is_admin(user):
        stmt = stmt.where(Event.organizer_id == user.id)
    events = list(db.session.scalars(stmt))
    counts = dict(db.session.execute(
        sa.select(Invitation.event_id, sa.func.count(Invitation.id))
        .where(Invitation.event_id.in_([e.id for e in events])).group_by(Invitation.event_id)).all()) if events else {}
    return [(e, counts.get(e.id, 0)) for e in events]


def list_invitations(event) -> list[Invitation]:
    rows = db.session.scalars(
        sa.select(Invitation).where(Invitation.event_id == event.id).options(selectinload(Invitation.recorded_by))
    ).all()
    return sorted(rows, key=lambda i: i.name_key)


def _snapshot(inv: Invitation, contact: Contact) -> None:
    inv.family_name, inv.middle_name, inv.given_name = contact.family_name, contact.middle_name, contact.given_name
    inv.name_folded = contact.name_folded or fold(contact.full_name)
    inv.position, inv.unit = contact.position, contact.unit
    inv.residential_group_name = contact.residential_group.name if contact.residential_group else ""
    inv.phone, inv.email = contact.phone, contact.email


def add_invitees(event, *, group_ids=(), post_ids=(), contact_ids=(), role: str = DEFAULT_ROLE) -> int:
    """Add contacts to the event's list; each remembers why (first source wins). Returns the number added."""
    if role not in ROLES:
        raise InvitationError(_("Choose a role at the meeting."))
    wanted: dict[int, tuple[Contact, str, int | None, int | None]] = {}
    for gid in group_ids:
        group = get_contact_group(gid)
        if group is None:
            raise InvitationError(_("This group does not exist."))
        label = _("Group: %(name)s", name=group.name)
        if group.is_post_based:
            for contact, post in current_holders(group.post_title_folded):
                wanted.setdefault(contact.id, (contact, f"{label} ({post.label})", post.id, group.id))
        else:
            for contact in group.contacts:
                wanted.setdefault(contact.id, (contact, label, None, group.id))
    for pid in post_ids:
        post = get_post(pid)
        if post is None:
            raise InvitationError(_("This post does not exist."))
        holding = current_holding(post)
        if holding is not None:
            wanted.setdefault(holding.contact_id,
                              (holding.contact, _("Post: %(name)s", name=post.label), post.id, None))
    if contact_ids:
        found = db.session.scalars(sa.select(Contact).where(Contact.id.in_([int(c) for c in contact_ids]))).all()
        if len(found) != len(set(int(c) for c in contact_ids)):
            raise InvitationError(_("This contact does not exist."))
        for contact in found:
            wanted.setdefault(contact.id, (contact, _("Individual"), None, None))
    if not wanted:
        raise InvitationError(_("Nobody to add: choose a group, a post or a person."))
    present = set(db.session.scalars(sa.select(Invitation.contact_id).where(
        Invitation.event_id == event.id, Invitation.contact_id.is_not(None))))
    added = 0
    with transaction():
        for contact_id, (contact, why, post_id, group_id) in wanted.items():
            if contact_id in present:
                continue
            inv = Invitation(event_id=event.id, contact_id=contact_id, token=_new_token(), checkin_code=_new_token(),
                             role=role, source=why[:200], post_id=post_id, group_id=group_id)
            _snapshot(inv, contact)
            db.session.add(inv)
            added += 1
    return added


def follow_hand_overs(event) -> list[tuple[str, str]]:
    """Invitations sent to a post's holder who has since handed it over move to the new holder
    while they are unanswered and nobody has checked in; returns (old name, new name) pairs."""
    moved = []
    invs = db.session.scalars(sa.select(Invitation).where(
        Invitation.event_id == event.id, Invitation.post_id.is_not(None), Invitation.status == "pending",
        Invitation.checked_in_at.is_(None))).all()
    present = set(db.session.scalars(sa.select(Invitation.contact_id).where(Invitation.event_id == event.id)))
    with transaction():
        for inv in invs:
            holding = current_holding(db.session.get(Post, inv.post_id))
            if holding is None or holding.contact_id == inv.contact_id or holding.contact_id in present:
                continue
            old_name = inv.full_name
            present.discard(inv.contact_id)
            inv.contact_id = holding.contact_id
            _snapshot(inv, holding.contact)
            # The old holder's personal links stop working; the new holder gets fresh ones.
            inv.token, inv.checkin_code, inv.sent_at, inv.reminded_at = _new_token(), _new_token(), None, None
            present.add(holding.contact_id)
            moved.append((old_name, inv.full_name))
    return moved


def get_invitation(event, invitation_id) -> Invitation | None:
    try:
        inv = db.session.get(Invitation, int(invitation_id))
    except (TypeError, ValueError):
        return None
    return inv if inv is not None and inv.event_id == event.id else None


def set_role(inv: Invitation, role: str) -> None:
    if role not in ROLES:
        raise InvitationError(_("Choose a role at the meeting."))
    with transaction():
        inv.role = role


def remove_invitation(inv: Invitation) -> None:
    with transaction():
        db.session.delete(inv)


def invitation_by_token(token: str | None) -> Invitation | None:
    if not token or len(token) < 32 or len(token) > 64:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.token == token))


def answers_closed(event) -> str | None:
    """Why the invitee can no longer answer through the link, or None."""
    if event.status == "cancelled":
        return _("This meeting has been cancelled.")
    if event.ends_at <= utcnow():
        return _("This meeting is over; answers are closed.")
    return None


def _answerable(inv: Invitation) -> None:
    from civic.events.services import get_event

    event = get_event(inv.event_id)
    if event.status == "cancelled":
        raise InvitationError(_("This meeting has been cancelled."))
    if event.ends_at <= utcnow():
        raise InvitationError(_("This meeting is over; answers are closed."))


def answer(inv: Invitation, response: str, *, reason: str = "", substitute_name: str = "",
           substitute_position: str = "", responder_name: str = "", via: str = "link", recorded_by=None,
           substitute_phone: str | None = None, consent=None) -> Invitation:
    """Record attend / decline / substitute on this invitation (whoever holds its link).

    Naming a substitute needs ``consent`` (civic.privacy.services.ConsentGiven: on the link's
    page, or "phone"/"paper" with the organizer who recorded it); it is kept with the answer."""
    if response not in RESPONSES:
        raise InvitationError(_("Choose whether you will attend, decline or send a substitute."))
    reason = nfc(reason or "").strip()[:1000]
    substitute_name = clean_line(substitute_name)[:160]
    substitute_position = clean_line(substitute_position)[:200]
    if response == "substitute" and not substitute_name:
        raise InvitationError(_("Enter the name of the person who will attend in your place."))
    phone_e164 = None
    if response == "substitute" and clean_line(substitute_phone):
        try:
            phone_e164 = normalize_phone(substitute_phone)
        except InvalidPhone as exc:
            raise InvitationError(_("This is not a valid Vietnamese phone number (for example 0912 345 678).")) from exc
    if response == "substitute" and consent is None:
        raise ConsentMissing(privacy.consent_missing_message())
    if via == "link":
        _answerable(inv)
    with transaction():
        inv.status = response
        inv.reason = reason if response in ("decline", "substitute") else ""
        inv.substitute_name = substitute_name if response == "substitute" else ""
        inv.substitute_position = substitute_position if response == "substitute" else ""
        inv.substitute_phone = phone_e164
        inv.responder_name = clean_line(responder_name)[:160]
        inv.answered_at = utcnow()
        inv.answered_via = via
        inv.recorded_by_id = recorded_by.id if recorded_by is not None else None
        if response == "substitute":
            privacy.record_consent(consent, "invitation", inv.id, "invitation_substitute")
    return inv


# --------------------------------------------------------------------------- sending


@dataclass
class SendResult:
    email: int
    sms: int
    skipped: int


def _event_context(event) -> dict:
    from civic.core.timeutil import format_datetime

    return {"event_title": event.title, "event_time": format_datetime(event.starts_at),
            "event_place": ", ".join(p for p in (event.venue_name, event.venue_address) if p)}


def send(event, invitations: list[Invitation], kind: str, user=None) -> SendResult:
    """Send invitations / reminders through the notification engine: email where known,
    SMS where only a phone is. ``kind``: invitation, reminder, resend."""
    from civic.notifications.services import Recipient, create_campaign

    if event.status == "cancelled":
        raise InvitationError(_("This meeting has been cancelled."))
    base = _event_context(event)
    by_channel: dict[str, list] = {"email": [], "sms": []}
    skipped = 0
    for inv in invitations:
        ctx = {**base, "name": inv.full_name, "answer_url": respond_url(inv)}
        channel = "email" if inv.email else ("sms" if inv.phone else None)
        if channel is None:
            skipped += 1
            continue
        by_channel[channel].append(Recipient(key=f"invitation:{inv.id}", name=inv.full_name, email=inv.email,
                                             phone=inv.phone, context=ctx))
    subjects = {
        "invitation": _("Invitation: {event_title}"),
        "reminder": _("Reminder: {event_title}"),
        "resend": _("Invitation: {event_title}"),
    }
    body = _("Dear {name},\n\nYou are invited to {event_title}.\nTime: {event_time}\nPlace: {event_place}\n\n"
             "Please tell us whether you will attend, decline or send a substitute:\n{answer_url}\n")
    if kind == "reminder":
        body = _("Dear {name},\n\nA reminder about {event_title}.\nTime: {event_time}\nPlace: {event_place}\n\n"
                 "Your answer, or a change of it:\n{answer_url}\n")
    sms = _("Invitation: {event_title}, {event_time}. Answer: {answer_url}")
    stamp = utcnow().strftime("%Y%m%d%H%M%S%f")
    for channel, recipients in by_channel.items():
        if not recipients:
            continue
        ids = ",".join(r.key for r in recipients)
        # Initial invitations are sent once per invitee set; reminders and resends on request.
        suffix = hashlib.sha256(ids.encode()).hexdigest()[:16] if kind == "invitation" else stamp
        create_campaign(
            kind=f"invitation_{kind}", topic="invitations", subject=subjects[kind], body_text=body,
            sms_text=sms if channel == "sms" else None, channels=(channel,), recipients=recipients,
            urgent=False, created_by=user, dedupe_key=f"invitations:{event.id}:{kind}:{channel}:{suffix}",
        )
    now = utcnow()
    sent_ids = {int(r.key.split(":")[1]) for rs in by_channel.values() for r in rs}
    with transaction():
        for inv in invitations:
            if inv.id in sent_ids:
                if kind == "reminder":
                    inv.reminded_at = now
                else:
                    inv.sent_at = inv.sent_at or now
    return SendResult(email=len(by_channel["email"]), sms=len(by_channel["sms"]), skipped=skipped)


def unsent_invitations(event) -> list[Invitation]:
    """Not sent yet and reachable (people with neither email nor phone get a printed letter)."""
    return [i for i in list_invitations(event) if i.sent_at is None and not i.is_walk_in and (i.email or i.phone)]


def send_invitations(event, user=None) -> SendResult:
    unsent = unsent_invitations(event)
    if not unsent:
        raise InvitationError(_("Everyone on the list has already been sent an invitation."))
    result = send(event, unsent, "invitation", user)
    # Those with neither email nor phone are counted, so the organizer knows whose letter to print.
    unreachable = sum(1 for i in list_invitations(event)
                      if i.sent_at is None and not i.is_walk_in and not (i.email or i.phone))
    return replace(result, skipped=result.skipped + unreachable)


def send_reminders(event, audience: str, user=None) -> SendResult:
    """audience: "pending" (no answer yet) or "accepted" (attend or substitute)."""
    invs = [i for i in list_invitations(event) if not i.is_walk_in]
    if audience == "pending":
        targets = [i for i in invs if i.status == "pending"]
    elif audience == "accepted":
        targets = [i for i in invs if i.status in ("attend", "substitute")]
    else:
        raise InvitationError(_("Choose who to remind."))
    if not targets:
        raise InvitationError(_("Nobody to remind."))
    return send(event, targets, "reminder", user)


# --------------------------------------------------------------------------- changes of the event

# Edits of time or place saved within one clock minute (UTC) make one notice to the invitees:
# from the state before the first edit of that minute to the state after its last. The notice
# goes out once the minute is over (plus a short grace for commits still in flight), so two
# quick corrections never send two messages and the invitee reads the final state. The
# campaign's dedupe key holds the minute: a window is announced once, whoever sends it.
CHANGE_WINDOW = timedelta(minutes=1)
CHANGE_GRACE = timedelta(seconds=10)
CHANGE_LOOKBACK = timedelta(days=1)
_CHANGE_FIELDS = ("starts_at", "ends_at", "venue_name", "venue_address")


def change_window_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def change_notice_targets(event) -> list[Invitation]:
    """Who hears of a change or a cancellation: everyone invited (sent, or answered by phone or
    on paper) who has not declined, including those who send a substitute; not walk-ins."""
    return [i for i in list_invitations(event)
            if not i.is_walk_in and i.status != "decline" and (i.sent_at is not None or i.status != "pending")
            and (i.email or i.phone or i.substitute_phone)]


def _notice_recipients(event, invitations, extra) -> dict[str, list]:
    from civic.notifications.services import Recipient

    by_channel: dict[str, list] = {"email": [], "sms": []}
    for inv in invitations:
        note = ""
        if inv.status == "substitute" and inv.substitute_name:
            note = _("Please pass this on to %(name)s, who attends in your place.", name=inv.substitute_name)
        ctx = {**extra, "name": inv.full_name, "answer_url": respond_url(inv), "substitute_note": note}
        if inv.email or inv.phone:
            channel = "email" if inv.email else "sms"
            by_channel[channel].append(Recipient(key=f"invitation:{inv.id}", name=inv.full_name, email=inv.email,
                                                 phone=inv.phone, context=ctx))
        if inv.status == "substitute" and inv.substitute_phone and inv.substitute_phone != inv.phone:
            # The person sent in their place hears it too, on their own phone (same invitation link).
            by_channel["sms"].append(Recipient(
                key=f"invitation:{inv.id}:substitute", name=inv.substitute_name, phone=inv.substitute_phone,
                context={**ctx, "name": inv.substitute_name, "substitute_note": ""}))
    return by_channel


def announce_change_window(event, window_start: datetime, now: datetime | None = None) -> int:
    """One notice per invitee for the time/place edits saved in the minute from ``window_start``;
    returns how many people it reaches (0 when cancelled, already sent or nothing changed in net)."""
    from civic.core.timeutil import format_datetime
    from civic.events.models import EventChange
    from civic.events.services import describe_change
    from civic.notifications.models import Campaign
    from civic.notifications.services import create_campaign

    window_start = change_window_start(window_start)
    stamp = f"invitations:{event.id}:change:{window_start:%Y%m%d%H%M}"
    if (now or utcnow()) < window_start + CHANGE_WINDOW + CHANGE_GRACE:
        return 0  # run early (clock skew): edits may still come; the sweep sends it later
    if event.status == "cancelled" or db.session.scalar(
            sa.select(Campaign.id).where(Campaign.dedupe_key.startswith(stamp + ":")).limit(1)):
        return 0
    rows = list(db.session.scalars(
        sa.select(EventChange).where(EventChange.event_id == event.id, EventChange.kind != "cancelled",
                                     EventChange.created_at >= window_start)
        .order_by(EventChange.created_at, EventChange.id)))
    window_end = window_start + CHANGE_WINDOW
    inside = [c for c in rows if c.created_at < window_end]
    net: dict[str, list] = {}
    for change in inside:
        for key, values in (change.detail or {}).items():
            if key in _CHANGE_FIELDS and isinstance(values, list) and len(values) == 2:
                net.setdefault(key, [values[0], values[1]])[1] = values[1]
    net = {key: values for key, values in net.items() if values[0] != values[1]}
    targets = change_notice_targets(event) if net else []
    if not targets:
        return 0
    # The state at the end of the window: now, with any later edits undone.
    state = {"starts_at": format_datetime(event.starts_at), "venue_name": event.venue_name,
             "venue_address": event.venue_address}
    for change in reversed([c for c in rows if c.created_at >= window_end]):
        for key, values in (change.detail or {}).items():
            if key in state and isinstance(values, list) and len(values) == 2:
                state[key] = values[0]
    lines = describe_change(SimpleNamespace(detail={k: net[k] for k in _CHANGE_FIELDS if k in net}))
    extra = {"event_title": event.title, "event_time": state["starts_at"],
             "event_place": ", ".join(p for p in (state["venue_name"], state["venue_address"]) if p) or "-",
             "changes": "\n".join(lines), "changes_short": "; ".join(lines)}
    body = _("Dear {name},\n\nThe meeting you are invited to, {event_title}, has changed:\n{changes}\n\n"
             "Now: {event_time}, {event_place}.\n{substitute_note}\n\n"
             "Your invitation, where you can also change your answer:\n{answer_url}\n")
    sms = _("Changed: {event_title}. {changes_short}. Your invitation: {answer_url}")
    reached = 0
    for channel, recipients in _notice_recipients(event, targets, extra).items():
        if recipients:
            create_campaign(
                kind="invitation_change", topic="invitations", subject=_("Changed: {event_title}"), body_text=body,
                sms_text=sms if channel == "sms" else None, channels=(channel,), recipients=recipients,
                urgent=True, created_by=event.organizer, dedupe_key=f"{stamp}:{channel}")
            reached += len(recipients)
    return reached


def announce_due_changes(now: datetime | None = None) -> int:
    """Announce every finished change window of the last day that has not been announced yet
    (the worker runs it; the dedupe key makes a second run send nothing)."""
    from civic.events.models import Event, EventChange

    now = now or utcnow()
    rows = db.session.execute(
        sa.select(EventChange.event_id, EventChange.created_at).where(
            EventChange.kind != "cancelled", EventChange.created_at >= now - CHANGE_LOOKBACK,
            EventChange.event_id.in_(sa.select(Invitation.event_id).distinct()))).all()
    windows = {(event_id, change_window_start(created)) for event_id, created in rows}
    reached = 0
    for event_id, start in sorted(windows):
        if start + CHANGE_WINDOW + CHANGE_GRACE <= now:
            reached += announce_change_window(db.session.get(Event, event_id), start, now)
    return reached


def announce_cancellation(event) -> int:
    """Everyone invited who has not declined hears once that the meeting is cancelled."""
    from civic.core.timeutil import format_datetime
    from civic.notifications.services import create_campaign

    targets = change_notice_targets(event)
    extra = {"event_title": event.title, "event_time": format_datetime(event.starts_at),
             "event_place": ", ".join(p for p in (event.venue_name, event.venue_address) if p) or "-",
             "reason": event.cancel_reason or ""}
    body = _("Dear {name},\n\nWe are sorry: the meeting you were invited to, {event_title} ({event_time}, "
             "{event_place}), has been cancelled.\n{reason}\n{substitute_note}\n\nYour invitation:\n{answer_url}\n")
    sms = _("Cancelled: {event_title}, {event_time}. {reason}")
    reached = 0
    for channel, recipients in _notice_recipients(event, targets, extra).items():
        if recipients:
            create_campaign(
                kind="invitation_cancelled", topic="invitations", subject=_("Cancelled: {event_title}"),
                body_text=body, sms_text=sms if channel == "sms" else None, channels=(channel,),
                recipients=recipients, urgent=True, created_by=event.organizer,
                dedupe_key=f"invitations:{event.id}:cancelled:{channel}")
            reached += len(recipients)
    return reached


def _on_event_changed(sender, event=None, change=None, **extra):
    """Schedules the notice for the end of the change's minute (the periodic sweep is the net)."""
    if event is None or change is None:
        return
    try:
        from civic.invitations.tasks import announce_change_task

        start = change_window_start(change.created_at)
        delay = (start + CHANGE_WINDOW + CHANGE_GRACE - utcnow()).total_seconds()
        announce_change_task.schedule((event.id, start.isoformat()), delay=max(delay, 0))
    except Exception:  # noqa: BLE001 - the sweep sends it; the edit stays saved
        current_app.logger.exception("could not schedule the invitees' notice of event %s", event.id)


def _on_event_cancelled(sender, event=None, change=None, **extra):
    if event is None:
        return
    try:
        announce_cancellation(event)
    except Exception:  # noqa: BLE001 - a notice that fails must not undo the cancellation
        db.session.rollback()
        current_app.logger.exception("could not tell the invitees of event %s it is cancelled", event.id)


def connect_event_signals() -> None:
    """Called by create_app: invitations answer the events domain's announcements."""
    from civic.events.signals import event_cancelled, event_changed

    event_changed.connect(_on_event_changed)
    event_cancelled.connect(_on_event_cancelled)


# --------------------------------------------------------------------------- check-in


def check_in(inv: Invitation, user=None, method: str = "search") -> tuple[Invitation, bool]:
    """Mark arrival; a second check-in changes nothing and reports the first time."""
    if inv.checked_in_at is not None:
        return inv, False
    with transaction():
        # Re-read under the transaction so two organizers scanning at once keep the first time.
        updated = db.session.execute(
            sa.update(Invitation).where(Invitation.id == inv.id, Invitation.checked_in_at.is_(None))
            .values(checked_in_at=utcnow(), checkin_method=method, checked_in_by_id=user.id if user else None)
        ).rowcount
    db.session.refresh(inv)
    return inv, bool(updated)


def invitation_by_checkin_code(code: str | None) -> Invitation | None:
    if not code or len(code) < 32 or len(code) > 64:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.checkin_code == code))


def search_invitees(event, q: str) -> list[Invitation]:
    folded = fold(q)
    if not folded:
        return []
    rows = db.session.scalars(sa.select(Invitation).where(
        Invitation.event_id == event.id,
        sa.or_(Invitation.name_folded.contains(folded), sa.func.lower(Invitation.substitute_name).contains(q.lower())),
    )).all()
    if not rows:
        # Substitute names are stored with tone marks; compare folded in Python as a fallback.
        rows = [i for i in list_invitations(event) if folded in fold(i.substitute_name)]
    return sorted(rows, key=lambda i: i.name_key)[:50]


def add_walk_in(event, full_name: str, position: str = "", unit: str = "", user=None) -> Invitation:
    family, middle, given = split_full_name(clean_line(full_name))
    if not given:
        raise InvitationError(_("Enter the person's full name."))
    inv = Invitation(event_id=event.id, token=_new_token(), checkin_code=_new_token(), role="khach_moi",
                     source=_("Walk-in"), family_name=family, middle_name=middle, given_name=given,
                     position=clean_line(position)[:200], unit=clean_line(unit)[:200], is_walk_in=True,
                     status="attend", answered_at=utcnow(), answered_via="walk_in",
                     recorded_by_id=user.id if user else None,
                     checked_in_at=utcnow(), checkin_method="walk_in", checked_in_by_id=user.id if user else None)
    inv.name_folded = fold(inv.full_name)
    with transaction():
        db.session.add(inv)
    return inv


def tick_signed(event, invitation_ids: list[int], user=None) -> int:
    """Check in everyone ticked on the paper sign-in sheet, in one statement."""
    ids = {int(i) for i in invitation_ids}
    if not ids:
        return 0
    with transaction():
        count = db.session.execute(
            sa.update(Invitation)
            .where(Invitation.event_id == event.id, Invitation.id.in_(ids), Invitation.checked_in_at.is_(None))
            .values(checked_in_at=utcnow(), checkin_method="paper", checked_in_by_id=user.id if user else None)
        ).rowcount
    return count


def unit_of(inv: Invitation) -> str:
    return inv.unit or inv.residential_group_name or _("Other")


def section_of(inv: Invitation) -> str:
    """The sheet's and the report's unit rows: a tổ dân phố gathers its bí thư, tổ trưởng,
    Mặt trận… (each has a unit of their own); others by their unit."""
    return inv.residential_group_name or unit_of(inv)


_NUMBER = re.compile(r"(\d+)")


def unit_sort_key(name: str) -> tuple:
    """Units that carry a number sort by it ("Tổ dân phố số 2" before "… số 10"), the text
    around it in Vietnamese order; "Other" goes last."""
    if name == _("Other"):
        return (1,)
    parts = _NUMBER.split(name)
    return (0, *(int(p) if n % 2 else sort_key(p.strip()) for n, p in enumerate(parts)))


SHEET_GROUPINGS = ("ten", "don-vi")  # one list by given name (the default), or by unit


def sign_in_sheet(event, grouping: str = "ten") -> list[tuple[str, list[Invitation]]]:
    """Who signs: invitees who did not decline (and anyone already checked in). Default one
    list in Vietnamese name order (given, middle, family name), as wards sign; ``"don-vi"``
    groups by tổ dân phố, else by unit, numbered ones by their number. The tick page and report use the same order."""
    people = [i for i in list_invitations(event) if i.status != "decline" or i.present]
    if grouping != "don-vi":
        return [("", people)] if people else []
    groups: dict[str, list[Invitation]] = {}
    for inv in people:
        groups.setdefault(section_of(inv), []).append(inv)
    return [(unit, groups[unit]) for unit in sorted(groups, key=unit_sort_key)]


# --------------------------------------------------------------------------- report


def _counts(invs: list[Invitation]) -> dict[str, int]:
    return {
        "invited": len([i for i in invs if not i.is_walk_in]),
        "answered": sum(1 for i in invs if i.status != "pending" and not i.is_walk_in),
        "accepted": sum(1 for i in invs if i.status == "attend" and not i.is_walk_in),
        # Checking in wins: who declined and came anyway counts as present, not absent.
        "declined": sum(1 for i in invs if i.status == "decline" and not i.present),
        "substitutes": sum(1 for i in invs if i.status == "substitute"),
        "attended": sum(1 for i in invs if i.checked_in_at is not None),
        "walk_ins": sum(1 for i in invs if i.is_walk_in),
    }


def _report_group(inv: Invitation, groups: dict[int, ContactGroup], labels: dict[str, ContactGroup],
                  posts: dict[int, Post]) -> tuple[int, str]:
    """(rank, name): the invitation group, else the post's title (one row for every tổ's
    holder), else "Other". Rows older than ``group_id`` are matched by their source text."""
    group = groups.get(inv.group_id) if inv.group_id else None
    if group is None and inv.source:
        group = labels.get(inv.source.split(" (", 1)[0])
    if group is not None:
        return 0, group.name
    if inv.post_id and inv.post_id in posts:
        return 1, posts[inv.post_id].title
    return 2, _("Other")


def attendance_report(event) -> dict:
    invs = list_invitations(event)
    groups = {g.id: g for g in list_contact_groups()}
    labels = {_("Group: %(name)s", name=g.name): g for g in groups.values()}
    post_ids = {i.post_id for i in invs if i.post_id}
    posts = {p.id: p for p in db.session.scalars(sa.select(Post).where(Post.id.in_(post_ids)))} if post_ids else {}
    by_group: dict[tuple[int, str], list] = {}
    by_unit: dict[str, list] = {}
    for inv in invs:
        by_group.setdefault(_report_group(inv, groups, labels, posts), []).append(inv)
        by_unit.setdefault(section_of(inv), []).append(inv)
    return {
        "totals": _counts(invs),
        "by_group": [(name, _counts(by_group[(rank, name)]))
                     for rank, name in sorted(by_group, key=lambda k: (k[0], sort_key(k[1])))],
        "by_unit": [(k, _counts(by_unit[k])) for k in sorted(by_unit, key=unit_sort_key)],
    }


def answer_label(inv: Invitation, statuses: dict[str, str] | None = None) -> str:
    """The answer as the report shows it: checking in wins over a decline, which stays in view."""
    statuses = statuses or status_labels()
    if inv.declined_but_came:
        return _("Attended (had declined)")
    return statuses.get(inv.status, inv.status)


def report_chart_svg(totals: dict[str, int]) -> str:
    """A horizontal bar chart as SVG markup (attributes only, no inline style: CSP)."""
    from markupsafe import escape

    bars = [("invited", _("Invited")), ("answered", _("Answered")), ("accepted", _("Will attend")),
            ("substitutes", _("Substitutes")), ("attended", _("Attended"))]
    top = max([totals[k] for k, _label in bars] + [1])
    width, label_w, row_h = 560, 150, 34
    title = escape(_("Attendance chart"))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {row_h * len(bars) + 10}" '
             f'class="inv-chart" role="img" aria-label="{title}">']
    for n, (key, label) in enumerate(bars):
        y = 5 + n * row_h
        w = int((width - label_w - 60) * totals[key] / top)
        parts.append(f'<text x="0" y="{y + 20}" class="inv-chart-label">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1)}" height="22" rx="3" class="inv-bar inv-bar-{key}"/>')
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 20}" class="inv-chart-value">{totals[key]}</text>')
    parts.append("</svg>")
    return "".join(parts)


def report_xlsx(event) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from civic.core.phone import format_phone_local
    from civic.core.timeutil import format_datetime

    rep = attendance_report(event)
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    headers = [_("Invited"), _("Answered"), _("Will attend"), _("Declined"), _("Substitutes"), _("Attended"), _("Walk-ins")]
    keys = ["invited", "answered", "accepted", "declined", "substitutes", "attended", "walk_ins"]
    ws.append(safe_row([event.title]))
    ws.append(["", *headers])
    ws.append([_("Total"), *(rep["totals"][k] for k in keys)])
    ws.append([])
    ws.append([_("By group"), *headers])
    for name, c in rep["by_group"]:
        ws.append(safe_row([name, *(c[k] for k in keys)]))
    ws.append([])
    ws.append([_("By unit"), *headers])
    for name, c in rep["by_unit"]:
        ws.append(safe_row([name, *(c[k] for k in keys)]))
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 40
    detail = wb.create_sheet("Danh sách")
    statuses, roles = status_labels(), role_labels()
    detail.append([_("Item no."), _("Full name"), _("Position"), _("Unit"), _("Residential group"), _("Phone"), _("Attending as"),
                   _("Source"), _("Answer"), _("Substitute"), _("Reason"), _("Checked in")])
    for n, inv in enumerate(list_invitations(event), start=1):
        detail.append(safe_row([n, inv.full_name, inv.position, inv.unit, inv.residential_group_name, format_phone_local(inv.phone),
                       roles.get(inv.role, inv.role), inv.source, answer_label(inv, statuses),
                       clean_line(f"{inv.substitute_name} {inv.substitute_position}"), inv.reason,
                       format_datetime(inv.checked_in_at, with_weekday=False) if inv.checked_in_at else ""]))
    for cell in detail[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- letters


def letter_settings(event) -> LetterSettings:
    settings = db.session.scalar(sa.select(LetterSettings).where(LetterSettings.event_id == event.id))
    if settings is None:
        # Not saved yet: every field filled (column defaults only apply on insert, and a
        # transient None would print as "None"); the signer comes from the ward settings.
        ward = ward_settings()
        settings = LetterSettings(event_id=event.id, number=f"{event.id:02d}/GM-UBND", issued_on=local_today(),
                                  participants="", agenda="", contact_person="",
                                  signer_title=ward["signer_title"], signer_name=ward["signer_name"])
    return settings


def save_letter_settings(event, **values) -> LetterSettings:
    settings = letter_settings(event)
    for key in ("number", "participants", "agenda", "contact_person", "signer_title", "signer_name"):
        if key in values and values[key] is not None:
            setattr(settings, key, nfc(values[key]).strip())
    if values.get("issued_on"):
        settings.issued_on = values["issued_on"]
    with transaction():
        db.session.add(settings)
    return settings


def qr_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=3, border=2)


# --------------------------------------------------------------------------- who saw what


def record_access(user, action: str, event=None, fmt: str | None = None, rows: int | None = None) -> None:
    """Write to the audit log that ``user`` exported or printed personal data: the directory
    (no event) or an event's invitations (letters, sign-in sheet, attendance report)."""
    from civic.privacy.audit import record_and_commit

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
